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
    private long windowStartMillis;   // guarded by this
    private int inWindow;             // guarded by this
    private long lastSpilledBytes;    // guarded by this

    WorkerActivity(Consumer<Object> emit) {
        this.emit = emit;
    }

    static long nowMicros() {
        return System.currentTimeMillis() * 1000;
    }

    /** One fetch from {@code peer} of {@code keys} results ({@code bytes} in all) that started at {@code startMicros}. */
    void transfer(String peer, int keys, long bytes, long startMicros) {
        transfers.incrementAndGet();
        report(Activity.newBuilder().setKind(Activity.Kind.TRANSFER).setPeer(peer).setKeys(keys).setNbytes(bytes)
                .setStartMicros(startMicros).setDurationMicros(Math.max(0, nowMicros() - startMicros)).build());
    }

    /**
     * A spill this worker started and timed itself; {@code spilledBytesNow} is the store's figure
     * afterwards, so that the next {@link #observeSpilled} does not report the same bytes again.
     */
    synchronized void spilled(long bytes, long startMicros, long durationMicros, long spilledBytesNow) {
        lastSpilledBytes = spilledBytesNow;
        spill(bytes, startMicros, durationMicros);
    }

    private void spill(long bytes, long startMicros, long durationMicros) {
        report(Activity.newBuilder().setKind(Activity.Kind.SPILL).setNbytes(bytes).setStartMicros(startMicros)
                .setDurationMicros(durationMicros).build());
    }

    /**
     * Spills the store did on its own (when a new result pushed it past its threshold) are seen
     * by polling its spilled-bytes figure: a rise since the last poll is reported as a spill at
     * this moment (duration unknown, so 0). A result removed in the same interval hides as many
     * bytes; the figure on the worker table stays exact.
     */
    synchronized void observeSpilled(long spilledBytesNow) {
        if (spilledBytesNow > lastSpilledBytes) {
            spill(spilledBytesNow - lastSpilledBytes, nowMicros(), 0);
        }
        lastSpilledBytes = spilledBytesNow;
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
