package dev.jcloud.engine.worker;

import com.google.protobuf.UnsafeByteOperations;
import dev.jcloud.engine.internal.codec.EncodedValue;
import dev.jcloud.engine.internal.data.BulkProtocol;
import dev.jcloud.engine.internal.data.TlsChannel;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This worker's bulk data listener (see {@link BulkProtocol}): results go out as plain
 * length-prefixed bytes on a socket of their own, without gRPC's per-frame work. It admits only
 * connections presenting a ticket issued by {@link #issue} (called from the authenticated
 * {@code GetData} service), each ticket once and for a few seconds; an admitted connection then
 * serves its fetcher's requests one after another until it is left idle. Writes block while the
 * reader is slow, so a slow reader costs this worker a socket buffer, never a copy of a value:
 * values in memory are written from the stored bytes, spilled ones with
 * {@link FileChannel#transferTo}.
 */
final class BulkDataServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BulkDataServer.class);
    /** How long a ticket admits its connection. */
    static final Duration TICKET_LIFETIME = Duration.ofSeconds(10);
    /** The most bytes of a spill file handed to the socket at once, so that progress is counted. */
    private static final long FILE_SLICE = 8 << 20;
    /** How long a connection may take to present its ticket. */
    private static final int TICKET_READ_MILLIS = 5_000;
    /** How long an admitted connection may stay idle between requests. */
    private static final int IDLE_MILLIS = 30_000;
    /** Tickets outstanding and connections open at once; beyond them fetchers use gRPC. */
    private static final int MAX_TICKETS = 1024;

    private static final int MAX_CONNECTIONS = 128;

    private final DataStore store;
    private final ReceivedValues received;
    /** Null on a plaintext cluster. */
    private final SSLContext tls;

    private final AtomicLong bytesOut;
    private final long ticketNanos;
    private final ServerSocketChannel listener;
    private final SecureRandom random = new SecureRandom();
    /** Outstanding tickets and when they expire (System.nanoTime). */
    private final Map<ByteBuffer, Long> tickets = new ConcurrentHashMap<>();

    private final AtomicLong issued = new AtomicLong();
    private final AtomicLong admitted = new AtomicLong();
    private final Semaphore connections = new Semaphore(MAX_CONNECTIONS);
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "jcloud-worker-bulk");
        t.setDaemon(true);
        return t;
    });

    BulkDataServer(String host, int port, DataStore store, AtomicLong bytesOut, Duration ticketLifetime)
            throws IOException {
        this(host, port, store, bytesOut, ticketLifetime, null, null);
    }

    /**
     * With {@code received} null, a put closes its connection unanswered; with {@code tls} given
     * (a TLS cluster), every connection is TLS, and its peer must present a certificate of the
     * cluster's CA before it can present a ticket.
     */
    BulkDataServer(
            String host,
            int port,
            DataStore store,
            AtomicLong bytesOut,
            Duration ticketLifetime,
            ReceivedValues received,
            SSLContext tls)
            throws IOException {
        this.received = received;
        this.tls = tls;
        this.store = store;
        this.bytesOut = bytesOut;
        this.ticketNanos = ticketLifetime.toNanos();
        this.listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress(host, port), 128);
        threads.execute(this::accept);
    }

    /** Tickets issued so far. */
    long issued() {
        return issued.get();
    }

    /** Connections admitted with a ticket so far. */
    long admitted() {
        return admitted.get();
    }

    int port() {
        return listener.socket().getLocalPort();
    }

    /** A ticket admitting one connection; null when too many are outstanding. */
    byte[] issue() {
        long now = System.nanoTime();
        tickets.values().removeIf(expires -> now - expires > 0);
        if (tickets.size() >= MAX_TICKETS) {
            return null;
        }
        byte[] ticket = new byte[BulkProtocol.TICKET_BYTES];
        random.nextBytes(ticket);
        issued.incrementAndGet();
        tickets.put(ByteBuffer.wrap(ticket.clone()), now + ticketNanos);
        return ticket;
    }

    private void accept() {
        while (listener.isOpen()) {
            SocketChannel socket;
            try {
                socket = listener.accept();
            } catch (IOException closed) {
                return;
            }
            if (!connections.tryAcquire()) {
                closeQuietly(socket);
                continue;
            }
            try {
                threads.execute(() -> {
                    try {
                        serve(socket);
                    } finally {
                        connections.release();
                        closeQuietly(socket);
                    }
                });
            } catch (RejectedExecutionException closing) {
                connections.release();
                closeQuietly(socket);
            }
        }
    }

    private void serve(SocketChannel plain) {
        try {
            plain.socket().setTcpNoDelay(true);
            plain.socket().setSoTimeout(TICKET_READ_MILLIS);
            ByteChannel socket = plain;
            InputStream stream = plain.socket().getInputStream();
            if (tls != null) {
                TlsChannel secured = TlsChannel.server(plain, tls);
                socket = secured;
                stream = secured.inputStream();
            }
            DataInputStream in = new DataInputStream(new BufferedInputStream(stream));
            byte[] ticket = new byte[BulkProtocol.TICKET_BYTES];
            if (in.readNBytes(ticket, 0, ticket.length) != ticket.length) {
                return;
            }
            Long expires = tickets.remove(ByteBuffer.wrap(ticket));
            if (expires == null || System.nanoTime() - expires > 0) {
                return;
            }
            admitted.incrementAndGet();
            plain.socket().setSoTimeout(IDLE_MILLIS);
            ByteBuffer header = ByteBuffer.allocate(BulkProtocol.FRAME_HEADER_BYTES);
            while (true) {
                int count = in.readInt();
                if (count < 0) {
                    if (received == null || count < -BulkProtocol.MAX_KEYS || !receive(in, -count)) {
                        return;
                    }
                    header.clear().put(BulkProtocol.END).flip();
                    writeFully(socket, header, null);
                    continue;
                }
                if (count > BulkProtocol.MAX_KEYS) {
                    return;
                }
                long[] keys = new long[count];
                for (int i = 0; i < count; i++) {
                    keys[i] = in.readLong();
                }
                for (long key : keys) {
                    send(socket, header, key);
                }
                header.clear().put(BulkProtocol.END).flip();
                writeFully(socket, header, null);
            }
        } catch (EOFException
                | SocketTimeoutException
                | java.nio.channels.ClosedChannelException
                | javax.net.ssl.SSLException e) {
            // An SSLException: a peer without a certificate of the cluster's CA, or a broken record.
            // The fetcher is done with the connection, left it idle, or never sent a ticket; or closing.
        } catch (IOException e) {
            LOG.debug("bulk data connection ended: {}", e.toString());
        }
    }

    /**
     * Reads {@code count} values a client sends (a put) into arrays of their announced sizes and
     * hands each to {@link ReceivedValues} as it completes; false for a malformed put.
     */
    private boolean receive(DataInputStream in, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            long key = in.readLong();
            int headSize = in.readInt();
            long bodySize = in.readLong();
            if (headSize < 0
                    || headSize > BulkProtocol.MAX_HEAD_BYTES
                    || bodySize < 0
                    || bodySize > ReceivedValues.MAX_BODY_BYTES) {
                LOG.info("refusing a put of {}+{} bytes for {}", headSize, bodySize, Long.toHexString(key));
                return false;
            }
            byte[] head = new byte[headSize];
            in.readFully(head);
            EncodedValue value;
            if (bodySize == 0) {
                value = EncodedValue.of(UnsafeByteOperations.unsafeWrap(head));
            } else {
                byte[] body = new byte[(int) bodySize];
                in.readFully(body);
                value = EncodedValue.of(UnsafeByteOperations.unsafeWrap(head), body);
            }
            received.received(key, value);
        }
        return true;
    }

    /** One key's frame; a key not held (or released meanwhile) is answered as not found. */
    private void send(ByteChannel socket, ByteBuffer header, long key) throws IOException {
        DataStore.Located at = store.locate(key);
        if (at != null && at.memory() != null) {
            EncodedValue value = at.memory();
            long bodySize = value.body() == null ? 0 : value.body().length;
            header.clear()
                    .put(BulkProtocol.FOUND)
                    .putLong(key)
                    .putInt(value.head().size())
                    .putLong(bodySize);
            header.flip();
            writeFully(socket, header, null);
            for (ByteBuffer part : value.head().asReadOnlyByteBufferList()) {
                writeFully(socket, part, bytesOut);
            }
            if (value.body() != null) {
                writeFully(socket, ByteBuffer.wrap(value.body()), bytesOut);
            }
            return;
        }
        if (at != null) {
            try (FileChannel file = FileChannel.open(at.file(), StandardOpenOption.READ)) {
                long size = at.size();
                int head = DataStore.headLength(file, size);
                long headSize = head < 0 ? size : head;
                header.clear()
                        .put(BulkProtocol.FOUND)
                        .putLong(key)
                        .putInt(Math.toIntExact(headSize))
                        .putLong(size - headSize);
                header.flip();
                writeFully(socket, header, null);
                for (long sent = 0; sent < size; ) {
                    long n = file.transferTo(sent, Math.min(FILE_SLICE, size - sent), socket);
                    if (n <= 0 && sent >= file.size()) {
                        throw new IOException("spill file shorter than " + size + " bytes");
                    }
                    sent += n;
                    bytesOut.addAndGet(n);
                }
                return;
            } catch (NoSuchFileException releasedMeanwhile) {
                // Not held any more.
            }
        }
        header.clear().put(BulkProtocol.NOT_FOUND).putLong(key).flip();
        writeFully(socket, header, null);
    }

    /**
     * Writes all of {@code data}, a slice at a time (see {@link BulkProtocol#SLICE}), counting
     * what the socket took in {@code sent} (when given).
     */
    private static void writeFully(ByteChannel socket, ByteBuffer data, AtomicLong sent) throws IOException {
        int end = data.limit();
        while (data.position() < end) {
            data.limit(Math.min(end, data.position() + BulkProtocol.SLICE));
            while (data.hasRemaining()) {
                int n = socket.write(data);
                if (sent != null) {
                    sent.addAndGet(n);
                }
            }
            data.limit(end);
        }
    }

    private static void closeQuietly(SocketChannel socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing.
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // Closing.
        }
        threads.shutdownNow();
        tickets.clear();
    }
}
