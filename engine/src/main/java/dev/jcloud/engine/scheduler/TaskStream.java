package dev.jcloud.engine.scheduler;

import dev.jcloud.engine.proto.Activity;
import dev.jcloud.engine.proto.KindStats;
import dev.jcloud.engine.proto.PerformanceData;
import dev.jcloud.engine.proto.StreamRecord;
import java.util.HashMap;
import java.util.Map;

/**
 * A fixed-size ring of recently finished tasks, transfers and spills for the dashboard's task
 * stream and for performance reports, owned by the scheduler loop. Recording is O(1) and
 * allocates nothing for tasks (parallel primitive and reference arrays, preallocated), so it can
 * sit in the hot path of a million-task graph.
 *
 * <p>Under load it samples: at most {@code budgetPerTick} tasks (and a smaller budget of
 * transfers and spills) are recorded between two ticks and the rest are only counted. The browser
 * never needs every bar of 40,000 tasks a second; it needs an honest picture of what each thread
 * is doing, which a bounded sample per tick gives. The per-kind totals ({@link #kindStats}) count
 * every task, sampled or not.
 */
final class TaskStream {

    static final byte TASK = 0;
    static final byte TRANSFER = 1;
    static final byte SPILL = 2;
    /** The task-stream row of transfers and spills: a worker's "io" lane, not one of its threads. */
    static final int IO_LANE = -1;
    /** Distinct kinds counted separately; more (a program generating kinds) share one entry. */
    static final int MAX_KINDS = 10_000;

    static final String OTHER_KINDS = "(other kinds)";

    private final int capacity;
    private final int budgetPerTick;
    private final int ioBudgetPerTick;
    private final String[] worker;
    private final int[] thread;
    private final String[] kind;
    private final long[] startMicros;
    private final long[] durationMicros;
    private final byte[] type;
    private final long[] nbytes;
    private final String[] peer;
    /** Every finished task by kind: count and total run time (micros); for reports. */
    private final Map<String, long[]> kindTotals = new HashMap<>();
    /** Sequence number of the next record; record {@code s} sits at {@code s % capacity}. */
    private long next;

    private int recordedThisTick;
    private int ioThisTick;
    private long skipped;

    TaskStream(int capacity, int budgetPerTick) {
        this(capacity, budgetPerTick, Math.max(1, budgetPerTick / 2));
    }

    TaskStream(int capacity, int budgetPerTick, int ioBudgetPerTick) {
        this.capacity = capacity;
        this.budgetPerTick = budgetPerTick;
        this.ioBudgetPerTick = ioBudgetPerTick;
        this.worker = new String[capacity];
        this.thread = new int[capacity];
        this.kind = new String[capacity];
        this.startMicros = new long[capacity];
        this.durationMicros = new long[capacity];
        this.type = new byte[capacity];
        this.nbytes = new long[capacity];
        this.peer = new String[capacity];
    }

    /** Called from the loop for each finished task; the strings are existing references, not copies. */
    void record(String workerName, int threadIndex, String kindName, long start, long duration) {
        long[] totals = kindTotals.get(kindName);
        if (totals == null) {
            totals = kindTotals.computeIfAbsent(
                    kindTotals.size() < MAX_KINDS ? kindName : OTHER_KINDS, k -> new long[2]);
        }
        totals[0]++;
        totals[1] += duration;
        if (recordedThisTick >= budgetPerTick) {
            skipped++;
            return;
        }
        recordedThisTick++;
        put(workerName, threadIndex, kindName, start, duration, TASK, 0, null);
    }

    /** Called from the loop for each transfer or spill a worker reported (workers sample them too). */
    void recordActivity(String workerName, Activity a) {
        if (ioThisTick >= ioBudgetPerTick) {
            return;
        }
        ioThisTick++;
        boolean transfer = a.getKind() == Activity.Kind.TRANSFER;
        put(
                workerName,
                IO_LANE,
                transfer ? "transfer" : "spill",
                a.getStartMicros(),
                Math.max(0, a.getDurationMicros()),
                transfer ? TRANSFER : SPILL,
                a.getNbytes(),
                transfer ? a.getPeer() : null);
    }

    private void put(
            String workerName,
            int threadIndex,
            String kindName,
            long start,
            long duration,
            byte t,
            long bytes,
            String from) {
        int i = (int) (next % capacity);
        worker[i] = workerName;
        thread[i] = threadIndex;
        kind[i] = kindName;
        startMicros[i] = start;
        durationMicros[i] = duration;
        type[i] = t;
        nbytes[i] = bytes;
        peer[i] = from;
        next++;
    }

    /** Starts a new sampling window; called once per scheduler tick. */
    void tick() {
        recordedThisTick = 0;
        ioThisTick = 0;
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
        Slice s = new Slice(first, n, skipped);
        for (int j = 0; j < n; j++) {
            int i = (int) ((first + j) % capacity);
            s.worker[j] = worker[i];
            s.thread[j] = thread[i];
            s.kind[j] = kind[i];
            s.startMicros[j] = startMicros[i];
            s.durationMicros[j] = durationMicros[i];
            s.type[j] = type[i];
            s.nbytes[j] = nbytes[i];
            s.peer[j] = peer[i];
        }
        return s;
    }

    /**
     * For a performance report: the records numbered {@code sinceSeq} and later that the ring
     * still holds, and every kind's totals. Called on the loop.
     */
    PerformanceData performance(long sinceSeq, long nowMillis) {
        PerformanceData.Builder out = PerformanceData.newBuilder()
                .setNowMillis(nowMillis)
                .setNextSeq(next)
                .setSkipped(skipped);
        long first = Math.max(Math.max(0, sinceSeq), next - Math.min(next, capacity));
        for (long seq = first; seq < next; seq++) {
            int i = (int) (seq % capacity);
            StreamRecord.Builder r = StreamRecord.newBuilder()
                    .setSeq(seq)
                    .setWorker(worker[i])
                    .setThread(thread[i])
                    .setKind(kind[i])
                    .setStartMicros(startMicros[i])
                    .setDurationMicros(durationMicros[i])
                    .setType(type[i])
                    .setNbytes(nbytes[i]);
            if (peer[i] != null) {
                r.setPeer(peer[i]);
            }
            out.addRecords(r);
        }
        kindTotals.forEach((name, t) ->
                out.addKinds(KindStats.newBuilder().setName(name).setCount(t[0]).setTotalMicros(t[1])));
        return out.build();
    }

    /**
     * Records {@code firstSeq .. firstSeq + size() - 1}, copied out of the ring; never mutated
     * after construction, so HTTP threads may read it freely.
     */
    static final class Slice {
        static final Slice EMPTY = new Slice(0, 0, 0);

        final long firstSeq;
        final String[] worker;
        final int[] thread;
        final String[] kind;
        final long[] startMicros;
        final long[] durationMicros;
        final byte[] type;
        final long[] nbytes;
        final String[] peer;
        final long skipped;

        private Slice(long firstSeq, int n, long skipped) {
            this.firstSeq = firstSeq;
            this.worker = new String[n];
            this.thread = new int[n];
            this.kind = new String[n];
            this.startMicros = new long[n];
            this.durationMicros = new long[n];
            this.type = new byte[n];
            this.nbytes = new long[n];
            this.peer = new String[n];
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
