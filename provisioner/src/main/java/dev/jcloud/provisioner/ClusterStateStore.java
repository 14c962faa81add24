package dev.jcloud.provisioner;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jcloud.config.StatePaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One small JSON file per cluster, {@code <stateDir>/clusters/<name>.json}, beside the cluster's
 * working directory {@code <stateDir>/clusters/<name>/} (logs, address files).
 *
 * <p>This is a cache of what was created, never the truth: {@link Provisioner} checks every
 * record against what the provider reports. Files are written to a temporary file and renamed,
 * so a reader never sees half a record; an unreadable file is reported and skipped.
 */
public final class ClusterStateStore {

    /** System property that overrides the state directory (tests, embedded use). */
    public static final String STATE_DIR_PROPERTY = "jcloud.state.dir";

    private static final Logger LOG = LoggerFactory.getLogger(ClusterStateStore.class);
    private static final String SUFFIX = ".json";

    private final Path stateDir;
    private final Path clustersDir;
    private final ObjectMapper json = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public ClusterStateStore(Path stateDir) {
        this.stateDir = requireNonNull(stateDir, "stateDir is null").toAbsolutePath();
        this.clustersDir = this.stateDir.resolve("clusters");
    }

    /**
     * The user's store: the {@value #STATE_DIR_PROPERTY} system property if set, else
     * {@link StatePaths#fromEnvironment()} ({@code $JCLOUD_STATE_DIR}, {@code $XDG_STATE_HOME/jcloud},
     * {@code ~/.local/state/jcloud}).
     */
    public static ClusterStateStore forUser() {
        String override = System.getProperty(STATE_DIR_PROPERTY);
        if (override != null && !override.isBlank()) {
            return new ClusterStateStore(Path.of(override));
        }
        return new ClusterStateStore(StatePaths.fromEnvironment().stateDir());
    }

    public Path stateDir() {
        return stateDir;
    }

    /** The cluster's working directory (may not exist yet). */
    public Path clusterDir(String name) {
        return clustersDir.resolve(ClusterNames.check(name));
    }

    /** Writes {@code record} atomically, replacing an earlier one of the same name. */
    public void save(ClusterRecord record) {
        Path target = file(record.name());
        try {
            Files.createDirectories(clustersDir);
            Path tmp = Files.createTempFile(clustersDir, "." + record.name() + "-", ".tmp");
            try {
                json.writeValue(tmp.toFile(), record);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write cluster state " + target + ": " + e.getMessage(), e);
        }
    }

    /** The record of cluster {@code name}, if there is a readable one. */
    public Optional<ClusterRecord> load(String name) {
        Path f = file(name);
        try {
            return Optional.of(json.readValue(Files.readAllBytes(f), ClusterRecord.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.warn("ignoring unreadable cluster state {}: {}", f, e.getMessage());
            return Optional.empty();
        }
    }

    /** All readable records, by name. */
    public List<ClusterRecord> list() {
        List<ClusterRecord> out = new ArrayList<>();
        if (!Files.isDirectory(clustersDir)) {
            return out;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(clustersDir, "*" + SUFFIX)) {
            for (Path f : files) {
                String fileName = f.getFileName().toString();
                String name = fileName.substring(0, fileName.length() - SUFFIX.length());
                if (!name.startsWith(".")) {
                    load(name).ifPresent(out::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list cluster state in " + clustersDir + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparing(ClusterRecord::name));
        return out;
    }

    /** Removes the record of cluster {@code name} (its working directory stays). */
    public void delete(String name) {
        try {
            Files.deleteIfExists(file(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete cluster state " + file(name) + ": " + e.getMessage(), e);
        }
    }

    private Path file(String name) {
        return clustersDir.resolve(ClusterNames.check(name) + SUFFIX);
    }
}
