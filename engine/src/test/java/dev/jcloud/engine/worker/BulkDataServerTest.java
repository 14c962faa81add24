package dev.jcloud.engine.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jcloud.engine.internal.codec.EncodedValue;
import dev.jcloud.engine.internal.codec.ValueCodec;
import dev.jcloud.engine.internal.data.BulkProtocol;
import dev.jcloud.engine.internal.data.DataFetch;
import dev.jcloud.engine.internal.net.TransportSecurity;
import dev.jcloud.engine.internal.net.Transports;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bulk data connection: tickets, answers, flow control, and falling back to gRPC. */
class BulkDataServerTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private final AtomicLong viaGrpc = new AtomicLong();
    private final AtomicLong viaBulk = new AtomicLong();
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private DataStore store;
    private BulkDataServer bulk;
    private Server server;
    private ManagedChannel channel;

    /** A worker's data service on {@code grpcHost}, its bulk listener on 127.0.0.1:{@code bulkPort}. */
    private String serve(String grpcHost, int bulkPort, Duration ticketLifetime, long spillThreshold)
            throws IOException {
        store = new DataStore(dir, spillThreshold, (bytes, start, duration) -> {});
        bulk = new BulkDataServer("127.0.0.1", bulkPort, store, viaBulk, ticketLifetime);
        server = Transports.server(
                grpcHost, 0, TransportSecurity.plaintext(), executor, new WorkerDataService(store, viaGrpc, bulk));
        String address = grpcHost + ":" + server.getPort();
        channel = Transports.channel(address, TransportSecurity.plaintext(), null);
        return address;
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

    static byte[] block(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    /** What a fetch delivered. */
    private static final class Outcome implements DataFetch.Receiver {
        final Map<Long, EncodedValue> found = new ConcurrentHashMap<>();
        final Set<Long> notFound = ConcurrentHashMap.newKeySet();
        final CompletableFuture<Boolean> ended = new CompletableFuture<>();

        @Override
        public void found(long key, EncodedValue value) {
            found.put(key, value);
        }

        @Override
        public void notFound(long key) {
            notFound.add(key);
        }

        @Override
        public void failed(Throwable cause) {
            ended.completeExceptionally(cause);
        }

        @Override
        public void completed() {
            ended.complete(true);
        }
    }

    private Outcome fetch(String address, List<Long> keys) throws Exception {
        Outcome outcome = new Outcome();
        DataFetch.start(channel, address, null, keys, Integer.MAX_VALUE - 16, DataFetch.IDLE_TIMEOUT, timer, outcome);
        outcome.ended.get(30, TimeUnit.SECONDS);
        return outcome;
    }

    private static byte[] bodyOf(EncodedValue value) throws Exception {
        return (byte[]) ValueCodec.decode(value, BulkDataServerTest.class.getClassLoader());
    }

    @Test
    void resultsInMemoryAndSpilledComeOverTheBulkConnectionAndAnUnknownKeyIsNotFound() throws Exception {
        String address = serve("127.0.0.1", 0, BulkDataServer.TICKET_LIFETIME, 4L * MIB);
        store.put(1, ValueCodec.encodeValue(block(3 * MIB, 1)));
        store.put(2, ValueCodec.encodeValue(block(3 * MIB, 2)));
        store.put(3, ValueCodec.encodeValue("a small value"));
        assertThat(store.locate(1).file()).as("spilled").isNotNull();
        assertThat(store.locate(2).memory()).as("in memory").isNotNull();

        Outcome outcome = fetch(address, List.of(1L, 2L, 3L, 4L));

        assertThat(bodyOf(outcome.found.get(1L))).isEqualTo(block(3 * MIB, 1));
        assertThat(bodyOf(outcome.found.get(2L))).isEqualTo(block(3 * MIB, 2));
        assertThat(outcome.found.get(2L).body()).as("received in place").isNotNull();
        assertThat(ValueCodec.decode(outcome.found.get(3L), getClass().getClassLoader()))
                .isEqualTo("a small value");
        assertThat(outcome.notFound).containsExactly(4L);
        assertThat(viaBulk.get()).isGreaterThanOrEqualTo(6L * MIB);
        assertThat(viaGrpc.get()).isZero();
    }

    /** A ticket and a request for {@code key}. */
    private static byte[] ask(byte[] ticket, long key) {
        return java.nio.ByteBuffer.allocate(ticket.length + 4 + 8)
                .put(ticket)
                .putInt(1)
                .putLong(key)
                .array();
    }

    /** Sends {@code bytes}: what the worker answered before it closed. */
    private static byte[] answer(int port, byte[] bytes) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(bytes);
            s.shutdownOutput();
            return s.getInputStream().readAllBytes();
        }
    }

    @Test
    void aConnectionServesTheFetchesThatFollowWithoutANewTicket() throws Exception {
        String address = serve("127.0.0.1", 0, BulkDataServer.TICKET_LIFETIME, Long.MAX_VALUE);
        for (int i = 1; i <= 3; i++) {
            store.put(i, ValueCodec.encodeValue(block(MIB, i)));
        }
        for (long i = 1; i <= 3; i++) {
            assertThat(bodyOf(fetch(address, List.of(i)).found.get(i))).isEqualTo(block(MIB, (int) i));
        }
        assertThat(bulk.admitted()).isEqualTo(1);
        assertThat(viaGrpc.get()).isZero();
    }

    /** A worker without a bulk listener (TLS, or an older version) answers over gRPC. */
    @Test
    void aWorkerWithoutABulkListenerAnswersOverGrpc() throws Exception {
        store = new DataStore(dir, Long.MAX_VALUE, (bytes, start, duration) -> {});
        server = Transports.server(
                "127.0.0.1", 0, TransportSecurity.plaintext(), executor, new WorkerDataService(store, viaGrpc));
        String address = "127.0.0.1:" + server.getPort();
        channel = Transports.channel(address, TransportSecurity.plaintext(), null);
        store.put(1, ValueCodec.encodeValue(block(2 * MIB, 1)));

        Outcome outcome = fetch(address, List.of(1L, 2L));

        assertThat(bodyOf(outcome.found.get(1L))).isEqualTo(block(2 * MIB, 1));
        assertThat(outcome.notFound).containsExactly(2L);
        assertThat(viaGrpc.get()).isGreaterThanOrEqualTo(2L * MIB);
    }

    @Test
    void aTicketAdmitsOneConnectionAndNoOther() throws Exception {
        serve("127.0.0.1", 0, BulkDataServer.TICKET_LIFETIME, Long.MAX_VALUE);
        store.put(5, ValueCodec.encodeValue(block(1000, 5)));
        byte[] ticket = bulk.issue();

        DataInputStream first =
                new DataInputStream(new java.io.ByteArrayInputStream(answer(bulk.port(), ask(ticket, 5))));
        assertThat(first.readByte()).isEqualTo(BulkProtocol.FOUND);
        assertThat(first.readLong()).isEqualTo(5L);

        assertThat(answer(bulk.port(), ask(ticket, 5)))
                .as("the same ticket again")
                .isEmpty();
        ticket[0]++;
        assertThat(answer(bulk.port(), ask(ticket, 5))).as("a made-up ticket").isEmpty();
        assertThat(answer(bulk.port(), new byte[3])).as("no ticket").isEmpty();
    }

    @Test
    void anExpiredTicketIsRefused() throws Exception {
        serve("127.0.0.1", 0, Duration.ofMillis(50), Long.MAX_VALUE);
        store.put(5, ValueCodec.encodeValue(block(1000, 5)));
        byte[] ticket = bulk.issue();
        Thread.sleep(100);
        assertThat(answer(bulk.port(), ask(ticket, 5))).isEmpty();
    }

    /**
     * A reader that takes nothing costs the worker a socket buffer, not the value: the rest is
     * written as the reader reads.
     */
    @Test
    void aSlowReaderIsServedOnlyAsFastAsItReads() throws Exception {
        serve("127.0.0.1", 0, BulkDataServer.TICKET_LIFETIME, Long.MAX_VALUE);
        store.put(7, ValueCodec.encodeValue(new byte[64 * MIB]));
        byte[] ticket = bulk.issue();
        try (Socket s = new Socket("127.0.0.1", bulk.port())) {
            s.setReceiveBufferSize(64 << 10);
            s.getOutputStream().write(ask(ticket, 7));
            s.shutdownOutput();
            await().atMost(Duration.ofSeconds(30)).until(() -> viaBulk.get() > 0);
            await().during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> viaBulk.get() <= 16L * MIB);
            long read = s.getInputStream().transferTo(OutputStream.nullOutputStream());
            assertThat(read).isGreaterThan(64L * MIB);
        }
    }

    /**
     * A bulk connection that breaks in the middle of a value is not a loss: what it did not
     * deliver comes over gRPC.
     */
    @Test
    void aConnectionCutMidValueFallsBackToGrpc() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = free.getLocalPort();
        }
        // The fetcher dials the bulk port on the host it reached gRPC at, 127.0.0.2, where a link
        // that breaks after 1 MiB fronts the listener.
        String address = serve("127.0.0.2", port, BulkDataServer.TICKET_LIFETIME, Long.MAX_VALUE);
        store.put(1, ValueCodec.encodeValue(block(100, 1)));
        store.put(2, ValueCodec.encodeValue(block(4 * MIB, 2)));
        try (ServerSocket link = new ServerSocket()) {
            link.bind(new InetSocketAddress("127.0.0.2", port));
            Thread cut = new Thread(() -> breakAfter(link, new InetSocketAddress("127.0.0.1", port), MIB));
            cut.setDaemon(true);
            cut.start();

            Outcome outcome = fetch(address, List.of(1L, 2L, 3L));

            assertThat(bodyOf(outcome.found.get(1L))).isEqualTo(block(100, 1));
            assertThat(bodyOf(outcome.found.get(2L))).isEqualTo(block(4 * MIB, 2));
            assertThat(outcome.notFound).containsExactly(3L);
            assertThat(viaGrpc.get()).as("the rest came over gRPC").isGreaterThanOrEqualTo(4L * MIB);
            assertThat(viaGrpc.get()).as("only the rest").isLessThan(4L * MIB + 1000);
        }
    }

    /**
     * A worker whose bulk listener cannot be reached (a firewall letting only gRPC through) is
     * fetched from over gRPC, and not asked for tickets again for a while.
     */
    @Test
    void aBulkListenerThatCannotBeReachedIsNotTriedAgainForAWhile() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = free.getLocalPort();
        }
        // Nothing listens on 127.0.0.2 at the bulk port.
        String address = serve("127.0.0.2", port, BulkDataServer.TICKET_LIFETIME, Long.MAX_VALUE);
        store.put(1, ValueCodec.encodeValue(block(MIB, 1)));

        assertThat(bodyOf(fetch(address, List.of(1L)).found.get(1L))).isEqualTo(block(MIB, 1));
        assertThat(bodyOf(fetch(address, List.of(1L)).found.get(1L))).isEqualTo(block(MIB, 1));

        assertThat(bulk.issued()).isEqualTo(1);
        assertThat(viaGrpc.get())
                .isEqualTo(2L * MIB + 2 * (ValueCodec.encodeValue(block(MIB, 1)).size() - MIB));
    }

    /** Relays one connection to {@code target}, closing both sides after {@code limit} bytes back. */
    private static void breakAfter(ServerSocket link, InetSocketAddress target, int limit) {
        try (Socket in = link.accept();
                Socket out = new Socket(target.getAddress(), target.getPort())) {
            Thread forth = new Thread(() -> {
                try {
                    in.getInputStream().transferTo(out.getOutputStream());
                } catch (IOException e) {
                    // Cut.
                }
            });
            forth.setDaemon(true);
            forth.start();
            InputStream back = out.getInputStream();
            in.getOutputStream().write(back.readNBytes(limit));
        } catch (IOException e) {
            // The test fails on what the fetch received.
        }
    }
}
