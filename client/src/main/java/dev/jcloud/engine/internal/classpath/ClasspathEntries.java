package dev.jcloud.engine.internal.classpath;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * This JVM's class path as content-addressed entries. A directory (an IDE's or Maven's
 * {@code target/classes}) becomes a deterministic JAR in a temporary folder, so the same classes
 * always have the same hash and a worker fetches each version once.
 */
public final class ClasspathEntries {

    /** One entry: its file on this machine and its content hash. */
    public record Entry(String name, String sha256, long size, Path file) {}

    private record Stamp(long size, long modified) {}

    private static final Map<Path, Entry> CACHE = new ConcurrentHashMap<>();
    private static final Map<Path, Stamp> STAMPS = new ConcurrentHashMap<>();
    private static final FileTime EPOCH = FileTime.fromMillis(0);

    private ClasspathEntries() {}

    /** The entries of {@code java.class.path} that exist, in order. */
    public static List<Entry> ofThisJvm() {
        List<Entry> out = new ArrayList<>();
        for (String part : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (part.isEmpty()) {
                continue;
            }
            Path path = Path.of(part).toAbsolutePath().normalize();
            if (Files.isRegularFile(path) || Files.isDirectory(path)) {
                out.add(of(path));
            }
        }
        return out;
    }

    /** The entry for one JAR or directory, hashed once per content change. */
    public static Entry of(Path path) {
        Stamp now = stamp(path);
        Entry cached = CACHE.get(path);
        if (cached != null && now.equals(STAMPS.get(path))) {
            return cached;
        }
        Entry entry = Files.isDirectory(path)
                ? ofDirectory(path)
                : ofJar(path, path.getFileName().toString());
        CACHE.put(path, entry);
        STAMPS.put(path, now);
        return entry;
    }

    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read class path entry " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Entry ofJar(Path jar, String name) {
        try {
            return new Entry(name, sha256(jar), Files.size(jar), jar);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Entry ofDirectory(Path dir) {
        try {
            Path jar = Files.createTempFile("jcloud-classes-", ".jar");
            jar.toFile().deleteOnExit();
            try (OutputStream file = Files.newOutputStream(jar);
                    ZipOutputStream zip = new ZipOutputStream(file);
                    Stream<Path> walk = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile).sorted()::iterator) {
                    ZipEntry e = new ZipEntry(dir.relativize(p).toString().replace(File.separatorChar, '/'));
                    e.setLastModifiedTime(EPOCH); // same content, same bytes, same hash
                    zip.putNextEntry(e);
                    Files.copy(p, zip);
                    zip.closeEntry();
                }
            }
            String dirName =
                    dir.getFileName() == null ? "classes" : dir.getFileName().toString();
            Entry entry = ofJar(jar, dirName + ".jar");
            return new Entry(
                    dirName + "-" + entry.sha256().substring(0, 12) + ".jar", entry.sha256(), entry.size(), jar);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot package class directory " + dir, e);
        }
    }

    private static Stamp stamp(Path path) {
        try {
            if (Files.isDirectory(path)) {
                long newest = 0;
                long count = 0;
                try (Stream<Path> walk = Files.walk(path)) {
                    for (Path p : (Iterable<Path>) walk::iterator) {
                        newest = Math.max(newest, Files.getLastModifiedTime(p).toMillis());
                        count++;
                    }
                }
                return new Stamp(count, newest);
            }
            return new Stamp(Files.size(path), Files.getLastModifiedTime(path).toMillis());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
