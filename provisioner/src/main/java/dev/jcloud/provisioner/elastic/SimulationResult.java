package dev.jcloud.provisioner.elastic;

/**
 * What replaying one trace through one policy cost.
 *
 * @param trace                the trace's name
 * @param policy               the policy's name
 * @param billedWorkerSeconds  worker-seconds as the cloud bills them (minimums included, boot included)
 * @param dollars              billed worker-seconds × the worker's hourly price
 * @param makespanSeconds      from the start of the trace until its last task finished
 * @param workersLaunched      machines started
 * @param peakWorkers          most workers at once (booting ones included)
 * @param meanLatencySeconds   mean time from a task's arrival to its end
 * @param ledger               where the billed seconds and the latency went
 */
public record SimulationResult(
        String trace,
        String policy,
        long billedWorkerSeconds,
        double dollars,
        double makespanSeconds,
        int workersLaunched,
        int peakWorkers,
        double meanLatencySeconds,
        Ledger ledger) {

    /**
     * Where the billed worker-seconds and the waiting went. The first four add up to the billed
     * worker-seconds (less the rounding of each worker's bill up to a whole second).
     *
     * @param bootSeconds        worker-seconds billed from launch until registered (or retired first)
     * @param busySeconds        worker-seconds registered with at least one task running
     * @param idleSeconds        worker-seconds registered with no task running, until retired
     * @param minimumSeconds     worker-seconds billed for the minimum beyond a worker's life
     * @param lostWorkSeconds    thread-seconds of work lost with retired workers and run again
     * @param meanWaitSeconds    mean time from a task's arrival until it started (its last start)
     * @param meanRunSeconds     mean time a task ran: the latency is the wait plus this
     */
    public record Ledger(
            double bootSeconds,
            double busySeconds,
            double idleSeconds,
            double minimumSeconds,
            double lostWorkSeconds,
            double meanWaitSeconds,
            double meanRunSeconds) {}
}
