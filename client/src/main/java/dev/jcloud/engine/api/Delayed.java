package dev.jcloud.engine.api;

import dev.jcloud.engine.internal.task.TaskFunction;
import dev.jcloud.engine.internal.task.TaskFunctions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A lazy task graph, like {@code dask.delayed}: nothing runs until {@link Client#compute} sends
 * the graph. Inputs of a node are literal values, other {@code Delayed} nodes, or futures of tasks
 * already submitted; the scheduler runs a node once all its inputs exist, preferably on the worker
 * already holding them. A node shared by several dependents runs once.
 *
 * <pre>{@code
 * List<Delayed<Long>> parts = ...;
 * Delayed<Long> total = Delayed.all(parts).then(Sum::of);
 * long t = client.compute(total).get();
 * }</pre>
 *
 * <p>Instances are immutable; the {@code with…} methods return modified copies.
 */
public final class Delayed<T> {

    private final TaskFunction function;
    private final List<Object> inputs; // literal values, Delayed nodes or TaskFutures
    private final int retries;
    private final List<Resource> resources;
    private final int priority;

    private Delayed(TaskFunction function, List<Object> inputs, int retries, List<Resource> resources, int priority) {
        this.function = function;
        this.inputs = inputs;
        this.retries = retries;
        this.resources = resources;
        this.priority = priority;
    }

    private static <R> Delayed<R> node(TaskFunction fn, Object... inputs) {
        return new Delayed<>(fn, List.of(nonNullInputs(inputs)), 0, List.of(), 0);
    }

    private static Object[] nonNullInputs(Object[] inputs) {
        Object[] copy = inputs.clone();
        for (int i = 0; i < copy.length; i++) {
            if (copy[i] == null) {
                copy[i] = NullValue.INSTANCE;
            }
        }
        return copy;
    }

    /** A constant. Dependents receive it as an argument; computing it alone returns it. */
    public static <T> Delayed<T> value(T value) {
        return node(TaskFunctions.identity(), value);
    }

    /** The result of a task already submitted, as an input of a graph. */
    public static <T> Delayed<T> of(TaskFuture<T> future) {
        return node(TaskFunctions.identity(), Objects.requireNonNull(future, "future is null"));
    }

    /** A task without inputs. */
    public static <R> Delayed<R> call(SerializableCallable<R> task) {
        return node(TaskFunctions.of(task));
    }

    /** {@code fn(input)} where input is a node. */
    public static <A, R> Delayed<R> call(SerializableFunction<A, R> fn, Delayed<A> input) {
        return node(TaskFunctions.of(fn), input);
    }

    /** {@code fn(a, b)} where a and b are nodes. */
    public static <A, B, R> Delayed<R> call(SerializableBiFunction<A, B, R> fn, Delayed<A> a, Delayed<B> b) {
        return node(TaskFunctions.of(fn), a, b);
    }

    /** {@code fn(value)} for a literal argument. */
    public static <A, R> Delayed<R> apply(SerializableFunction<A, R> fn, A value) {
        return node(TaskFunctions.of(fn), value);
    }

    /**
     * The list of all the parts' results, in order. As the input of another node it is no task of
     * its own: that node depends on the parts directly and gets the list made where it runs.
     */
    public static <T> Delayed<List<T>> all(List<? extends Delayed<? extends T>> parts) {
        return new Delayed<>(TaskFunctions.list(), List.copyOf(parts), 0, List.of(), 0);
    }

    /** This node's result passed through {@code fn}. */
    public <R> Delayed<R> then(SerializableFunction<? super T, ? extends R> fn) {
        @SuppressWarnings("unchecked")
        SerializableFunction<T, R> f = (SerializableFunction<T, R>) fn;
        return node(TaskFunctions.of(f), this);
    }

    /** {@code fn(this, other)}. */
    public <U, R> Delayed<R> combine(Delayed<U> other, SerializableBiFunction<? super T, ? super U, ? extends R> fn) {
        @SuppressWarnings("unchecked")
        SerializableBiFunction<T, U, R> f = (SerializableBiFunction<T, U, R>) fn;
        return node(TaskFunctions.of(f), this, other);
    }

    /** Allow this many extra attempts when the task itself throws. */
    public Delayed<T> withRetries(int retries) {
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0 (was " + retries + ")");
        }
        return new Delayed<>(function, inputs, retries, resources, priority);
    }

    /** Run only on a worker offering {@code amount} of {@code name} (e.g. GPU, 1), holding it while running. */
    public Delayed<T> withResource(String name, double amount) {
        List<Resource> more = new ArrayList<>(resources);
        more.add(new Resource(name, amount));
        return new Delayed<>(function, inputs, retries, List.copyOf(more), priority);
    }

    /** Higher runs first among ready tasks. */
    public Delayed<T> withPriority(int priority) {
        return new Delayed<>(function, inputs, retries, resources, priority);
    }

    TaskFunction function() {
        return function;
    }

    List<Object> inputs() {
        return inputs;
    }

    int retries() {
        return retries;
    }

    List<Resource> resources() {
        return resources;
    }

    int priority() {
        return priority;
    }

    /** A resource requirement of a task. */
    record Resource(String name, double amount) {}

    /** Stands for a null literal inside the immutable input list. */
    enum NullValue {
        INSTANCE
    }
}
