package dev.jcloud.provisioner.boot;

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
 * The jars a module needs at run time, as its build listed them (Maven's {@code dependency:list}
 * written into the module's jar next to a class of it), matched by file name
 * ({@code artifactId-version[-classifier].jar}, as in a Maven repository or a copied {@code lib/}).
 * A provider's engine bundle holds these and not the whole class path of the process that packs
 * it, which carries every other provider's SDK.
 */
public final class RuntimeArtifacts {

    /** The resource a provider module writes next to its provider class at build time. */
    public static final String ENGINE_ARTIFACTS = "engine-artifacts.txt";

    /** {@code   group:artifact:type[:classifier]:version:scope[ -- module ...]}, as dependency:list writes it. */
    private static final Pattern LINE =
            Pattern.compile("^\\s*[^:\\s]+:([^:\\s]+):([^:\\s]+):(?:([^:\\s]+):)?([^:\\s]+):(compile|runtime)\\b.*$");

    /** The same line with its group: {@code group, artifact, type, classifier}. */
    private static final Pattern FULL_LINE =
            Pattern.compile("^\\s*([^:\\s]+):([^:\\s]+):([^:\\s]+):(?:([^:\\s]+):)?([^:\\s]+):(compile|runtime)\\b.*$");

    private RuntimeArtifacts() {}

    /** The {@code dependency:list} lines of {@code owner}'s resource {@code resource}, empty when it has none. */
    public static List<String> linesOf(Class<?> owner, String resource) {
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                return List.of();
            }
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                    .lines()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** File names of the runtime jars listed in {@code owner}'s resource {@code resource}, empty when it has none. */
    public static List<String> listedBy(Class<?> owner, String resource) {
        return parse(linesOf(owner, resource));
    }

    /** The jar file names of {@code dependency:list} output lines (compile and runtime scope). */
    public static List<String> parse(List<String> lines) {
        List<String> names = new ArrayList<>();
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            if (m.matches() && m.group(2).equals("jar")) {
                names.add(m.group(1) + "-" + m.group(4) + (m.group(3) == null ? "" : "-" + m.group(3)) + ".jar");
            }
        }
        return names;
    }

    /**
     * The entries of {@code classPath} named in {@code wanted}, plus {@code self} (the module's own
     * jar), in class path order; empty when {@code wanted} is empty, {@code self} is not a jar or
     * any wanted jar is not there by name (a development build with class directories), so that
     * the caller keeps the whole class path.
     */
    public static Optional<List<Path>> within(List<Path> classPath, Path self, List<String> wanted) {
        if (wanted.isEmpty()
                || self == null
                || !Files.isRegularFile(self)
                || !self.toString().endsWith(".jar")) {
            return Optional.empty();
        }
        Set<String> names = new LinkedHashSet<>(wanted);
        names.add(self.getFileName().toString());
        List<Path> kept = new ArrayList<>();
        Set<String> found = new LinkedHashSet<>();
        for (Path entry : classPath) {
            Path name = entry.getFileName();
            if (name != null && names.contains(name.toString()) && found.add(name.toString())) {
                kept.add(entry);
            }
        }
        return found.containsAll(names) ? Optional.of(kept) : Optional.empty();
    }

    /**
     * The entries of {@code classPath} that are artifacts {@code listed} names (dependency:list
     * lines), whatever their version, plus {@code self}, in class path order. The class path decides
     * versions and what is left out: a process's class path converges the versions of every module
     * on it and may replace an artifact (commons-logging by jcl-over-slf4j), and it is what the
     * machines ran before as a whole. Empty when {@code self} is not a jar, the list names nothing,
     * or an artifact of {@code dev.jcloud} is not there (a development build): the caller keeps the
     * whole class path.
     */
    public static Optional<List<Path>> artifactsWithin(List<Path> classPath, Path self, List<String> listed) {
        if (self == null || !Files.isRegularFile(self) || !self.toString().endsWith(".jar")) {
            return Optional.empty();
        }
        List<String[]> artifacts = new ArrayList<>(); // {groupId, artifactId, classifier or null}
        for (String line : listed) {
            Matcher m = FULL_LINE.matcher(line);
            if (m.matches() && m.group(3).equals("jar")) {
                artifacts.add(new String[] {m.group(1), m.group(2), m.group(4)});
            }
        }
        if (artifacts.isEmpty()) {
            return Optional.empty();
        }
        List<Path> kept = new ArrayList<>();
        Set<String> found = new LinkedHashSet<>();
        for (Path entry : classPath) {
            Path file = entry.getFileName();
            String name = file == null ? "" : file.toString();
            if (entry.equals(self) || name.equals(self.getFileName().toString())) {
                if (found.add("self")) {
                    kept.add(entry);
                }
                continue;
            }
            for (String[] a : artifacts) {
                if (isArtifact(name, a[1], a[2]) && found.add(a[0] + ":" + a[1] + ":" + a[2])) {
                    kept.add(entry);
                    break;
                }
            }
        }
        for (String[] a : artifacts) {
            if (a[0].equals("dev.jcloud") && !found.contains(a[0] + ":" + a[1] + ":" + a[2])) {
                return Optional.empty();
            }
        }
        return found.contains("self") ? Optional.of(kept) : Optional.empty();
    }

    /** {@code artifactId-VERSION[-classifier].jar}, the version starting with a digit. */
    static boolean isArtifact(String fileName, String artifactId, String classifier) {
        String prefix = artifactId + "-";
        if (!fileName.startsWith(prefix)
                || fileName.length() <= prefix.length()
                || !Character.isDigit(fileName.charAt(prefix.length()))
                || !fileName.endsWith(".jar")) {
            return false;
        }
        return classifier == null
                ? !fileName.endsWith("-tests.jar") && !fileName.endsWith("-sources.jar")
                : fileName.endsWith("-" + classifier + ".jar");
    }

    /** Where {@code c} was loaded from (its jar, or a class directory), if known. */
    public static Optional<Path> codeSource(Class<?> c) {
        try {
            var source = c.getProtectionDomain().getCodeSource();
            return source == null
                    ? Optional.empty()
                    : Optional.of(Path.of(source.getLocation().toURI()));
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
