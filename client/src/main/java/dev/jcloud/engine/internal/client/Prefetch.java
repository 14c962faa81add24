package dev.jcloud.engine.internal.client;

import dev.jcloud.engine.internal.codec.EncodedValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * Fetches many results ahead of their {@code get()}: one call per worker at a time, started as
 * soon as the first of its results is done, and the next call on that worker takes every result
 * finished meanwhile. So fetching overlaps the tasks still running, and a worker holding many
 * results answers in few calls. What does not arrive (a lost copy, a broken call) is left to
 * {@link ResultSlot#get()}, which fetches, retries and reports losses one result at a time.
 */
public final class Prefetch {

    /** One call fetching {@code keys} from {@code holder}; the future ends with the call. */
    @FunctionalInterface
    interface Calls {
        CompletableFuture<Void> fetchAll(
                String holder, java.util.Collection<Long> keys, BiConsumer<Long, EncodedValue> found);
    }

    private final Calls fetcher;
    private final Map<String, Holder> holders = new HashMap<>();
    private final List<CompletableFuture<Void>> calls = new ArrayList<>();
    private boolean cancelled;

    public Prefetch(ClientSession session) {
        this(session::fetchAll);
    }

    Prefetch(Calls calls) {
        this.fetcher = calls;
    }

    /** Fetches {@code slot}'s result if it waits on a worker; blocks until its task is over. */
    public void add(ResultSlot slot) throws InterruptedException {
        String holder = slot.awaitHolder();
        if (holder == null) {
            return;
        }
        synchronized (this) {
            if (!cancelled) {
                holders.computeIfAbsent(holder, Holder::new).add(slot);
            }
        }
    }

    /** Waits until every call started has ended. */
    public void await() throws InterruptedException {
        while (true) {
            CompletableFuture<?>[] open;
            synchronized (this) {
                open = calls.stream().filter(c -> !c.isDone()).toArray(CompletableFuture<?>[]::new);
            }
            if (open.length == 0) {
                return;
            }
            try {
                CompletableFuture.allOf(open).get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new AssertionError("fetch calls end only normally", e);
            } catch (InterruptedException e) {
                cancel();
                throw e;
            }
        }
    }

    /** Stops the calls under way; their results are fetched by {@code get()} if still wanted. */
    public synchronized void cancel() {
        cancelled = true;
        calls.forEach(c -> c.cancel(false));
    }

    /** The results waiting on one worker, and whether a call to it is under way. */
    private final class Holder {
        private final String address;
        private Map<Long, ResultSlot> queued = new LinkedHashMap<>();
        private boolean calling;

        Holder(String address) {
            this.address = address;
        }

        /** Called holding the Prefetch's lock. */
        void add(ResultSlot slot) {
            queued.put(slot.key(), slot);
            if (!calling) {
                call();
            }
        }

        /** Called holding the Prefetch's lock. */
        private void call() {
            Map<Long, ResultSlot> batch = queued;
            queued = new LinkedHashMap<>();
            calling = true;
            CompletableFuture<Void> ended = fetcher.fetchAll(
                    address, batch.keySet(), (key, value) -> batch.get(key).prefetched(address, value));
            calls.add(ended);
            ended.whenComplete((ok, error) -> {
                synchronized (Prefetch.this) {
                    calling = false;
                    if (!queued.isEmpty() && !cancelled) {
                        call();
                    }
                }
            });
        }
    }
}
