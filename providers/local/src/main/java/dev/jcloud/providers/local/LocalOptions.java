package dev.jcloud.providers.local;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Keys of the local provider's options (kept in the cluster's state, so later commands reuse them). */
final class LocalOptions {

    /** The java binary for engine processes; default: the one running this JVM. */
    static final String JAVA = "java";
    /** The class path of engine processes; default: this JVM's class path. */
    static final String CLASSPATH = "classpath";
    /** Extra JVM options, separated by spaces. */
    static final String JVM_OPTIONS = "jvm-options";
    /** "true": processes start in their own session so they outlive the launching program and its terminal. */
    static final String DETACHED = "detached";

    /** "true": mutual TLS between every party, with a CA made for the cluster (see ClusterTrust). */
    static final String TLS = dev.jcloud.provisioner.tls.ClusterTrust.OPTION;

    /** "false" turns off class-data sharing archives for engine processes (see {@link CdsArchives}). */
    static final String CDS = "cds";

    private LocalOptions() {}

    /** The java binary running this JVM. */
    static String currentJava() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElseGet(() ->
                        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** This JVM's class path, with absolute entries (engine processes run in the cluster's directory). */
    static String currentClasspath() {
        return absolute(System.getProperty("java.class.path"));
    }

    static String absolute(String classpath) {
        List<String> entries = new ArrayList<>();
        for (String entry : classpath.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            if (entry.endsWith("*")) { // a wildcard entry as given on a command line
                String dir = entry.substring(0, entry.length() - 1);
                entries.add(Path.of(dir.isEmpty() ? "." : dir).toAbsolutePath().normalize() + File.separator + "*");
            } else {
                entries.add(Path.of(entry).toAbsolutePath().normalize().toString());
            }
        }
        return String.join(File.pathSeparator, entries);
    }
}
