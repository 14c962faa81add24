package dev.jcloud.engine.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.engine.internal.codec.EncodedValue;
import dev.jcloud.engine.internal.codec.ValueCodec;
import dev.jcloud.engine.internal.data.DataFetch;
import dev.jcloud.engine.internal.data.DataPush;
import dev.jcloud.engine.internal.net.TransportSecurity;
import dev.jcloud.engine.internal.net.Transports;
import dev.jcloud.engine.proto.TaskFailure;
import dev.jcloud.engine.proto.TaskResult;
import dev.jcloud.engine.security.CertificateAuthority;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values a client scatters, sent to a worker's data service: over the bulk connection when the
 * worker has one, over {@code PutData} when it has none, stored there and reported as results.
 */
class DataPushTest {

    @TempDir
    Path dir;

    private final AtomicLong bytesIn = new AtomicLong();
    private final List<Object> reports = new CopyOnWriteArrayList<>();
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private DataStore store;
    private BulkDataServer bulk;
    private Server server;
    private ManagedChannel channel;
    private String address;

    private TransportSecurity security = TransportSecurity.plaintext();

    private void serve(boolean withBulk, Path spillDir, long spillThreshold) throws IOException {
        serve(withBulk, spillDir, spillThreshold, TransportSecurity.plaintext(), TransportSecurity.plaintext());
    }

    private void serve(
            boolean withBulk, Path spillDir, long spillThreshold, TransportSecurity worker, TransportSecurity client)
            throws IOException {
        security = client;
        store = new DataStore(spillDir, spillThreshold, (bytes, start, duration) -> {});
        ReceivedValues received = new ReceivedValues(store, bytesIn, reports::add);
        bulk = withBulk
                ? new BulkDataServer(
                        "127.0.0.1",
                        0,
                        store,
                        new AtomicLong(),
                        BulkDataServer.TICKET_LIFETIME,
                        received,
                        worker.bulkContext())
                : null;
        server = Transports.server(
                "127.0.0.1", 0, worker, executor, new WorkerDataService(store, new AtomicLong(), bulk, received));
        address = "127.0.0.1:" + server.getPort();
        channel = Transports.channel(address, client, null);
    }

    /** Mutual TLS material of one cluster CA, for a worker or a client (valid for 127.0.0.1). */
    private static TransportSecurity tls(CertificateAuthority ca, String who) {
        KeyPair pair = CertificateAuthority.newKeyPair();
        X509Certificate cert = ca.issue(pair.getPublic(), who, List.of("127.0.0.1"), true, Duration.ofHours(1));
        return TransportSecurity.mutualTlsPem(
                CertificateAuthority.pem(cert).getBytes(StandardCharsets.US_ASCII),
                CertificateAuthority.pem(pair.getPrivate()).getBytes(StandardCharsets.US_ASCII),
                CertificateAuthority.pem(ca.certificate()).getBytes(StandardCharsets.US_ASCII),
                null);
    }

    @AfterEach
    void close() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.shutdownNow();
        }
        if (bulk != null) {
            bulk.close();
        }
        executor.shutdownNow();
        timer.shutdownNow();
    }

    /** A 3 MiB array (sent from its own array), a 2.5 MiB list of longs (no body) and a string. */
    private static Map<Long, EncodedValue> values() {
        byte[] block = new byte[3 << 20];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) (i * 7);
        }
        List<Long> longs = new java.util.ArrayList<>();
        for (long i = 0; i < 320_000; i++) {
            longs.add(i * i);
        }
        Map<Long, EncodedValue> values = new LinkedHashMap<>();
        values.put(11L, ValueCodec.encodeValue(block));
        values.put(12L, ValueCodec.encodeValue(longs));
        values.put(13L, ValueCodec.encodeValue("small"));
        return values;
    }

    private void push(Map<Long, EncodedValue> values) throws Exception {
        DataPush.start(channel, address, security.bulkContext(), values, Duration.ofSeconds(30), timer)
                .get(30, TimeUnit.SECONDS);
    }

    private void assertStoredAndReported(Map<Long, EncodedValue> values) throws Exception {
        for (Map.Entry<Long, EncodedValue> e : values.entrySet()) {
            EncodedValue held = store.get(e.getKey());
            assertThat(held).as("value %d", e.getKey()).isNotNull();
            assertThat(held.toByteString()).isEqualTo(e.getValue().toByteString());
        }
        assertThat(reports)
                .map(r -> (TaskResult) r)
                .extracting(TaskResult::getKey, TaskResult::getNbytes)
                .containsExactly(values.entrySet().stream()
                        .map(e -> org.assertj.core.groups.Tuple.tuple(
                                e.getKey(), e.getValue().size()))
                        .toArray(org.assertj.core.groups.Tuple[]::new));
        // The array arrives as one array of its own: the task reading it gets it without a copy.
        assertThat(store.get(11L).body()).hasSize(3 << 20);
    }

    @Test
    void valuesGoOverTheBulkConnectionAndItIsKeptForTheNextPut() throws Exception {
        serve(true, dir, Long.MAX_VALUE);
        Map<Long, EncodedValue> values = values();

        push(values);
        assertStoredAndReported(values);
        push(Map.of(14L, ValueCodec.encodeValue(new byte[1 << 20])));

        assertThat(store.get(14L).size()).isGreaterThan(1 << 20);
        assertThat(bulk.issued()).isEqualTo(1);
        assertThat(bulk.admitted()).isEqualTo(1);
    }

    @Test
    void onATlsClusterTheBulkConnectionIsTlsAndRefusesPlaintext() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("cluster-ca", Duration.ofHours(1));
        serve(true, dir, Long.MAX_VALUE, tls(ca, "worker"), tls(ca, "client"));
        Map<Long, EncodedValue> values = values();

        push(values);
        assertStoredAndReported(values);
        assertThat(bulk.admitted()).isEqualTo(1);

        // Results come back over the same kind of connection, read into their arrays.
        CompletableFuture<EncodedValue> fetched = new CompletableFuture<>();
        DataFetch.start(
                channel,
                address,
                security.bulkContext(),
                List.of(11L),
                Integer.MAX_VALUE - 16,
                Duration.ofSeconds(30),
                timer,
                new DataFetch.Receiver() {
                    @Override
                    public void found(long key, EncodedValue value) {
                        fetched.complete(value);
                    }

                    @Override
                    public void notFound(long key) {
                        fetched.completeExceptionally(new AssertionError("not found"));
                    }

                    @Override
                    public void failed(Throwable cause) {
                        fetched.completeExceptionally(cause);
                    }

                    @Override
                    public void completed() {}
                });
        assertThat(fetched.get(30, TimeUnit.SECONDS).body())
                .isEqualTo(values.get(11L).body());

        // A plaintext connection presenting a valid ticket is not admitted: the handshake fails
        // before the ticket is read (without TLS on the listener, it would be a second admission).
        byte[] ticket = bulk.issue();
        try (Socket plain = new Socket("127.0.0.1", bulk.port())) {
            plain.setSoTimeout(10_000);
            plain.getOutputStream().write(ticket);
            plain.getOutputStream().write(new byte[] {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 11});
            plain.getInputStream().readAllBytes(); // until the worker closes it (a TLS alert at most)
        } catch (IOException resetByWorker) {
            // Refused all the same.
        }
        assertThat(bulk.admitted()).isEqualTo(1); // the push's connection, kept and used by the fetch
    }

    @Test
    void aWorkerWithoutABulkListenerTakesThemOverGrpc() throws Exception {
        serve(false, dir, Long.MAX_VALUE);
        Map<Long, EncodedValue> values = values();

        push(values);

        assertStoredAndReported(values);
        assertThat(bytesIn.get())
                .isEqualTo(
                        values.values().stream().mapToLong(EncodedValue::size).sum());
    }

    @Test
    void aValueThatCannotBeStoredIsReportedAsItsTaskFailingWithTheCause() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        serve(true, notADirectory, 0);

        push(Map.of(21L, ValueCodec.encodeValue(new byte[1 << 20])));

        assertThat(reports).hasSize(1).first().isInstanceOf(TaskFailure.class);
        TaskFailure f = (TaskFailure) reports.get(0);
        assertThat(f.getKey()).isEqualTo(21L);
        assertThat(f.getMessage())
                .contains("cannot store the scattered value")
                .contains("cannot spill")
                .contains("Not a directory");
        assertThat(store.contains(21L)).isFalse();
    }
}
