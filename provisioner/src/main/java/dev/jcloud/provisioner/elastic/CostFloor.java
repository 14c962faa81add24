package dev.jcloud.provisioner.elastic;

/**
 * The least any scaling policy can pay on a trace while its tasks wait no longer, on average, than
 * a given mean latency: an offline bound that even a policy knowing the whole trace in advance
 * cannot beat, to tell "this policy could do better" from "no policy can".
 *
 * <p>The argument, for a simulator with a constant boot delay {@code b}, {@code n} threads per
 * worker and first-come-first-served dispatch (what {@link ClusterSimulator} models):
 *
 * <ol>
 *   <li><b>Capacity.</b> A policy that starts {@code K} workers in all (at most the maximum at
 *       once) never has more than {@code k = min(K, max)} workers registered at any moment, and
 *       none before {@code b} (the trace starts with no worker). So at every moment its registered
 *       threads are at most those of {@code k} workers started at 0 and never retired: the fixed
 *       cluster {@link FixedPolicy}{@code (k)}.</li>
 *   <li><b>Waiting.</b> Tasks are handed out in arrival order to free threads. With the tasks'
 *       order fixed, more threads available earlier never start a task later: by induction over
 *       the tasks, the sorted times at which the threads are next free are, one by one, no later
 *       with more capacity, so the next task's start, {@code max(arrival, previous start, earliest
 *       free thread)}, is no later either; a task lost with a retired worker only starts again
 *       later. So the policy's mean latency is at least {@code L(k)}, the fixed cluster's.</li>
 *   <li><b>Money.</b> Each started worker is billed at least its boot delay plus the time it ran
 *       tasks, and at least the minimum; the time running tasks adds up to at least the trace's
 *       thread-seconds of work over {@code n}. So the policy pays at least
 *       {@code max(K·minimum, K·b + work/n)} worker-seconds.</li>
 * </ol>
 *
 * <p>Hence a policy whose mean latency is at most {@code L*} started at least {@code K*} workers,
 * the fewest for which {@code L(K*) ≤ L*} (every smaller cluster is computed and found slower), and
 * paid at least the bound at {@code K*}. {@link #of} computes it by running the fixed cluster of
 * every size up to the maximum.
 */
public final class CostFloor {

    /**
     * The bound.
     *
     * @param latencyCeiling        the mean latency not to exceed, seconds
     * @param fewestWorkers         the fewest workers any policy meeting it must start (0: none can)
     * @param latencyWithFewest     the mean latency of that many workers up from the first possible moment
     * @param billedWorkerSeconds   the least billed worker-seconds of any policy meeting it
     *                              ({@link Double#POSITIVE_INFINITY} when none can)
     * @param dollars               the same in dollars
     */
    public record Bound(
            double latencyCeiling,
            int fewestWorkers,
            double latencyWithFewest,
            double billedWorkerSeconds,
            double dollars) {

        /** Whether some policy could meet the ceiling at all within the maximum. */
        public boolean feasible() {
            return fewestWorkers > 0;
        }
    }

    private CostFloor() {}

    /**
     * The least billed cost of any policy that keeps the mean task latency of {@code trace} at or
     * under {@code latencyCeiling} seconds on the cloud of {@code settings} (constant boot delay).
     */
    public static Bound of(ClusterSimulator.Settings settings, Trace trace, double latencyCeiling) {
        if (!settings.bootSamples().isEmpty()) {
            throw new IllegalArgumentException(
                    "the cost floor needs a constant boot delay (was " + settings.bootSamples() + " in turn)");
        }
        ClusterSimulator simulator = new ClusterSimulator(settings);
        for (int k = 1; k <= settings.maxWorkers(); k++) {
            double latency = simulator.run(trace, new FixedPolicy(k)).meanLatencySeconds();
            if (latency <= latencyCeiling) {
                double work = trace.totalWorkSeconds() / settings.threadsPerWorker();
                double seconds = Math.max(
                        k * (double) settings.billing().minimumSeconds(), k * settings.bootDelaySeconds() + work);
                return new Bound(latencyCeiling, k, latency, seconds, seconds / 3600 * settings.pricePerHour());
            }
        }
        return new Bound(latencyCeiling, 0, Double.NaN, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
    }
}
