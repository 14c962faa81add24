package dev.jcloud.provisioner.elastic;

/**
 * The demand estimate of Dask's {@code Scheduler.adaptive_target}, shared by both adaptive
 * policies: the CPU target is {@code ceil(occupancy / targetDuration)} threads, capped by the
 * number of runnable (queued + running) tasks so a few long tasks do not ask for many cores,
 * divided by the threads of a worker; the memory target is twice the workers when stored bytes
 * exceed 60 % of the summed memory limits.
 *
 * <p>One deliberate difference from Dask's code: Dask divides by threads per worker only when
 * some worker is registered (with none, its target is in threads). Here the division always
 * happens, as FIELD-NOTES describes it; that favours the Dask port (it launches fewer workers
 * from zero), so any saving measured against it is not inflated by that quirk.
 */
public final class AdaptiveTarget {

    private AdaptiveTarget() {}

    /** Threads the queued and running work asks for, before division into workers. */
    public static int cpuThreads(ClusterSnapshot s, double targetDurationSeconds) {
        int cpu = (int) Math.ceil(s.occupancySeconds() / targetDurationSeconds - 1e-9);
        int runnable = s.queuedTasks() + s.runningTasks();
        return Math.min(cpu, runnable);
    }

    /** Workers the work asks for (Dask's cpu target). */
    public static int cpuWorkers(ClusterSnapshot s, double targetDurationSeconds) {
        int workers = ceilDiv(cpuThreads(s, targetDurationSeconds), s.threadsPerWorker());
        if (s.queuedTasks() > 0 && s.readyWorkers().isEmpty()) {
            workers = Math.max(1, workers);
        }
        return workers;
    }

    /** Workers memory pressure asks for: 2 × registered workers above 60 % of the limits, else 0. */
    public static int memoryWorkers(ClusterSnapshot s) {
        long limit = s.memoryLimitBytes();
        return limit > 0 && s.storedBytes() > 0.6 * limit ? 2 * s.readyWorkers().size() : 0;
    }

    /** max(cpu, memory): the demand before scale-down and min/max rules. */
    public static int demand(ClusterSnapshot s, double targetDurationSeconds) {
        return Math.max(cpuWorkers(s, targetDurationSeconds), memoryWorkers(s));
    }

    static int ceilDiv(int a, int b) {
        return a <= 0 ? 0 : (a + b - 1) / b;
    }
}
