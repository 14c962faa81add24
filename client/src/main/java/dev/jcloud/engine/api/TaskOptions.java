package dev.jcloud.engine.api;

import java.util.ArrayList;
import java.util.List;

/**
 * How tasks submitted with {@link Client#submit(SerializableCallable, TaskOptions)} or
 * {@link Client#map(SerializableFunction, List, TaskOptions)} run: extra attempts when the task
 * throws, resources held while running, and priority among ready tasks. Immutable.
 *
 * <pre>{@code client.map(this::train, configs, TaskOptions.defaults().retries(2).resource("GPU", 1)); }</pre>
 */
public final class TaskOptions {

    private static final TaskOptions DEFAULTS = new TaskOptions(0, List.of(), 0);

    private final int retries;
    private final List<Delayed.Resource> resources;
    private final int priority;

    private TaskOptions(int retries, List<Delayed.Resource> resources, int priority) {
        this.retries = retries;
        this.resources = resources;
        this.priority = priority;
    }

    public static TaskOptions defaults() {
        return DEFAULTS;
    }

    /** Allow this many extra attempts when the task itself throws (not counting worker losses). */
    public TaskOptions retries(int retries) {
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0 (was " + retries + ")");
        }
        return new TaskOptions(retries, resources, priority);
    }

    /** Run only where {@code amount} of {@code name} is free (workers offer it with --resources), holding it while running. */
    public TaskOptions resource(String name, double amount) {
        if (!(amount > 0)) {
            throw new IllegalArgumentException("resource " + name + " amount must be > 0 (was " + amount + ")");
        }
        List<Delayed.Resource> more = new ArrayList<>(resources);
        more.add(new Delayed.Resource(name, amount));
        return new TaskOptions(retries, List.copyOf(more), priority);
    }

    /** Higher runs first among ready tasks (default 0). */
    public TaskOptions priority(int priority) {
        return new TaskOptions(retries, resources, priority);
    }

    int retries() {
        return retries;
    }

    List<Delayed.Resource> resources() {
        return resources;
    }

    int priorityValue() {
        return priority;
    }
}
