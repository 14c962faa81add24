package dev.jcloud.engine.scheduler;

import dev.jcloud.engine.proto.Heartbeat;
import dev.jcloud.engine.proto.WorkerHello;
import dev.jcloud.engine.proto.WorkerOrders;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/** One registered worker: its capacity, what runs and rests on it, and its outbound batch. */
final class WorkerState {

    final int id;
    final WorkerHello hello;
    final Consumer<WorkerOrders> sink;
    final long connectedMillis;
    final Set<TaskRecord> processing = new LinkedHashSet<>();
    final Set<Long> knownFunctions = new HashSet<>();
    final Set<Long> knownClasspaths = new HashSet<>();
    final Map<String, Double> resources = new HashMap<>();
    /**
     * Keys a retiring worker asked peers to copy, and the peer asked, so each is asked once while
     * that peer lives (a peer that dies before copying must not leave the retirement stuck).
     */
    final Map<Long, WorkerState> replicating = new HashMap<>();
    /** When each of {@link #replicating} was (last) asked: a copy that never arrives is asked again. */
    final Map<Long, Long> replicatingSinceMillis = new HashMap<>();

    int held;
    long heldBytes;
    Heartbeat last = Heartbeat.getDefaultInstance();
    long lastSeenMillis;
    boolean retiring;
    /** When retirement began: it ends by {@link SchedulerCore#RETIRE_DEADLINE_MILLIS} after. */
    long retiringSinceMillis;

    boolean closed;
    /**
     * When the worker's platform retires it (a batch job's walltime less its margin), on the
     * scheduler's clock; 0 = no known end.
     */
    final long retireAtMillis;
    /** The cluster's task durations, which size this worker's share of queued work. */
    private final TaskPace pace;

    private WorkerOrders.Builder out;
    /** Ends the worker's stream when the scheduler gives up on it, so that it notices and re-registers. */
    private Consumer<String> drop = why -> {};

    WorkerState(int id, WorkerHello hello, Consumer<WorkerOrders> sink, long nowMillis, TaskPace pace) {
        this.id = id;
        this.pace = pace;
        this.hello = hello;
        this.sink = sink;
        this.connectedMillis = nowMillis;
        this.lastSeenMillis = nowMillis;
        this.retireAtMillis = hello.getRetireInMillis() > 0 ? nowMillis + hello.getRetireInMillis() : 0;
        hello.getResourcesList().forEach(r -> resources.merge(r.getName(), r.getAmount(), Double::sum));
    }

    String name() {
        return hello.getName();
    }

    /** What {@link #drop} does: the transport's way to end this worker's session. */
    void onDrop(Consumer<String> drop) {
        this.drop = drop;
    }

    /** Ends this worker's session from the scheduler's side, saying why. */
    void drop(String why) {
        drop.accept(why);
    }

    String address() {
        return hello.getDataAddress();
    }

    int nthreads() {
        return Math.max(1, hello.getNthreads());
    }

    /** Tasks to keep in flight here (see {@link TaskPace#capacity}). */
    int capacity() {
        return pace.capacity(nthreads());
    }

    int free() {
        return last.getPaused() || retiring || closed ? 0 : capacity() - processing.size();
    }

    /**
     * Whether this worker may be given {@code t} now ({@code clock}, read only for a worker with a
     * known end, so the placement loops pay nothing for the others): it offers the resources the
     * task asks for, and, when its platform retires it at a known time, a task of a kind expected
     * to run past then is not for it: the walltime would end the task with the job. A kind with no
     * finished task yet has no expected duration and may go anywhere. The queue ahead is not
     * counted, so a refusal holds for good and a refused task need only be offered to workers that
     * join later.
     */
    boolean offers(TaskRecord t, LongSupplier clock) {
        for (var r : t.spec.getResourcesList()) {
            if (resources.getOrDefault(r.getName(), 0.0) < r.getAmount()) {
                return false;
            }
        }
        if (retireAtMillis == 0 || t.function == null || t.function.meanSeconds < 0) {
            return true;
        }
        return clock.getAsLong() + t.function.meanSeconds * 1000 <= retireAtMillis;
    }

    /** Tasks queued ahead of a new one, per thread. */
    double queuedPerThread() {
        return Math.max(0, processing.size() - nthreads() + 1) / (double) nthreads();
    }

    WorkerOrders.Builder out() {
        if (out == null) {
            out = WorkerOrders.newBuilder();
        }
        return out;
    }

    void flush() {
        if (out != null) {
            WorkerOrders batch = out.build();
            out = null;
            sink.accept(batch);
        }
    }

    @Override
    public String toString() {
        return name();
    }
}
