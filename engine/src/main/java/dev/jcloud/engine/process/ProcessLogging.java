package dev.jcloud.engine.process;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.time.Instant;
import java.util.Enumeration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.slf4j.LoggerFactory;

/**
 * Logging of jcloud's own processes (scheduler, worker, CLI): one line per event on stderr, at
 * {@code -Djcloud.log.level} or {@code JCLOUD_LOG_LEVEL}, else the process's default (INFO for
 * engine roles). A user's own {@code -Dlogback.configurationFile} wins.
 *
 * <p>Configured in code, and bound to SLF4J directly ({@link ProcessLogProvider} named in
 * {@code slf4j.provider}): SLF4J's provider discovery and Logback's auto-configuration (service
 * look-ups over the whole class path, a search for XML files, a default configuration thrown
 * away) cost an engine process a quarter of its main thread's start-up, and parsing a
 * logback.xml loads some 600 classes more.
 */
public final class ProcessLogging {

    static final String QUIET_LOGGERS = "META-INF/jcloud/quiet-loggers.properties";

    /** Marks a context configured here, so that {@link #configure} does it once. */
    private static final String CONFIGURED = "jcloud.process-logging";

    private static final String LOGBACK_CONTEXT = "ch.qos.logback.classic.LoggerContext";
    private static final String SLF4J_VERBOSITY = "slf4j.internal.verbosity";

    private static volatile String defaultLevel = "INFO";

    private ProcessLogging() {}

    /** An engine role's logging: INFO unless the level is set. Call first thing in {@code main}. */
    public static void configure() {
        configure("INFO");
    }

    /**
     * This process's logging, {@code level} unless {@code -Djcloud.log.level} or
     * {@code JCLOUD_LOG_LEVEL} says otherwise. Cheapest before anything has logged; later, the
     * running Logback context is configured again.
     */
    public static void configure(String level) {
        if (System.getProperty("logback.configurationFile") != null || !logbackPresent()) {
            return;
        }
        defaultLevel = level;
        if (System.getProperty(ProcessLogProvider.PROPERTY) == null) {
            System.setProperty(ProcessLogProvider.PROPERTY, ProcessLogProvider.class.getName());
            // SLF4J would announce the explicit provider on stderr at its default verbosity.
            if (System.getProperty(SLF4J_VERBOSITY) == null) {
                System.setProperty(SLF4J_VERBOSITY, "WARN");
            }
        }
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context
                && context.getObject(CONFIGURED) == null) {
            // SLF4J was bound before this call (something logged already): configure what it bound.
            context.reset();
            apply(context);
        }
    }

    /** Sets up {@code context}: the stderr appender, the level, quiet gRPC. */
    static void apply(LoggerContext context) {
        String level =
                System.getProperty("jcloud.log.level", System.getenv().getOrDefault("JCLOUD_LOG_LEVEL", defaultLevel));
        LineLayout layout = new LineLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level, Level.INFO));
        root.addAppender(stderr);
        quietLoggers().forEach((name, quiet) -> context.getLogger(name).setLevel(Level.toLevel(quiet, Level.WARN)));
        context.putObject(CONFIGURED, Boolean.TRUE);
    }

    /**
     * Levels that modules on the class path ask for their libraries' loggers, from every
     * {@value #QUIET_LOGGERS} ({@code logger = LEVEL} lines): a provider quiets its SDK's chatter
     * without the engine knowing the SDK.
     */
    static Map<String, String> quietLoggers() {
        Map<String, String> out = new TreeMap<>();
        try {
            Enumeration<URL> files = ProcessLogging.class.getClassLoader().getResources(QUIET_LOGGERS);
            while (files.hasMoreElements()) {
                try (InputStream in = files.nextElement().openStream()) {
                    Properties p = new Properties();
                    p.load(in);
                    p.forEach(
                            (k, v) -> out.put(k.toString().strip(), v.toString().strip()));
                }
            }
        } catch (IOException e) {
            // A missing or unreadable file only leaves a library at its default level.
        }
        return out;
    }

    /** Without Logback (a user's class path may bring another SLF4J backend) there is nothing to configure. */
    private static boolean logbackPresent() {
        try {
            Class.forName(LOGBACK_CONTEXT, false, ProcessLogging.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** {@code 2026-11-21T22:35:25.546Z INFO  SchedulerCore - message}, plus the stack trace if any. */
    private static final class LineLayout extends LayoutBase<ILoggingEvent> {
        @Override
        public String doLayout(ILoggingEvent e) {
            String logger = e.getLoggerName();
            StringBuilder line = new StringBuilder(128)
                    .append(Instant.ofEpochMilli(e.getTimeStamp()))
                    .append(' ')
                    .append(String.format("%-5s", e.getLevel()))
                    .append(' ')
                    .append(logger.substring(logger.lastIndexOf('.') + 1))
                    .append(" - ")
                    .append(e.getFormattedMessage())
                    .append('\n');
            if (e.getThrowableProxy() != null) {
                line.append(ThrowableProxyUtil.asString(e.getThrowableProxy())).append('\n');
            }
            return line.toString();
        }
    }
}
