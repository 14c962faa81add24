package dev.jcloud.engine.scheduler;

import dev.jcloud.engine.proto.ClusterInfo;
import dev.jcloud.engine.proto.Heartbeat;
import dev.jcloud.engine.proto.TaskCounts;
import dev.jcloud.engine.proto.WorkerInfo;
import java.util.List;
import java.util.Locale;

/**
 * What the dashboard shows, as of one scheduler tick. Built on the loop thread and never mutated
 * afterwards, so HTTP threads serialize it without touching scheduler state.
 *
 * @param nowMillis      scheduler clock when the snapshot was taken
 * @param info           cluster, task counts and the worker table
 * @param tasksPerSecond smoothed completion rate
 * @param kinds          per-kind progress of the current computations
 * @param stream         recent (sampled) finished tasks
 */
record DashboardSnapshot(long nowMillis, ClusterInfo info, double tasksPerSecond, List<KindProgress> kinds,
                         TaskStream.Slice stream) {

    /** Default worker memory thresholds ({@code jcloud worker --memory-spill/--memory-pause}); workers do not report their own yet. */
    static final double SPILL_FRACTION = 0.6;
    static final double PAUSE_FRACTION = 0.8;

    static final DashboardSnapshot EMPTY = new DashboardSnapshot(0, ClusterInfo.getDefaultInstance(), 0, List.of(),
            TaskStream.Slice.EMPTY);

    /**
     * Progress of one kind of task (one function).
     *
     * @param done tasks of this kind that finished, some of which may still be in memory
     */
    record KindProgress(String name, long total, long done, long memory, long processing, long waiting, long erred,
                        double meanSeconds) {
    }

    /** The snapshot as JSON, with the task-stream records numbered {@code sinceSeq} and later. */
    String toJson(long sinceSeq) {
        StringBuilder out = new StringBuilder(1024 + stream.size() * 64);
        TaskCounts t = info.getTasks();
        out.append("{\"now\":").append(nowMillis)
                .append(",\"started\":").append(info.getStartedMillis())
                .append(",\"scheduler\":").append(str(info.getSchedulerAddress()))
                .append(",\"version\":").append(str(info.getEngineVersion()))
                .append(",\"clients\":").append(info.getClients())
                .append(",\"rate\":").append(num(tasksPerSecond))
                .append(",\"idleSince\":").append(info.getIdleSinceMillis())
                .append(",\"idleTimeout\":").append(info.getIdleTimeoutMillis())
                .append(",\"spillFraction\":").append(SPILL_FRACTION)
                .append(",\"pauseFraction\":").append(PAUSE_FRACTION)
                .append(",\"tasks\":{\"waiting\":").append(t.getWaiting() + t.getReady())
                .append(",\"processing\":").append(t.getProcessing())
                .append(",\"memory\":").append(t.getMemory())
                .append(",\"erred\":").append(t.getErred())
                .append(",\"completed\":").append(t.getCompletedTotal())
                .append(",\"failed\":").append(t.getFailedTotal())
                .append(",\"submitted\":").append(t.getSubmittedTotal()).append('}');
        out.append(",\"kinds\":[");
        for (int i = 0; i < kinds.size(); i++) {
            KindProgress k = kinds.get(i);
            out.append(i == 0 ? "" : ",").append("{\"name\":").append(str(k.name()))
                    .append(",\"total\":").append(k.total()).append(",\"done\":").append(k.done())
                    .append(",\"memory\":").append(k.memory()).append(",\"processing\":").append(k.processing())
                    .append(",\"waiting\":").append(k.waiting()).append(",\"erred\":").append(k.erred())
                    .append(",\"mean\":").append(num(Math.max(0, k.meanSeconds()))).append('}');
        }
        out.append("],\"workers\":[");
        for (int i = 0; i < info.getWorkersCount(); i++) {
            WorkerInfo w = info.getWorkers(i);
            Heartbeat h = w.getLast();
            out.append(i == 0 ? "" : ",").append("{\"name\":").append(str(w.getName()))
                    .append(",\"address\":").append(str(w.getAddress()))
                    .append(",\"threads\":").append(w.getNthreads())
                    .append(",\"memoryLimit\":").append(w.getMemoryLimit())
                    .append(",\"heapUsed\":").append(h.getHeapUsed())
                    .append(",\"heapMax\":").append(h.getHeapMax())
                    .append(",\"stored\":").append(h.getStoredBytes())
                    .append(",\"spilled\":").append(h.getSpilledBytes())
                    .append(",\"processing\":").append(w.getProcessing())
                    .append(",\"executing\":").append(h.getExecuting())
                    .append(",\"held\":").append(w.getHeld())
                    .append(",\"cpu\":").append(num(h.getCpu()))
                    .append(",\"bytesIn\":").append(h.getBytesIn())
                    .append(",\"bytesOut\":").append(h.getBytesOut())
                    .append(",\"paused\":").append(h.getPaused())
                    .append(",\"retiring\":").append(w.getRetiring())
                    .append(",\"uptime\":").append(Math.max(0, nowMillis - w.getConnectedMillis())).append('}');
        }
        // Records as arrays [seq, worker, thread, kind, startMicros, durationMicros]: compact,
        // and the seq lets the page drop a record it already has.
        out.append("],\"stream\":{\"skipped\":").append(stream.skipped).append(",\"records\":[");
        boolean first = true;
        for (int j = 0; j < stream.size(); j++) {
            long seq = stream.firstSeq + j;
            if (seq < sinceSeq) {
                continue;
            }
            out.append(first ? "[" : ",[").append(seq).append(',').append(str(stream.worker[j])).append(',')
                    .append(stream.thread[j]).append(',').append(str(stream.kind[j])).append(',')
                    .append(stream.startMicros[j]).append(',').append(stream.durationMicros[j]).append(']');
            first = false;
        }
        out.append("]}}");
        return out.toString();
    }

    private static String num(double d) {
        return Double.isFinite(d) ? String.format(Locale.ROOT, "%.4f", d) : "0";
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
