package dev.jcloud.providers.azure;

import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.common.StorageSharedKeyCredential;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Microsoft's Azure Storage emulator, Azurite (npm {@code azurite@3}, its {@code azurite-blob}
 * command), started for a test class on a free port of 127.0.0.1 in a temporary directory and stopped
 * after it. It speaks HTTPS with the certificate of {@link FakeTls} (so the clients that trust the fake
 * Resource Manager trust it too), knows the given storage accounts with random keys, and accepts bearer
 * tokens for user delegation keys ({@code --oauth basic}: it checks a token's issuer, audience and
 * lifetime, not its signature). Blob endpoints are path-style: {@code https://127.0.0.1:PORT/ACCOUNT/}.
 * Fails, naming the install command, when {@code azurite-blob} is not on the PATH.
 */
final class Azurite implements BeforeAllCallback, AfterAllCallback {

    static final String COMMAND = "azurite-blob";
    static final String INSTALL = "npm install -g azurite@3";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Supplier<FakeTls> tls;
    private final Map<String, String> keys = new LinkedHashMap<>();
    private final List<String> output = new ArrayList<>();
    private Process process;
    private Path dir;
    private int port;

    /** Azurite serving {@code accounts}, with the TLS certificate of {@code tls}. */
    Azurite(Supplier<FakeTls> tls, String... accounts) {
        this.tls = tls;
        SecureRandom random = new SecureRandom();
        for (String account : accounts) {
            byte[] key = new byte[64];
            random.nextBytes(key);
            keys.put(account, Base64.getEncoder().encodeToString(key));
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Path executable = onPath(COMMAND);
        if (executable == null) {
            throw new IllegalStateException(COMMAND
                    + " (Azurite, Microsoft's Azure Storage emulator) is not on the PATH: install it with: " + INSTALL);
        }
        dir = Files.createTempDirectory("azurite");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        tls.get().writePem(cert, key);
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder(
                        executable.toString(),
                        "--blobHost",
                        "127.0.0.1",
                        "--blobPort",
                        Integer.toString(port),
                        "--location",
                        dir.resolve("data").toString(),
                        "--skipApiVersionCheck",
                        "--disableProductStyleUrl",
                        "--cert",
                        cert.toString(),
                        "--key",
                        key.toString(),
                        "--oauth",
                        "basic",
                        // Offline and private: no usage reports to Microsoft.
                        "--disableTelemetry")
                .redirectErrorStream(true);
        StringBuilder accounts = new StringBuilder();
        keys.forEach((name, value) -> accounts.append(accounts.length() == 0 ? "" : ";")
                .append(name)
                .append(':')
                .append(value));
        pb.environment().put("AZURITE_ACCOUNTS", accounts.toString());
        process = pb.start();
        CountDownLatch listening = new CountDownLatch(1);
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader in = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line; (line = in.readLine()) != null; ) {
                            synchronized (output) {
                                output.add(line);
                            }
                            if (line.contains("successfully listen")) {
                                listening.countDown();
                            }
                        }
                    } catch (IOException e) {
                        // the process ended
                    }
                },
                "azurite-output");
        reader.setDaemon(true);
        reader.start();
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (!listening.await(200, TimeUnit.MILLISECONDS)) {
            if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                String why = process.isAlive() ? "did not listen within " + START_TIMEOUT : "exited";
                stop();
                throw new IllegalStateException("Azurite " + why + "; its output: " + output());
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        stop();
    }

    private void stop() throws IOException {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
        if (dir != null) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
            dir = null;
        }
    }

    /** {@code https://127.0.0.1:PORT/ACCOUNT/}: an account's Blob service. */
    String endpoint(String account) {
        return "https://127.0.0.1:" + port + "/" + account + "/";
    }

    /** The account's key (base64), as Resource Manager's listKeys hands it out. */
    String key(String account) {
        String key = keys.get(account);
        if (key == null) {
            throw new IllegalArgumentException(
                    "Azurite was started without account " + account + "; it has " + keys.keySet());
        }
        return key;
    }

    boolean serves(String account) {
        return keys.containsKey(account);
    }

    /** A client of the account's Blob service signing with its key. */
    BlobServiceClient service(String account) {
        return new BlobServiceClientBuilder()
                .endpoint(endpoint(account))
                .credential(new StorageSharedKeyCredential(account, key(account)))
                .httpClient(new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder()
                                .sslContext(tls.get().client()))
                        .build())
                .buildClient();
    }

    /** Creates a container unless it is there (what Resource Manager's Create Container does in the data plane). */
    void createContainer(String account, String container) {
        BlobContainerClient c = service(account).getBlobContainerClient(container);
        try {
            c.create();
        } catch (BlobStorageException e) {
            if (e.getStatusCode() != 409) {
                throw e;
            }
        }
    }

    /** Removes every blob of every account's containers, so that each test starts empty. */
    void clear() {
        for (String account : keys.keySet()) {
            BlobServiceClient service = service(account);
            service.listBlobContainers().forEach(c -> {
                BlobContainerClient container = service.getBlobContainerClient(c.getName());
                container
                        .listBlobs()
                        .forEach(b -> container.getBlobClient(b.getName()).delete());
            });
        }
    }

    private List<String> output() {
        synchronized (output) {
            return List.copyOf(output.subList(Math.max(0, output.size() - 30), output.size()));
        }
    }

    private static Path onPath(String command) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(d, command);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
