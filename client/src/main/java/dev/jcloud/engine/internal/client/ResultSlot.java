package dev.jcloud.engine.internal.client;

import com.google.protobuf.ByteString;
import dev.jcloud.engine.api.TaskFailedException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeoutException;

/**
 * The client's view of one key: pending until the scheduler reports it done, failed or
 * cancelled. A small result arrives inline; a large one is fetched from its worker on first
 * {@link #get()}. Decoding happens on the caller's thread, never on the network thread.
 */
public final class ResultSlot {

    private static final int PENDING = 0;
    private static final int DONE = 1;
    private static final int FAILED = 2;
    private static final int CANCELLED = 3;
    /** How often a result whose holder vanished is asked for again before giving up. */
    private static final int MAX_REFETCH = 5;

    private final long key;
    private final ClientSession session;
    private int state = PENDING;
    private ByteString inline;
    private String holder;
    private boolean decoded;
    private Object value;
    private TaskFailedException error;
    private CompletableFuture<Object> completable;
    private int refetches;
    private boolean released;
    /** Values this client scattered that live as long as this slot (see {@link ClientSession#scatter}). */
    private Object kept;
    /** A value fetched ahead of {@link #get()} (a gather fetches many at once), not decoded yet. */
    private dev.jcloud.engine.internal.codec.EncodedValue prefetched;

    ResultSlot(long key, ClientSession session) {
        this.key = key;
        this.session = session;
    }

    public long key() {
        return key;
    }

    /**
     * Keeps {@code values} (a scattered value, or a list of them) for as long as this slot lives,
     * which is as long as the user keeps its future.
     */
    public synchronized void keep(Object values) {
        kept = values;
    }

    synchronized void complete(ByteString inlineValue, String holderAddress) {
        if (state != PENDING) {
            return;
        }
        state = DONE;
        inline = inlineValue;
        holder = holderAddress;
        notifyAll();
        signal();
    }

    synchronized void fail(TaskFailedException e) {
        if (state != PENDING) {
            return;
        }
        state = FAILED;
        error = e;
        notifyAll();
        signal();
    }

    synchronized void cancelled() {
        if (state != PENDING) {
            return;
        }
        state = CANCELLED;
        notifyAll();
        signal();
    }

    /** The holder of a large result is gone: wait for the scheduler to compute it again. */
    synchronized void reset() {
        state = PENDING;
        inline = null;
        holder = null;
        prefetched = null;
    }

    /**
     * Waits until the task is over; then the worker to fetch its result from, or null when there
     * is nothing to fetch (it failed, arrived inline, or was fetched already).
     */
    public synchronized String awaitHolder() throws InterruptedException {
        try {
            awaitNotPending(Long.MAX_VALUE);
        } catch (TimeoutException | CancellationException e) {
            return null;
        }
        return state == DONE && !decoded && inline == null && prefetched == null ? holder : null;
    }

    /** Keeps {@code value}, fetched from {@code from}, for {@link #get()} to decode. */
    public synchronized void prefetched(String from, dev.jcloud.engine.internal.codec.EncodedValue value) {
        if (state == DONE && !decoded && from.equals(holder)) {
            prefetched = value;
        }
    }

    public synchronized boolean isDone() {
        return state != PENDING;
    }

    public synchronized boolean isFailed() {
        return state == FAILED || state == CANCELLED;
    }

    public synchronized boolean isCancelled() {
        return state == CANCELLED;
    }

    public synchronized String stateName() {
        return switch (state) {
            case PENDING -> "pending";
            case DONE -> "done";
            case FAILED -> "failed";
            default -> "cancelled";
        };
    }

    public boolean cancel() {
        synchronized (this) {
            if (state != PENDING) {
                return false;
            }
        }
        session.cancel(key);
        cancelled();
        return true;
    }

    /** The last future of this key was released: a {@link #get()} still waiting gives up. */
    synchronized void released() {
        released = true;
        notifyAll();
    }

    /**
     * What to run, once, when one future of this slot is released or unreachable: drops that
     * future's hold on the key, which is released on the cluster with the last hold (see {@link
     * ClientSession#slot}). It holds the session and the key, not this slot, which would keep the
     * result reachable until it ran.
     */
    public Runnable releaser() {
        ClientSession s = session;
        long k = key;
        return () -> s.drop(k);
    }

    public Object get() throws InterruptedException, ExecutionException {
        try {
            return get(Long.MAX_VALUE);
        } catch (TimeoutException e) {
            throw new AssertionError("unbounded wait timed out", e);
        }
    }

    public Object get(long timeoutNanos) throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = timeoutNanos == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + timeoutNanos;
        while (true) {
            String fetchFrom;
            synchronized (this) {
                awaitNotPending(deadline);
                switch (state) {
                    case FAILED:
                        throw error;
                    case CANCELLED:
                        throw new CancellationException("task " + Long.toHexString(key) + " was cancelled");
                    default:
                        break;
                }
                if (decoded) {
                    return value;
                }
                if (inline != null) {
                    value = session.decode(inline);
                    inline = null;
                    decoded = true;
                    return value;
                }
                if (prefetched != null) {
                    value = session.decode(prefetched);
                    prefetched = null;
                    decoded = true;
                    return value;
                }
                fetchFrom = holder;
            }
            dev.jcloud.engine.internal.codec.EncodedValue fetched = session.fetch(key, fetchFrom);
            synchronized (this) {
                if (fetched != null) {
                    if (!decoded) {
                        value = session.decode(fetched);
                        decoded = true;
                    }
                    return value;
                }
                if (++refetches > MAX_REFETCH) {
                    throw new ExecutionException(new IllegalStateException("result of task " + Long.toHexString(key)
                            + " was lost " + MAX_REFETCH + " times while fetching it"));
                }
                reset();
            }
            session.reportMissing(key);
        }
    }

    private void awaitNotPending(long deadline) throws InterruptedException, TimeoutException {
        while (state == PENDING) {
            if (released) {
                throw new CancellationException("task " + Long.toHexString(key) + " was released before it finished");
            }
            if (deadline == Long.MAX_VALUE) {
                wait(1000);
            } else {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("task " + Long.toHexString(key) + " not done in time");
                }
                wait(Math.max(1, left / 1_000_000), 0);
            }
        }
    }

    public synchronized CompletableFuture<Object> toCompletableFuture() {
        if (completable == null) {
            completable = new CompletableFuture<>();
            // The view may be all the caller keeps: the session holds this slot until it completes.
            session.holdUntilComplete(this, completable);
            if (state != PENDING) {
                signal();
            }
        }
        return completable.thenApply(x -> x);
    }

    /** Completes the CompletableFuture view off the network thread (it may have user callbacks). */
    private void signal() {
        CompletableFuture<Object> target = completable;
        if (target == null) {
            return;
        }
        ForkJoinPool.commonPool().execute(() -> {
            try {
                target.complete(get());
            } catch (ExecutionException e) {
                target.completeExceptionally(e.getCause() != null ? e : e);
            } catch (CancellationException e) {
                target.cancel(false);
            } catch (Exception e) {
                target.completeExceptionally(e);
            }
        });
    }
}
