package dev.jcloud.engine.scheduler;

import dev.jcloud.engine.proto.ClusterInfo;
import dev.jcloud.engine.proto.Heartbeat;
import dev.jcloud.engine.proto.TaskCounts;
import dev.jcloud.engine.proto.WorkerInfo;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the dashboard shows, as of one scheduler tick. Built on the loop thread and never mutated
 * afterwards, so HTTP threads serialize it without touching scheduler state.
 *
 * @param nowMillis      scheduler clock when the snapshot was taken
 * @param info           cluster, task counts and the worker table
 * @param tasksPerSecond smoothed completion rate
 * @param kinds          per-kind progress of the current computations
 * @param stream         recent (sampled) finished tasks, transfers and spills
 * @param cluster        the cluster panel: published gauges (cost, adaptive target) and their history
 */
record DashboardSnapshot(
        long nowMillis,
        ClusterInfo info,
        double tasksPerSecond,
        List<KindProgress> kinds,
        TaskStream.Slice stream,
        ClusterPanel cluster) {

    /** Worker memory thresholds assumed for workers that do not report theirs (the worker defaults). */
    static final double SPILL_FRACTION = 0.6;

    static final double PAUSE_FRACTION = 0.8;
    static final double TERMINATE_FRACTION = 0.95;
    /** Events are cached per resume point; a handful of distinct points exist at a time. */
    private static final int MAX_CACHED_EVENTS = 16;

    static final DashboardSnapshot EMPTY =
            new DashboardSnapshot(0, ClusterInfo.getDefaultInstance(), 0, List.of(), TaskStream.Slice.EMPTY);

    DashboardSnapshot(
            long nowMillis,
            ClusterInfo info,
            double tasksPerSecond,
            List<KindProgress> kinds,
            TaskStream.Slice stream) {
        this(nowMillis, info, tasksPerSecond, kinds, stream, ClusterPanel.empty());
    }

    /** The same tick with the cluster panel filled in. */
    DashboardSnapshot withCluster(ClusterPanel panel) {
        return new DashboardSnapshot(nowMillis, info, tasksPerSecond, kinds, stream, panel);
    }

    /**
     * Progress of one kind of task (one function).
     *
     * @param done tasks of this kind that finished, some of which may still be in memory
     */
    record KindProgress(
            String name,
            long total,
            long done,
            long memory,
            long processing,
            long waiting,
            long erred,
            double meanSeconds) {}

    /**
     * The cluster panel's part: what extensions published and the sampled history.
     *
     * @param gauges       cluster gauges by name
     * @param workerGauges gauge → worker → value
     * @param history      workers, adaptive target and cost over time
     * @param events       serialized events of this snapshot by resume point (a cache shared by
     *                     every open stream; not part of the value)
     */
    record ClusterPanel(
            Map<String, Double> gauges,
            Map<String, Map<String, Double>> workerGauges,
            ClusterHistory.Slice history,
            Map<String, byte[]> events) {
        /** A panel with nothing published; each snapshot needs its own (the event cache is per snapshot). */
        static ClusterPanel empty() {
            return new ClusterPanel(Map.of(), Map.of(), ClusterHistory.Slice.EMPTY);
        }

        ClusterPanel(
                Map<String, Double> gauges,
                Map<String, Map<String, Double>> workerGauges,
                ClusterHistory.Slice history) {
            this(gauges, workerGauges, history, new ConcurrentHashMap<>());
        }
    }

    /** The whole snapshot as JSON (for {@code /api/snapshot} and a stream's first event). */
    String toJson() {
        return toJson(0, 0);
    }

    /**
     * One server-sent event ({@code data: <json>\n\n}) for a stream that has the task-stream records
     * before {@code streamSince} and the history samples before {@code historySince}. Streams that
     * connected together resume at the same points, so the bytes are built once per snapshot and
     * point.
     */
    byte[] event(long streamSince, long historySince) {
        String key = streamSince + ":" + historySince;
        Map<String, byte[]> cache = cluster.events();
        byte[] cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        byte[] bytes = ("data: " + toJson(streamSince, historySince) + "\n\n").getBytes(StandardCharsets.UTF_8);
        if (cache.size() < MAX_CACHED_EVENTS) {
            cache.put(key, bytes);
        }
        return bytes;
    }

    /** The snapshot as JSON, with task-stream records and history samples numbered from the given points. */
    String toJson(long streamSince, long historySince) {
        StringBuilder out = new StringBuilder(2048 + stream.size() * 72 + info.getWorkersCount() * 420);
        TaskCounts t = info.getTasks();
        out.append("{\"now\":")
                .append(nowMillis)
                .append(",\"started\":")
                .append(info.getStartedMillis())
                .append(",\"scheduler\":")
                .append(str(info.getSchedulerAddress()))
                .append(",\"version\":")
                .append(str(info.getEngineVersion()))
                .append(",\"clients\":")
                .append(info.getClients())
                .append(",\"rate\":")
                .append(num(tasksPerSecond))
                .append(",\"idleSince\":")
                .append(info.getIdleSinceMillis())
                .append(",\"idleTimeout\":")
                .append(info.getIdleTimeoutMillis())
                .append(",\"spillFraction\":")
                .append(SPILL_FRACTION)
                .append(",\"pauseFraction\":")
                .append(PAUSE_FRACTION)
                .append(",\"tasks\":{\"waiting\":")
                .append(t.getWaiting() + t.getReady())
                .append(",\"processing\":")
                .append(t.getProcessing())
                .append(",\"memory\":")
                .append(t.getMemory())
                .append(",\"erred\":")
                .append(t.getErred())
                .append(",\"completed\":")
                .append(t.getCompletedTotal())
                .append(",\"failed\":")
                .append(t.getFailedTotal())
                .append(",\"submitted\":")
                .append(t.getSubmittedTotal())
                .append('}');
        out.append(",\"kinds\":[");
        for (int i = 0; i < kinds.size(); i++) {
            KindProgress k = kinds.get(i);
            out.append(i == 0 ? "" : ",")
                    .append("{\"name\":")
                    .append(str(k.name()))
                    .append(",\"total\":")
                    .append(k.total())
                    .append(",\"done\":")
                    .append(k.done())
                    .append(",\"memory\":")
                    .append(k.memory())
                    .append(",\"processing\":")
                    .append(k.processing())
                    .append(",\"waiting\":")
                    .append(k.waiting())
                    .append(",\"erred\":")
                    .append(k.erred())
                    .append(",\"mean\":")
                    .append(num(Math.max(0, k.meanSeconds())))
                    .append('}');
        }
        out.append("],\"workers\":[");
        for (int i = 0; i < info.getWorkersCount(); i++) {
            WorkerInfo w = info.getWorkers(i);
            Heartbeat h = w.getLast();
            out.append(i == 0 ? "" : ",")
                    .append("{\"name\":")
                    .append(str(w.getName()))
                    .append(",\"address\":")
                    .append(str(w.getAddress()))
                    .append(",\"threads\":")
                    .append(w.getNthreads())
                    .append(",\"memoryLimit\":")
                    .append(w.getMemoryLimit())
                    .append(",\"spillFraction\":")
                    .append(num(spill(w)))
                    .append(",\"pauseFraction\":")
                    .append(num(pause(w)))
                    .append(",\"terminateFraction\":")
                    .append(num(terminate(w)))
                    .append(",\"heapUsed\":")
                    .append(h.getHeapUsed())
                    .append(",\"heapMax\":")
                    .append(h.getHeapMax())
                    .append(",\"stored\":")
                    .append(h.getStoredBytes())
                    .append(",\"spilled\":")
                    .append(h.getSpilledBytes())
                    .append(",\"processing\":")
                    .append(w.getProcessing())
                    .append(",\"executing\":")
                    .append(h.getExecuting())
                    .append(",\"held\":")
                    .append(w.getHeld())
                    .append(",\"cpu\":")
                    .append(num(h.getCpu()))
                    .append(",\"bytesIn\":")
                    .append(h.getBytesIn())
                    .append(",\"bytesOut\":")
                    .append(h.getBytesOut())
                    .append(",\"transfers\":")
                    .append(h.getTransfers())
                    .append(",\"paused\":")
                    .append(h.getPaused())
                    .append(",\"retiring\":")
                    .append(w.getRetiring())
                    .append(",\"uptime\":")
                    .append(Math.max(0, nowMillis - w.getConnectedMillis()))
                    .append(",\"gauges\":{");
            boolean firstGauge = true;
            for (Map.Entry<String, Map<String, Double>> g :
                    cluster.workerGauges().entrySet()) {
                Double v = g.getValue().get(w.getName());
                if (v != null) {
                    out.append(firstGauge ? "" : ",")
                            .append(str(g.getKey()))
                            .append(':')
                            .append(num(v));
                    firstGauge = false;
                }
            }
            out.append("}}");
        }
        // Records as arrays [seq, worker, thread, kind, startMicros, durationMicros, type, bytes],
        // compact: worker and kind are indexes into "names" (the same few strings repeat thousands
        // of times), start is relative to "base"; the seq lets the page drop a record it already
        // has. Type 0 is a task, 1 a transfer, 2 a spill; those two have thread -1 (the io lane).
        Map<String, Integer> names = new java.util.LinkedHashMap<>();
        long base = Long.MAX_VALUE;
        for (int j = 0; j < stream.size(); j++) {
            if (stream.firstSeq + j >= streamSince) {
                base = Math.min(base, stream.startMicros[j]);
            }
        }
        StringBuilder records = new StringBuilder(stream.size() * 40);
        boolean first = true;
        for (int j = 0; j < stream.size(); j++) {
            long seq = stream.firstSeq + j;
            if (seq < streamSince) {
                continue;
            }
            int worker = names.computeIfAbsent(stream.worker[j], n -> names.size());
            int kind = names.computeIfAbsent(stream.kind[j], n -> names.size());
            records.append(first ? "[" : ",[")
                    .append(seq)
                    .append(',')
                    .append(worker)
                    .append(',')
                    .append(stream.thread[j])
                    .append(',')
                    .append(kind)
                    .append(',')
                    .append(stream.startMicros[j] - base)
                    .append(',')
                    .append(stream.durationMicros[j])
                    .append(',')
                    .append(stream.type[j])
                    .append(',')
                    .append(stream.nbytes[j])
                    .append(']');
            first = false;
        }
        out.append("],\"stream\":{\"skipped\":")
                .append(stream.skipped)
                .append(",\"base\":")
                .append(base == Long.MAX_VALUE ? 0 : base)
                .append(",\"names\":[");
        first = true;
        for (String n : names.keySet()) {
            out.append(first ? "" : ",").append(str(n));
            first = false;
        }
        out.append("],\"records\":[").append(records);
        out.append("]},\"cluster\":{\"gauges\":{");
        boolean firstGauge = true;
        for (Map.Entry<String, Double> g : cluster.gauges().entrySet()) {
            out.append(firstGauge ? "" : ",")
                    .append(str(g.getKey()))
                    .append(':')
                    .append(num(g.getValue()));
            firstGauge = false;
        }
        // History samples as [seq, millis, workers, adaptiveTarget, dollarsPerHour, dollarsTotal];
        // a gauge nobody published is null.
        ClusterHistory.Slice h = cluster.history();
        out.append("},\"history\":[");
        first = true;
        for (int j = 0; j < h.size(); j++) {
            long seq = h.firstSeq + j;
            if (seq < historySince) {
                continue;
            }
            out.append(first ? "[" : ",[")
                    .append(seq)
                    .append(',')
                    .append(h.millis[j])
                    .append(',')
                    .append(h.workers[j])
                    .append(',')
                    .append(numOrNull(h.target[j]))
                    .append(',')
                    .append(numOrNull(h.perHour[j]))
                    .append(',')
                    .append(numOrNull(h.total[j]))
                    .append(']');
            first = false;
        }
        out.append("]}}");
        return out.toString();
    }

    static double spill(WorkerInfo w) {
        return w.getSpillFraction() > 0 ? w.getSpillFraction() : SPILL_FRACTION;
    }

    static double pause(WorkerInfo w) {
        return w.getPauseFraction() > 0 ? w.getPauseFraction() : PAUSE_FRACTION;
    }

    static double terminate(WorkerInfo w) {
        return w.getTerminateFraction() > 0 ? w.getTerminateFraction() : TERMINATE_FRACTION;
    }

    private static String num(double d) {
        return Double.isFinite(d) ? String.format(Locale.ROOT, "%.4f", d) : "0";
    }

    private static String numOrNull(double d) {
        return Double.isFinite(d) ? String.format(Locale.ROOT, "%.4f", d) : "null";
    }

    static String str(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
