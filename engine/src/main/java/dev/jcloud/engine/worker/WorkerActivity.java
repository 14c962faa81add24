package dev.jcloud.engine.worker;

import dev.jcloud.engine.proto.Activity;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Transfers (results fetched from peers) and spills (results moved to disk) this worker reports
 * to its scheduler for the dashboard's task stream. Reports are sampled, at most
 * {@link #MAX_PER_SECOND} a second, so a shuffle of a million small results does not double the
 * worker's traffic; the transfer count is exact (it travels in the heartbeat). Thread-safe.
 */
final class WorkerActivity {

    static final int MAX_PER_SECOND = 200;

    private final Consumer<Object> emit;
    private final AtomicLong transfers = new AtomicLong();
    private long windowStartMillis; // guarded by this
    private int inWindow; // guarded by this

    WorkerActivity(Consumer<Object> emit) {
        this.emit = emit;
    }

    static long nowMicros() {
        return System.currentTimeMillis() * 1000;
    }

    /** One fetch from {@code peer} of {@code keys} results ({@code bytes} in all) that started at {@code startMicros}. */
    void transfer(String peer, int keys, long bytes, long startMicros) {
        transfers.incrementAndGet();
        report(Activity.newBuilder()
                .setKind(Activity.Kind.TRANSFER)
                .setPeer(peer)
                .setKeys(keys)
                .setNbytes(bytes)
                .setStartMicros(startMicros)
                .setDurationMicros(Math.max(0, nowMicros() - startMicros))
                .build());
    }

    /** A spill the worker's store did: {@code bytes} moved to disk, starting at {@code startMicros}. */
    void spilled(long bytes, long startMicros, long durationMicros) {
        report(Activity.newBuilder()
                .setKind(Activity.Kind.SPILL)
                .setNbytes(bytes)
                .setStartMicros(startMicros)
                .setDurationMicros(durationMicros)
                .build());
    }

    /** Peer fetches completed since the worker started. */
    long transfers() {
        return transfers.get();
    }

    private void report(Activity a) {
        synchronized (this) {
            long now = System.currentTimeMillis();
            if (now - windowStartMillis >= 1000) {
                windowStartMillis = now;
                inWindow = 0;
            }
            if (inWindow >= MAX_PER_SECOND) {
                return;
            }
            inWindow++;
        }
        emit.accept(a);
    }
}
