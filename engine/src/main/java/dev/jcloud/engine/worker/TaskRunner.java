package dev.jcloud.engine.worker;

import com.google.protobuf.ByteString;
import dev.jcloud.engine.api.TaskContext;
import dev.jcloud.engine.internal.codec.EncodedValue;
import dev.jcloud.engine.internal.codec.JavaSerialization;
import dev.jcloud.engine.internal.codec.ValueCodec;
import dev.jcloud.engine.internal.task.TaskFunction;
import dev.jcloud.engine.proto.Arg;
import dev.jcloud.engine.proto.ComputeTask;
import dev.jcloud.engine.proto.DepLocation;
import dev.jcloud.engine.proto.MissingDep;
import dev.jcloud.engine.proto.Resource;
import dev.jcloud.engine.proto.TaskFailure;
import dev.jcloud.engine.proto.TaskResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * Runs tasks on {@code nthreads} threads in priority order, holding declared resources while a
 * task runs. Tasks not started yet can be taken back (work stealing, retirement).
 */
final class TaskRunner {

    /** Results up to this size travel to a waiting client inline, saving it a fetch round trip. */
    static final int INLINE_MAX = 256 << 10;

    private record Queued(ComputeTask task, long seq) {}

    /** Which of this worker's task threads runs the current task (the dashboard's task-stream row). */
    private static final ThreadLocal<Integer> THREAD_INDEX = ThreadLocal.withInitial(() -> 0);

    private final int nthreads;
    private final String workerName;
    private final DataStore store;
    private final CodeCache code;
    private final Consumer<Object> outcomes;
    private final ExecutorService pool;
    // Most tasks have priority 0: they wait in a plain FIFO; only prioritised ones pay for a heap.
    private final ArrayDeque<Queued> fifo = new ArrayDeque<>();
    private final PriorityQueue<Queued> prioritised = new PriorityQueue<>(
            Comparator.comparingInt((Queued q) -> -q.task.getPriority()).thenComparingLong(Queued::seq));
    private final Long2ObjectHashMap<Queued> queuedByKey = new Long2ObjectHashMap<>();
    private final Map<String, Double> freeResources;
    private final AtomicInteger threadIds = new AtomicInteger();
    private long seq;
    private int running;
    private boolean paused;

    TaskRunner(
            String workerName,
            int nthreads,
            Map<String, Double> resources,
            DataStore store,
            CodeCache code,
            Consumer<Object> outcomes) {
        this.workerName = workerName;
        this.nthreads = nthreads;
        this.store = store;
        this.code = code;
        this.outcomes = outcomes;
        this.freeResources = new HashMap<>(resources);
        this.pool = Executors.newFixedThreadPool(nthreads, r -> {
            int index = threadIds.getAndIncrement() % nthreads;
            Thread t = new Thread(
                    () -> {
                        THREAD_INDEX.set(index);
                        r.run();
                    },
                    "jcloud-task-" + index);
            t.setDaemon(true);
            return t;
        });
    }

    void enqueue(ComputeTask task) {
        synchronized (this) {
            Queued q = new Queued(task, seq++);
            (task.getPriority() == 0 ? fifo : prioritised).add(q);
            queuedByKey.put(task.getKey(), q);
        }
        dispatch();
    }

    /** Takes back the tasks among {@code keys} that have not started; returns their keys. */
    synchronized List<Long> steal(List<Long> keys) {
        List<Long> stolen = new ArrayList<>();
        for (long key : keys) {
            Queued q = queuedByKey.remove(key);
            if (q != null) {
                stolen.add(key); // left in its queue; skipped when reached (no linear removal)
            }
        }
        return stolen;
    }

    synchronized void clear() {
        fifo.clear();
        prioritised.clear();
        queuedByKey.clear();
    }

    void setPaused(boolean paused) {
        synchronized (this) {
            this.paused = paused;
        }
        dispatch();
    }

    synchronized int queued() {
        return queuedByKey.size();
    }

    synchronized int executing() {
        return running;
    }

    void shutdown() {
        pool.shutdownNow();
    }

    private void dispatch() {
        List<Queued> start = new ArrayList<>();
        synchronized (this) {
            while (running < nthreads && !paused && !queuedByKey.isEmpty()) {
                Queued next = takeRunnable();
                if (next == null) {
                    break;
                }
                running++;
                start.add(next);
            }
        }
        for (Queued q : start) {
            try {
                pool.execute(() -> run(q.task));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return; // shutting down: the scheduler re-runs what this worker did not finish
            }
        }
    }

    /** The first queued task whose resources are free now: prioritised ones first, then in order. */
    private Queued takeRunnable() {
        Queued q = takeFrom(prioritised);
        return q != null ? q : takeFrom(fifo);
    }

    private Queued takeFrom(java.util.Queue<Queued> queue) {
        while (true) {
            Queued head = queue.peek();
            if (head == null) {
                return null;
            }
            if (queuedByKey.get(head.task.getKey()) != head) {
                queue.poll(); // stolen earlier
                continue;
            }
            if (fits(head.task)) {
                queue.poll();
                return take(head);
            }
            break;
        }
        // The head waits for a resource: run the first task behind it that fits now.
        for (Iterator<Queued> it = queue.iterator(); it.hasNext(); ) {
            Queued q = it.next();
            if (queuedByKey.get(q.task.getKey()) == q && fits(q.task)) {
                it.remove();
                return take(q);
            }
        }
        return null;
    }

    private Queued take(Queued q) {
        queuedByKey.remove(q.task.getKey());
        for (Resource r : q.task.getResourcesList()) {
            freeResources.merge(r.getName(), -r.getAmount(), Double::sum);
        }
        return q;
    }

    private boolean fits(ComputeTask t) {
        for (Resource r : t.getResourcesList()) {
            if (freeResources.getOrDefault(r.getName(), 0.0) < r.getAmount() - 1e-9) {
                return false;
            }
        }
        return true;
    }

    private void run(ComputeTask task) {
        long startMicros = System.currentTimeMillis() * 1000;
        long t0 = System.nanoTime();
        try {
            outcomes.accept(outcomeOf(task, startMicros, t0));
        } finally {
            synchronized (this) {
                running--;
                for (Resource r : task.getResourcesList()) {
                    freeResources.merge(r.getName(), r.getAmount(), Double::sum);
                }
            }
            dispatch();
        }
    }

    /**
     * What the scheduler hears about {@code task}, always: anything thrown while reading its inputs,
     * running it, encoding or storing its result (a full disk while spilling, a result too deep to
     * serialise, the heap running out) fails the task with that cause instead of leaving it
     * processing for ever.
     */
    private Object outcomeOf(ComputeTask task, long startMicros, long t0) {
        try {
            return execute(task, startMicros, t0);
        } catch (Throwable e) {
            try {
                store.remove(task.getKey()); // a result stored but not reported is no one's
            } catch (RuntimeException ignored) {
                // The store's own failure is what is being reported.
            }
            String what = "worker " + workerName + " could not finish " + code.name(task.getFunction()) + ": " + e;
            try {
                return failure(task, e, what, false);
            } catch (Throwable alsoFailed) {
                // Even describing it failed (no memory left): send the bare facts.
                return TaskFailure.newBuilder()
                        .setKey(task.getKey())
                        .setExceptionClass(e.getClass().getName())
                        .setMessage(what)
                        .build();
            }
        }
    }

    private Object execute(ComputeTask task, long startMicros, long t0) {
        Object[] args = new Object[task.getArgsCount()];
        ClassLoader loader;
        TaskFunction fn;
        try {
            loader = code.loaderFor(task.getFunction());
            fn = code.function(task.getFunction());
            for (int i = 0; i < args.length; i++) {
                Arg a = task.getArgs(i);
                if (a.hasDep()) {
                    EncodedValue bytes = store.get(a.getDep());
                    if (bytes == null) {
                        return MissingDep.newBuilder()
                                .setKey(task.getKey())
                                .setDep(a.getDep())
                                .setHolder(holderOf(task, a.getDep()))
                                .build();
                    }
                    args[i] = ValueCodec.decode(bytes, loader);
                } else {
                    args[i] = ValueCodec.decode(a.getValue(), loader);
                }
            }
        } catch (ClassNotFoundException e) {
            return failure(
                    task,
                    e,
                    "class " + e.getMessage() + " is not on this worker's class path and the client's"
                            + " class path did not provide it (task " + code.name(task.getFunction()) + ")",
                    false);
        } catch (IOException | RuntimeException | LinkageError e) {
            return failure(task, e, "cannot read task " + code.name(task.getFunction()) + ": " + e, false);
        }
        Object result;
        Thread current = Thread.currentThread();
        ClassLoader previous = current.getContextClassLoader();
        current.setContextClassLoader(loader);
        TaskContext.enter(workerName);
        try {
            result = fn.apply(args);
        } catch (Throwable e) {
            return failure(task, e, e.getMessage(), true);
        } finally {
            TaskContext.exit();
            current.setContextClassLoader(previous);
        }
        EncodedValue bytes;
        try {
            bytes = ValueCodec.encodeValue(result);
        } catch (RuntimeException e) {
            return failure(
                    task,
                    e,
                    "cannot send the result of " + code.name(task.getFunction()) + ": " + e.getMessage(),
                    false);
        }
        long micros = (System.nanoTime() - t0) / 1000;
        store.put(task.getKey(), bytes);
        TaskResult.Builder r = TaskResult.newBuilder()
                .setKey(task.getKey())
                .setNbytes(bytes.size())
                .setStartMicros(startMicros)
                .setDurationMicros(micros)
                .setThread(THREAD_INDEX.get());
        if (task.getDeliver() && bytes.size() <= INLINE_MAX) {
            r.setInline(true).setValue(bytes.toByteString());
        }
        return r.build();
    }

    private static String holderOf(ComputeTask task, long dep) {
        for (DepLocation l : task.getLocationsList()) {
            if (l.getKey() == dep) {
                return l.getAddress();
            }
        }
        return "";
    }

    private static TaskFailure failure(ComputeTask task, Throwable e, String message, boolean retryable) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        TaskFailure.Builder f = TaskFailure.newBuilder()
                .setKey(task.getKey())
                .setExceptionClass(e.getClass().getName())
                .setMessage(message == null ? "" : message)
                .setRemoteTrace(trace.toString())
                .setRetryable(retryable);
        try {
            f.setException(ByteString.copyFrom(JavaSerialization.serialize(e)));
        } catch (RuntimeException | StackOverflowError notSerializable) {
            // Name, message and trace still travel as text.
        }
        return f.build();
    }
}
