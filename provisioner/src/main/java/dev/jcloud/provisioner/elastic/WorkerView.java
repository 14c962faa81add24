package dev.jcloud.provisioner.elastic;

/**
 * One worker as the controller sees it.
 *
 * @param id               the worker's one identity (the same everywhere: see FIELD-NOTES, #6801)
 * @param launchedAt       when the machine was requested, in seconds on the controller's clock;
 *                         billing counts from here
 * @param ready            whether it has registered with the scheduler (false while booting)
 * @param busyThreads      threads running a task
 * @param idleSince        when it last became idle, NaN while busy or booting
 * @param storedBytes      bytes of results it holds
 * @param memoryLimitBytes its memory limit (0 when unknown)
 * @param waiting          not started by the platform yet (a batch job in its queue): it holds
 *                         nothing and costs nothing, so shrinking gives it up before any other
 */
public record WorkerView(
        int id,
        double launchedAt,
        boolean ready,
        int busyThreads,
        double idleSince,
        long storedBytes,
        long memoryLimitBytes,
        boolean waiting) {

    /** A worker the platform has started (or is starting): not {@link #waiting}. */
    public WorkerView(
            int id,
            double launchedAt,
            boolean ready,
            int busyThreads,
            double idleSince,
            long storedBytes,
            long memoryLimitBytes) {
        this(id, launchedAt, ready, busyThreads, idleSince, storedBytes, memoryLimitBytes, false);
    }

    /** Ready and running nothing. */
    public boolean idle() {
        return ready && busyThreads == 0;
    }

    /** Seconds since launch at {@code now}. */
    public double age(double now) {
        return now - launchedAt;
    }

    /** Seconds idle at {@code now}, 0 if busy or booting. */
    public double idleFor(double now) {
        return idle() && !Double.isNaN(idleSince) ? now - idleSince : 0;
    }
}
