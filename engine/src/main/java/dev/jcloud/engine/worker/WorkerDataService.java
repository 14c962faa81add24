package dev.jcloud.engine.worker;

import com.google.protobuf.ByteString;
import dev.jcloud.engine.proto.DataChunk;
import dev.jcloud.engine.proto.DataRequest;
import dev.jcloud.engine.proto.WorkerGrpc;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicLong;

/** Serves this worker's results to peers and clients, in chunks small enough for any message limit. */
final class WorkerDataService extends WorkerGrpc.WorkerImplBase {

    static final int CHUNK = 1 << 20;

    private final DataStore store;
    private final AtomicLong bytesOut;

    WorkerDataService(DataStore store, AtomicLong bytesOut) {
        this.store = store;
        this.bytesOut = bytesOut;
    }

    @Override
    public void getData(DataRequest request, StreamObserver<DataChunk> responses) {
        for (long key : request.getKeysList()) {
            byte[] value = store.get(key);
            if (value == null) {
                responses.onNext(DataChunk.newBuilder()
                        .setKey(key)
                        .setFound(false)
                        .setLast(true)
                        .build());
                continue;
            }
            int offset = 0;
            do {
                int n = Math.min(CHUNK, value.length - offset);
                responses.onNext(DataChunk.newBuilder()
                        .setKey(key)
                        .setFound(true)
                        .setData(ByteString.copyFrom(value, offset, n))
                        .setLast(offset + n >= value.length)
                        .build());
                offset += n;
            } while (offset < value.length);
            bytesOut.addAndGet(value.length);
        }
        responses.onCompleted();
    }
}
