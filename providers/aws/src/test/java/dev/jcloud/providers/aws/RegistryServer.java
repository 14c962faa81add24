package dev.jcloud.providers.aws;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real OCI registry on a loopback port: Debian's {@code docker-registry} (the Distribution
 * registry), storing into a temporary directory, without authentication (it listens on
 * 127.0.0.1 only). Fails, naming the package to install, when the program is missing.
 */
final class RegistryServer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final URI endpoint;
    private final Path dir;
    private final Path log;

    private RegistryServer(Process process, URI endpoint, Path dir, Path log) {
        this.process = process;
        this.endpoint = endpoint;
        this.dir = dir;
        this.log = log;
    }

    /** Starts a registry on a free loopback port and waits until {@code GET /v2/} answers. */
    static RegistryServer start(Path dir) throws Exception {
        String executable = onPath("docker-registry")
                .orElseThrow(() -> new AssertionError("docker-registry (the OCI registry these tests push to) is not on"
                        + " PATH: install Debian's docker-registry package (apt-get install docker-registry)"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path storage = Files.createDirectories(dir.resolve("storage"));
        Path config = dir.resolve("config.yml");
        Files.writeString(
                config,
                "version: 0.1\n"
                        + "log: {level: warn}\n"
                        + "storage: {filesystem: {rootdirectory: " + storage + "}}\n"
                        + "http: {addr: 127.0.0.1:" + port + "}\n");
        Path log = dir.resolve("registry.log");
        Process p = new ProcessBuilder(executable, "serve", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        RegistryServer server = new RegistryServer(p, URI.create("http://127.0.0.1:" + port), storage, log);
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (!server.ready()) {
            if (!p.isAlive() || Instant.now().isAfter(deadline)) {
                String out = Files.readString(log);
                server.close();
                throw new AssertionError("docker-registry did not start on port " + port + ":\n" + out);
            }
            Thread.sleep(100);
        }
        return server;
    }

    /** {@code http://127.0.0.1:PORT}. */
    URI endpoint() {
        return endpoint;
    }

    /** {@code 127.0.0.1:PORT}, as image references name it. */
    String host() {
        return endpoint.getAuthority();
    }

    /** Where the registry keeps what was pushed. */
    Path storage() {
        return dir;
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    private boolean ready() {
        try {
            HttpURLConnection c =
                    (HttpURLConnection) endpoint.resolve("/v2/").toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            return c.getResponseCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops the process this fixture started, by its handle. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static Optional<String> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String d : path.split(File.pathSeparator)) {
            File f = new File(d, name);
            if (f.isFile() && f.canExecute()) {
                return Optional.of(f.getAbsolutePath());
            }
        }
        return Optional.empty();
    }
}
