package dev.jcloud.engine.internal.data;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.jcloud.engine.internal.codec.EncodedValue;
import dev.jcloud.engine.internal.net.Transports;
import dev.jcloud.engine.proto.DataChunk;
import dev.jcloud.engine.proto.DataRequest;
import dev.jcloud.engine.proto.WorkerGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fetch of results from a worker, for a peer worker or a client. A worker with a bulk data
 * listener (TLS on a TLS cluster) answers with a ticket for it, and the results come over that
 * connection as length-prefixed values read straight into their final arrays (see
 * {@link BulkProtocol}); what a broken bulk connection did not deliver, and everything from a
 * worker without one, comes over gRPC. Over gRPC, results arrive as streams of chunks
 * under the transport's flow control, one key after another. A value that ends in a large array
 * (a {@code byte[]} result) is announced with its size and its chunks are read from the network
 * buffers straight into one array of that size: a single copy, and the array is what the task
 * reading the value gets. Other values are kept as the chunks they arrived in, never joined.
 *
 * <p>A fetch has no total deadline, which would cut off a large result on a slow link: it ends
 * when no data arrived for the idle timeout.
 */
public final class DataFetch {

    private static final Logger LOG = LoggerFactory.getLogger(DataFetch.class);

    /** A call on which nothing arrived for this long is given up. */
    public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

    private static final ExecutorService BULK_THREADS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "jcloud-bulk-fetch");
        t.setDaemon(true);
        return t;
    });

    private static final MethodDescriptor.Marshaller<DataRequest> REQUEST =
            ProtoUtils.marshaller(DataRequest.getDefaultInstance());
    private static final MethodDescriptor.Marshaller<DataChunk> STOCK =
            ProtoUtils.marshaller(DataChunk.getDefaultInstance());

    /** What a call delivers, on the transport's thread: keep it short. */
    public interface Receiver {
        /** The whole value of {@code key}. */
        void found(long key, EncodedValue value);

        /** The holder answered that it does not have {@code key}: the one definite loss. */
        void notFound(long key);

        /**
         * The call ended early (unreachable holder, broken link, no progress): keys neither found
         * nor reported missing may still be on the holder.
         */
        void failed(Throwable cause);

        /** The call ended normally; keys not mentioned were not sent. */
        void completed();
    }

    private DataFetch() {}

    /**
     * Starts fetching {@code keys} from the worker at {@code address} (host:port) behind
     * {@code channel}: over its bulk data connection when it offers one (see
     * {@link BulkProtocol}), else, or when that connection fails, over gRPC. A value larger than
     * {@code maxBytes} fails the fetch. {@code address} null means gRPC only. The bulk connection
     * uses TLS with {@code tls} when given (a TLS cluster), as the channel does. Returns a handle
     * that cancels the fetch.
     */
    public static Runnable start(
            Channel channel,
            String address,
            SSLContext tls,
            Collection<Long> keys,
            long maxBytes,
            Duration idleTimeout,
            ScheduledExecutorService timer,
            Receiver receiver) {
        String host = BulkConnections.host(address);
        Fetch fetch = new Fetch(channel, address, host, tls, keys, maxBytes, idleTimeout, receiver);
        long period = Math.max(50, Math.min(1000, idleTimeout.toMillis() / 4));
        fetch.watch = timer.scheduleWithFixedDelay(fetch::checkProgress, period, period, TimeUnit.MILLISECONDS);
        ByteChannel idle = host == null ? null : BulkConnections.take(address);
        if (idle == null) {
            fetch.callGrpc(host != null);
        } else {
            try {
                BULK_THREADS.execute(() -> fetch.readBulk(idle, 0, null));
            } catch (RejectedExecutionException e) {
                BulkConnections.close(idle);
                fetch.callGrpc(false);
            }
        }
        return fetch::cancel;
    }

    /** True when the holder could not be reached at all (nothing listens there any more). */
    public static boolean unreachable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }

    /**
     * One fetch: an idle admitted bulk connection to the worker if there is one, else a
     * {@code GetData} call asking for a bulk ticket (which an older worker, or one without a bulk
     * listener, answers with the data itself) and a new bulk connection; then, if the bulk
     * connection fails, a plain {@code GetData} call for the keys it did not answer. Only
     * one of these runs at a time, so the keys still unanswered need no more than the lock.
     * Progress is watched across all of them: a transfer ends for lack of data, never of time.
     */
    private static final class Fetch implements Receiver {
        private final Channel channel;
        private final String address;
        /** The holder's host for the bulk connection; null when it is not to be used. */
        private final String host;
        /** The TLS context of the bulk connection; null on a plaintext cluster. */
        private final SSLContext tls;

        private final long maxBytes;
        private final Duration idleTimeout;
        private final Receiver receiver;
        private final Set<Long> unanswered = new LinkedHashSet<>();
        volatile long lastProgress = System.nanoTime();
        volatile ScheduledFuture<?> watch;
        private volatile ClientCall<DataRequest, DataChunk> call;
        private volatile Closeable socket;
        private volatile boolean cancelled;
        private volatile boolean timedOut;
        private volatile boolean ended;
        private int bulkPort;
        private byte[] bulkTicket;

        Fetch(
                Channel channel,
                String address,
                String host,
                SSLContext tls,
                Collection<Long> keys,
                long maxBytes,
                Duration idleTimeout,
                Receiver receiver) {
            this.channel = channel;
            this.address = address;
            this.host = host;
            this.tls = tls;
            this.maxBytes = maxBytes;
            this.idleTimeout = idleTimeout;
            this.receiver = receiver;
            unanswered.addAll(keys);
        }

        void callGrpc(boolean askForTicket) {
            List<Long> keys;
            synchronized (this) {
                keys = new ArrayList<>(unanswered);
            }
            Assembly assembly = new Assembly(maxBytes, this);
            MethodDescriptor<DataRequest, DataChunk> method =
                    WorkerGrpc.getGetDataMethod().toBuilder(REQUEST, assembly).build();
            ClientCall<DataRequest, DataChunk> c = channel.newCall(method, CallOptions.DEFAULT);
            call = c;
            if (cancelled) {
                c.cancel("fetch cancelled", null);
            }
            ClientCalls.asyncServerStreamingCall(
                    c,
                    DataRequest.newBuilder()
                            .addAllKeys(keys)
                            .setBulk(askForTicket)
                            .build(),
                    assembly);
        }

        /** The worker's answer to a bulk request. */
        void ticket(int port, byte[] ticket) {
            bulkPort = port;
            bulkTicket = ticket;
        }

        void grpcCompleted() {
            if (bulkTicket == null) {
                completed();
                return;
            }
            int port = bulkPort;
            byte[] ticket = bulkTicket;
            bulkTicket = null;
            try {
                BULK_THREADS.execute(() -> readBulk(null, port, ticket));
            } catch (RejectedExecutionException e) {
                callGrpc(false);
            }
        }

        /**
         * Asks for the unanswered keys on {@code admitted}, or on a new connection admitted with
         * {@code ticket}, and reads the answer. What a broken connection did not deliver is asked
         * for over gRPC; a reused connection that broke before answering anything (the worker
         * closed it meanwhile) is replaced by a new one.
         */
        void readBulk(ByteChannel admitted, int port, byte[] ticket) {
            ByteChannel s = admitted;
            boolean answered = false;
            try {
                if (s == null) {
                    if (cancelled || timedOut) {
                        throw new ClosedChannelException();
                    }
                    s = BulkConnections.connect(address, host, port, ticket, tls, opened -> socket = opened);
                    socket = s;
                    if (cancelled || timedOut) {
                        throw new ClosedChannelException();
                    }
                } else {
                    socket = s;
                    if (cancelled || timedOut) {
                        throw new ClosedChannelException();
                    }
                }
                List<Long> keys;
                synchronized (this) {
                    keys = new ArrayList<>(unanswered);
                }
                ByteBuffer request = ByteBuffer.allocate(4 + 8 * keys.size()).putInt(keys.size());
                keys.forEach(request::putLong);
                BulkConnections.writeFully(s, request.flip());
                ByteBuffer header = ByteBuffer.allocate(BulkProtocol.FRAME_HEADER_BYTES);
                while (true) {
                    readFully(s, header.clear().limit(1));
                    answered = true;
                    byte kind = header.get(0);
                    if (kind == BulkProtocol.END) {
                        socket = null;
                        if (cancelled || timedOut) {
                            BulkConnections.close(s);
                        } else {
                            BulkConnections.give(address, s);
                        }
                        completed();
                        return;
                    }
                    readFully(s, header.limit(1 + 8));
                    long key = header.getLong(1);
                    synchronized (this) {
                        if (!unanswered.contains(key)) {
                            throw new IOException("unrequested result " + Long.toHexString(key));
                        }
                    }
                    if (kind == BulkProtocol.NOT_FOUND) {
                        notFound(key);
                        continue;
                    }
                    if (kind != BulkProtocol.FOUND) {
                        throw new IOException("unknown frame kind " + kind);
                    }
                    readFully(s, header.limit(BulkProtocol.FRAME_HEADER_BYTES));
                    int headSize = header.getInt(1 + 8);
                    long bodySize = header.getLong(1 + 8 + 4);
                    if (headSize < 0 || bodySize < 0 || headSize + bodySize > maxBytes) {
                        BulkConnections.close(s);
                        failed(Status.RESOURCE_EXHAUSTED
                                .withDescription("result " + Long.toHexString(key) + " of " + headSize + "+" + bodySize
                                        + " bytes exceeds " + maxBytes)
                                .asRuntimeException());
                        return;
                    }
                    readValue(s, key, headSize, (int) bodySize);
                }
            } catch (IOException e) {
                if (s != null) {
                    BulkConnections.close(s);
                }
                if (cancelled) {
                    failed(Status.CANCELLED.withDescription("fetch cancelled").asRuntimeException());
                } else if (timedOut) {
                    failed(new TimeoutException("no data arrived for " + idleTimeout.toMillis() + " ms"));
                } else {
                    // Whatever the connection did not deliver may still be on the holder: ask again,
                    // for a new connection if a reused one had been closed meanwhile.
                    LOG.debug("bulk fetch from {} broke ({}); asking again over gRPC", address, e.toString());
                    callGrpc(admitted != null && !answered);
                }
            } catch (Throwable e) {
                // Out of memory for a value, or a receiver that threw: the fetch must still end, or
                // whoever waits on it (a gather, a task's inputs) would wait for ever.
                if (s != null) {
                    BulkConnections.close(s);
                }
                failed(e);
            } finally {
                socket = null;
            }
        }

        private void readFully(ByteChannel s, ByteBuffer into) throws IOException {
            int end = into.limit();
            while (into.position() < end) {
                into.limit(Math.min(end, into.position() + BulkProtocol.SLICE));
                while (into.hasRemaining()) {
                    if (s.read(into) < 0) {
                        throw new EOFException("the bulk data connection closed");
                    }
                    lastProgress = System.nanoTime();
                }
                into.limit(end);
            }
        }

        void checkProgress() {
            if (System.nanoTime() - lastProgress <= idleTimeout.toNanos()) {
                return;
            }
            timedOut = true;
            ClientCall<DataRequest, DataChunk> c = call;
            if (c != null) {
                c.cancel(
                        "no data for " + idleTimeout.toMillis() + " ms",
                        new TimeoutException("no data arrived for " + idleTimeout.toMillis() + " ms"));
            }
            closeSocket();
        }

        void cancel() {
            cancelled = true;
            ClientCall<DataRequest, DataChunk> c = call;
            if (c != null) {
                c.cancel("fetch cancelled", null);
            }
            closeSocket();
        }

        private void closeSocket() {
            Closeable s = socket;
            if (s != null) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // Closing.
                }
            }
        }

        /**
         * Reads one value and hands it on. Its own frame, so that nothing of the value stays on this
         * thread's stack while it waits for the next frame: the receiver alone decides how long it
         * lives.
         */
        private void readValue(ByteChannel s, long key, int headSize, int bodySize) throws IOException {
            byte[] head = new byte[headSize];
            readFully(s, ByteBuffer.wrap(head));
            ByteString headBytes = UnsafeByteOperations.unsafeWrap(head);
            if (bodySize == 0) {
                found(key, EncodedValue.of(headBytes));
            } else {
                byte[] body = new byte[bodySize];
                readFully(s, ByteBuffer.wrap(body));
                found(key, EncodedValue.of(headBytes, body));
            }
        }

        @Override
        public void found(long key, EncodedValue value) {
            synchronized (this) {
                unanswered.remove(key);
            }
            receiver.found(key, value);
        }

        @Override
        public void notFound(long key) {
            synchronized (this) {
                unanswered.remove(key);
            }
            receiver.notFound(key);
        }

        @Override
        public void failed(Throwable cause) {
            if (end()) {
                receiver.failed(cause);
            }
        }

        @Override
        public void completed() {
            if (end()) {
                receiver.completed();
            }
        }

        private boolean end() {
            synchronized (this) {
                if (ended) {
                    return false;
                }
                ended = true;
            }
            ScheduledFuture<?> w = watch;
            if (w != null) {
                w.cancel(false);
            }
            return true;
        }
    }

    /**
     * Parses the chunks of one call and puts them together. gRPC parses a call's messages and
     * hands them to the observer one at a time, in order, so the state needs no lock.
     */
    private static final class Assembly implements MethodDescriptor.Marshaller<DataChunk>, StreamObserver<DataChunk> {
        private final ChunkedValue value;
        private final Fetch receiver;

        Assembly(long maxBytes, Fetch receiver) {
            this.value = new ChunkedValue("result", maxBytes);
            this.receiver = receiver;
        }

        @Override
        public InputStream stream(DataChunk value) {
            return STOCK.stream(value);
        }

        @Override
        public DataChunk parse(InputStream in) {
            try {
                DataChunk.Builder chunk = DataChunk.newBuilder();
                long chunkKey = 0;
                for (long tag = varint(in, true); tag >= 0; tag = varint(in, true)) {
                    int field = (int) (tag >>> 3);
                    int wire = (int) (tag & 7);
                    if (field == DataChunk.KEY_FIELD_NUMBER && wire == 0) {
                        chunkKey = varint(in, false);
                        chunk.setKey(chunkKey);
                    } else if (field == DataChunk.DATA_FIELD_NUMBER && wire == 2) {
                        int n = length(in);
                        if (value.fillsBody(chunkKey)) {
                            value.fill(in, n);
                        } else {
                            byte[] data = new byte[n];
                            read(in, data, 0, n);
                            chunk.setData(UnsafeByteOperations.unsafeWrap(data));
                        }
                    } else if (field == DataChunk.FOUND_FIELD_NUMBER && wire == 0) {
                        chunk.setFound(varint(in, false) != 0);
                    } else if (field == DataChunk.LAST_FIELD_NUMBER && wire == 0) {
                        chunk.setLast(varint(in, false) != 0);
                    } else if (field == DataChunk.BODY_SIZE_FIELD_NUMBER && wire == 0) {
                        chunk.setBodySize(varint(in, false));
                    } else if (field == DataChunk.BULK_PORT_FIELD_NUMBER && wire == 0) {
                        chunk.setBulkPort((int) varint(in, false));
                    } else if (field == DataChunk.BULK_TICKET_FIELD_NUMBER && wire == 2) {
                        byte[] ticket = new byte[length(in)];
                        read(in, ticket, 0, ticket.length);
                        chunk.setBulkTicket(UnsafeByteOperations.unsafeWrap(ticket));
                    } else {
                        skip(in, wire);
                    }
                }
                return chunk.build();
            } catch (IOException e) {
                throw Status.INTERNAL
                        .withDescription("malformed data chunk: " + e.getMessage())
                        .withCause(e)
                        .asRuntimeException();
            }
        }

        @Override
        public void onNext(DataChunk chunk) {
            receiver.lastProgress = System.nanoTime();
            if (chunk.getBulkPort() > 0) {
                receiver.ticket(chunk.getBulkPort(), chunk.getBulkTicket().toByteArray());
                return;
            }
            if (!chunk.getFound()) {
                value.reset();
                receiver.notFound(chunk.getKey());
                return;
            }
            EncodedValue whole;
            try {
                whole = value.add(chunk);
            } catch (ChunkedValue.Malformed e) {
                throw (e.tooLarge() ? Status.RESOURCE_EXHAUSTED : Status.INTERNAL)
                        .withDescription(e.getMessage())
                        .asRuntimeException();
            }
            if (whole != null) {
                receiver.found(chunk.getKey(), whole);
            }
        }

        @Override
        public void onError(Throwable t) {
            value.reset();
            receiver.failed(t);
        }

        @Override
        public void onCompleted() {
            receiver.grpcCompleted();
        }
    }

    /** A varint; -1 at the end of the message when {@code eofAllowed}. */
    private static long varint(InputStream in, boolean eofAllowed) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.read();
            if (b < 0) {
                if (eofAllowed && shift == 0) {
                    return -1;
                }
                throw new IOException("truncated varint");
            }
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IOException("malformed varint");
    }

    private static int length(InputStream in) throws IOException {
        long n = varint(in, false);
        if (n < 0 || n > Transports.MAX_MESSAGE_BYTES) {
            throw new IOException("field length " + n + " out of range");
        }
        return (int) n;
    }

    private static void read(InputStream in, byte[] into, int offset, int n) throws IOException {
        if (in.readNBytes(into, offset, n) != n) {
            throw new IOException("truncated field");
        }
    }

    private static void skip(InputStream in, int wire) throws IOException {
        switch (wire) {
            case 0 -> varint(in, false);
            case 1 -> in.skipNBytes(8);
            case 2 -> in.skipNBytes(length(in));
            case 5 -> in.skipNBytes(4);
            default -> throw new IOException("unsupported wire type " + wire);
        }
    }
}
