package dev.jcloud.engine.internal.report;

import dev.jcloud.engine.proto.StreamRecord;
import dev.jcloud.engine.proto.WorkerInfo;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders a {@link ReportData} as one self-contained HTML file: inline CSS and SVG drawn here, no
 * script and no external URL, so it opens anywhere (an email attachment, a ticket, offline) and
 * shows the same thing every time.
 */
public final class PerformanceHtml {

    /** Bars drawn in the task stream at most; more are thinned evenly (the report says so). */
    static final int MAX_BARS = 10_000;

    private static final String[] PALETTE = {
        "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#bab0ac", "#86bcb6"
    };
    private static final String TRANSFER_COLOUR = "#d62728";
    private static final String SPILL_COLOUR = "#8c564b";
    private static final int WIDTH = 1200;
    private static final int LABEL_WIDTH = 130;

    private PerformanceHtml() {}

    public static String render(ReportData d, String schedulerAddress, String engineVersion) {
        double seconds = Math.max(0.001, (d.endMillis() - d.startMillis()) / 1000.0);
        long tasks = d.kinds().stream().mapToLong(ReportData.KindTotal::count).sum();
        Map<String, String> colours = colours(d);
        StringBuilder h = new StringBuilder(64 * 1024 + d.records().size() * 160);
        h.append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>jcloud performance report ")
                .append(html(instant(d.startMillis())))
                .append("</title>\n")
                .append("<style>")
                .append(CSS)
                .append("</style>\n</head>\n<body>\n")
                .append("<h1>jcloud performance report</h1>\n<p class=\"meta\">")
                .append(html(instant(d.startMillis())))
                .append(" → ")
                .append(html(instant(d.endMillis())))
                .append(" · ")
                .append(fmt(seconds))
                .append(" s · scheduler ")
                .append(html(schedulerAddress))
                .append(" · engine ")
                .append(html(engineVersion))
                .append(" · ")
                .append(d.workersAtEnd().size())
                .append(" worker(s), ")
                .append(d.workersAtEnd().values().stream()
                        .mapToInt(WorkerInfo::getNthreads)
                        .sum())
                .append(" threads</p>\n");
        if (d.problem() != null) {
            h.append("<p class=\"problem\">").append(html(d.problem())).append("</p>\n");
        }
        long transfers = 0;
        long received = 0;
        for (WorkerInfo w : d.workersAtEnd().values()) {
            WorkerInfo before = d.workersAtStart().get(w.getName());
            transfers += w.getLast().getTransfers()
                    - (before == null ? 0 : before.getLast().getTransfers());
            received += w.getLast().getBytesIn()
                    - (before == null ? 0 : before.getLast().getBytesIn());
        }
        long spilledNow = d.workersAtEnd().values().stream()
                .mapToLong(w -> w.getLast().getSpilledBytes())
                .sum();
        h.append("<section class=\"figures\">")
                .append(figure(num(tasks), "tasks finished"))
                .append(figure(num(Math.round(tasks / seconds)), "tasks / s"))
                .append(figure(num(Math.max(0, transfers)), "transfers"))
                .append(figure(bytes(Math.max(0, received)), "fetched from peers"))
                .append(figure(bytes(spilledNow), "on disk at the end"))
                .append("</section>\n");
        taskStream(h, d, colours);
        durations(h, d, colours);
        transfers(h, d);
        memory(h, d);
        h.append(
                        "<footer>Written by jcloud's <code>client.performanceReport(...)</code>. Figures of tasks, "
                                + "transfers and bytes are exact; bars and percentiles come from the scheduler's sampled task stream.</footer>\n")
                .append("</body>\n</html>\n");
        return h.toString();
    }

    // ------------------------------------------------------------------ task stream

    private static void taskStream(StringBuilder h, ReportData d, Map<String, String> colours) {
        h.append("<section id=\"task-stream\">\n<h2>Task stream</h2>\n");
        List<StreamRecord> records = d.records();
        int step = Math.max(1, (records.size() + MAX_BARS - 1) / MAX_BARS);
        // Rows: each worker's threads, then its io lane when it transferred or spilled.
        Map<String, int[]> lanes = new TreeMap<>(Comparator.comparing((String s) -> s.replaceAll("\\d+", ""))
                .thenComparingInt(PerformanceHtml::trailingNumber)
                .thenComparing(s -> s));
        for (WorkerInfo w : d.workersAtEnd().values()) {
            lanes.put(w.getName(), new int[] {Math.max(1, w.getNthreads()), 0});
        }
        for (StreamRecord r : records) {
            int[] l = lanes.computeIfAbsent(r.getWorker(), n -> new int[] {1, 0});
            if (r.getThread() < 0) {
                l[1] = 1;
            } else {
                l[0] = Math.max(l[0], r.getThread() + 1);
            }
        }
        Map<String, Integer> firstRow = new HashMap<>();
        int rows = 0;
        for (Map.Entry<String, int[]> e : lanes.entrySet()) {
            firstRow.put(e.getKey(), rows);
            rows += e.getValue()[0] + e.getValue()[1];
        }
        if (records.isEmpty()) {
            h.append("<p class=\"empty\">No task finished during the block.</p>\n</section>\n");
            return;
        }
        int rowH = rows <= 40 ? 14 : Math.max(3, 560 / rows);
        int top = 4;
        int axisH = 18;
        int height = top + rows * rowH + axisH;
        double t0 = d.startMillis();
        double span = Math.max(1, d.endMillis() - d.startMillis());
        int plotW = WIDTH - LABEL_WIDTH - 8;
        h.append("<svg class=\"stream\" viewBox=\"0 0 ")
                .append(WIDTH)
                .append(' ')
                .append(height)
                .append("\" role=\"img\" aria-label=\"task stream\">\n");
        int row = 0;
        for (Map.Entry<String, int[]> e : lanes.entrySet()) {
            int n = e.getValue()[0] + e.getValue()[1];
            for (int i = 0; i < n; i++, row++) {
                int y = top + row * rowH;
                h.append("<rect class=\"lane")
                        .append(row % 2 == 1 ? " alt" : "")
                        .append("\" x=\"")
                        .append(LABEL_WIDTH)
                        .append("\" y=\"")
                        .append(y)
                        .append("\" width=\"")
                        .append(plotW)
                        .append("\" height=\"")
                        .append(Math.max(1, rowH - 1))
                        .append("\"/>");
                if (rowH >= 9) {
                    String label = i == 0 ? e.getKey() + " · t0" : i < e.getValue()[0] ? "t" + i : "io";
                    h.append("<text x=\"")
                            .append(LABEL_WIDTH - 6)
                            .append("\" y=\"")
                            .append(y + rowH - 3)
                            .append("\" text-anchor=\"end\">")
                            .append(html(label))
                            .append("</text>");
                }
                h.append('\n');
            }
        }
        int drawn = 0;
        for (int j = 0; j < records.size(); j += step) {
            StreamRecord r = records.get(j);
            int[] l = lanes.get(r.getWorker());
            int lane = r.getThread() < 0 ? l[0] : Math.min(r.getThread(), l[0] - 1);
            int y = top + (firstRow.get(r.getWorker()) + lane) * rowH;
            double startMs = r.getStartMicros() / 1000.0;
            double endMs = startMs + r.getDurationMicros() / 1000.0;
            double x0 = LABEL_WIDTH + Math.max(0, (startMs - t0) / span) * plotW;
            double x1 = LABEL_WIDTH + Math.min(1, (endMs - t0) / span) * plotW;
            if (x1 < LABEL_WIDTH || x0 > LABEL_WIDTH + plotW) {
                continue;
            }
            String cls = r.getType() == 1 ? "transfer" : r.getType() == 2 ? "spill" : "task";
            String fill =
                    r.getType() == 1 ? TRANSFER_COLOUR : r.getType() == 2 ? SPILL_COLOUR : colours.get(r.getKind());
            h.append("<rect class=\"")
                    .append(cls)
                    .append("\" x=\"")
                    .append(fmt(x0))
                    .append("\" y=\"")
                    .append(y + 1)
                    .append("\" width=\"")
                    .append(fmt(Math.max(1, x1 - x0)))
                    .append("\" height=\"")
                    .append(Math.max(1, rowH - 3))
                    .append("\" fill=\"")
                    .append(fill == null ? "#999" : fill)
                    .append("\"><title>")
                    .append(html(barTitle(r)))
                    .append("</title></rect>\n");
            drawn++;
        }
        for (int s = 0; s <= 10; s++) {
            double x = LABEL_WIDTH + s * plotW / 10.0;
            int yAxis = top + rows * rowH;
            h.append("<line class=\"tick\" x1=\"")
                    .append(fmt(x))
                    .append("\" x2=\"")
                    .append(fmt(x))
                    .append("\" y1=\"")
                    .append(top)
                    .append("\" y2=\"")
                    .append(yAxis)
                    .append("\"/><text class=\"axis\" x=\"")
                    .append(fmt(x))
                    .append("\" y=\"")
                    .append(yAxis + 13)
                    .append("\" text-anchor=\"middle\">")
                    .append(fmt(span * s / 10 / 1000.0))
                    .append(" s</text>\n");
        }
        h.append("</svg>\n<div class=\"legend\">");
        colours.forEach((kind, colour) -> h.append("<span><i style=\"background:")
                .append(colour)
                .append("\"></i>")
                .append(html(shortKind(kind)))
                .append("</span>"));
        h.append("<span><i style=\"background:")
                .append(TRANSFER_COLOUR)
                .append("\"></i>transfer</span>")
                .append("<span><i style=\"background:")
                .append(SPILL_COLOUR)
                .append("\"></i>spill to disk</span></div>\n");
        long notDrawn = d.skippedTasks() + d.lostRecords();
        h.append("<p class=\"note\" id=\"stream-note\">").append(num(drawn)).append(" bars");
        if (notDrawn > 0 || d.stride() > 1 || step > 1) {
            h.append("; sampled: the scheduler records a bounded number of tasks per 100 ms (")
                    .append(num(d.skippedTasks()))
                    .append(" tasks not recorded");
            if (d.lostRecords() > 0) {
                h.append(", ").append(num(d.lostRecords())).append(" records missed between polls");
            }
            if (d.stride() * step > 1) {
                h.append(", one record in ").append(d.stride() * step).append(" drawn");
            }
            h.append(')');
        }
        h.append(".</p>\n</section>\n");
    }

    private static String barTitle(StreamRecord r) {
        String ms = fmt(r.getDurationMicros() / 1000.0) + " ms";
        return switch (r.getType()) {
            case 1 ->
                "transfer from " + r.getPeer() + " to " + r.getWorker() + ": " + bytes(r.getNbytes()) + " in " + ms;
            case 2 ->
                "spill on " + r.getWorker() + ": " + bytes(r.getNbytes())
                        + (r.getDurationMicros() > 0 ? " in " + ms : "");
            default -> r.getKind() + "\n" + r.getWorker() + " thread " + r.getThread() + " · " + ms;
        };
    }

    // ------------------------------------------------------------------ durations

    private static void durations(StringBuilder h, ReportData d, Map<String, String> colours) {
        h.append("<section id=\"durations\">\n<h2>Task durations by kind</h2>\n");
        if (d.kinds().isEmpty()) {
            h.append("<p class=\"empty\">No task finished during the block.</p>\n</section>\n");
            return;
        }
        Map<String, List<Long>> sampled = new HashMap<>();
        for (StreamRecord r : d.records()) {
            if (r.getType() == 0) {
                sampled.computeIfAbsent(r.getKind(), k -> new ArrayList<>()).add(r.getDurationMicros());
            }
        }
        List<ReportData.KindTotal> kinds = new ArrayList<>(d.kinds());
        kinds.sort(Comparator.comparingLong(ReportData.KindTotal::totalMicros).reversed());
        long most = Math.max(1, kinds.get(0).totalMicros());
        h.append("<table class=\"kinds\"><thead><tr><th>kind</th><th>tasks</th><th>total time</th><th>mean</th>")
                .append(
                        "<th>p50</th><th>p95</th><th>max</th><th>sampled</th><th class=\"barcell\"></th></tr></thead><tbody>\n");
        for (ReportData.KindTotal k : kinds) {
            List<Long> s = sampled.getOrDefault(k.name(), List.of());
            List<Long> sorted = new ArrayList<>(s);
            sorted.sort(null);
            h.append("<tr data-kind=\"")
                    .append(html(k.name()))
                    .append("\"><td class=\"kind\" title=\"")
                    .append(html(k.name()))
                    .append("\"><i style=\"background:")
                    .append(colours.getOrDefault(k.name(), "#999"))
                    .append("\"></i>")
                    .append(html(shortKind(k.name())))
                    .append("</td><td>")
                    .append(num(k.count()))
                    .append("</td><td>")
                    .append(duration(k.totalMicros()))
                    .append("</td><td>")
                    .append(duration(k.totalMicros() / Math.max(1, k.count())))
                    .append("</td><td>")
                    .append(sorted.isEmpty() ? "–" : duration(percentile(sorted, 0.50)))
                    .append("</td><td>")
                    .append(sorted.isEmpty() ? "–" : duration(percentile(sorted, 0.95)))
                    .append("</td><td>")
                    .append(sorted.isEmpty() ? "–" : duration(sorted.get(sorted.size() - 1)))
                    .append("</td><td>")
                    .append(num(sorted.size()))
                    .append("</td><td class=\"barcell\"><span class=\"bar\" style=\"width:")
                    .append(fmt(100.0 * k.totalMicros() / most))
                    .append("%;background:")
                    .append(colours.getOrDefault(k.name(), "#999"))
                    .append("\"></span></td></tr>\n");
        }
        h.append("</tbody></table>\n<p class=\"note\">Tasks, total and mean time count every task of the block; "
                + "p50/p95/max come from the sampled tasks.</p>\n</section>\n");
    }

    private static long percentile(List<Long> sorted, double p) {
        int i = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    // ------------------------------------------------------------------ transfers

    private static void transfers(StringBuilder h, ReportData d) {
        h.append("<section id=\"transfers\">\n<h2>Transfers and spills</h2>\n");
        Map<String, long[]> sampled = new HashMap<>(); // transfers, bytes, micros, spills, spill bytes
        for (StreamRecord r : d.records()) {
            if (r.getType() != 0) {
                long[] s = sampled.computeIfAbsent(r.getWorker(), k -> new long[5]);
                if (r.getType() == 1) {
                    s[0]++;
                    s[1] += r.getNbytes();
                    s[2] += r.getDurationMicros();
                } else {
                    s[3]++;
                    s[4] += r.getNbytes();
                }
            }
        }
        h.append("<table class=\"io\"><thead><tr><th>worker</th><th>transfers</th><th>fetched from peers</th>")
                .append(
                        "<th>served</th><th>sampled transfers (time)</th><th>sampled spills</th><th>on disk at the end</th>")
                .append("</tr></thead><tbody>\n");
        for (WorkerInfo w : sortedWorkers(d)) {
            WorkerInfo before = d.workersAtStart().get(w.getName());
            long[] s = sampled.getOrDefault(w.getName(), new long[5]);
            h.append("<tr data-worker=\"")
                    .append(html(w.getName()))
                    .append("\"><td>")
                    .append(html(w.getName()))
                    .append("</td><td>")
                    .append(num(w.getLast().getTransfers()
                            - (before == null ? 0 : before.getLast().getTransfers())))
                    .append("</td><td>")
                    .append(bytes(w.getLast().getBytesIn()
                            - (before == null ? 0 : before.getLast().getBytesIn())))
                    .append("</td><td>")
                    .append(bytes(w.getLast().getBytesOut()
                            - (before == null ? 0 : before.getLast().getBytesOut())))
                    .append("</td><td>")
                    .append(num(s[0]))
                    .append(" (")
                    .append(bytes(s[1]))
                    .append(", ")
                    .append(duration(s[2]))
                    .append(")</td><td>")
                    .append(num(s[3]))
                    .append(" (")
                    .append(bytes(s[4]))
                    .append(")</td><td>")
                    .append(bytes(w.getLast().getSpilledBytes()))
                    .append("</td></tr>\n");
        }
        h.append("</tbody></table>\n</section>\n");
    }

    // ------------------------------------------------------------------ memory

    private static void memory(StringBuilder h, ReportData d) {
        h.append("<section id=\"memory\">\n<h2>Worker memory</h2>\n");
        if (d.memory().isEmpty()) {
            h.append("<p class=\"empty\">No worker was connected.</p>\n</section>\n");
            return;
        }
        int height = 260;
        int left = 50;
        int top = 10;
        int plotW = WIDTH - left - 10;
        int plotH = height - top - 24;
        double t0 = d.startMillis();
        double span = Math.max(1, d.endMillis() - d.startMillis());
        h.append("<svg class=\"memory\" viewBox=\"0 0 ")
                .append(WIDTH)
                .append(' ')
                .append(height)
                .append("\" role=\"img\" aria-label=\"worker memory\">\n");
        for (int pct = 0; pct <= 100; pct += 25) {
            double y = top + plotH - pct / 100.0 * plotH;
            h.append("<line class=\"grid\" x1=\"")
                    .append(left)
                    .append("\" x2=\"")
                    .append(left + plotW)
                    .append("\" y1=\"")
                    .append(fmt(y))
                    .append("\" y2=\"")
                    .append(fmt(y))
                    .append("\"/><text class=\"axis\" x=\"")
                    .append(left - 6)
                    .append("\" y=\"")
                    .append(fmt(y + 4))
                    .append("\" text-anchor=\"end\">")
                    .append(pct)
                    .append("%</text>\n");
        }
        // Thresholds of the first worker (all workers of a cluster usually share them).
        WorkerInfo any = d.workersAtEnd().values().iterator().next();
        threshold(h, "spill", any.getSpillFraction() > 0 ? any.getSpillFraction() : 0.6, left, plotW, top, plotH);
        threshold(h, "pause", any.getPauseFraction() > 0 ? any.getPauseFraction() : 0.8, left, plotW, top, plotH);
        int i = 0;
        Map<String, String> lineColours = new LinkedHashMap<>();
        for (Map.Entry<String, List<ReportData.MemorySample>> e : new TreeMap<>(d.memory()).entrySet()) {
            String colour = PALETTE[i++ % PALETTE.length];
            lineColours.put(e.getKey(), colour);
            StringBuilder points = new StringBuilder();
            for (ReportData.MemorySample s : e.getValue()) {
                double x = left + Math.max(0, Math.min(1, (s.millis() - t0) / span)) * plotW;
                double frac = s.limit() > 0 ? Math.min(1.05, (double) s.heapUsed() / s.limit()) : 0;
                points.append(fmt(x))
                        .append(',')
                        .append(fmt(top + plotH - frac * plotH))
                        .append(' ');
            }
            h.append("<polyline class=\"worker\" data-worker=\"")
                    .append(html(e.getKey()))
                    .append("\" fill=\"none\" stroke=\"")
                    .append(colour)
                    .append("\" points=\"")
                    .append(points.toString().trim())
                    .append("\"><title>")
                    .append(html(e.getKey()))
                    .append("</title></polyline>\n");
        }
        h.append("<text class=\"axis\" x=\"")
                .append(left)
                .append("\" y=\"")
                .append(height - 4)
                .append("\">0 s</text>")
                .append("<text class=\"axis\" x=\"")
                .append(left + plotW)
                .append("\" y=\"")
                .append(height - 4)
                .append("\" text-anchor=\"end\">")
                .append(fmt(span / 1000))
                .append(" s</text>\n</svg>\n<div class=\"legend\">");
        if (lineColours.size() <= 24) {
            lineColours.forEach((name, colour) -> h.append("<span><i style=\"background:")
                    .append(colour)
                    .append("\"></i>")
                    .append(html(name))
                    .append("</span>"));
        } else {
            h.append("<span>").append(lineColours.size()).append(" workers</span>");
        }
        h.append("</div>\n<p class=\"note\">JVM heap in use as a share of each worker's memory limit; dashed lines: "
                + "results spill to disk above the first, the worker pauses above the second.</p>\n");
        h.append(
                        "<table class=\"mem\"><thead><tr><th>worker</th><th>limit</th><th>peak heap</th><th>stored at the end</th>")
                .append("<th>spilled at the end</th></tr></thead><tbody>\n");
        for (WorkerInfo w : sortedWorkers(d)) {
            long peak = d.memory().getOrDefault(w.getName(), List.of()).stream()
                    .mapToLong(ReportData.MemorySample::heapUsed)
                    .max()
                    .orElse(0);
            h.append("<tr><td>")
                    .append(html(w.getName()))
                    .append("</td><td>")
                    .append(bytes(w.getMemoryLimit()))
                    .append("</td><td>")
                    .append(bytes(peak))
                    .append("</td><td>")
                    .append(bytes(w.getLast().getStoredBytes()))
                    .append("</td><td>")
                    .append(bytes(w.getLast().getSpilledBytes()))
                    .append("</td></tr>\n");
        }
        h.append("</tbody></table>\n</section>\n");
    }

    private static void threshold(
            StringBuilder h, String name, double fraction, int left, int plotW, int top, int plotH) {
        double y = top + plotH - fraction * plotH;
        h.append("<line class=\"threshold ")
                .append(name)
                .append("\" x1=\"")
                .append(left)
                .append("\" x2=\"")
                .append(left + plotW)
                .append("\" y1=\"")
                .append(fmt(y))
                .append("\" y2=\"")
                .append(fmt(y))
                .append("\"><title>")
                .append(name)
                .append(" at ")
                .append(Math.round(fraction * 100))
                .append("%</title></line>\n");
    }

    // ------------------------------------------------------------------ helpers

    private static List<WorkerInfo> sortedWorkers(ReportData d) {
        List<WorkerInfo> out = new ArrayList<>(d.workersAtEnd().values());
        out.sort(Comparator.comparing((WorkerInfo w) -> w.getName().replaceAll("\\d+", ""))
                .thenComparingInt(w -> trailingNumber(w.getName()))
                .thenComparing(WorkerInfo::getName));
        return out;
    }

    private static int trailingNumber(String s) {
        int i = s.length();
        while (i > 0 && Character.isDigit(s.charAt(i - 1))) {
            i--;
        }
        try {
            return i == s.length() ? -1 : Integer.parseInt(s.substring(i));
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }

    /** A colour per kind, the busiest kinds first. */
    private static Map<String, String> colours(ReportData d) {
        List<ReportData.KindTotal> kinds = new ArrayList<>(d.kinds());
        kinds.sort(Comparator.comparingLong(ReportData.KindTotal::totalMicros).reversed());
        Map<String, String> out = new LinkedHashMap<>();
        for (ReportData.KindTotal k : kinds) {
            out.put(k.name(), PALETTE[out.size() % PALETTE.length]);
        }
        for (StreamRecord r : d.records()) {
            if (r.getType() == 0 && !out.containsKey(r.getKind())) {
                out.put(r.getKind(), PALETTE[out.size() % PALETTE.length]);
            }
        }
        return out;
    }

    private static String figure(String value, String label) {
        return "<div class=\"figure\"><b>" + html(value) + "</b><span>" + html(label) + "</span></div>";
    }

    static String shortKind(String k) {
        String[] parts = k.split("\\.");
        return parts.length > 2 ? parts[parts.length - 2] + "." + parts[parts.length - 1] : k;
    }

    private static String instant(long millis) {
        return Instant.ofEpochMilli(millis).truncatedTo(ChronoUnit.MILLIS).toString();
    }

    static String duration(long micros) {
        if (micros < 1000) {
            return micros + " µs";
        }
        if (micros < 1_000_000) {
            return fmt(micros / 1000.0) + " ms";
        }
        return fmt(micros / 1e6) + " s";
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static String num(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e12) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.1f" : "%.2f", v);
    }

    static String html(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static final String CSS = """
            body{margin:0;padding:18px 24px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;\
            color:#1f2933;background:#f4f6f9}
            h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:0 0 10px}
            .meta,.note,footer{color:#6b7785;font-size:12px}.problem{color:#b91c1c}
            section{background:#fff;border:1px solid #e3e8ee;border-radius:8px;padding:12px 16px;margin:14px 0}
            .figures{display:flex;flex-wrap:wrap;gap:10px;background:none;border:0;padding:0}
            .figure{background:#fff;border:1px solid #e3e8ee;border-radius:8px;padding:8px 14px;min-width:120px}
            .figure b{display:block;font-size:20px;font-variant-numeric:tabular-nums}.figure span{color:#6b7785;font-size:12px}
            svg{display:block;width:100%;height:auto}svg text{font-size:10px;fill:#6b7785}
            .lane{fill:#f8fafc}.lane.alt{fill:#eef2f6}.tick,.grid{stroke:#e3e8ee}
            .threshold{stroke-dasharray:5 4;stroke-width:1.5}.threshold.spill{stroke:#d97706}.threshold.pause{stroke:#dc2626}
            polyline{stroke-width:1.5}
            .legend{display:flex;flex-wrap:wrap;gap:6px 16px;margin-top:8px;font-size:12px;color:#6b7785}
            .legend i,td.kind i{display:inline-block;width:11px;height:11px;border-radius:3px;margin-right:5px;vertical-align:-1px}
            table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}
            th{text-align:left;color:#6b7785;font-weight:500;border-bottom:1px solid #e3e8ee;padding:4px 6px}
            td{border-bottom:1px solid #e3e8ee;padding:5px 6px;white-space:nowrap}
            td.kind{font-family:ui-monospace,monospace;font-size:12px}.barcell{width:30%}
            .bar{display:inline-block;height:10px;border-radius:2px}.empty{color:#6b7785;font-style:italic}
            """;
}
