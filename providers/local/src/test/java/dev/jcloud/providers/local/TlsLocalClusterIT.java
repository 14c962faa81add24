package dev.jcloud.providers.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.ClusterUnavailableException;
import dev.jcloud.engine.api.Delayed;
import dev.jcloud.engine.api.TaskFuture;
import dev.jcloud.provisioner.tls.ClusterTrust;
import dev.jcloud.provisioner.tls.DashboardLogin;
import dev.jcloud.provisioner.tls.TlsFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local cluster with mutual TLS on this machine: it computes, refuses
 * anyone without the cluster's credentials with a clear message, logs the refusal, and keeps
 * private keys in 0600 files only, out of command lines and logs.
 */
class TlsLocalClusterIT {

    private static final String REFUSED = "requires this cluster's TLS client certificate";

    @TempDir
    Path stateDir;

    @TempDir
    Path elsewhere;

    private final List<Long> started = new ArrayList<>();
    private LocalCluster cluster;

    @AfterEach
    void cleanUp() {
        if (cluster != null) {
            try {
                cluster.close();
            } catch (RuntimeException e) {
                // the kill below is the safety net
            }
        }
        ProcessAssertions.killAll(started);
    }

    @Test
    void tlsClusterComputesAndRefusesStrangersWithoutLeakingKeys() throws Exception {
        cluster = LocalCluster.builder()
                .name("it-tls")
                .workers(2)
                .tls(true)
                .stateDirectory(stateDir)
                .startTimeout(Duration.ofSeconds(60))
                .build();
        started.addAll(cluster.processIds());
        String address = cluster.schedulerAddress();

        // Client <-> scheduler, scheduler <-> workers, worker <-> worker and client <-> worker, all over TLS.
        try (Client client = cluster.connect()) {
            List<Delayed<Long>> parts = new ArrayList<>();
            for (long i = 1; i <= 20; i++) {
                long v = i;
                parts.add(Delayed.call(() -> v * v));
            }
            Delayed<Long> total = Delayed.all(parts)
                    .then(xs -> xs.stream().mapToLong(Long::longValue).sum());
            assertThat(client.compute(total).get(60, TimeUnit.SECONDS)).isEqualTo(2870L);
            TaskFuture<byte[]> big = client.submit(() -> new byte[3 << 20]); // fetched from the worker directly
            assertThat(big.get(60, TimeUnit.SECONDS)).hasSize(3 << 20);
        }

        // A plaintext client is refused, with a message that says why.
        assertThatThrownBy(() -> Client.builder(address)
                        .connectTimeout(Duration.ofSeconds(10))
                        .connect()
                        .close())
                .isInstanceOf(ClusterUnavailableException.class)
                .hasMessageContaining("the scheduler at " + address + " " + REFUSED);

        // So is a client whose certificate comes from another cluster's CA, whether it trusts that CA...
        TlsFiles foreign = ClusterTrust.create(elsewhere.resolve("tls"), "other", List.of())
                .client();
        assertThatThrownBy(() -> foreign.applyTo(Client.builder(address))
                        .connectTimeout(Duration.ofSeconds(10))
                        .connect()
                        .close())
                .isInstanceOf(ClusterUnavailableException.class)
                .hasMessageContaining(REFUSED);
        // ...or this cluster's (public) CA certificate.
        TlsFiles ours = cluster.clientTlsFiles().orElseThrow();
        assertThatThrownBy(() -> Client.builder(address)
                        .mutualTls(foreign.certificate(), foreign.privateKey(), ours.ca())
                        .connectTimeout(Duration.ofSeconds(10))
                        .connect()
                        .close())
                .isInstanceOf(ClusterUnavailableException.class)
                .hasMessageContaining(REFUSED);

        // The dashboard and /metrics show task data: they need the cluster's token, which the
        // dashboard link carries (and trades for a session cookie).
        // It speaks HTTPS with the scheduler's certificate: trusted through the cluster's CA only.
        HttpClient http = DashboardLogin.client(ours.ca().getParent(), Duration.ofSeconds(5));
        String metrics = "https://" + cluster.dashboardAddress() + "/metrics";
        assertThat(http.send(HttpRequest.newBuilder(URI.create(metrics)).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(401);
        String token =
                Files.readString(ours.ca().resolveSibling("dashboard-token")).strip();
        assertThat(http.send(
                                HttpRequest.newBuilder(URI.create(metrics))
                                        .header("Authorization", "Bearer " + token)
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body())
                .contains("jcloud_workers 2");
        assertThatThrownBy(() -> HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create(metrics)).build(),
                                HttpResponse.BodyHandlers.discarding()))
                .as("the JDK's public CAs do not vouch for it")
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create(metrics.replace("https:", "http:")))
                                        .timeout(Duration.ofSeconds(5))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding()))
                .as("no plain HTTP")
                .isInstanceOf(IOException.class);
        assertThat(cluster.dashboardLink()).isEqualTo("https://" + cluster.dashboardAddress() + "/?token=" + token);
        HttpResponse<String> login = http.send(
                HttpRequest.newBuilder(URI.create(cluster.dashboardLink())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).isEqualTo(303);
        assertThat(login.headers().firstValue("Set-Cookie")).isPresent();

        // The scheduler logs each refusal as one line.
        Path schedulerLog = cluster.logDirectory().resolve("it-tls-scheduler.log");
        // Four refused attempts (the plaintext client probes twice). A client whose certificate's
        // issuer is not among the CAs the scheduler accepts may send no certificate at all (the
        // JDK's key manager picks none), so its line may name the foreign certificate or say
        // none was presented: both are the refusal this promise is about.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(Files.readString(schedulerLog)
                                .lines()
                                .filter(l -> l.contains("WARN  TlsRefusals - refused a connection"))
                                .count())
                        .isGreaterThanOrEqualTo(3));
        assertThat(Files.readString(schedulerLog)).contains("a plaintext client, or none presented");
        assertThat(Files.readString(schedulerLog))
                .doesNotContain("\tat io.grpc")
                .doesNotContain("SSLEngine Details");

        // Private keys: 0600 files in a 0700 directory, never on a command line or in a log.
        Path tlsDir = ours.ca().getParent();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tlsDir)))
                .isEqualTo("rwx------");
        List<Path> keys;
        try (Stream<Path> files = Files.list(tlsDir)) {
            keys = files.filter(p -> p.getFileName().toString().endsWith("-key.pem"))
                    .sorted()
                    .toList();
        }
        assertThat(keys)
                .extracting(p -> p.getFileName().toString())
                .contains(
                        "ca-key.pem",
                        "scheduler-key.pem",
                        "client-key.pem",
                        "worker-it-tls-worker-1-key.pem",
                        "worker-it-tls-worker-2-key.pem");
        keys = new ArrayList<>(keys);
        keys.add(tlsDir.resolve("dashboard-token"));
        for (Path key : keys) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
                    .as(key.toString())
                    .isEqualTo("rw-------");
        }
        List<String> secrets = new ArrayList<>();
        for (Path key : keys) {
            secrets.add(body(key));
        }
        secrets.set(secrets.size() - 1, "x".repeat(48) + token);
        List<Long> pids = cluster.processIds();
        assertThat(pids).hasSize(3);
        for (long pid : pids) {
            String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
            assertThat(cmdline).contains("--tls-key").doesNotContain("PRIVATE KEY");
            for (String secret : secrets) {
                assertThat(cmdline).doesNotContain(secret.substring(48, 80));
            }
        }
        try (Stream<Path> logs = Files.list(cluster.logDirectory())) {
            for (Path log : logs.toList()) {
                String text = Files.readString(log);
                assertThat(text).as(log.toString()).doesNotContain("PRIVATE KEY");
                for (String secret : secrets) {
                    assertThat(text).as(log.toString()).doesNotContain(secret.substring(48, 80));
                }
            }
        }
    }

    /** The base64 body of a PEM file, on one line. */
    private static String body(Path pem) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String line : Files.readAllLines(pem)) {
            if (!line.startsWith("-----")) {
                b.append(line.trim());
            }
        }
        return b.toString();
    }
}
