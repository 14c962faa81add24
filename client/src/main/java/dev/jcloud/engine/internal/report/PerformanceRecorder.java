package dev.jcloud.engine.internal.report;

import dev.jcloud.engine.proto.ClusterInfo;
import dev.jcloud.engine.proto.KindStats;
import dev.jcloud.engine.proto.PerformanceData;
import dev.jcloud.engine.proto.StreamRecord;
import dev.jcloud.engine.proto.WorkerInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects what a performance report shows while a block of work runs: every second it takes the
 * scheduler's new task-stream records (sampled there, thinned here past {@link #MAX_RECORDS}) and
 * each worker's memory; at the end, the exact per-kind totals since the start. Memory held is
 * bounded however long the block runs.
 */
public final class PerformanceRecorder {

    private static final Logger LOG = LoggerFactory.getLogger(PerformanceRecorder.class);
    static final int MAX_RECORDS = 20_000;
    static final int MAX_SAMPLES_PER_WORKER = 1_000;
    private static final long POLL_MILLIS = 1000;

    /** Where the data comes from: the scheduler, through a client. */
    public interface Source {
        PerformanceData performance(long sinceSeq);

        ClusterInfo info();
    }

    private final Source source;
    private final ScheduledExecutorService timer;
    private final long startMillis;
    private final Map<String, long[]> kindsAtStart = new HashMap<>();
    private final long skippedAtStart;
    private final Map<String, WorkerInfo> workersAtStart = new LinkedHashMap<>();
    // Guarded by this.
    private final Thinned<StreamRecord> records = new Thinned<>(MAX_RECORDS);
    private final Map<String, Thinned<ReportData.MemorySample>> memory = new LinkedHashMap<>();
    private final Map<String, WorkerInfo> workersSeen = new LinkedHashMap<>();
    private long nextSeq;
    private long lostRecords;
    private String problem;
    private boolean finished;

    public PerformanceRecorder(Source source) {
        this.source = source;
        PerformanceData baseline = source.performance(Long.MAX_VALUE);
        ClusterInfo info = source.info();
        this.startMillis = System.currentTimeMillis();
        this.nextSeq = baseline.getNextSeq();
        this.skippedAtStart = baseline.getSkipped();
        baseline.getKindsList()
                .forEach(k -> kindsAtStart.put(k.getName(), new long[] {k.getCount(), k.getTotalMicros()}));
        info.getWorkersList().forEach(w -> workersAtStart.put(w.getName(), w));
        sampleMemory(info, startMillis);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jcloud-performance-report");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::pollQuietly, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void pollQuietly() {
        try {
            poll();
        } catch (RuntimeException e) {
            // The next poll (or the last one, at the end) tries again; the report says if data is missing.
            LOG.debug("performance report: poll failed: {}", e.toString());
        }
    }

    private synchronized void poll() {
        if (finished) {
            return;
        }
        PerformanceData data = source.performance(nextSeq);
        long first = data.getRecordsCount() == 0
                ? data.getNextSeq()
                : data.getRecords(0).getSeq();
        if (first > nextSeq) {
            // The scheduler's ring turned over between two polls: those records were not seen.
            lostRecords += first - nextSeq;
        }
        for (StreamRecord r : data.getRecordsList()) {
            records.add(r);
        }
        nextSeq = data.getNextSeq();
        long now = System.currentTimeMillis();
        ClusterInfo info = source.info();
        sampleMemory(info, now);
    }

    private void sampleMemory(ClusterInfo info, long now) {
        for (WorkerInfo w : info.getWorkersList()) {
            workersSeen.put(w.getName(), w);
            memory.computeIfAbsent(w.getName(), n -> new Thinned<>(MAX_SAMPLES_PER_WORKER))
                    .add(new ReportData.MemorySample(
                            now,
                            w.getLast().getHeapUsed(),
                            w.getMemoryLimit(),
                            w.getLast().getStoredBytes(),
                            w.getLast().getSpilledBytes()));
        }
    }

    /** Stops polling, takes the last data and returns everything for the report. */
    public synchronized ReportData finish() {
        timer.shutdownNow();
        PerformanceData last = null;
        try {
            poll();
            last = source.performance(Long.MAX_VALUE);
        } catch (RuntimeException e) {
            problem = "the scheduler did not answer at the end of the block (" + e.getMessage()
                    + "); the report shows what was collected before";
        }
        finished = true;
        long endMillis = System.currentTimeMillis();
        List<ReportData.KindTotal> kinds = new ArrayList<>();
        long skipped = 0;
        if (last != null) {
            for (KindStats k : last.getKindsList()) {
                long[] before = kindsAtStart.getOrDefault(k.getName(), new long[2]);
                long count = k.getCount() - before[0];
                if (count > 0) {
                    kinds.add(new ReportData.KindTotal(k.getName(), count, k.getTotalMicros() - before[1]));
                }
            }
            skipped = last.getSkipped() - skippedAtStart;
        }
        Map<String, List<ReportData.MemorySample>> series = new LinkedHashMap<>();
        memory.forEach((name, samples) -> series.put(name, samples.items()));
        return new ReportData(
                startMillis,
                endMillis,
                records.items(),
                records.stride(),
                kinds,
                skipped,
                lostRecords,
                Map.copyOf(workersAtStart),
                new LinkedHashMap<>(workersSeen),
                series,
                problem);
    }

    /**
     * A list that keeps at most {@code max} items however many are added: when full it drops
     * every other item and from then on keeps one in {@code stride} — an even thinning over
     * time, not just the most recent.
     */
    static final class Thinned<T> {
        private final int max;
        private final List<T> items = new ArrayList<>();
        private int stride = 1;
        private long added;

        Thinned(int max) {
            this.max = max;
        }

        void add(T item) {
            if (added++ % stride != 0) {
                return;
            }
            if (items.size() >= max) {
                List<T> kept = new ArrayList<>(max / 2 + 1);
                for (int i = 0; i < items.size(); i += 2) {
                    kept.add(items.get(i));
                }
                items.clear();
                items.addAll(kept);
                stride *= 2;
                if ((added - 1) % stride != 0) {
                    return;
                }
            }
            items.add(item);
        }

        List<T> items() {
            return List.copyOf(items);
        }

        int stride() {
            return stride;
        }
    }
}
