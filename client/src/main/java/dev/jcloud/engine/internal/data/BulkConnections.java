package dev.jcloud.engine.internal.data;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.Channel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bulk data connections of this process (see {@link BulkProtocol}), for fetches and puts
 * alike: whether a worker's listener may be used, and the admitted connections not in use, by the
 * address of the worker's data service. A transfer takes an idle connection if there is one (no
 * ticket, no gRPC call) and gives it back when its answer has ended; the worker closes a
 * connection left idle for 30 s, so one idle for longer is dropped.
 */
final class BulkConnections {

    private static final Logger LOG = LoggerFactory.getLogger(BulkConnections.class);

    /** Whether transfers use a worker's bulk data connection when it offers one. */
    private static final boolean ENABLED = !"false".equals(System.getProperty("jcloud.data.bulk"));
    /** How long connecting to a bulk data listener may take before gRPC is used instead. */
    static final int CONNECT_MILLIS = 3_000;
    /** How long a TLS handshake on a new bulk connection may take. */
    private static final int HANDSHAKE_MILLIS = 10_000;
    /** How long a worker whose bulk listener could not be reached is talked to over gRPC only. */
    private static final long UNCONNECTABLE_NANOS = 300_000_000_000L;

    private static final long MAX_IDLE_NANOS = 15_000_000_000L;
    private static final int IDLE_PER_WORKER = 4;

    private record Idle(ByteChannel socket, long since) {}

    private static final Map<String, Long> UNCONNECTABLE = new ConcurrentHashMap<>();
    private static final Map<String, Deque<Idle>> IDLE = new ConcurrentHashMap<>();

    private BulkConnections() {}

    /** The host of {@code address} for bulk connections; null when they are not to be used. */
    static String host(String address) {
        if (address == null || !ENABLED) {
            return null;
        }
        Long until = UNCONNECTABLE.get(address);
        if (until != null) {
            if (System.nanoTime() - until < 0) {
                return null;
            }
            UNCONNECTABLE.remove(address, until);
        }
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            return null;
        }
        String host = address.substring(0, colon);
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /**
     * The bulk listener of {@code address} could not be connected to. A firewall that lets gRPC
     * through but not that port would cost every transfer the connect timeout: use gRPC with this
     * worker for a while.
     */
    static void unconnectable(String address, int port, IOException e) {
        UNCONNECTABLE.put(address, System.nanoTime() + UNCONNECTABLE_NANOS);
        LOG.info(
                "cannot connect to the bulk data port {} of {} ({}); using gRPC with it for 5 minutes",
                port,
                address,
                e.toString());
    }

    /**
     * A new connection to the bulk listener at {@code host:port} of the worker whose data service
     * is {@code address}, under TLS when {@code tls} is given, admitted with {@code ticket}.
     * {@code opened} gets the socket before anything can block, so that closing it cancels.
     */
    static ByteChannel connect(
            String address, String host, int port, byte[] ticket, SSLContext tls, Consumer<Channel> opened)
            throws IOException {
        SocketChannel s = SocketChannel.open();
        opened.accept(s);
        try {
            s.socket().setTcpNoDelay(true);
            try {
                s.socket().connect(new InetSocketAddress(host, port), CONNECT_MILLIS);
            } catch (IOException e) {
                unconnectable(address, port, e);
                throw e;
            }
            ByteChannel c = s;
            if (tls != null) {
                s.socket().setSoTimeout(HANDSHAKE_MILLIS);
                c = TlsChannel.client(s, tls, host, port);
                s.socket().setSoTimeout(0); // from here on, the transfer's progress watch
            }
            writeFully(c, ByteBuffer.wrap(ticket));
            return c;
        } catch (IOException | RuntimeException e) {
            close(s);
            throw e;
        }
    }

    static ByteChannel take(String address) {
        Deque<Idle> idle = IDLE.get(address);
        if (idle == null) {
            return null;
        }
        for (Idle e = idle.pollFirst(); e != null; e = idle.pollFirst()) {
            if (System.nanoTime() - e.since() < MAX_IDLE_NANOS && e.socket().isOpen()) {
                return e.socket();
            }
            close(e.socket());
        }
        return null;
    }

    static void give(String address, ByteChannel socket) {
        Deque<Idle> idle = IDLE.computeIfAbsent(address, a -> new ConcurrentLinkedDeque<>());
        if (idle.size() >= IDLE_PER_WORKER) {
            close(socket);
            return;
        }
        idle.addFirst(new Idle(socket, System.nanoTime()));
    }

    static void close(Channel socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing.
        }
    }

    /**
     * Writes all of {@code data}, a slice at a time: the JDK copies heap buffers through a
     * per-thread direct buffer as large as the largest transfer (see {@link BulkProtocol#SLICE}).
     */
    static void writeFully(WritableByteChannel s, ByteBuffer data) throws IOException {
        int end = data.limit();
        while (data.position() < end) {
            data.limit(Math.min(end, data.position() + BulkProtocol.SLICE));
            while (data.hasRemaining()) {
                s.write(data);
            }
            data.limit(end);
        }
    }
}
