package dev.jcloud.providers.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.SchedulerEndpoint;
import dev.jcloud.provisioner.tls.ClusterTrust;
import dev.jcloud.provisioner.tls.DashboardLogin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A cluster's directory on the file system the login and compute nodes share,
 * {@code <shared-dir>/<cluster id>}: the job scripts and the engine flags they read, the logs, the
 * scheduler's address file, the certificates, the claimed array elements and the cluster's options
 * (so that another login shell finds the cluster with the options it was made with). Owner-only.
 */
final class SharedDirectory {

    static final String LOGIN_SCHEDULER = "login-scheduler";
    static final String CLUSTER_FILE = "cluster.json";
    static final String STOPPING = "stopping";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CLIENT_FILES =
            List.of("ca.pem", "client.pem", "client-key.pem", ClusterTrust.SERVER_NAME_FILE, DashboardLogin.FILE);

    private final Path root;
    private final String id;

    SharedDirectory(Path root, String id) {
        this.root = root;
        this.id = id;
    }

    /** The directories of every cluster under {@code root}. */
    static List<SharedDirectory> all(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> Files.isRegularFile(p.resolve(CLUSTER_FILE)))
                    .map(p -> new SharedDirectory(root, p.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root + ": " + e.getMessage(), e);
        }
    }

    String id() {
        return id;
    }

    Path path() {
        return root.resolve(id);
    }

    Path tls() {
        return path().resolve(ClusterTrust.DIRECTORY);
    }

    Path workerScript() {
        return path().resolve(JobScripts.WORKER_SCRIPT);
    }

    Path schedulerScript() {
        return path().resolve(JobScripts.SCHEDULER_SCRIPT);
    }

    Path addressFile() {
        return path().resolve(JobScripts.ADDRESS_FILE);
    }

    Path log(String name) {
        return path().resolve("logs").resolve(name);
    }

    boolean exists() {
        return Files.isDirectory(path());
    }

    /** Creates the directory and records the cluster (name, id, options) in it; idempotent. */
    void create(ClusterContext cluster) {
        try {
            for (Path p :
                    List.of(root, path(), path().resolve("logs"), path().resolve("run"), path().resolve("claims"))) {
                if (!Files.isDirectory(p)) {
                    Files.createDirectories(p);
                    if (!p.equals(root)) {
                        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
                    }
                }
            }
            Path file = path().resolve(CLUSTER_FILE);
            if (!Files.exists(file)) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("name", cluster.name());
                c.put("id", cluster.id());
                c.put("options", cluster.options());
                write(CLUSTER_FILE, JSON.writeValueAsString(c) + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + path() + ": " + e.getMessage(), e);
        }
    }

    /** The cluster recorded here, with the options it was made with. */
    Optional<ClusterContext> context() {
        try {
            JsonNode c = JSON.readTree(path().resolve(CLUSTER_FILE).toFile());
            Map<String, String> options = new LinkedHashMap<>();
            c.path("options")
                    .fields()
                    .forEachRemaining(e -> options.put(e.getKey(), e.getValue().asText()));
            return Optional.of(
                    new ClusterContext(c.path("name").asText(), c.path("id").asText(), path(), options));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The cluster's CA and certificates, made once, here on the shared file system where its jobs
     * read them; the client's files are copied to the cluster's local state directory.
     */
    void ensureTrust(ClusterContext cluster) {
        if (!Files.exists(tls().resolve("ca.pem"))) {
            ClusterTrust.createForCloud(tls(), cluster.name(), cluster.id());
        }
        copyClientFiles(cluster);
    }

    /** Copies the client's certificates to the cluster's local state directory, unless they are there. */
    void copyClientFiles(ClusterContext cluster) {
        Path local = cluster.workDir().resolve(ClusterTrust.DIRECTORY);
        if (Files.exists(local.resolve("client.pem")) || !Files.exists(tls().resolve("client.pem"))) {
            return;
        }
        if (!cluster.workDir().isAbsolute()
                || local.toAbsolutePath()
                        .normalize()
                        .equals(tls().toAbsolutePath().normalize())) {
            return;
        }
        try {
            Files.createDirectories(local);
            Files.setPosixFilePermissions(local, PosixFilePermissions.fromString("rwx------"));
            for (String f : CLIENT_FILES) {
                Path from = tls().resolve(f);
                if (Files.exists(from)) {
                    Files.copy(
                            from,
                            local.resolve(f),
                            StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot copy the client's certificates to " + local + ": " + e.getMessage(), e);
        }
    }

    void write(String name, String text) {
        writeBytes(name, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code name} whole (a temporary file moved in place: a job never reads half of it). */
    void writeBytes(String name, byte[] content) {
        try {
            Path temp = Files.createTempFile(path(), "." + name, ".tmp");
            Files.write(temp, content);
            Files.move(temp, path().resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path().resolve(name) + ": " + e.getMessage(), e);
        }
    }

    /** Marks array element {@code element} as taken, so that a replacement never reuses it. */
    void claim(int element) {
        try {
            Files.createDirectory(path().resolve("claims").resolve(Integer.toString(element)));
        } catch (FileAlreadyExistsException e) {
            // claimed before (an up that is run again)
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot claim element " + element + " in " + path() + ": " + e.getMessage(), e);
        }
    }

    /** The login scheduler's node id, when the scheduler runs on a login node. */
    Optional<String> loginScheduler() {
        try {
            return Optional.of(Files.readString(path().resolve(LOGIN_SCHEDULER)).strip())
                    .filter(s -> !s.isEmpty());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The scheduler's addresses, once it has written them. */
    Optional<SchedulerEndpoint> address() {
        try {
            JsonNode a = JSON.readTree(addressFile().toFile());
            String dashboard =
                    a.path("dashboard").isTextual() ? a.path("dashboard").asText() : null;
            return Optional.of(new SchedulerEndpoint(a.path("scheduler").asText(), dashboard));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // not written yet
        }
    }

    /** Whether something answers on the scheduler's address (a scheduler on another login node). */
    boolean answers() {
        Optional<SchedulerEndpoint> a = address();
        if (a.isEmpty()) {
            return false;
        }
        String hostPort = a.get().scheduler();
        int colon = hostPort.lastIndexOf(':');
        try (Socket s = new Socket()) {
            s.connect(
                    new InetSocketAddress(
                            hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))),
                    1000);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Running workers submit no replacement from now on. */
    void markStopping() {
        if (exists()) {
            try {
                Files.writeString(path().resolve(STOPPING), "");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + path().resolve(STOPPING) + ": " + e.getMessage(), e);
            }
        }
    }

    Instant modified() {
        try {
            return Files.getLastModifiedTime(path().resolve(CLUSTER_FILE)).toInstant();
        } catch (IOException e) {
            return Instant.EPOCH;
        }
    }

    void delete() {
        if (!exists()) {
            return;
        }
        try (Stream<Path> s = Files.walk(path())) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (java.nio.file.DirectoryNotEmptyException e) {
                    // a job still writing its log: removed by the next gc
                }
            }
        } catch (NoSuchFileException e) {
            // removed meanwhile
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + path() + ": " + e.getMessage(), e);
        }
    }

    /** The last {@code lines} lines of log {@code name}, or empty. */
    String tail(String name, int lines) {
        try {
            List<String> all = new ArrayList<>(Files.readAllLines(log(name), StandardCharsets.UTF_8));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
