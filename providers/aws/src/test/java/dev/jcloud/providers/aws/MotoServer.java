package dev.jcloud.providers.aws;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Runs {@code moto_server} (the AWS emulator) on a free loopback port for one test class, resets
 * its state before each test, and stops it afterwards. Fails, naming the fix, when moto_server is
 * not installed: the tests never pass without it.
 *
 * <p>AMI validation is on, so that an unknown AMI fails RunInstances as it does on AWS.
 */
public final class MotoServer implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private Process process;
    private URI endpoint;
    private Path log;
    /** Fresh per run and plainly fake, so nothing here looks like (or is) a real key. */
    private final StaticCredentialsProvider credentials;

    public MotoServer() {
        byte[] b = new byte[8];
        new SecureRandom().nextBytes(b);
        String suffix = HexFormat.of().formatHex(b);
        credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create("testing-" + suffix, "testing-secret-" + suffix));
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        String executable = findOnPath("moto_server")
                .orElseThrow(() -> new AssertionError(
                        "moto_server (the AWS emulator these tests run against) is not on PATH: install it with"
                                + " pip install 'moto[server]'"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        log = Files.createTempFile("moto-server-", ".log");
        ProcessBuilder pb = new ProcessBuilder(executable, "-H", "127.0.0.1", "-p", Integer.toString(port))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("MOTO_ENABLE_AMI_VALIDATION", "true");
        process = pb.start();
        endpoint = URI.create("http://127.0.0.1:" + port);
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (!ready()) {
            if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                String out = Files.readString(log);
                stop();
                throw new AssertionError("moto_server did not start on port " + port + ":\n" + out);
            }
            Thread.sleep(100);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        HttpURLConnection c =
                (HttpURLConnection) endpoint.resolve("/moto-api/reset").toURL().openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.getOutputStream().close();
        if (c.getResponseCode() != 200) {
            throw new AssertionError("moto reset failed: HTTP " + c.getResponseCode());
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        stop();
        if (log != null) {
            Files.deleteIfExists(log);
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    /** The test's fake credentials (random, generated per run). */
    public StaticCredentialsProvider credentials() {
        return credentials;
    }

    AwsClients.Factory clients() {
        return AwsClients.factory(credentials, Optional.of(endpoint));
    }

    /** Clients pointed at this server that also run {@code interceptors} (fault injection). */
    AwsClients.Factory clients(software.amazon.awssdk.core.interceptor.ExecutionInterceptor... interceptors) {
        return AwsClients.factory(credentials, Optional.of(endpoint), java.util.List.of(interceptors));
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

    private void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            // Only the process this fixture started (and its children), by handle, never by name.
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
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
