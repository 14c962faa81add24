package dev.jcloud.providers.testing;

import dev.jcloud.config.SettingKey;
import dev.jcloud.config.SettingsSection;
import dev.jcloud.provisioner.ClusterContext;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The procs provider's own settings: the {@code procs} section it contributes to the
 * configuration and the command line ({@link #SECTION}, with flags {@code --max-procs},
 * {@code --java}), read back from a cluster's options with the same parsers.
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

    static final SettingKey<Integer> MAX_WORKERS_KEY = SettingKey.wholeNumber(
                    MAX_WORKERS, DEFAULT_MAX_WORKERS, 0, WORKER_CEILING)
            .describedAs("The hard maximum of worker processes.")
            .flag("--max-procs", "N");
    static final SettingKey<Optional<String>> JAVA_KEY = SettingKey.optionalText(JAVA)
            .describedAs("The java binary of engine processes (default: this JVM's).")
            .flag("--java", "PATH");
    static final SettingKey<Optional<String>> CLASSPATH_KEY =
            SettingKey.optionalText(CLASSPATH).describedAs("The class path of engine processes (default: this JVM's).");

    /** The {@code procs.*} keys. */
    public static final SettingsSection SECTION = SettingsSection.of("procs", MAX_WORKERS_KEY, JAVA_KEY, CLASSPATH_KEY);

    /** The settings in {@code cluster}'s options. */
    public static ProcsSettings of(ClusterContext cluster) {
        return of(cluster.options());
    }

    /** The settings in {@code options}; a bad value fails naming its key. */
    public static ProcsSettings of(Map<String, String> options) {
        return new ProcsSettings(
                MAX_WORKERS_KEY.read(options),
                JAVA_KEY.read(options).orElseGet(ProcsSettings::currentJava),
                CLASSPATH_KEY.read(options).orElseGet(ProcsSettings::currentClasspath));
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
