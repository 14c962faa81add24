package dev.jcloud.engine.process;

import dev.jcloud.engine.internal.logs.ProcessLoggers;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Enumeration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.slf4j.LoggerFactory;

/**
 * Logging of jcloud's own processes (scheduler, worker, CLI): one line per event on stderr, at
 * {@code -Djcloud.log.level} or {@code JCLOUD_LOG_LEVEL}, else the process's default (INFO for
 * engine roles), with the libraries' levels from every {@value #QUIET_LOGGERS} on the class path.
 *
 * <p>Bound to SLF4J directly ({@link ProcessLogProvider} named in {@code slf4j.provider}): no
 * provider discovery over the class path, no search for configuration files, and no logging
 * binding in the engine's artifact for a program that only starts a local cluster. A process
 * whose {@code slf4j.provider} names another backend keeps it, configured its own way.
 */
public final class ProcessLogging {

    static final String QUIET_LOGGERS = "META-INF/jcloud/quiet-loggers.properties";

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
     * bound loggers take the new levels.
     */
    public static void configure(String level) {
        defaultLevel = level;
        if (System.getProperty(ProcessLogProvider.PROPERTY) == null) {
            System.setProperty(ProcessLogProvider.PROPERTY, ProcessLogProvider.class.getName());
            // SLF4J would announce the explicit provider on stderr at its default verbosity.
            if (System.getProperty(SLF4J_VERBOSITY) == null) {
                System.setProperty(SLF4J_VERBOSITY, "WARN");
            }
        }
        if (LoggerFactory.getILoggerFactory() instanceof ProcessLoggers loggers) {
            // Bound already (by this call, or something logged before it): the levels follow.
            apply(loggers);
        }
    }

    /** Sets the levels of {@code loggers}: the process's level at the root, the libraries' from the class path. */
    static void apply(ProcessLoggers loggers) {
        String level =
                System.getProperty("jcloud.log.level", System.getenv().getOrDefault("JCLOUD_LOG_LEVEL", defaultLevel));
        loggers.configure(level, quietLoggers());
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
}
