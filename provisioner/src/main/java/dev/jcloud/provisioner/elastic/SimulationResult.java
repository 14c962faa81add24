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
 */
public record SimulationResult(
        String trace,
        String policy,
        long billedWorkerSeconds,
        double dollars,
        double makespanSeconds,
        int workersLaunched,
        int peakWorkers,
        double meanLatencySeconds) {}
