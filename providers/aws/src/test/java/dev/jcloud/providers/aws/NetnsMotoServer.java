package dev.jcloud.providers.aws;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * {@code moto_server} (the AWS emulator) running inside the hub namespace of a {@link NetnsNetwork},
 * on the bridge address: the test JVM and every machine namespace reach it at the same URL, so the
 * presigned engine URL the provider puts in the user-data works on the machines as it would on AWS.
 * ({@link MotoServer} listens on this machine's loopback, which no namespace can reach.)
 * Fails, naming the fix, when moto_server is not installed.
 */
final class NetnsMotoServer implements AutoCloseable {

    static final int PORT = 5000;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final URI endpoint;
    private final Path log;
    private final StaticCredentialsProvider credentials;

    private NetnsMotoServer(Process process, URI endpoint, Path log, StaticCredentialsProvider credentials) {
        this.process = process;
        this.endpoint = endpoint;
        this.log = log;
        this.credentials = credentials;
    }

    /** Starts moto_server in {@code network}'s hub and waits (bounded) until it answers. */
    static NetnsMotoServer start(NetnsNetwork network, Path dir) throws IOException {
        String executable = findOnPath("moto_server")
                .orElseThrow(() -> new AssertionError(
                        "moto_server (the AWS emulator this test runs against) is not on PATH: install it with"
                                + " pip install 'moto[server]'"));
        String ip = NetnsCommands.ip().orElseThrow();
        Path log = dir.resolve("moto-server.log");
        ProcessBuilder pb = new ProcessBuilder(
                        ip,
                        "netns",
                        "exec",
                        network.hub(),
                        executable,
                        "-H",
                        network.gateway(),
                        "-p",
                        Integer.toString(PORT))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // An unknown AMI fails RunInstances as it does on AWS.
        pb.environment().put("MOTO_ENABLE_AMI_VALIDATION", "true");
        byte[] b = new byte[8];
        new SecureRandom().nextBytes(b);
        String suffix = HexFormat.of().formatHex(b);
        // Fresh per run and plainly fake, so nothing here looks like (or is) a real key.
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create("testing-" + suffix, "testing-secret-" + suffix));
        NetnsMotoServer moto = new NetnsMotoServer(
                pb.start(), URI.create("http://" + network.gateway() + ":" + PORT), log, credentials);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!moto.ready()) {
            if (!moto.process.isAlive() || System.nanoTime() > deadline) {
                String out = Files.readString(log);
                moto.close();
                throw new AssertionError("moto_server did not start in namespace " + network.hub() + " on "
                        + moto.endpoint + ":\n" + out);
            }
            NetnsCommands.sleep(200);
        }
        return moto;
    }

    URI endpoint() {
        return endpoint;
    }

    /** Clients of this server with the run's fake credentials. */
    AwsClients.Factory clients() {
        return AwsClients.factory(credentials, Optional.of(endpoint));
    }

    /** The server's own log, for failure messages. */
    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no moto log: " + e.getMessage() + ")";
        }
    }

    private boolean ready() {
        try {
            HttpURLConnection c =
                    (HttpURLConnection) endpoint.resolve("/moto-api/").toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            return c.getResponseCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops the server (the process this class started and its children, by handle). */
    @Override
    public void close() {
        NetnsCommands.stopTree(process.toHandle(), Duration.ofSeconds(10));
    }

    private static Optional<String> findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            File f = new File(dir, name);
            if (f.isFile() && f.canExecute()) {
                return Optional.of(f.getAbsolutePath());
            }
        }
        return Optional.empty();
    }
}
