package dev.jcloud.providers.local;

import dev.jcloud.provisioner.NodeRole;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Application class-data sharing (AppCDS) archives for engine processes, one per role, kept in
 * {@code <stateDir>/cds/<key>/} where the key covers the java binary and every class path entry
 * (path, size, modification time), so a rebuilt jar never meets an old archive.
 *
 * <p>Why: loading and verifying grpc/netty/protobuf classes is most of a small engine JVM's
 * start-up CPU. Measured on a 2-core machine, an archive cut the scheduler's time to listening
 * from ~0.65 s to ~0.4 s and a worker's time to registered from ~1.0 s to ~0.5 s; with four
 * workers starting at once on two cores that is the difference between missing and meeting the
 * 1.5 s target.
 *
 * <p>How: JDK 17 cannot create an archive on the fly, so the first process of a role without an
 * archive records one with {@code -XX:ArchiveClassesAtExit} (written when it exits) into a
 * {@code .part} file, and a marker holds its pid. A later launch promotes the part to the archive
 * once that pid has exited. At most one recorder per role runs at a time; everything else starts
 * without an archive until one exists. Failures here only cost speed, never correctness.
 */
final class CdsArchives {

    private static final Logger LOG = LoggerFactory.getLogger(CdsArchives.class);

    private final Path dir;
    private final String java;
    private final String classpath;

    private CdsArchives(Path dir, String java, String classpath) {
        this.dir = dir;
        this.java = java;
        this.classpath = classpath;
    }

    /** Archives for processes run by {@code java} with {@code classpath}, under {@code baseDir}. */
    static CdsArchives of(Path baseDir, String java, String classpath) {
        return new CdsArchives(baseDir.resolve(key(java, classpath)), java, classpath);
    }

    /**
     * Whether the JVM maps {@code archive} with this class path. {@code -Xshare:on} makes the JVM
     * fail instead of silently running without it, so a truncated archive (its recorder was
     * killed while writing) is never promoted.
     */
    private boolean usable(Path archive) {
        try {
            Process p = new ProcessBuilder(
                            java, "-Xshare:on", "-XX:SharedArchiveFile=" + archive, "-cp", classpath, "-version")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A handle on what to do for one process of {@code role}. */
    Plan plan(NodeRole role) {
        String name = role.label();
        Path archive = dir.resolve(name + ".jsa");
        Path part = dir.resolve(name + ".jsa.part");
        Path marker = dir.resolve(name + ".recording");
        try {
            if (Files.isRegularFile(archive)) {
                return new Plan(List.of("-XX:SharedArchiveFile=" + archive), null);
            }
            Files.createDirectories(dir);
            Optional<Long> recorder = readPid(marker);
            if (recorder.isPresent()
                    && ProcessHandle.of(recorder.get())
                            .map(ProcessHandle::isAlive)
                            .orElse(false)) {
                return Plan.NONE; // someone is recording; start without an archive meanwhile
            }
            if (recorder.isPresent() || Files.exists(marker)) {
                // The recorder has exited: its archive (if it got to write one) is complete.
                if (Files.isRegularFile(part) && Files.size(part) > 0 && usable(part)) {
                    move(part, archive);
                    Files.deleteIfExists(marker);
                    return new Plan(List.of("-XX:SharedArchiveFile=" + archive), null);
                }
                Files.deleteIfExists(part);
                Files.deleteIfExists(marker);
            }
            try {
                Files.writeString(Files.createFile(marker), "", StandardCharsets.UTF_8);
            } catch (FileAlreadyExistsException e) {
                return Plan.NONE; // another launch just became the recorder
            }
            Files.deleteIfExists(part);
            return new Plan(List.of("-XX:ArchiveClassesAtExit=" + part), marker);
        } catch (IOException | RuntimeException e) {
            LOG.debug("class-data sharing archive for {} not used: {}", name, e.toString());
            return Plan.NONE;
        }
    }

    /** JVM options for one process; {@link #started} records the recorder's pid. */
    record Plan(List<String> jvmOptions, Path marker) {
        static final Plan NONE = new Plan(List.of(), null);

        void started(long pid) {
            if (marker != null) {
                try {
                    Files.writeString(marker, Long.toString(pid), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    LOG.debug("cannot write {}: {}", marker, e.toString());
                }
            }
        }

        void failed() {
            if (marker != null) {
                try {
                    Files.deleteIfExists(marker);
                } catch (IOException e) {
                    LOG.debug("cannot delete {}: {}", marker, e.toString());
                }
            }
        }
    }

    /**
     * Archives for this class path, or none when it has a directory entry: CDS archives classes
     * from jar files only (the distribution), not from build output directories.
     */
    static Optional<CdsArchives> forClasspath(Path baseDir, String java, String classpath) {
        for (String entry : classpath.split(File.pathSeparator)) {
            if (!entry.endsWith(".jar") || !Files.isRegularFile(Path.of(entry))) {
                return Optional.empty();
            }
        }
        return Optional.of(of(baseDir, java, classpath));
    }

    /** Deletes archives of other keys (older builds) under {@code baseDir} not used for a day. */
    void deleteStale(Path baseDir) {
        if (!Files.isDirectory(baseDir)) {
            return;
        }
        long dayAgo = System.currentTimeMillis() - 86_400_000L;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(baseDir)) {
            for (Path d : dirs) {
                if (!d.equals(dir)
                        && Files.isDirectory(d)
                        && Files.getLastModifiedTime(d).toMillis() < dayAgo) {
                    FileTrees.deleteRecursively(d);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot clean {}: {}", baseDir, e.toString());
        }
    }

    private static Optional<Long> readPid(Path marker) {
        try {
            String text = Files.readString(marker, StandardCharsets.UTF_8).trim();
            return text.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(text));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String key(String java, String classpath) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(java.getBytes(StandardCharsets.UTF_8));
            sha.update(System.getProperty("java.version", "").getBytes(StandardCharsets.UTF_8));
            for (String entry : classpath.split(File.pathSeparator)) {
                sha.update(entry.getBytes(StandardCharsets.UTF_8));
                try {
                    BasicFileAttributes a = Files.readAttributes(Path.of(entry), BasicFileAttributes.class);
                    sha.update((a.size() + ":" + a.lastModifiedTime().toMillis()).getBytes(StandardCharsets.UTF_8));
                } catch (IOException | RuntimeException e) {
                    sha.update((byte) 0); // missing entry or wildcard: the name alone
                }
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
