package dev.jcloud.providers.local;

import dev.jcloud.provisioner.boot.RuntimeArtifacts;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The part of a class path an engine process of this provider needs: this module's jar and its
 * runtime dependencies, as listed at build time in {@code runtime-artifacts.txt} (Maven's
 * {@code dependency:list}), matched by their file names ({@code artifactId-version[-classifier].jar},
 * as in a Maven repository or a copied {@code lib/}).
 *
 * <p>Why: every jar on a JVM's class path is opened and indexed when something looks a resource
 * up across it (SLF4J, gRPC and Netty all do at start-up), so a worker started with the CLI's
 * class path, which carries every cloud SDK, spends a fifth more CPU getting up than with the
 * forty-odd jars it uses.
 */
final class EngineClasspath {

    static final String ARTIFACTS = "runtime-artifacts.txt";

    private EngineClasspath() {}

    /**
     * The entries of {@code classpath} an engine process needs plus {@code extra}, in class path
     * order; empty when any needed jar is not found there by name (a development build with class
     * directories, say), so the caller keeps the whole class path.
     */
    static Optional<String> within(String classpath, Path self, List<Path> extra) {
        List<Path> entries = new ArrayList<>();
        for (String entry : classpath.split(java.io.File.pathSeparator)) {
            if (!entry.isEmpty()) {
                entries.add(Path.of(entry));
            }
        }
        return RuntimeArtifacts.within(entries, self, jarNames()).map(kept -> {
            List<String> out = new ArrayList<>();
            kept.forEach(p -> out.add(p.toString()));
            for (Path p : extra) {
                String entry = p.toAbsolutePath().normalize().toString();
                if (!out.contains(entry)) {
                    out.add(entry);
                }
            }
            return String.join(java.io.File.pathSeparator, out);
        });
    }

    /** File names of the runtime dependencies this module was built with. */
    static List<String> jarNames() {
        List<String> names = RuntimeArtifacts.listedBy(EngineClasspath.class, ARTIFACTS);
        if (names.isEmpty()) {
            throw new IllegalStateException(ARTIFACTS + " is missing from the local provider's jar: a broken build");
        }
        return names;
    }

    static List<String> parse(List<String> lines) {
        return RuntimeArtifacts.parse(lines);
    }
}
