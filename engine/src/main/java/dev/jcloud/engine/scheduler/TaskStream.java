package dev.jcloud.engine.scheduler;

/**
 * A fixed-size ring of recently finished tasks for the dashboard's task stream, owned by the
 * scheduler loop. Recording is O(1) and allocates nothing (parallel primitive and reference
 * arrays, preallocated), so it can sit in the hot path of a million-task graph.
 *
 * <p>Under load it samples: at most {@code budgetPerTick} tasks are recorded between two ticks
 * and the rest are only counted. The browser never needs every bar of 40,000 tasks a second; it
 * needs an honest picture of what each thread is doing, which a bounded sample per tick gives.
 */
final class TaskStream {

    private final int capacity;
    private final int budgetPerTick;
    private final String[] worker;
    private final int[] thread;
    private final String[] kind;
    private final long[] startMicros;
    private final long[] durationMicros;
    /** Sequence number of the next record; record {@code s} sits at {@code s % capacity}. */
    private long next;
    private int recordedThisTick;
    private long skipped;

    TaskStream(int capacity, int budgetPerTick) {
        this.capacity = capacity;
        this.budgetPerTick = budgetPerTick;
        this.worker = new String[capacity];
        this.thread = new int[capacity];
        this.kind = new String[capacity];
        this.startMicros = new long[capacity];
        this.durationMicros = new long[capacity];
    }

    /** Called from the loop for each finished task; the strings are existing references, not copies. */
    void record(String workerName, int threadIndex, String kindName, long start, long duration) {
        if (recordedThisTick >= budgetPerTick) {
            skipped++;
            return;
        }
        recordedThisTick++;
        int i = (int) (next % capacity);
        worker[i] = workerName;
        thread[i] = threadIndex;
        kind[i] = kindName;
        startMicros[i] = start;
        durationMicros[i] = duration;
        next++;
    }

    /** Starts a new sampling window; called once per scheduler tick. */
    void tick() {
        recordedThisTick = 0;
    }

    long next() {
        return next;
    }

    long skipped() {
        return skipped;
    }

    /** Copies the records still in the ring, oldest first, into an immutable view. */
    Slice slice() {
        int n = (int) Math.min(next, capacity);
        long first = next - n;
        String[] w = new String[n];
        int[] th = new int[n];
        String[] k = new String[n];
        long[] s = new long[n];
        long[] d = new long[n];
        for (int j = 0; j < n; j++) {
            int i = (int) ((first + j) % capacity);
            w[j] = worker[i];
            th[j] = thread[i];
            k[j] = kind[i];
            s[j] = startMicros[i];
            d[j] = durationMicros[i];
        }
        return new Slice(first, w, th, k, s, d, skipped);
    }

    /**
     * Records {@code firstSeq .. firstSeq + size() - 1}, copied out of the ring; never mutated
     * after construction, so HTTP threads may read it freely.
     */
    static final class Slice {
        static final Slice EMPTY = new Slice(0, new String[0], new int[0], new String[0], new long[0], new long[0], 0);

        final long firstSeq;
        final String[] worker;
        final int[] thread;
        final String[] kind;
        final long[] startMicros;
        final long[] durationMicros;
        final long skipped;

        Slice(long firstSeq, String[] worker, int[] thread, String[] kind, long[] startMicros,
              long[] durationMicros, long skipped) {
            this.firstSeq = firstSeq;
            this.worker = worker;
            this.thread = thread;
            this.kind = kind;
            this.startMicros = startMicros;
            this.durationMicros = durationMicros;
            this.skipped = skipped;
        }

        int size() {
            return worker.length;
        }

        long endSeq() {
            return firstSeq + worker.length;
        }
    }
}
