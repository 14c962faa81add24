package dev.jcloud.providers.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /** {@code   group:artifact:type[:classifier]:version:scope[ -- module ...]}, as dependency:list writes it. */
    private static final Pattern LINE =
            Pattern.compile("^\\s*[^:\\s]+:([^:\\s]+):([^:\\s]+):(?:([^:\\s]+):)?([^:\\s]+):(compile|runtime)\\b.*$");

    private EngineClasspath() {}

    /**
     * The entries of {@code classpath} an engine process needs plus {@code extra}, in class path
     * order; empty when any needed jar is not found there by name (a development build with class
     * directories, say), so the caller keeps the whole class path.
     */
    static Optional<String> within(String classpath, Path self, List<Path> extra) {
        if (!Files.isRegularFile(self) || !self.toString().endsWith(".jar")) {
            return Optional.empty();
        }
        Set<String> wanted = new LinkedHashSet<>(jarNames());
        wanted.add(self.getFileName().toString());
        List<String> kept = new ArrayList<>();
        Set<String> found = new LinkedHashSet<>();
        for (String entry : classpath.split(java.io.File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            String name = Path.of(entry).getFileName().toString();
            if (wanted.contains(name) && found.add(name)) {
                kept.add(entry);
            }
        }
        if (!found.containsAll(wanted)) {
            return Optional.empty();
        }
        for (Path p : extra) {
            String entry = p.toAbsolutePath().normalize().toString();
            if (!kept.contains(entry)) {
                kept.add(entry);
            }
        }
        return Optional.of(String.join(java.io.File.pathSeparator, kept));
    }

    /** File names of the runtime dependencies this module was built with. */
    static List<String> jarNames() {
        try (InputStream in = EngineClasspath.class.getResourceAsStream(ARTIFACTS)) {
            if (in == null) {
                throw new IllegalStateException(
                        ARTIFACTS + " is missing from the local provider's jar: a broken build");
            }
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                    .lines()
                    .toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> parse(List<String> lines) {
        List<String> names = new ArrayList<>();
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            if (m.matches() && m.group(2).equals("jar")) {
                names.add(m.group(1) + "-" + m.group(4) + (m.group(3) == null ? "" : "-" + m.group(3)) + ".jar");
            }
        }
        return names;
    }
}
