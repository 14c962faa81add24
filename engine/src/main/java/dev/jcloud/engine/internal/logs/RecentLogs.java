package dev.jcloud.engine.internal.logs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The last lines this process logged, kept in memory so that a client can read a scheduler's or
 * worker's log over the engine's own connection ({@code client.schedulerLogs()}) wherever the
 * process runs, without a shell on its machine. One per JVM, fed by the process's
 * {@link ProcessLoggers} once {@link #install()} is called; it keeps what passes the loggers'
 * levels (INFO for engine processes).
 *
 * <p>Bounded by lines and by characters, so a chatty process cannot grow it: the oldest lines go
 * first, and one huge line (a deep stack trace) is cut.
 */
public final class RecentLogs {

    public static final int MAX_LINES = 2000;
    public static final int MAX_CHARS = 1 << 20;
    public static final int MAX_LINE_CHARS = 16 * 1024;

    private static final RecentLogs INSTANCE = new RecentLogs(MAX_LINES, MAX_CHARS);

    private final int maxLines;
    private final int maxChars;
    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private long chars;
    private long dropped;

    RecentLogs(int maxLines, int maxChars) {
        this.maxLines = maxLines;
        this.maxChars = maxChars;
    }

    /** This process's ring. */
    public static RecentLogs global() {
        return INSTANCE;
    }

    /**
     * Feeds the ring from this process's loggers. Under another SLF4J backend (a program that
     * runs a server in its own JVM with its own logging) nothing is kept and {@link #lines} is empty.
     */
    public static synchronized void install() {
        if (LoggerFactory.getILoggerFactory() instanceof ProcessLoggers loggers && !loggers.keepsRecent()) {
            loggers.keepRecent(INSTANCE);
        }
    }

    synchronized void add(String line) {
        String kept = line.length() <= MAX_LINE_CHARS
                ? line
                : line.substring(0, MAX_LINE_CHARS) + " … (" + (line.length() - MAX_LINE_CHARS) + " more characters)";
        lines.addLast(kept);
        chars += kept.length();
        while (lines.size() > maxLines || (chars > maxChars && lines.size() > 1)) {
            chars -= lines.removeFirst().length();
            dropped++;
        }
    }

    /** The most recent {@code max} lines (all kept when {@code max} ≤ 0), oldest first. */
    public synchronized List<String> lines(int max) {
        int n = max <= 0 ? lines.size() : Math.min(max, lines.size());
        List<String> out = new ArrayList<>(n);
        int skip = lines.size() - n;
        for (String l : lines) {
            if (skip-- > 0) {
                continue;
            }
            out.add(l);
        }
        return out;
    }

    /** Lines no longer kept because newer ones pushed them out. */
    public synchronized long dropped() {
        return dropped;
    }
}
