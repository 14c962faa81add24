package dev.jcloud.providers.testing;

import dev.jcloud.provisioner.ClusterContext;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The procs provider's own settings, parsed once from the cluster's options (keys {@code procs.*}),
 * with errors that name the key and what is accepted. This record is the place the provider's
 * settings live: when the provider SPI lets a module contribute its settings and flags, their keys,
 * defaults and parsers are declared from here.
 *
 * @param maxWorkers the hard maximum of worker processes, enforced where they are started
 *                   ({@value #MAX_WORKERS}, default {@value #DEFAULT_MAX_WORKERS})
 * @param java       the java binary of engine processes ({@value #JAVA}, default: this JVM's)
 * @param classpath  the class path of engine processes ({@value #CLASSPATH}, default: this JVM's)
 */
public record ProcsSettings(int maxWorkers, String java, String classpath) {

    public static final String MAX_WORKERS = "procs.max-workers";
    public static final String JAVA = "procs.java";
    public static final String CLASSPATH = "procs.classpath";
    static final int DEFAULT_MAX_WORKERS = 64;
    private static final int WORKER_CEILING = 1024;

    /** The settings in {@code cluster}'s options. */
    public static ProcsSettings of(ClusterContext cluster) {
        return of(cluster.options());
    }

    /** The settings in {@code options}; a bad value fails naming its key. */
    public static ProcsSettings of(Map<String, String> options) {
        String max = options.getOrDefault(MAX_WORKERS, Integer.toString(DEFAULT_MAX_WORKERS));
        int maxWorkers;
        try {
            maxWorkers = Integer.parseInt(max.trim());
        } catch (NumberFormatException e) {
            maxWorkers = -1;
        }
        if (maxWorkers < 0 || maxWorkers > WORKER_CEILING) {
            throw new IllegalArgumentException(
                    "invalid " + MAX_WORKERS + " '" + max + "': use a whole number from 0 to " + WORKER_CEILING);
        }
        return new ProcsSettings(
                maxWorkers,
                options.getOrDefault(JAVA, currentJava()),
                options.getOrDefault(CLASSPATH, currentClasspath()));
    }

    private static String currentJava() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElseGet(() ->
                        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** This JVM's class path with absolute entries (engine processes run in the cluster's directory). */
    private static String currentClasspath() {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                entries.add(Path.of(entry).toAbsolutePath().normalize().toString());
            }
        }
        return String.join(File.pathSeparator, entries);
    }
}
