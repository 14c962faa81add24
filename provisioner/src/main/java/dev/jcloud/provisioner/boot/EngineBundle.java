package dev.jcloud.provisioner.boot;

import static java.util.Objects.requireNonNull;

import dev.jcloud.provisioner.ClusterContext;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The engine a cloud machine runs: exactly the JARs of the process that creates the cluster,
 * packed as a {@code .tar.gz} with the JARs under {@code lib/} ({@link EngineArtifact.Format#TAR_GZ}),
 * named by its SHA-256. The archive is reproducible (sorted entries, fixed times, no owners), so
 * the same build always yields the same checksum and an upload of it can be reused.
 *
 * <p>Class-path directories (a development build) are packed into JARs of their own, so a cluster
 * started from the IDE or from tests runs the code under test.
 *
 * @param file   the archive on this machine
 * @param sha256 its SHA-256, 64 lowercase hex digits
 */
public record EngineBundle(Path file, String sha256) {

    private static final FileTime EPOCH = FileTime.fromMillis(0);
    private static final long FIXED_MTIME = 315_532_800_000L; // 1980-01-01, the earliest ZIP time

    public EngineBundle {
        requireNonNull(file, "file is null");
        requireNonNull(sha256, "sha256 is null");
    }

    /** The archive's file name, e.g. {@code jcloud-engine-<sha256>.tar.gz}. */
    public String fileName() {
        return "jcloud-engine-" + sha256 + ".tar.gz";
    }

    /**
     * The bundle of this process's class path for {@code cluster}'s machines, packed next to the
     * clusters' state (under the state directory's {@code engine/}) and reused while the build is
     * unchanged.
     */
    public static EngineBundle forCluster(ClusterContext cluster) {
        return ofCurrentProcess(cacheDir(cluster));
    }

    /**
     * The bundle for {@code cluster}'s machines of what {@code provider}'s module needs: the jar of
     * {@code provider} and the runtime artifacts its build listed ({@value RuntimeArtifacts#ENGINE_ARTIFACTS}
     * next to the class), taken from this process's class path in the versions found there, not
     * every other provider's SDK. This process's whole class path when the list is missing or a
     * jcloud jar is not there by name (class directories of a development build).
     */
    public static EngineBundle forProvider(ClusterContext cluster, Class<?> provider) {
        List<Path> all = currentClassPath();
        List<Path> needed = RuntimeArtifacts.codeSource(provider)
                .flatMap(self -> RuntimeArtifacts.artifactsWithin(
                        all, self, RuntimeArtifacts.linesOf(provider, RuntimeArtifacts.ENGINE_ARTIFACTS)))
                .orElse(all);
        return of(needed, cacheDir(cluster));
    }

    private static Path cacheDir(ClusterContext cluster) {
        Path clusters = cluster.workDir().toAbsolutePath().getParent();
        return (clusters == null || clusters.getParent() == null ? cluster.workDir() : clusters.getParent())
                .resolve("engine");
    }

    /** The bundle of this process's class path, built in (or reused from) {@code cacheDir}. */
    public static EngineBundle ofCurrentProcess(Path cacheDir) {
        return of(currentClassPath(), cacheDir);
    }

    private static List<Path> currentClassPath() {
        List<Path> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!e.isBlank() && Files.exists(Path.of(e))) {
                entries.add(Path.of(e).toAbsolutePath());
            }
        }
        return entries;
    }

    /** The bundle of {@code classPath} (JARs and class directories), written to {@code cacheDir}. */
    public static EngineBundle of(List<Path> classPath, Path cacheDir) {
        try {
            Files.createDirectories(cacheDir);
            Path tmp = Files.createTempFile(cacheDir, ".engine-", ".tmp");
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), sha);
                        GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16);
                        TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
                    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                    for (Map.Entry<String, Path> jar : jarNames(classPath).entrySet()) {
                        addJar(tar, "lib/" + jar.getKey(), jar.getValue(), cacheDir);
                    }
                }
                String hex = HexFormat.of().formatHex(sha.digest());
                EngineBundle bundle = new EngineBundle(cacheDir.resolve("jcloud-engine-" + hex + ".tar.gz"), hex);
                Files.move(tmp, bundle.file(), StandardCopyOption.REPLACE_EXISTING);
                return bundle;
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot pack the engine into " + cacheDir + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Unique, stable names in class-path order (the order decides which class wins). */
    private static Map<String, Path> jarNames(List<Path> classPath) {
        Map<String, Path> names = new LinkedHashMap<>();
        int i = 0;
        for (Path p : classPath) {
            String base =
                    Files.isDirectory(p) ? directoryJarName(p) : p.getFileName().toString();
            // A numeric prefix keeps the class-path order when the machine lists lib/*.
            names.put(String.format("%03d-%s", i++, base), p);
        }
        return names;
    }

    private static String directoryJarName(Path dir) {
        // target/classes of module m -> m-classes.jar
        Path parent = dir.getParent() == null ? null : dir.getParent().getParent();
        String module = parent == null || parent.getFileName() == null
                ? "classes"
                : parent.getFileName().toString();
        return module + "-" + dir.getFileName() + ".jar";
    }

    private static void addJar(TarArchiveOutputStream tar, String name, Path source, Path scratch) throws IOException {
        Path jar = source;
        Path packed = null;
        if (Files.isDirectory(source)) {
            packed = Files.createTempFile(scratch, ".dir-", ".jar");
            packDirectory(source, packed);
            jar = packed;
        }
        try {
            TarArchiveEntry entry = new TarArchiveEntry(name);
            entry.setSize(Files.size(jar));
            entry.setMode(0644);
            entry.setModTime(EPOCH);
            entry.setUserId(0);
            entry.setGroupId(0);
            tar.putArchiveEntry(entry);
            Files.copy(jar, tar);
            tar.closeArchiveEntry();
        } finally {
            if (packed != null) {
                Files.deleteIfExists(packed);
            }
        }
    }

    private static void packDirectory(Path dir, Path jar) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (Path f : files) {
                JarEntry e = new JarEntry(dir.relativize(f).toString().replace(File.separatorChar, '/'));
                e.setTime(FIXED_MTIME);
                out.putNextEntry(e);
                Files.copy(f, out);
                out.closeEntry();
            }
        }
    }
}
