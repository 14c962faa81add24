package dev.jcloud.engine.worker;

import java.util.function.LongSupplier;

/**
 * The worker's heap as its memory watchdog sees it. The heap's own count includes garbage that no
 * collection has reclaimed yet, and a JVM grows its heap rather than collect early: a worker
 * moving large results can show most of its limit "in use" when little of it is live. Decisions
 * that cost something (moving results to disk, pausing) are made on the {@link #live} count.
 */
final class HeapGauge {

    /** The least time between two collections the watchdog asks for (each is a full pause). */
    static final long COLLECT_INTERVAL_MILLIS = 1000;

    private final LongSupplier inUse;
    private final Runnable collector;
    private final LongSupplier clock;
    private long lastCollectMillis;
    private boolean collected;
    private long liveAfterCollect;

    /** The running JVM's heap, collected with {@link System#gc()}. */
    static HeapGauge ofThisJvm() {
        Runtime rt = Runtime.getRuntime();
        return new HeapGauge(() -> rt.totalMemory() - rt.freeMemory(), System::gc, System::currentTimeMillis);
    }

    HeapGauge(LongSupplier inUse, Runnable collector, LongSupplier clock) {
        this.inUse = inUse;
        this.collector = collector;
        this.clock = clock;
    }

    /** Bytes in use by the heap's count, garbage included. */
    long inUse() {
        return inUse.getAsLong();
    }

    /**
     * Bytes still in use after a collection: collects when the last one is more than {@link
     * #COLLECT_INTERVAL_MILLIS} old; otherwise the lesser of the heap's count and the last
     * collection's (garbage made since is not counted until the next look).
     */
    long live() {
        if (!collected || clock.getAsLong() - lastCollectMillis > COLLECT_INTERVAL_MILLIS) {
            return collect();
        }
        return Math.min(inUse(), liveAfterCollect);
    }

    /** Collects now (results just moved to disk are garbage) and returns the bytes still in use. */
    long collect() {
        collector.run();
        lastCollectMillis = clock.getAsLong();
        collected = true;
        liveAfterCollect = inUse();
        return liveAfterCollect;
    }
}
