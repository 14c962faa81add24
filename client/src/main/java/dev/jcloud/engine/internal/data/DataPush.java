package dev.jcloud.engine.internal.data;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.jcloud.engine.internal.codec.EncodedValue;
import dev.jcloud.engine.proto.DataChunk;
import dev.jcloud.engine.proto.DataRequest;
import dev.jcloud.engine.proto.PutReply;
import dev.jcloud.engine.proto.WorkerGrpc;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends values a client scatters to the worker the scheduler named for them: over the worker's
 * bulk data connection when it has one (a put, see {@link BulkProtocol}), else, or when that
 * connection breaks, with a {@code PutData} call under gRPC's flow control. A {@code byte[]}
 * value is written from its own array, never copied into a buffer. Like a fetch, a put has no
 * total deadline: it fails when no byte could be sent for the idle timeout.
 */
public final class DataPush {

    private static final Logger LOG = LoggerFactory.getLogger(DataPush.class);

    /** The size of a gRPC chunk, as the worker's {@code GetData} sends them. */
    private static final int CHUNK = 1 << 20;

    private static final ExecutorService THREADS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "jcloud-data-push");
        t.setDaemon(true);
        return t;
    });

    private final Channel channel;
    private final String address;
    private final Map<Long, EncodedValue> values;
    private final Duration idleTimeout;
    private volatile long lastProgress = System.nanoTime();
    private final SSLContext tls;
    private volatile Closeable socket;
    private volatile ClientCallStreamObserver<DataChunk> call;
    private volatile boolean timedOut;

    private DataPush(
            Channel channel, String address, SSLContext tls, Map<Long, EncodedValue> values, Duration idleTimeout) {
        this.channel = channel;
        this.address = address;
        this.tls = tls;
        this.values = values;
        this.idleTimeout = idleTimeout;
    }

    /**
     * Starts sending {@code values} (in their map's order) to the worker at {@code address}
     * behind {@code channel}, the bulk connection under TLS with {@code tls} when given (a TLS
     * cluster). The future completes once the worker has stored them all, or fails
     * with the cause; values it did not confirm may or may not be there.
     */
    public static CompletableFuture<Void> start(
            Channel channel,
            String address,
            SSLContext tls,
            Map<Long, EncodedValue> values,
            Duration idleTimeout,
            ScheduledExecutorService timer) {
        DataPush push = new DataPush(channel, address, tls, values, idleTimeout);
        CompletableFuture<Void> done = new CompletableFuture<>();
        long period = Math.max(50, Math.min(1000, idleTimeout.toMillis() / 4));
        ScheduledFuture<?> watch =
                timer.scheduleWithFixedDelay(push::checkProgress, period, period, TimeUnit.MILLISECONDS);
        THREADS.execute(() -> {
            try {
                push.run();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(push.timedOut ? new TimeoutException(push.stalled()) : e);
            } finally {
                watch.cancel(false);
            }
        });
        return done;
    }

    private void run() throws Exception {
        String host = BulkConnections.host(address);
        if (host != null) {
            ByteChannel idle = BulkConnections.take(address);
            try {
                if (idle != null) {
                    try {
                        putBulk(idle);
                        return;
                    } catch (IOException closedMeanwhile) {
                        // The worker closed the idle connection: a new one below.
                        if (timedOut) {
                            throw closedMeanwhile;
                        }
                    }
                }
                ByteChannel admitted = admit(host);
                if (admitted != null) {
                    putBulk(admitted);
                    return;
                }
            } catch (IOException e) {
                if (timedOut) {
                    throw e;
                }
                LOG.debug("bulk put to {} broke ({}); sending over gRPC", address, e.toString());
            }
        }
        putGrpc();
    }

    /** A new bulk connection admitted with a ticket; null when the worker offers none. */
    private ByteChannel admit(String host) throws IOException {
        DataChunk answer;
        try {
            Iterator<DataChunk> it = WorkerGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(idleTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .getData(DataRequest.newBuilder().setBulk(true).build());
            answer = it.hasNext() ? it.next() : null;
            while (it.hasNext()) {
                it.next();
            }
        } catch (RuntimeException e) {
            throw new IOException("asking " + address + " for a bulk ticket: " + e, e);
        }
        if (answer == null || answer.getBulkPort() <= 0) {
            return null;
        }
        ByteChannel s = BulkConnections.connect(
                address,
                host,
                answer.getBulkPort(),
                answer.getBulkTicket().toByteArray(),
                tls,
                opened -> socket = opened);
        socket = s;
        return s;
    }

    private void putBulk(ByteChannel s) throws IOException {
        socket = s;
        try {
            ByteBuffer header = ByteBuffer.allocate(8 + 4 + 8);
            header.putInt(-values.size()).flip();
            write(s, header);
            for (Map.Entry<Long, EncodedValue> e : values.entrySet()) {
                EncodedValue v = e.getValue();
                byte[] body = v.body();
                header.clear()
                        .putLong(e.getKey())
                        .putInt(v.head().size())
                        .putLong(body == null ? 0 : body.length)
                        .flip();
                write(s, header);
                for (ByteBuffer part : v.head().asReadOnlyByteBufferList()) {
                    write(s, part);
                }
                if (body != null) {
                    write(s, ByteBuffer.wrap(body));
                }
            }
            ByteBuffer end = ByteBuffer.allocate(1);
            while (end.hasRemaining()) {
                if (s.read(end) < 0) {
                    throw new EOFException("the worker closed the bulk data connection before storing the values");
                }
            }
            if (end.get(0) != BulkProtocol.END) {
                throw new IOException("unexpected answer " + end.get(0) + " to a put");
            }
            socket = null;
            BulkConnections.give(address, s);
        } catch (IOException e) {
            socket = null;
            BulkConnections.close(s);
            throw e;
        }
    }

    private void write(ByteChannel s, ByteBuffer data) throws IOException {
        int end = data.limit();
        while (data.position() < end) {
            data.limit(Math.min(end, data.position() + BulkProtocol.SLICE));
            while (data.hasRemaining()) {
                if (s.write(data) > 0) {
                    lastProgress = System.nanoTime();
                }
            }
            data.limit(end);
        }
    }

    /** The values as {@code PutData} chunks, each sent when gRPC's flow control takes more. */
    private void putGrpc() throws InterruptedException, ExecutionException {
        CompletableFuture<PutReply> reply = new CompletableFuture<>();
        Object ready = new Object();
        WorkerGrpc.newStub(channel).putData(new ClientResponseObserver<DataChunk, PutReply>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<DataChunk> requests) {
                call = requests;
                requests.setOnReadyHandler(() -> {
                    synchronized (ready) {
                        ready.notifyAll();
                    }
                });
            }

            @Override
            public void onNext(PutReply value) {
                reply.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                reply.completeExceptionally(t);
                synchronized (ready) {
                    ready.notifyAll();
                }
            }

            @Override
            public void onCompleted() {
                reply.complete(PutReply.getDefaultInstance());
            }
        });
        ClientCallStreamObserver<DataChunk> requests = call;
        for (Map.Entry<Long, EncodedValue> e : values.entrySet()) {
            for (DataChunk chunk : chunks(e.getKey(), e.getValue())) {
                send(requests, ready, reply, chunk);
            }
        }
        requests.onCompleted();
        reply.get();
    }

    /**
     * {@code value} as {@code GetData} sends a value: a value ending in an array as a head chunk
     * announcing the array's size, then the array in chunks; any other in chunks of its bytes.
     * The chunks are views of the value, not copies.
     */
    private static List<DataChunk> chunks(long key, EncodedValue value) {
        List<DataChunk> out = new ArrayList<>();
        byte[] body = value.body();
        ByteString bytes = value.head();
        if (body != null) {
            out.add(chunk(key, value.head(), body.length == 0)
                    .setBodySize(body.length)
                    .build());
            bytes = UnsafeByteOperations.unsafeWrap(body);
        }
        for (int off = 0; off < bytes.size() || (off == 0 && out.isEmpty()); off += CHUNK) {
            int end = Math.min(bytes.size(), off + CHUNK);
            out.add(chunk(key, bytes.substring(off, end), end == bytes.size()).build());
        }
        return out;
    }

    private static DataChunk.Builder chunk(long key, ByteString data, boolean last) {
        return DataChunk.newBuilder().setKey(key).setFound(true).setData(data).setLast(last);
    }

    private void send(
            ClientCallStreamObserver<DataChunk> requests,
            Object ready,
            CompletableFuture<PutReply> reply,
            DataChunk chunk)
            throws InterruptedException, ExecutionException {
        synchronized (ready) {
            while (!requests.isReady() && !reply.isDone()) {
                ready.wait(100);
            }
        }
        if (reply.isDone()) {
            reply.get(); // the call ended early: its cause
            throw new ExecutionException(new IOException("the worker ended the put early"));
        }
        requests.onNext(chunk);
        lastProgress = System.nanoTime();
    }

    private void checkProgress() {
        if (System.nanoTime() - lastProgress <= idleTimeout.toNanos()) {
            return;
        }
        timedOut = true;
        Closeable s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Closing.
            }
        }
        ClientCallStreamObserver<DataChunk> c = call;
        if (c != null) {
            c.cancel(stalled(), null);
        }
    }

    private String stalled() {
        return "sending " + values.size() + " scattered values to " + address + ": nothing could be sent for "
                + idleTimeout.toMillis() + " ms";
    }
}
