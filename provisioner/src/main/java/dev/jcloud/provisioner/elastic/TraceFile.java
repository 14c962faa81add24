package dev.jcloud.provisioner.elastic;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a trace file. The format is CSV, one task per line:
 *
 * <pre>
 * # comments and blank lines are ignored; a header line is optional
 * arrival_s,duration_s,kind
 * 0.0,12.5,load
 * 0.5,3,parse
 * 64,8.25
 * </pre>
 *
 * {@code arrival_s}: seconds from the start of the trace (≥ 0, any order); {@code duration_s}:
 * seconds the task runs on one thread (&gt; 0); {@code kind} (optional, default {@code task}):
 * tasks of one kind share a measured mean duration, as Dask's task prefixes do. A bad line is
 * reported with the file name and line number.
 *
 * <p><b>A task stream export</b> is read too: a CSV whose header names the columns {@code start}
 * and {@code stop} (or {@code end}), in seconds on any clock (e.g. Unix time), with optional
 * {@code key} (or {@code name}), {@code kind} (or {@code prefix}), {@code action} and
 * {@code submitted}. That is Dask's task stream as {@code client.get_task_stream()} (or the
 * {@code performance_report}'s task stream) gives it, one row per {@code startstops} entry:
 *
 * <pre>
 * key,action,start,stop
 * "('inc-5e2c1f', 0)",compute,1718000000.10,1718000002.35
 * "('inc-5e2c1f', 1)",transfer,1718000000.12,1718000000.20
 * </pre>
 *
 * Only {@code compute} rows (or rows without an action) are tasks; the duration is
 * {@code stop - start}; the arrival is {@code submitted} when given, else {@code start}, shifted
 * so the first task arrives at 0 (a task stream records when tasks ran, not when they were
 * submitted, so queueing the real run had is replayed as arrivals). The kind is the key's prefix
 * ({@code inc} for {@code ('inc-5e2c1f', 0)}), as Dask groups durations.
 */
public final class TraceFile {

    private TraceFile() {}

    /** Reads {@code file}; the trace is named after the file. */
    public static Trace read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("trace file " + file + " does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read trace file " + file + ": " + e.getMessage(), e);
        }
        return parse(file.toString(), lines);
    }

    /** Parses the lines of a trace; {@code source} names the file in messages. */
    public static Trace parse(String source, List<String> lines) {
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            List<String> header = fields(line.toLowerCase(java.util.Locale.ROOT));
            if (header.contains("start") && (header.contains("stop") || header.contains("end"))) {
                return TaskStreamCsv.parse(source, lines);
            }
            break;
        }
        List<Trace.Task> tasks = new ArrayList<>();
        boolean first = true;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (first && Character.isLetter(line.charAt(0))) {
                first = false; // the header
                continue;
            }
            first = false;
            tasks.add(parseLine(source, i + 1, line));
        }
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("trace file " + source
                    + " has no tasks: expected lines like 'arrival_s,duration_s[,kind]', e.g. '0.5,12,load'");
        }
        String name = source.replaceAll(".*[/\\\\]", "");
        return new Trace(name, tasks);
    }

    private static Trace.Task parseLine(String source, int lineNumber, String line) {
        String where = "trace file " + source + " line " + lineNumber + ": ";
        String[] f = line.split(",", -1);
        if (f.length < 2 || f.length > 3) {
            throw new IllegalArgumentException(where + "expected 'arrival_s,duration_s[,kind]' but found " + f.length
                    + " field" + (f.length == 1 ? "" : "s") + " in '" + line + "'");
        }
        double arrival = number(where, "arrival_s", f[0]);
        double duration = number(where, "duration_s", f[1]);
        if (arrival < 0) {
            throw new IllegalArgumentException(where + "arrival_s must be ≥ 0 (was " + f[0].strip() + ")");
        }
        if (duration <= 0) {
            throw new IllegalArgumentException(where + "duration_s must be > 0 (was " + f[1].strip() + ")");
        }
        return new Trace.Task(arrival, duration, f.length == 3 ? f[2].strip() : "task");
    }

    /** The comma-separated fields of a CSV line, double quotes honoured ({@code ""} is a quote). */
    static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(field.toString().strip());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        out.add(field.toString().strip());
        return out;
    }

    static double number(String where, String field, String text) {
        try {
            double v = Double.parseDouble(text.strip());
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    where + field + " must be a number of seconds (was '" + text.strip() + "')");
        }
    }
}
