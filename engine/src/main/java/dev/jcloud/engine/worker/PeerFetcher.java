package dev.jcloud.engine.worker;

import com.google.protobuf.ByteString;
import dev.jcloud.engine.internal.net.TransportSecurity;
import dev.jcloud.engine.internal.net.Transports;
import dev.jcloud.engine.proto.DataChunk;
import dev.jcloud.engine.proto.DataRequest;
import dev.jcloud.engine.proto.WorkerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Fetches results from peer workers. All keys wanted from one peer travel in one request, and a
 * key already on its way is not asked for twice. A future completes with null when the peer does
 * not hold the key, exceptionally when the peer cannot be reached.
 */
final class PeerFetcher {

    private static final long DEADLINE_SECONDS = 120;
    /** The largest result a byte array can hold; a peer sending more is broken or hostile. */
    static final long MAX_RESULT_BYTES = Integer.MAX_VALUE - 16;

    private final TransportSecurity security;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<byte[]>> inflight = new ConcurrentHashMap<>();

    PeerFetcher(TransportSecurity security) {
        this.security = security;
    }

    Map<Long, CompletableFuture<byte[]>> fetch(String address, Collection<Long> keys) {
        Map<Long, CompletableFuture<byte[]>> out = new HashMap<>();
        DataRequest.Builder request = DataRequest.newBuilder();
        Map<Long, CompletableFuture<byte[]>> mine = new HashMap<>();
        for (long key : keys) {
            CompletableFuture<byte[]> f = new CompletableFuture<>();
            CompletableFuture<byte[]> existing = inflight.putIfAbsent(key, f);
            if (existing != null) {
                out.put(key, existing);
            } else {
                out.put(key, f);
                mine.put(key, f);
                request.addKeys(key);
                f.whenComplete((v, e) -> inflight.remove(key, f));
            }
        }
        if (mine.isEmpty()) {
            return out;
        }
        ManagedChannel channel = channels.computeIfAbsent(address, a -> Transports.channel(a, security, null));
        WorkerGrpc.newStub(channel)
                .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                .getData(request.build(), new StreamObserver<>() {
                    private final Map<Long, ByteString.Output> parts = new HashMap<>();

                    @Override
                    public void onNext(DataChunk chunk) {
                        CompletableFuture<byte[]> f = mine.get(chunk.getKey());
                        if (f == null) {
                            return;
                        }
                        if (!chunk.getFound()) {
                            f.complete(null);
                            return;
                        }
                        if (chunk.getLast() && !parts.containsKey(chunk.getKey())) {
                            f.complete(chunk.getData().toByteArray());
                            return;
                        }
                        ByteString.Output part = parts.computeIfAbsent(chunk.getKey(), k -> ByteString.newOutput());
                        if ((long) part.size() + chunk.getData().size() > MAX_RESULT_BYTES) {
                            // A peer cannot make us buffer without bound: a Java array holds 2 GiB at most anyway.
                            parts.remove(chunk.getKey());
                            f.completeExceptionally(new java.io.IOException("result " + Long.toHexString(chunk.getKey())
                                    + " from " + address + " exceeds " + MAX_RESULT_BYTES + " bytes"));
                            return;
                        }
                        try {
                            chunk.getData().writeTo(part);
                        } catch (java.io.IOException e) {
                            f.completeExceptionally(e);
                        }
                        if (chunk.getLast()) {
                            f.complete(
                                    parts.remove(chunk.getKey()).toByteString().toByteArray());
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        mine.values().forEach(f -> f.completeExceptionally(t));
                    }

                    @Override
                    public void onCompleted() {
                        mine.values().forEach(f -> f.complete(null));
                    }
                });
        return out;
    }

    void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}
