package dev.jcloud.engine.internal.logs;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * The loggers of a jcloud process (scheduler, worker, CLI): one line per event on stderr, a root
 * level and levels by logger-name prefix (gRPC's chatter kept at WARN), and the lines that pass
 * copied into {@link RecentLogs} once a server installs it.
 *
 * <p>Why not a logging library: the engine's artifact then carries no logging binding, so a
 * program that depends on a provider to start a local cluster keeps its own logging (or none);
 * and an engine process starts without a library's discovery and configuration work.
 */
public final class ProcessLoggers implements ILoggerFactory {

    /** Level number above every SLF4J level: the logger prints nothing. */
    static final int OFF = Integer.MAX_VALUE;

    private final Map<String, ProcessLogger> loggers = new ConcurrentHashMap<>();
    private final PrintStream out;
    private volatile int rootLevel = Level.INFO.toInt();
    private volatile Map<String, Integer> prefixLevels = Map.of();
    private volatile RecentLogs recent;

    public ProcessLoggers(PrintStream out) {
        this.out = out;
    }

    @Override
    public Logger getLogger(String name) {
        return loggers.computeIfAbsent(name, n -> new ProcessLogger(n, this, levelOf(n)));
    }

    /**
     * Sets the root level and the levels of loggers under given names ({@code io.grpc} covers
     * {@code io.grpc.netty...}); level names as in SLF4J plus {@code OFF}, unknown ones fall back to
     * INFO for the root and WARN for a prefix.
     */
    public synchronized void configure(String root, Map<String, String> byPrefix) {
        Map<String, Integer> levels = new ConcurrentHashMap<>();
        byPrefix.forEach((name, level) -> levels.put(name, parse(level, Level.WARN.toInt())));
        prefixLevels = Map.copyOf(levels);
        rootLevel = parse(root, Level.INFO.toInt());
        loggers.values().forEach(l -> l.level(levelOf(l.getName())));
    }

    /** From now on, every printed line is also kept in {@code ring}. */
    void keepRecent(RecentLogs ring) {
        recent = ring;
    }

    boolean keepsRecent() {
        return recent != null;
    }

    int levelOf(String name) {
        Map<String, Integer> levels = prefixLevels;
        for (String n = name; !n.isEmpty(); n = parent(n)) {
            Integer level = levels.get(n);
            if (level != null) {
                return level;
            }
        }
        return rootLevel;
    }

    void write(Level level, String loggerName, String message, Throwable thrown) {
        String line = format(System.currentTimeMillis(), level, loggerName, message, thrown);
        out.print(line + "\n");
        RecentLogs ring = recent;
        if (ring != null) {
            ring.add(line);
        }
    }

    /** {@code 2026-11-21T22:35:25.546Z INFO  SchedulerCore - message}, then the stack trace if any. */
    static String format(long millis, Level level, String loggerName, String message, Throwable thrown) {
        StringBuilder line = new StringBuilder(128)
                .append(Instant.ofEpochMilli(millis))
                .append(' ')
                .append(String.format("%-5s", level))
                .append(' ')
                .append(loggerName.substring(loggerName.lastIndexOf('.') + 1))
                .append(" - ")
                .append(message);
        if (thrown != null) {
            StringWriter trace = new StringWriter();
            thrown.printStackTrace(new PrintWriter(trace));
            line.append('\n').append(trace.toString().stripTrailing());
        }
        return line.toString();
    }

    private static String parent(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(0, dot);
    }

    static int parse(String level, int fallback) {
        if (level == null) {
            return fallback;
        }
        String l = level.strip().toUpperCase(Locale.ROOT);
        if (l.equals("OFF")) {
            return OFF;
        }
        if (l.equals("ALL")) {
            return Level.TRACE.toInt();
        }
        for (Level known : Level.values()) {
            if (known.name().equals(l)) {
                return known.toInt();
            }
        }
        return fallback;
    }
}
