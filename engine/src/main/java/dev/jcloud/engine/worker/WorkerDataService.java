package dev.jcloud.engine.worker;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.jcloud.engine.internal.codec.EncodedValue;
import dev.jcloud.engine.internal.data.ChunkedValue;
import dev.jcloud.engine.proto.DataChunk;
import dev.jcloud.engine.proto.DataRequest;
import dev.jcloud.engine.proto.PutReply;
import dev.jcloud.engine.proto.WorkerGrpc;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves this worker's results to peers and clients, in chunks small enough for any message
 * limit. Chunks are sent only while the transport is ready for more (gRPC flow control), so a
 * slow reader costs this worker a window's worth of buffers, not whole values. In-memory chunks
 * are views of the stored value (no copy); spilled ones are read from the file chunk by chunk,
 * outside the store's lock. A value ending in a large array goes as a head chunk announcing the
 * array's size, then the array, which the receiver fills in place.
 *
 * <p>A request asking for the bulk path is answered with a ticket for this worker's
 * {@link BulkDataServer} instead, when it has one.
 */
final class WorkerDataService extends WorkerGrpc.WorkerImplBase {

    static final int CHUNK = 1 << 20;
    /**
     * Bytes queued in the transport before a call stops taking chunks. gRPC's default, 32 KiB,
     * holds back each 1 MiB chunk until the one before has left entirely, so serialising and
     * sending alternate instead of overlapping; a few chunks keep the socket busy.
     */
    static final int QUEUED_BYTES = 4 * CHUNK;

    private final DataStore store;
    private final AtomicLong bytesOut;
    /** Null when this worker has no bulk data listener: every request is answered here. */
    private final BulkDataServer bulk;

    WorkerDataService(DataStore store, AtomicLong bytesOut) {
        this(store, bytesOut, null);
    }

    /** Null when this worker takes no values from clients: every put is refused. */
    private final ReceivedValues received;

    WorkerDataService(DataStore store, AtomicLong bytesOut, BulkDataServer bulk) {
        this(store, bytesOut, bulk, null);
    }

    WorkerDataService(DataStore store, AtomicLong bytesOut, BulkDataServer bulk, ReceivedValues received) {
        this.store = store;
        this.bytesOut = bytesOut;
        this.bulk = bulk;
        this.received = received;
    }

    /**
     * Values a client scatters here. gRPC asks the client for the next chunk only after this one
     * was handled, so a value arrives no faster than it is stored. A value ending in a large array
     * is put together in one array of the announced size (the array the task reading it gets).
     */
    @Override
    public StreamObserver<DataChunk> putData(StreamObserver<PutReply> reply) {
        if (received == null) {
            reply.onError(Status.UNIMPLEMENTED
                    .withDescription("this worker takes no values from clients")
                    .asRuntimeException());
            return new StreamObserver<>() {
                @Override
                public void onNext(DataChunk chunk) {}

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {}
            };
        }
        return new StreamObserver<>() {
            private final ChunkedValue value = new ChunkedValue("value", ReceivedValues.MAX_BODY_BYTES);
            private long stored;
            private boolean failed;

            @Override
            public void onNext(DataChunk chunk) {
                if (failed) {
                    return;
                }
                EncodedValue whole;
                try {
                    whole = value.add(chunk);
                } catch (ChunkedValue.Malformed e) {
                    failed = true;
                    reply.onError(Status.INVALID_ARGUMENT
                            .withDescription(e.getMessage())
                            .asRuntimeException());
                    return;
                }
                if (whole != null) {
                    received.received(chunk.getKey(), whole);
                    stored++;
                }
            }

            @Override
            public void onError(Throwable t) {
                value.reset(); // the client gave up: a value not complete is dropped, and it sends it again
            }

            @Override
            public void onCompleted() {
                if (failed) {
                    return;
                }
                reply.onNext(PutReply.newBuilder().setStored(stored).build());
                reply.onCompleted();
            }
        };
    }

    @Override
    public void getData(DataRequest request, StreamObserver<DataChunk> responses) {
        if (request.getBulk() && bulk != null) {
            byte[] ticket = bulk.issue();
            if (ticket != null) {
                responses.onNext(DataChunk.newBuilder()
                        .setBulkPort(bulk.port())
                        .setBulkTicket(UnsafeByteOperations.unsafeWrap(ticket))
                        .build());
                responses.onCompleted();
                return;
            }
        }
        ServerCallStreamObserver<DataChunk> call = (ServerCallStreamObserver<DataChunk>) responses;
        call.setOnReadyThreshold(QUEUED_BYTES);
        Sender sender = new Sender(request.getKeysList(), call);
        call.setOnCancelHandler(sender::close);
        call.setOnReadyHandler(sender::drain);
        sender.drain();
    }

    /** Walks the requested keys chunk by chunk, as far as the transport takes them. */
    private final class Sender {
        private final List<Long> keys;
        private final ServerCallStreamObserver<DataChunk> call;
        private int next;
        private long key;
        private ByteString value;
        private FileChannel file;
        private long size;
        private long offset;
        /** Bytes before the value's array, sent alone in the first chunk; 0 when it has none. */
        private int head;

        private boolean done;

        Sender(List<Long> keys, ServerCallStreamObserver<DataChunk> call) {
            this.keys = keys;
            this.call = call;
        }

        synchronized void drain() {
            try {
                while (!done && call.isReady()) {
                    if (value == null && file == null && !openNext()) {
                        done = true;
                        call.onCompleted();
                        return;
                    }
                    if (value != null || file != null) {
                        sendChunk();
                    }
                }
            } catch (IOException | RuntimeException e) {
                close();
                try {
                    call.onError(Status.INTERNAL
                            .withDescription("cannot read result " + Long.toHexString(key) + ": " + e)
                            .asRuntimeException());
                } catch (RuntimeException ignored) {
                    // Already cancelled.
                }
            }
        }

        /** Moves to the next key; false when none is left. A key not held is answered at once. */
        private boolean openNext() throws IOException {
            while (next < keys.size()) {
                key = keys.get(next++);
                offset = 0;
                DataStore.Located at = store.locate(key);
                if (at != null && at.memory() != null) {
                    value = at.memory().toByteString();
                    size = value.size();
                    head = at.memory().body() == null ? 0 : at.memory().head().size();
                    return true;
                }
                if (at != null) {
                    try {
                        file = FileChannel.open(at.file(), StandardOpenOption.READ);
                        size = at.size();
                        head = Math.max(0, DataStore.headLength(file, size));
                        return true;
                    } catch (NoSuchFileException removedMeanwhile) {
                        // Released while we were about to read it: not held any more.
                    }
                }
                call.onNext(DataChunk.newBuilder()
                        .setKey(key)
                        .setFound(false)
                        .setLast(true)
                        .build());
                return true;
            }
            return false;
        }

        private void sendChunk() throws IOException {
            boolean announce = offset == 0 && head > 0;
            int n = announce ? head : (int) Math.min(CHUNK, size - offset);
            ByteString data;
            if (value != null) {
                data = value.substring((int) offset, (int) offset + n);
            } else {
                ByteBuffer buffer = ByteBuffer.allocate(n);
                while (buffer.hasRemaining()) {
                    if (file.read(buffer, offset + buffer.position()) < 0) {
                        throw new IOException("spill file shorter than " + size + " bytes");
                    }
                }
                data = UnsafeByteOperations.unsafeWrap(buffer.array());
            }
            offset += n;
            boolean last = offset >= size;
            call.onNext(DataChunk.newBuilder()
                    .setKey(key)
                    .setFound(true)
                    .setData(data)
                    .setLast(last)
                    .setBodySize(announce ? size - head : 0)
                    .build());
            bytesOut.addAndGet(n);
            if (last) {
                closeCurrent();
            }
        }

        private void closeCurrent() {
            value = null;
            if (file != null) {
                try {
                    file.close();
                } catch (IOException ignored) {
                    // Read-only.
                }
                file = null;
            }
        }

        synchronized void close() {
            done = true;
            closeCurrent();
        }
    }
}
