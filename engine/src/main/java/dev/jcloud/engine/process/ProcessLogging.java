package dev.jcloud.engine.process;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.time.Instant;
import org.slf4j.LoggerFactory;

/**
 * Logging of engine processes (scheduler, worker): one line per event on stderr, INFO unless
 * {@code JCLOUD_LOG_LEVEL} or {@code -Djcloud.log.level} says otherwise. Configured in code rather
 * than XML because parsing a logback.xml loads some 600 classes, a fifth of a worker's start-up.
 * A user's own {@code -Dlogback.configurationFile} wins.
 */
public final class ProcessLogging {

    private ProcessLogging() {
    }

    public static void configure() {
        if (System.getProperty("logback.configurationFile") != null
                || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        String level = System.getProperty("jcloud.log.level", System.getenv().getOrDefault("JCLOUD_LOG_LEVEL", "INFO"));
        context.reset();
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
        context.getLogger("io.grpc").setLevel(Level.WARN);
    }

    /** {@code 2026-11-21T22:35:25.546Z INFO  SchedulerCore - message}, plus the stack trace if any. */
    private static final class LineLayout extends LayoutBase<ILoggingEvent> {
        @Override
        public String doLayout(ILoggingEvent e) {
            String logger = e.getLoggerName();
            StringBuilder line = new StringBuilder(128)
                    .append(Instant.ofEpochMilli(e.getTimeStamp())).append(' ')
                    .append(String.format("%-5s", e.getLevel())).append(' ')
                    .append(logger.substring(logger.lastIndexOf('.') + 1)).append(" - ")
                    .append(e.getFormattedMessage()).append('\n');
            if (e.getThrowableProxy() != null) {
                line.append(ThrowableProxyUtil.asString(e.getThrowableProxy())).append('\n');
            }
            return line.toString();
        }
    }
}
