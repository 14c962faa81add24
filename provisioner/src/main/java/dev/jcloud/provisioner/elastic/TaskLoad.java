package dev.jcloud.provisioner.elastic;

/**
 * The scheduler's view of one kind of task (a task "prefix" in Dask's terms).
 *
 * @param kind                the kind's name
 * @param queued              tasks ready but not started
 * @param running             tasks running on a worker thread
 * @param meanDurationSeconds measured mean run time, or NaN while none of this kind has finished
 */
public record TaskLoad(String kind, int queued, int running, double meanDurationSeconds) {

    /** Dask's {@code distributed.scheduler.unknown-task-duration}: the guess before a measurement. */
    public static final double UNKNOWN_DURATION_SECONDS = 0.5;

    /** The measured mean, or the 0.5 s guess Dask also uses. */
    public double expectedDurationSeconds() {
        return Double.isNaN(meanDurationSeconds) ? UNKNOWN_DURATION_SECONDS : meanDurationSeconds;
    }

    /** Expected seconds of work queued and running (Dask's occupancy contribution). */
    public double occupancySeconds() {
        return (queued + running) * expectedDurationSeconds();
    }
}
