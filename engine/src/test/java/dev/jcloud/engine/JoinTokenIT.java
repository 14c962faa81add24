package dev.jcloud.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.ClusterUnavailableException;
import dev.jcloud.engine.api.Delayed;
import dev.jcloud.engine.api.TaskFuture;
import dev.jcloud.engine.process.EngineMain;
import dev.jcloud.engine.proto.AdmissionGrpc;
import dev.jcloud.engine.proto.DataRequest;
import dev.jcloud.engine.proto.InfoRequest;
import dev.jcloud.engine.proto.JoinRequest;
import dev.jcloud.engine.proto.SchedulerGrpc;
import dev.jcloud.engine.proto.WorkerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster made without a provisioner (a Terraform export), as real JVMs on loopback: the
 * scheduler and two workers hold only the join token. Members with the token compute; anyone
 * without it is refused with a clear message, and the refusal is in the scheduler's log.
 */
class JoinTokenIT {

    private static final String TOKEN = "0123456789abcdef0123456789abcdef-join-it";

    @TempDir
    static Path dir;

    private static WorkerProcesses processes;
    private static String address;
    private static Path tokenFile;
    private static String dashboard;

    @BeforeAll
    static void startCluster() throws Exception {
        processes = new WorkerProcesses();
        tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, TOKEN + "\n");
        Path addressFile = dir.resolve("scheduler.json");
        processes.start(
                "scheduler",
                List.of("-Xmx256m", "-XX:+UseSerialGC"),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--dashboard-port",
                "0",
                "--address-file",
                addressFile.toString(),
                "--join-token-file",
                tokenFile.toString());
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(addressFile));
        Matcher m = Pattern.compile("\"scheduler\":\"([^\"]+)\"").matcher(Files.readString(addressFile));
        assertThat(m.find()).isTrue();
        address = m.group(1);
        Matcher d = Pattern.compile("\"dashboard\":\"([^\"]+)\"").matcher(Files.readString(addressFile));
        assertThat(d.find()).isTrue();
        dashboard = d.group(1);
        processes.worker(address, "wa", 2, "--join-token-file", tokenFile.toString(), "--resources", "A=1");
        processes.worker(address, "wb", 2, "--join-token-file", tokenFile.toString(), "--resources", "B=1");
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (processes != null) {
            processes.close();
        }
    }

    private static Client join(Path token) {
        return Client.builder(address)
                .joinToken(token)
                .connectTimeout(Duration.ofSeconds(30))
                .connect();
    }

    @Test
    void membersWithTheTokenComputeAGraphAcrossWorkers() throws Exception {
        try (Client client = join(tokenFile)) {
            try {
                client.waitForWorkers(2, Duration.ofSeconds(60));
            } catch (RuntimeException e) {
                throw new AssertionError(e.getMessage() + "\n" + processes.logTails(), e);
            }
            List<Delayed<Long>> leaves = new ArrayList<>();
            for (long i = 0; i < 200; i++) {
                leaves.add(Delayed.apply(x -> x * 2, i));
            }
            assertThat(client.compute(EngineProcessesIT.tree(leaves)).get(60, TimeUnit.SECONDS))
                    .isEqualTo(200L * 199);
            // Made on the worker offering A, used on the one offering B: worker <-> worker over the CA's TLS.
            Delayed<byte[]> made = Delayed.call(() -> new byte[3 << 20]).withResource("A", 1);
            Delayed<Integer> used = made.then(b -> b.length).withResource("B", 1);
            assertThat(client.compute(used).get(60, TimeUnit.SECONDS)).isEqualTo(3 << 20);
            // Fetched by the client from the worker directly: client <-> worker.
            TaskFuture<byte[]> big = client.submit(() -> new byte[3 << 20]);
            assertThat(big.get(60, TimeUnit.SECONDS)).hasSize(3 << 20);
        }
    }

    @Test
    void workersDataServersRefuseAPartyWithoutACertificateOfTheCa() throws Exception {
        String worker;
        try (Client client = join(tokenFile)) {
            client.waitForWorkers(2, Duration.ofSeconds(60));
            worker = client.summary().workers().get(0).address();
        }
        ManagedChannel channel = NettyChannelBuilder.forTarget(
                        worker,
                        TlsChannelCredentials.newBuilder()
                                .trustManager(new TrustingAnyServer())
                                .build())
                .build();
        try {
            assertThatThrownBy(() -> WorkerGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(20, TimeUnit.SECONDS)
                            .getData(DataRequest.getDefaultInstance())
                            .hasNext())
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void aClientWithTheWrongTokenIsRefusedAndTheRefusalIsLogged() throws Exception {
        Path wrong = dir.resolve("wrong-token");
        Files.writeString(wrong, "ffffffffffffffffffffffffffffffffffffffff");
        assertThatThrownBy(() -> join(wrong).close())
                .isInstanceOf(ClusterUnavailableException.class)
                .hasMessageContaining("refused to admit this client")
                .hasMessageContaining("does not match this cluster's join token");
        await().atMost(Duration.ofSeconds(10)).until(() -> log().contains("refused a join from 127.0.0.1"));
        assertThat(log()).doesNotContain(TOKEN, "ffffffffffffffffffffffffffffffff");
    }

    @Test
    void aPlaintextClientIsRefusedWithAClearMessageAndTheRefusalIsLogged() {
        assertThatThrownBy(() -> Client.builder(address)
                        .connectTimeout(Duration.ofSeconds(10))
                        .connect()
                        .close())
                .isInstanceOf(ClusterUnavailableException.class)
                .hasMessageContaining("requires this cluster's TLS client certificate")
                .hasMessageContaining("joinToken(file)");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> log().contains("refused a connection: the TLS handshake failed"));
    }

    @Test
    void aTlsClientWithoutACertificateMayJoinButNotCallAnythingElse() throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forTarget(
                        address,
                        TlsChannelCredentials.newBuilder()
                                .trustManager(new TrustingAnyServer())
                                .build())
                .build();
        try {
            assertThatThrownBy(() -> SchedulerGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(20, TimeUnit.SECONDS)
                            .info(InfoRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                        assertThat(e.getStatus().getDescription()).contains("join first with the cluster's join token");
                    });
        } finally {
            channel.shutdownNow();
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> log().contains("refused a call of jcloud.engine.Scheduler/Info"));
    }

    @Test
    void hostileJoinMessagesAreRefusedAndTheSchedulerStillAdmitsMembers() throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forTarget(
                        address,
                        TlsChannelCredentials.newBuilder()
                                .trustManager(new TrustingAnyServer())
                                .build())
                .maxInboundMessageSize(1 << 20)
                .build();
        try {
            var stub = AdmissionGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            JoinRequest oversized = JoinRequest.newBuilder()
                    .setRole("worker")
                    .setPublicKey(ByteString.copyFrom(new byte[8 << 20]))
                    .setNonce(ByteString.copyFrom(new byte[32]))
                    .setProof(ByteString.copyFrom(new byte[32]))
                    .build();
            JoinRequest garbageKey = oversized.toBuilder()
                    .setPublicKey(ByteString.copyFromUtf8("-----BEGIN CERTIFICATE REQUEST-----garbage"))
                    .build();
            // Cut off as it arrives: admission takes small messages only.
            assertThatThrownBy(() -> stub.join(oversized))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
            for (JoinRequest hostile : List.of(garbageKey, JoinRequest.getDefaultInstance())) {
                assertThatThrownBy(() -> stub.join(hostile))
                        .isInstanceOfSatisfying(
                                StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode())
                                        .isIn(Status.Code.INVALID_ARGUMENT, Status.Code.PERMISSION_DENIED));
            }
        } finally {
            channel.shutdownNow();
        }
        try (Client client = join(tokenFile)) {
            assertThat(client.submit(() -> 1 + 1).get(60, TimeUnit.SECONDS)).isEqualTo(2);
        }
    }

    @Test
    void joinCommandWritesCredentialsThatOtherToolsUseWithMutualTls() throws Exception {
        Path out = dir.resolve("creds");
        StringWriter err = new StringWriter();
        int code = EngineMain.execute(
                new PrintWriter(err), "join", address, "--token-file", tokenFile.toString(), "--out", out.toString());
        assertThat(code).as(err.toString()).isZero();
        assertThat(Files.getPosixFilePermissions(out.resolve("client-key.pem")))
                .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        String serverName = Files.readString(out.resolve("server-name"), StandardCharsets.US_ASCII)
                .strip();
        try (Client client = Client.builder(address)
                .mutualTls(out.resolve("client.pem"), out.resolve("client-key.pem"), out.resolve("ca.pem"), serverName)
                .connect()) {
            assertThat(client.submit(() -> 6 * 7).get(60, TimeUnit.SECONDS)).isEqualTo(42);
        }

        // The dashboard shows task data too: it needs the token derived from the join token, which
        // the join command wrote beside the certificate.
        assertThat(Files.getPosixFilePermissions(out.resolve("dashboard-token")))
                .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        String dashboardToken = Files.readString(out.resolve("dashboard-token")).strip();
        // HTTPS with the scheduler's certificate: trusted through the CA the join returned, by name.
        var http = dev.jcloud.engine.security.ClusterHttps.client(
                out.resolve("ca.pem"), serverName, Duration.ofSeconds(10));
        var metrics = java.net.URI.create("https://" + dashboard + "/metrics");
        assertThatThrownBy(() -> java.net.http.HttpClient.newHttpClient()
                        .send(
                                java.net.http.HttpRequest.newBuilder(
                                                java.net.URI.create("https://" + dashboard + "/metrics"))
                                        .build(),
                                java.net.http.HttpResponse.BodyHandlers.discarding()))
                .as("no public CA vouches for a cluster's dashboard")
                .isInstanceOf(java.io.IOException.class);
        assertThat(http.send(
                                java.net.http.HttpRequest.newBuilder(metrics).build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(401);
        assertThat(http.send(
                                java.net.http.HttpRequest.newBuilder(metrics)
                                        .header("Authorization", "Bearer " + dashboardToken)
                                        .build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString())
                        .body())
                .contains("jcloud_workers 2");
        assertThat(dashboardToken).isNotEqualTo(TOKEN).doesNotContain(TOKEN.substring(0, 16));
    }

    @Test
    void joinCommandRefusesATooShortTokenNamingTheFlag() throws Exception {
        Path shortToken = dir.resolve("short");
        Files.writeString(shortToken, "abc");
        StringWriter err = new StringWriter();
        int code = EngineMain.execute(
                new PrintWriter(err),
                "join",
                address,
                "--token-file",
                shortToken.toString(),
                "--out",
                dir.resolve("x").toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--token-file", "too short");
    }

    private static String log() throws java.io.IOException {
        return Files.readString(processes.log("scheduler"));
    }

    /** Trusts any server and checks no host name: a client that wants in without the CA. */
    private static final class TrustingAnyServer extends javax.net.ssl.X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a, java.net.Socket s) {}

        @Override
        public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a, java.net.Socket s) {}

        @Override
        public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a, javax.net.ssl.SSLEngine e) {}

        @Override
        public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a, javax.net.ssl.SSLEngine e) {}

        @Override
        public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

        @Override
        public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

        @Override
        public java.security.cert.X509Certificate[] getAcceptedIssuers() {
            return new java.security.cert.X509Certificate[0];
        }
    }
}
