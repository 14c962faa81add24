package dev.jcloud.engine.internal.logs;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** One named logger of {@link ProcessLoggers}: compares a level and formats the message. */
final class ProcessLogger extends LegacyAbstractLogger {

    private static final long serialVersionUID = 1L;

    private final transient ProcessLoggers factory;
    private transient volatile int level;

    ProcessLogger(String name, ProcessLoggers factory, int level) {
        this.name = name;
        this.factory = factory;
        this.level = level;
    }

    void level(int level) {
        this.level = level;
    }

    private boolean enabled(Level l) {
        return l.toInt() >= level;
    }

    @Override
    public boolean isTraceEnabled() {
        return enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return enabled(Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(
            Level l, Marker marker, String pattern, Object[] arguments, Throwable thrown) {
        Object[] args = arguments;
        Throwable t = thrown;
        // log.warn("failed {}", id, e): a trailing exception beyond the placeholders is the event's throwable.
        if (t == null
                && args != null
                && args.length > 0
                && args[args.length - 1] instanceof Throwable last
                && placeholders(pattern) < args.length) {
            t = last;
            args = MessageFormatter.trimmedCopy(args);
        }
        factory.write(l, name, MessageFormatter.basicArrayFormat(pattern, args), t);
    }

    private static int placeholders(String pattern) {
        int n = 0;
        for (int i = pattern == null ? -1 : pattern.indexOf("{}"); i >= 0; i = pattern.indexOf("{}", i + 2)) {
            n++;
        }
        return n;
    }
}
