package dev.jcloud.engine.internal.logs;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The last lines this process logged, kept in memory so that a client can read a scheduler's or
 * worker's log over the engine's own connection ({@code client.schedulerLogs()}) wherever the
 * process runs, without a shell on its machine. One per JVM, attached to Logback's root logger by
 * {@link #install()}; it keeps what passes the root level (INFO for engine processes).
 *
 * <p>Bounded by lines and by characters, so a chatty process cannot grow it: the oldest lines go
 * first, and one huge line (a deep stack trace) is cut.
 */
public final class RecentLogs extends AppenderBase<ILoggingEvent> {

    static final String NAME = "jcloud-recent-logs";
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
        setName(NAME);
    }

    /** This process's ring. */
    public static RecentLogs global() {
        return INSTANCE;
    }

    /**
     * Attaches the ring to Logback's root logger, once (again after a reconfiguration removed
     * it). Without Logback as the SLF4J backend nothing is kept and {@link #lines} is empty.
     */
    public static synchronized void install() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        if (root.getAppender(NAME) != null) {
            return;
        }
        INSTANCE.setContext(context);
        INSTANCE.start();
        root.addAppender(INSTANCE);
    }

    @Override
    protected void append(ILoggingEvent e) {
        // AppenderBase.doAppend holds this object's monitor: appends and reads are serialized.
        add(format(e));
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

    /** {@code 2026-11-21T22:35:25.546Z INFO  SchedulerCore - message}, as the process's stderr shows it. */
    static String format(ILoggingEvent e) {
        String logger = e.getLoggerName();
        StringBuilder line = new StringBuilder(128)
                .append(Instant.ofEpochMilli(e.getTimeStamp()))
                .append(' ')
                .append(String.format("%-5s", e.getLevel()))
                .append(' ')
                .append(logger.substring(logger.lastIndexOf('.') + 1))
                .append(" - ")
                .append(e.getFormattedMessage());
        if (e.getThrowableProxy() != null) {
            line.append('\n').append(ThrowableProxyUtil.asString(e.getThrowableProxy()));
        }
        return line.toString();
    }
}
