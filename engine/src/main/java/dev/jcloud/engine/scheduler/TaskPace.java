package dev.jcloud.engine.scheduler;

/**
 * How long the cluster's tasks take lately, and from it how many tasks each worker keeps in
 * flight; and how fast workers fetch inputs from each other, which placement weighs against
 * waiting. One estimate for the whole cluster, not one per worker: a worker's first tasks load
 * classes, compile and grow the heap, and an estimate of its own, seeded by such a start, gave
 * that worker a queue of two while an equal peer got thirty, so ready work went
 * mostly to the peer and the cluster ran at one worker's speed.
 */
final class TaskPace {

    /** How much work, in seconds of measured task time, is kept queued on a worker beyond its threads. */
    static final double LOOKAHEAD_SECONDS = 0.02;

    static final int MAX_IN_FLIGHT = 10_000;
    /** Assumed duration of a task while none has finished (Dask uses the same default). */
    static final double UNKNOWN_SECONDS = 0.5;
    /** Assumed fetch rate between workers until one was measured (Dask's default), and the most counted on. */
    static final double UNKNOWN_BYTES_PER_SECOND = 100e6;
    /** Fetches smaller than this measure the round trip, not the rate. */
    private static final long MEASURED_FETCH_BYTES = 1 << 20;
    /** Weight of each new duration: about the last ten tasks count. */
    private static final double WEIGHT = 0.1;

    /** Mean recent task duration, seconds; negative until a task finished. */
    private double meanSeconds = -1;
    /** Recent rate of fetches between workers, start to last byte; negative until one was measured. */
    private double bytesPerSecond = -1;

    void observe(double seconds) {
        meanSeconds = meanSeconds < 0 ? seconds : meanSeconds + (seconds - meanSeconds) * WEIGHT;
    }

    /**
     * A fetch of {@code bytes} from a peer that took {@code micros} from request to last byte,
     * waiting for a busy peer included: the rate placement can count on, not the link's.
     */
    void observeFetch(long bytes, long micros) {
        if (bytes < MEASURED_FETCH_BYTES || micros <= 0) {
            return;
        }
        double rate = bytes / (micros / 1e6);
        bytesPerSecond = bytesPerSecond < 0 ? rate : bytesPerSecond + (rate - bytesPerSecond) * WEIGHT;
    }

    /**
     * Bytes a second placement counts on for a fetch from a peer: the measured rate, but never
     * more than {@link #UNKNOWN_BYTES_PER_SECOND}. A fetch costs more than its own time: both
     * ends spend processor time on it that tasks then lack (on loopback a fetch measures
     * gigabytes a second, and counting on that sent readers away from their inputs, so that
     * rounds fetching twice the data took twice as long).
     */
    double bytesPerSecond() {
        return bytesPerSecond < 0 ? UNKNOWN_BYTES_PER_SECOND : Math.min(bytesPerSecond, UNKNOWN_BYTES_PER_SECOND);
    }

    /** Mean recent task duration in seconds, or the assumed one while none has finished. */
    double meanSeconds() {
        return meanSeconds < 0 ? UNKNOWN_SECONDS : meanSeconds;
    }

    /**
     * Tasks to keep in flight on a worker of {@code nthreads}: every thread busy plus enough queued
     * work to cover the round trip of a result batch. Tiny tasks get thousands in flight; one-minute
     * tasks one spare each.
     */
    int capacity(int nthreads) {
        double mean = meanSeconds < 0 ? UNKNOWN_SECONDS : Math.max(meanSeconds, 1e-6);
        long extra = (long) Math.ceil(nthreads * LOOKAHEAD_SECONDS / mean);
        return (int) Math.min(MAX_IN_FLIGHT, nthreads + Math.max(1, extra));
    }
}
