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

    private static double number(String where, String field, String text) {
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
