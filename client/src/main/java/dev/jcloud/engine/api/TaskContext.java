package dev.jcloud.engine.api;

/**
 * What a running task can learn about where it runs (like Dask's {@code get_worker()}).
 * Outside a task, {@link #workerName()} is null.
 */
public final class TaskContext {

    private static final ThreadLocal<String> WORKER = new ThreadLocal<>();

    private TaskContext() {}

    /** The name of the worker running the current task, or null outside a task. */
    public static String workerName() {
        return WORKER.get();
    }

    /** Set by the worker around each task. Not for user code. */
    public static void enter(String workerName) {
        WORKER.set(workerName);
    }

    /** Cleared by the worker after each task. Not for user code. */
    public static void exit() {
        WORKER.remove();
    }
}
