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
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One {@code GetData} call, for a peer worker or a client. Results arrive as streams of chunks
 * under the transport's flow control, one key after another. A value that ends in a large array
 * (a {@code byte[]} result) is announced with its size and its chunks are read from the network
 * buffers straight into one array of that size: a single copy, and the array is what the task
 * reading the value gets. Other values are kept as the chunks they arrived in, never joined.
 *
 * <p>The call has no total deadline, which would cut off a large result on a slow link: it ends
 * when no data arrived for the idle timeout.
 */
public final class DataFetch {

    /** A call on which nothing arrived for this long is given up. */
    public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

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
     * Starts fetching {@code keys} from the worker behind {@code channel}; a value larger than
     * {@code maxBytes} fails the call. Returns a handle that cancels the call.
     */
    public static Runnable start(
            Channel channel,
            Collection<Long> keys,
            long maxBytes,
            Duration idleTimeout,
            ScheduledExecutorService timer,
            Receiver receiver) {
        Assembly assembly = new Assembly(maxBytes, receiver);
        MethodDescriptor<DataRequest, DataChunk> method =
                WorkerGrpc.getGetDataMethod().toBuilder(REQUEST, assembly).build();
        ClientCall<DataRequest, DataChunk> call = channel.newCall(method, CallOptions.DEFAULT);
        long idleNanos = idleTimeout.toNanos();
        long period = Math.max(50, Math.min(1000, idleTimeout.toMillis() / 4));
        assembly.watch = timer.scheduleWithFixedDelay(
                () -> {
                    if (System.nanoTime() - assembly.lastProgress > idleNanos) {
                        call.cancel(
                                "no data for " + idleTimeout.toMillis() + " ms",
                                new TimeoutException("no data arrived for " + idleTimeout.toMillis() + " ms"));
                    }
                },
                period,
                period,
                TimeUnit.MILLISECONDS);
        ClientCalls.asyncServerStreamingCall(
                call, DataRequest.newBuilder().addAllKeys(keys).build(), assembly);
        return () -> call.cancel("fetch cancelled", null);
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
     * Parses the chunks of one call and puts them together. gRPC parses a call's messages and
     * hands them to the observer one at a time, in order, so the state needs no lock.
     */
    private static final class Assembly implements MethodDescriptor.Marshaller<DataChunk>, StreamObserver<DataChunk> {
        private final long maxBytes;
        private final Receiver receiver;
        volatile long lastProgress = System.nanoTime();
        volatile ScheduledFuture<?> watch;

        // The key being received: its announced body filled in place, or its plain chunks.
        private long key;
        private ByteString head;
        private byte[] body;
        private int filled;
        private final List<ByteString> parts = new ArrayList<>();
        private long size;

        Assembly(long maxBytes, Receiver receiver) {
            this.maxBytes = maxBytes;
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
                        if (body != null && chunkKey == key) {
                            if (n > body.length - filled) {
                                throw new IOException("more data than the announced " + body.length + " bytes");
                            }
                            read(in, body, filled, n);
                            filled += n;
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
            lastProgress = System.nanoTime();
            if (!chunk.getFound()) {
                reset();
                receiver.notFound(chunk.getKey());
                return;
            }
            if (chunk.getKey() != key) {
                reset();
                key = chunk.getKey();
            }
            if (chunk.getBodySize() > 0) {
                if (chunk.getBodySize() + chunk.getData().size() > maxBytes) {
                    throw tooLarge(chunk.getBodySize());
                }
                head = chunk.getData();
                body = new byte[(int) chunk.getBodySize()];
                filled = 0;
            } else if (body == null && !chunk.getData().isEmpty()) {
                size += chunk.getData().size();
                if (size > maxBytes) {
                    throw tooLarge(size);
                }
                parts.add(chunk.getData());
            }
            if (chunk.getLast()) {
                EncodedValue value;
                if (body != null) {
                    if (filled != body.length) {
                        throw Status.INTERNAL
                                .withDescription("result " + Long.toHexString(key) + " ended after " + filled + " of "
                                        + body.length + " bytes")
                                .asRuntimeException();
                    }
                    value = EncodedValue.of(head, body);
                } else {
                    // A balanced rope over the chunks: no bytes are copied.
                    value = EncodedValue.of(ByteString.copyFrom(parts));
                }
                long done = key;
                reset();
                key = 0;
                receiver.found(done, value);
            }
        }

        private RuntimeException tooLarge(long bytes) {
            return Status.RESOURCE_EXHAUSTED
                    .withDescription("result " + Long.toHexString(key) + " of " + bytes + " bytes exceeds " + maxBytes)
                    .asRuntimeException();
        }

        private void reset() {
            head = null;
            body = null;
            filled = 0;
            parts.clear();
            size = 0;
        }

        @Override
        public void onError(Throwable t) {
            stopWatch();
            reset();
            receiver.failed(t);
        }

        @Override
        public void onCompleted() {
            stopWatch();
            receiver.completed();
        }

        private void stopWatch() {
            ScheduledFuture<?> w = watch;
            if (w != null) {
                w.cancel(false);
            }
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
