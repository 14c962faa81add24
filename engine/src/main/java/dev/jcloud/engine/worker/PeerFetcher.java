package dev.jcloud.engine.worker;

import dev.jcloud.engine.internal.codec.EncodedValue;
import dev.jcloud.engine.internal.data.DataFetch;
import dev.jcloud.engine.internal.net.TransportSecurity;
import dev.jcloud.engine.internal.net.Transports;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches results from peer workers. All keys wanted from one peer travel in one request, and a
 * key already on its way is not asked for twice. A future completes with null only when the peer
 * answered that it does not hold the key; a call that breaks (or makes no progress for the idle
 * timeout) is tried again a few times, then the future completes exceptionally.
 */
final class PeerFetcher {

    private static final Logger LOG = LoggerFactory.getLogger(PeerFetcher.class);
    /** The largest result accepted from a peer; a peer sending more is broken or hostile. */
    static final long MAX_RESULT_BYTES = Integer.MAX_VALUE - 16;
    /** Calls per batch of keys before giving up on a peer that keeps failing. */
    private static final int ATTEMPTS = 3;

    private final TransportSecurity security;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<EncodedValue>> inflight = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "jcloud-worker-fetch-timer");
        t.setDaemon(true);
        return t;
    });

    PeerFetcher(TransportSecurity security) {
        this.security = security;
    }

    Map<Long, CompletableFuture<EncodedValue>> fetch(String address, Collection<Long> keys) {
        Map<Long, CompletableFuture<EncodedValue>> out = new HashMap<>();
        Map<Long, CompletableFuture<EncodedValue>> mine = new ConcurrentHashMap<>();
        for (long key : keys) {
            CompletableFuture<EncodedValue> f = new CompletableFuture<>();
            CompletableFuture<EncodedValue> existing = inflight.putIfAbsent(key, f);
            if (existing != null) {
                out.put(key, existing);
            } else {
                out.put(key, f);
                mine.put(key, f);
                f.whenComplete((v, e) -> inflight.remove(key, f));
            }
        }
        if (!mine.isEmpty()) {
            attempt(address, mine, 1);
        }
        return out;
    }

    private void attempt(String address, Map<Long, CompletableFuture<EncodedValue>> pending, int attempt) {
        ManagedChannel channel = channels.computeIfAbsent(address, a -> Transports.channel(a, security, null));
        List<Long> keys = new ArrayList<>(pending.keySet());
        DataFetch.start(
                channel,
                address,
                security.bulkContext(),
                keys,
                MAX_RESULT_BYTES,
                DataFetch.IDLE_TIMEOUT,
                timer,
                new DataFetch.Receiver() {
                    @Override
                    public void found(long key, EncodedValue value) {
                        CompletableFuture<EncodedValue> f = pending.remove(key);
                        if (f != null) {
                            f.complete(value);
                        }
                    }

                    @Override
                    public void notFound(long key) {
                        CompletableFuture<EncodedValue> f = pending.remove(key);
                        if (f != null) {
                            f.complete(null);
                        }
                    }

                    @Override
                    public void failed(Throwable cause) {
                        if (pending.isEmpty()) {
                            return;
                        }
                        if (attempt >= ATTEMPTS || DataFetch.unreachable(cause)) {
                            pending.values().forEach(f -> f.completeExceptionally(cause));
                            return;
                        }
                        LOG.info(
                                "fetching {} results from {} failed ({}); trying again",
                                pending.size(),
                                address,
                                cause.toString());
                        try {
                            timer.schedule(
                                    () -> attempt(address, pending, attempt + 1),
                                    250L << attempt,
                                    TimeUnit.MILLISECONDS);
                        } catch (RejectedExecutionException closing) {
                            pending.values().forEach(f -> f.completeExceptionally(cause));
                        }
                    }

                    @Override
                    public void completed() {
                        // A holder answers every key; any it left out it does not have.
                        pending.values().forEach(f -> f.complete(null));
                    }
                });
    }

    void close() {
        timer.shutdownNow();
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}
