package dev.jcloud.provisioner.elastic;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a task stream export (see {@link TraceFile}): header-named columns, compute rows as tasks. */
final class TaskStreamCsv {

    /** A Dask key: {@code ('name-token', 3)} or {@code name-token}; the prefix is the name. */
    private static final Pattern TUPLE_KEY = Pattern.compile("^\\(?'?\"?([^'\",]+)");

    private static final Pattern TOKEN = Pattern.compile("-[0-9a-f]{5,}$");

    private TaskStreamCsv() {}

    static Trace parse(String source, List<String> lines) {
        int[] col = null;
        List<double[]> rows = new ArrayList<>();
        List<String> kinds = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            List<String> f = TraceFile.fields(line);
            if (col == null) {
                col = columns(f);
                continue;
            }
            String where = "trace file " + source + " line " + (i + 1) + ": ";
            if (f.size() < 2) {
                throw new IllegalArgumentException(where + "expected the columns of the header, found '" + line + "'");
            }
            String action = get(f, col[3]);
            if (action != null && !action.isEmpty() && !action.equalsIgnoreCase("compute")) {
                continue;
            }
            double start = TraceFile.number(where, "start", require(where, f, col[0], "start"));
            double stop = TraceFile.number(where, "stop", require(where, f, col[1], "stop"));
            if (stop < start) {
                throw new IllegalArgumentException(
                        where + "stop must not be before start (was " + start + " → " + stop + ")");
            }
            String submitted = get(f, col[5]);
            double arrival =
                    submitted == null || submitted.isEmpty() ? start : TraceFile.number(where, "submitted", submitted);
            rows.add(new double[] {arrival, Math.max(1e-3, stop - start)});
            String kind = get(f, col[4]);
            kinds.add(kind != null && !kind.isEmpty() ? kind : prefix(get(f, col[2])));
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("trace file " + source + " has no compute rows below its header");
        }
        double origin = rows.stream().mapToDouble(r -> r[0]).min().orElse(0);
        List<Trace.Task> tasks = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            tasks.add(new Trace.Task(rows.get(i)[0] - origin, rows.get(i)[1], kinds.get(i)));
        }
        return new Trace(source.replaceAll(".*[/\\\\]", ""), tasks);
    }

    /** Indices of start, stop, key, action, kind, submitted (-1 when absent). */
    private static int[] columns(List<String> header) {
        List<String> h = header.stream().map(s -> s.toLowerCase(Locale.ROOT)).toList();
        return new int[] {
            h.indexOf("start"),
            h.contains("stop") ? h.indexOf("stop") : h.indexOf("end"),
            h.contains("key") ? h.indexOf("key") : h.indexOf("name"),
            h.indexOf("action"),
            h.contains("kind") ? h.indexOf("kind") : h.indexOf("prefix"),
            h.indexOf("submitted")
        };
    }

    private static String get(List<String> f, int index) {
        return index >= 0 && index < f.size() ? f.get(index) : null;
    }

    private static String require(String where, List<String> f, int index, String column) {
        String v = get(f, index);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException(where + "no value in column " + column);
        }
        return v;
    }

    /** {@code inc} for {@code ('inc-5e2c1f', 0)} and {@code inc-5e2c1f}; {@code task} when there is no key. */
    static String prefix(String key) {
        if (key == null || key.isBlank()) {
            return "task";
        }
        Matcher m = TUPLE_KEY.matcher(key.strip());
        String name = m.find() ? m.group(1).strip() : key.strip();
        String stripped = TOKEN.matcher(name).replaceFirst("");
        return stripped.isEmpty() ? name : stripped;
    }
}
