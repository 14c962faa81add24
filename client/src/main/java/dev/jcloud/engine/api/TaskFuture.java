package dev.jcloud.engine.api;

import dev.jcloud.engine.internal.client.ResultSlot;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The result of a task running on the cluster. The result stays on the worker that computed it
 * (small results also travel to this client as soon as they exist); the key is released when
 * this future is released or becomes unreachable, after which the cluster may forget the result.
 *
 * <p>A failed task completes the future with a {@link TaskFailedException} whose cause is the
 * task's own exception. {@link #toCompletableFuture()} interoperates with async code.
 */
public final class TaskFuture<T> implements Future<T> {

    private static final Cleaner CLEANER = Cleaner.create();

    private final ResultSlot slot;
    /** This future's hold on the key: dropped once, by {@link #release} or when unreachable. */
    private final Cleaner.Cleanable hold;

    /** Created by {@link Client}, one per future the slot counts. */
    public TaskFuture(ResultSlot slot) {
        this.slot = slot;
        this.hold = CLEANER.register(this, slot.releaser());
    }

    /** The cluster-wide key of this task. */
    public long key() {
        return slot.key();
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return slot.cancel();
    }

    @Override
    public boolean isCancelled() {
        return slot.isCancelled();
    }

    @Override
    public boolean isDone() {
        return slot.isDone();
    }

    /** True when done and failed (or cancelled). */
    public boolean isFailed() {
        return slot.isFailed();
    }

    // The fences below keep this future reachable while a caller waits on it: once get() has read
    // the slot, the JIT may otherwise consider `this` dead, and its Cleaner would release the key
    // (unregistering the slot) while the result is still on its way.

    @Override
    @SuppressWarnings("unchecked")
    public T get() throws InterruptedException, ExecutionException {
        try {
            return (T) slot.get();
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        try {
            return (T) slot.get(unit.toNanos(timeout));
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** {@link #get(long, TimeUnit)} with a {@link Duration}. */
    public T get(Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
        return get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * A new {@link CompletableFuture} completed with this result (or its failure), on a thread of
     * the common pool so that callbacks never run on the engine's network threads.
     */
    @SuppressWarnings("unchecked")
    public CompletableFuture<T> toCompletableFuture() {
        // The callback holds this future until completion, so the key is not released while
        // only the CompletableFuture is kept.
        return (CompletableFuture<T>)
                slot.toCompletableFuture().whenComplete((value, error) -> Reference.reachabilityFence(this));
    }

    /**
     * Tell the cluster this client no longer needs the result, unless another future of the same
     * key still does (the key is released with the last of them). Releasing twice does nothing.
     */
    public void release() {
        hold.clean();
    }

    /** Keeps the slot reachable for as long as this future is, and no longer. */
    ResultSlot slot() {
        return slot;
    }

    @Override
    public String toString() {
        return "TaskFuture[" + Long.toHexString(key()) + ", " + slot.stateName() + "]";
    }
}
