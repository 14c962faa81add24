package dev.jcloud.engine.scheduler;

import dev.jcloud.engine.EngineVersion;
import dev.jcloud.engine.internal.task.TaskKeys;
import dev.jcloud.engine.proto.Arg;
import dev.jcloud.engine.proto.ClasspathDef;
import dev.jcloud.engine.proto.ClientBatch;
import dev.jcloud.engine.proto.ClientUpdates;
import dev.jcloud.engine.proto.ClientValue;
import dev.jcloud.engine.proto.ClusterInfo;
import dev.jcloud.engine.proto.ComputeTask;
import dev.jcloud.engine.proto.DepLocation;
import dev.jcloud.engine.proto.FunctionDef;
import dev.jcloud.engine.proto.MissingDep;
import dev.jcloud.engine.proto.PushOrder;
import dev.jcloud.engine.proto.Registered;
import dev.jcloud.engine.proto.Replicate;
import dev.jcloud.engine.proto.RetireRequest;
import dev.jcloud.engine.proto.TaskCounts;
import dev.jcloud.engine.proto.TaskDone;
import dev.jcloud.engine.proto.TaskError;
import dev.jcloud.engine.proto.TaskFailure;
import dev.jcloud.engine.proto.TaskResult;
import dev.jcloud.engine.proto.TaskSpec;
import dev.jcloud.engine.proto.Welcome;
import dev.jcloud.engine.proto.WorkerBatch;
import dev.jcloud.engine.proto.WorkerHello;
import dev.jcloud.engine.proto.WorkerInfo;
import dev.jcloud.engine.proto.WorkerOrders;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.agrona.collections.Long2ObjectHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler's state machine. <b>Single-threaded by contract</b>: every method is called from
 * the scheduler's event loop, which owns all task, worker and client state, so the hot path has
 * no locks. Inputs are whole batches (a client's submissions, a worker's results); outputs
 * accumulate in per-party builders and leave in one message each at {@link #flush()}.
 *
 * <p>Task lifecycle: released → waiting → ready → processing → memory | erred → forgotten.
 * A record stays (as "released", without data) while something that may need it again exists,
 * so a result lost with its worker is recomputed from the graph.
 */
final class SchedulerCore {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerCore.class);
    /** A task that was running on this many workers when they died is treated as the killer. */
    static final int MAX_WORKER_LOSSES = 3;
    /**
     * A retiring worker's result whose copy has not arrived this long after it was asked for is
     * asked of a peer again: the peer's copy may have failed, and it does not say so.
     */
    static final long REPLICA_RETRY_MILLIS = 30_000;
    /**
     * A retirement ends this long after it began even if some results could not be copied (they
     * are recomputed if still needed): a retirement that never ends keeps a machine paid for, and
     * a spot machine is gone two minutes after its notice anyway.
     */
    static final long RETIRE_DEADLINE_MILLIS = 180_000;
    /** The round trip of asking a peer for an input, whatever its size. */
    private static final double FETCH_LATENCY_SECONDS = 0.001;

    private final LongSupplier clock;
    private String schedulerAddress;
    private String dashboardAddress;
    private final long heartbeatMillis;
    private final long workerTimeoutMillis;

    private final Long2ObjectHashMap<TaskRecord> tasks = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<FunctionEntry> functions = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<ClasspathDef> classpaths = new Long2ObjectHashMap<>();
    /**
     * Per class path entry, every connected client that announced it: any of them can upload it,
     * and it stays obtainable until the last of them leaves.
     */
    private final Map<String, Set<ClientState>> blobOwners = new HashMap<>();

    private final Map<Integer, ClientState> clients = new LinkedHashMap<>();
    private final Map<String, WorkerState> workers = new LinkedHashMap<>();
    private final ArrayDeque<TaskRecord> readyFifo = new ArrayDeque<>();
    private final PriorityQueue<TaskRecord> readyPriority = new PriorityQueue<>(
            Comparator.comparingInt(TaskRecord::priority).reversed().thenComparingLong(t -> t.order));
    private final Set<TaskRecord> noWorker = new LinkedHashSet<>();
    private final Set<WorkerState> dirtyWorkers = new LinkedHashSet<>();
    private final Set<ClientState> dirtyClients = new LinkedHashSet<>();
    private final long[] counts = new long[TaskRecord.STATES];
    /** Recent finished tasks for the dashboard: bounded and sampled, see {@link TaskStream}. */
    private final TaskStream stream = new TaskStream(4096, 200);

    private TaskStream.Slice lastSlice = TaskStream.Slice.EMPTY;
    private long order;
    private int nextClientId = 1;
    private int nextWorkerId = 1;
    private long completedTotal;
    private long failedTotal;
    private long submittedTotal;
    private long idleSinceMillis;
    private long noClientSinceMillis;
    private final long startedMillis;
    private WorkerState lastRootWorker;
    /** Where the search for the next scattered value's worker starts, so equal workers take turns. */
    private int pushTurn;

    private final TaskPace pace = new TaskPace();
    private boolean workersChanged;
    private boolean retirementsToCheck;
    /** The worker last kept from a scale-down for the results it holds (for logging once). */
    private WorkerState lastKeptHolder;

    SchedulerCore(LongSupplier clock, long heartbeatMillis) {
        this.clock = clock;
        this.schedulerAddress = "";
        this.heartbeatMillis = heartbeatMillis;
        this.workerTimeoutMillis = Math.max(10_000, heartbeatMillis * 10);
        this.startedMillis = clock.getAsLong();
        this.idleSinceMillis = startedMillis;
        this.noClientSinceMillis = startedMillis;
    }

    /** The addresses clients are told about; set once the ports are bound, before any event runs. */
    void setAddresses(String scheduler, String dashboard) {
        this.schedulerAddress = scheduler;
        this.dashboardAddress = dashboard;
    }

    // ------------------------------------------------------------------ clients

    ClientState clientConnected(String name, Consumer<ClientUpdates> sink) {
        ClientState c = new ClientState(nextClientId++, name, sink);
        clients.put(c.id, c);
        c.out()
                .setWelcome(Welcome.newBuilder()
                        .setClientId(c.id)
                        .setSchedulerAddress(schedulerAddress)
                        .setEngineVersion(EngineVersion.VERSION));
        c.out().setWorkers(workers.size() + 1);
        c.lastWorkerCount = workers.size();
        dirtyClients.add(c);
        noClientSinceMillis = 0;
        idleSinceMillis = 0;
        LOG.info("client {} ({}) connected", c.id, name);
        return c;
    }

    void clientBatch(ClientState c, ClientBatch batch) {
        for (ClasspathDef cp : batch.getClasspathsList()) {
            classpaths.put(cp.getId(), cp);
            cp.getEntriesList()
                    .forEach(e -> blobOwners
                            .computeIfAbsent(e.getSha256(), k -> new LinkedHashSet<>())
                            .add(c));
        }
        for (FunctionDef f : batch.getFunctionsList()) {
            if (!functions.containsKey(f.getId())) {
                functions.put(f.getId(), new FunctionEntry(f));
            }
        }
        // A task failed at submission (erred input, unknown function) is forgotten only once the
        // whole batch is in: a later task of the batch that uses it must get the original error,
        // not "dependency unknown to the scheduler".
        List<TaskRecord> erred = new ArrayList<>(0);
        for (TaskSpec spec : batch.getTasksList()) {
            TaskRecord t = submit(c, spec);
            if (t.state == TaskRecord.ERRED) {
                erred.add(t);
            }
            if (batch.getMore()) {
                // Its dependents may be in the next batch: keep its result until they are here.
                t.pins++;
                c.pinned.add(t);
            }
        }
        erred.forEach(this::maybeForget);
        if (!batch.getMore()) {
            unpin(c);
        }
        for (long key : batch.getReleaseList()) {
            release(c, key);
        }
        for (long key : batch.getCancelList()) {
            cancel(key);
        }
        for (long key : batch.getMissingList()) {
            clientMissing(c, key);
        }
        for (ClientValue v : batch.getValuesList()) {
            clientValue(v);
        }
    }

    /** The client's submission is complete: results nothing needs can go now. */
    private void unpin(ClientState c) {
        for (TaskRecord t : c.pinned) {
            if (--t.pins > 0 || t.retained()) {
                continue;
            }
            if (t.state == TaskRecord.MEMORY && t.pendingDependents == 0) {
                releaseData(t);
            }
            maybeForget(t);
        }
        c.pinned.clear();
    }

    void clientGone(ClientState c) {
        if (clients.remove(c.id) == null) {
            return;
        }
        unpin(c);
        for (long key : c.wanted.toArray(new Long[0])) {
            release(c, key);
        }
        blobOwners.values().removeIf(owners -> owners.remove(c) && owners.isEmpty());
        if (clients.isEmpty()) {
            noClientSinceMillis = clock.getAsLong();
        }
        LOG.info("client {} ({}) disconnected", c.id, c.name);
    }

    private TaskRecord submit(ClientState c, TaskSpec spec) {
        submittedTotal++;
        TaskRecord existing = tasks.get(spec.getKey());
        if (existing != null) {
            want(c, existing);
            return existing;
        }
        FunctionEntry fn = functions.get(spec.getFunction());
        TaskRecord t = new TaskRecord(spec.getKey(), order++, spec, fn);
        tasks.put(t.key, t);
        counts[TaskRecord.RELEASED]++;
        if (fn != null) {
            fn.created();
        }
        if (spec.getWanted()) {
            t.addWanter(c);
            c.wanted.add(t.key);
        }
        if (fn == null) {
            markFailed(
                    t,
                    error(
                            t.key,
                            t.key,
                            "java.lang.IllegalStateException",
                            "function " + Long.toHexString(spec.getFunction()) + " was never defined by the client",
                            ""));
            return t;
        }
        List<TaskRecord> deps = new ArrayList<>(0);
        for (Arg a : spec.getArgsList()) {
            if (a.hasDep()) {
                TaskRecord d = tasks.get(a.getDep());
                if (d == null) {
                    markFailed(
                            t,
                            error(
                                    t.key,
                                    a.getDep(),
                                    "java.lang.IllegalStateException",
                                    "dependency " + Long.toHexString(a.getDep()) + " is unknown to the scheduler"
                                            + " (was its future released?)",
                                    ""));
                    return t;
                }
                if (!deps.contains(d)) {
                    deps.add(d);
                }
            }
        }
        t.deps = deps.toArray(new TaskRecord[0]);
        for (TaskRecord d : t.deps) {
            d.addDependent(t);
        }
        for (TaskRecord d : t.deps) {
            if (d.state == TaskRecord.ERRED) {
                markFailed(t, d.error.toBuilder().setKey(t.key).build());
                return t;
            }
        }
        makeRunnable(t);
        return t;
    }

    private void want(ClientState c, TaskRecord t) {
        t.addWanter(c);
        c.wanted.add(t.key);
        if (t.state == TaskRecord.MEMORY) {
            c.done(TaskDone.newBuilder()
                    .setKey(t.key)
                    .setWorkerAddress(t.holder.address())
                    .setNbytes(t.nbytes)
                    .build());
            dirtyClients.add(c);
        } else if (t.state == TaskRecord.ERRED) {
            c.error(t.error);
            dirtyClients.add(c);
        } else if (t.state == TaskRecord.RELEASED) {
            makeRunnable(t);
        }
    }

    private void release(ClientState c, long key) {
        c.wanted.remove(key);
        TaskRecord t = tasks.get(key);
        if (t == null || !t.removeWanter(c)) {
            return;
        }
        if (t.retained()) {
            return;
        }
        if (t.state == TaskRecord.MEMORY && t.pendingDependents == 0) {
            releaseData(t);
        } else if (t.pending() && t.pendingDependents == 0) {
            abandon(t);
        }
        maybeForget(t);
    }

    private void cancel(long key) {
        TaskRecord root = tasks.get(key);
        if (root == null) {
            return;
        }
        ArrayDeque<TaskRecord> todo = new ArrayDeque<>();
        // Every record reached, once (a diamond-shaped graph reaches most records many times).
        Set<TaskRecord> reached = new LinkedHashSet<>();
        todo.add(root);
        while (!todo.isEmpty()) {
            TaskRecord t = todo.poll();
            if ((!t.pending() && t.state != TaskRecord.RELEASED) || !reached.add(t)) {
                continue;
            }
            t.forEachWanter(w -> {
                w.out().addCancelled(t.key);
                w.wanted.remove(t.key);
                dirtyClients.add(w);
            });
            t.wanter = null;
            t.moreWanters = null;
            if (t.pending()) {
                abandon(t);
            }
            if (t.dependents != null) {
                todo.addAll(t.dependents);
            }
        }
        // Not just the root: a cancelled leaf no longer wanted by anyone must go too (it holds
        // its inputs alive through liveDependents), or the records stay forever.
        reached.forEach(this::maybeForget);
    }

    private void clientMissing(ClientState c, long key) {
        TaskRecord t = tasks.get(key);
        if (t != null && t.state == TaskRecord.RELEASED && t.wanted()) {
            // Lost after it was delivered inline, and this client needs it after all: compute it.
            t.receivedByWanters = false;
            makeRunnable(t);
            return;
        }
        if (t == null || t.state != TaskRecord.MEMORY) {
            return;
        }
        // The client could not fetch the result from its holder: treat that copy as lost. The
        // report does not say which address failed (it may be a worker that died since), so the
        // holder dropped may still have the data: dropHolder tells it to release it.
        dropHolder(t, t.holder);
        if (t.holder == null) {
            lost(t);
        } else {
            c.done(TaskDone.newBuilder()
                    .setKey(t.key)
                    .setWorkerAddress(t.holder.address())
                    .setNbytes(t.nbytes)
                    .build());
            dirtyClients.add(c);
        }
    }

    /**
     * A scattered value its client could not send to the worker named for it (it comes here
     * instead and goes to that worker as the argument of the identity function), or no longer has
     * (its future was released after a dependent was submitted, and the only copy was lost).
     */
    private void clientValue(ClientValue v) {
        TaskRecord t = tasks.get(v.getKey());
        if (t == null
                || !t.spec.getFromClient()
                || t.state != TaskRecord.PROCESSING
                || !t.processingOn.address().equals(v.getWorkerAddress())) {
            return; // placed elsewhere since, or no longer needed
        }
        if (v.getUnavailable()) {
            failScattered(
                    t,
                    "was lost with its worker, and its client no longer holds it to send again (keep the future"
                            + " of a scattered value while tasks read it)");
            return;
        }
        sendCompute(
                t,
                t.processingOn,
                List.of(Arg.newBuilder().setValue(v.getValue()).build()));
    }

    // ------------------------------------------------------------------ workers

    /** Registers a worker, or returns null (after telling it why) when it cannot join. */
    WorkerState workerConnected(WorkerHello hello, Consumer<WorkerOrders> sink, Consumer<String> reject) {
        if (!hello.getEngineVersion().equals(EngineVersion.VERSION)) {
            reject.accept("worker " + hello.getName() + " runs engine " + hello.getEngineVersion()
                    + " but the scheduler runs " + EngineVersion.VERSION);
            return null;
        }
        if (workers.containsKey(hello.getName())) {
            reject.accept("a worker named " + hello.getName() + " is already connected: names must be unique");
            return null;
        }
        WorkerState w = new WorkerState(nextWorkerId++, hello, sink, clock.getAsLong(), pace);
        workers.put(w.name(), w);
        w.out().setRegistered(Registered.newBuilder().setWorkerId(w.id).setHeartbeatMillis(heartbeatMillis));
        dirtyWorkers.add(w);
        workersChanged = true;
        LOG.info("worker {} joined from {} ({} threads)", w.name(), w.address(), w.nthreads());
        for (TaskRecord t : new ArrayList<>(noWorker)) {
            if (w.offers(t, clock)) {
                noWorker.remove(t);
                t.queued = false;
                enqueue(t);
            }
        }
        return w;
    }

    void workerBatch(WorkerState w, WorkerBatch batch) {
        if (w.closed) {
            return;
        }
        w.lastSeenMillis = clock.getAsLong();
        if (batch.hasHeartbeat()) {
            w.last = batch.getHeartbeat();
        }
        for (TaskResult r : batch.getFinishedList()) {
            finished(w, r);
        }
        for (TaskFailure f : batch.getFailedList()) {
            failed(w, f);
        }
        for (MissingDep m : batch.getMissingList()) {
            missing(w, m);
        }
        for (dev.jcloud.engine.proto.Activity a : batch.getActivitiesList()) {
            if (a.getKind() == dev.jcloud.engine.proto.Activity.Kind.TRANSFER) {
                pace.observeFetch(a.getNbytes(), a.getDurationMicros());
            }
            stream.recordActivity(w.name(), a);
        }
        for (long key : batch.getStolenList()) {
            TaskRecord t = tasks.get(key);
            if (t != null && t.state == TaskRecord.PROCESSING && t.processingOn == w) {
                w.processing.remove(t);
                t.processingOn = null;
                setState(t, TaskRecord.READY);
                // Not through the queue: schedule() fills lastRootWorker first, which is usually
                // the worker it was just stolen from, so stealing would hand the work straight back.
                WorkerState thief = idlest(t, w);
                if (thief != null) {
                    assign(t, thief);
                } else {
                    enqueue(t);
                }
            }
        }
        for (long key : batch.getAcquiredList()) {
            TaskRecord t = tasks.get(key);
            if (t != null && t.state == TaskRecord.MEMORY) {
                // Already held: two retiring workers may both have asked w to copy the same key.
                // Releasing it then would drop the copy the core still counts on w.
                if (!t.heldBy(w)) {
                    t.addHolder(w);
                    w.held++;
                    w.heldBytes += t.nbytes;
                }
            } else {
                w.out().addRelease(key);
                dirtyWorkers.add(w);
            }
        }
        if (w.retiring || batch.getAcquiredCount() > 0) {
            // Checked once per round in flush(): a retirement check scans every record, and a
            // round may hold many batches. A retiring worker's heartbeat (every second) brings its
            // copy retries and its deadline due, so no timer is needed for them.
            retirementsToCheck = true;
        }
    }

    void workerGone(WorkerState w, String reason) {
        if (workers.get(w.name()) != w) {
            return;
        }
        workers.remove(w.name());
        w.closed = true;
        workersChanged = true;
        dirtyWorkers.remove(w);
        if (lastRootWorker == w) {
            lastRootWorker = null;
        }
        LOG.info("worker {} left: {}", w.name(), reason);
        for (TaskRecord t : new ArrayList<>(w.processing)) {
            t.processingOn = null;
            if (!w.retiring && !t.spec.getFromClient()) {
                // A worker closed by its retirement (even at the deadline) was not killed by the
                // task, and a value on its way from a client kills nothing.
                t.workerLosses++;
            }
            if (t.workerLosses >= MAX_WORKER_LOSSES) {
                fail(
                        t,
                        error(
                                t.key,
                                t.key,
                                "dev.jcloud.engine.KilledWorkerException",
                                "task was running on " + t.workerLosses + " workers that died (last: " + w.name() + ", "
                                        + reason + "); it may be what kills them",
                                ""));
            } else {
                setState(t, TaskRecord.READY);
                enqueue(t);
            }
        }
        w.processing.clear();
        // Every key this worker held loses a copy; keys with no copy left are recomputed if needed.
        List<TaskRecord> orphaned = new ArrayList<>();
        tasks.values().forEach(t -> {
            if (t.state == TaskRecord.MEMORY && t.heldBy(w)) {
                t.removeHolder(w);
                if (t.holder == null) {
                    orphaned.add(t);
                }
            }
        });
        // Mark every orphan lost before recomputing any: recomputing one whose input is another
        // orphan not yet marked would place it with an input "in memory" without a holder.
        orphaned.forEach(this::markLost);
        orphaned.forEach(this::recomputeIfNeeded);
    }

    private void finished(WorkerState w, TaskResult r) {
        TaskRecord t = tasks.get(r.getKey());
        if (t == null || t.state != TaskRecord.PROCESSING || t.processingOn != w) {
            // Late result of a cancelled, stolen or reassigned task: the worker must not keep it.
            if (t == null || !t.heldBy(w)) {
                w.out().addRelease(r.getKey());
                dirtyWorkers.add(w);
            }
            return;
        }
        t.function.finished++;
        if (!t.spec.getFromClient()) {
            // A value sent by a client took no computing: it would skew the estimates placement uses.
            double seconds = r.getDurationMicros() / 1e6;
            t.function.observe(seconds);
            stream.record(w.name(), r.getThread(), t.function.name(), r.getStartMicros(), r.getDurationMicros());
            pace.observe(seconds);
        }
        w.processing.remove(t);
        t.processingOn = null;
        t.nbytes = r.getNbytes();
        leavePending(t);
        setState(t, TaskRecord.MEMORY);
        t.addHolder(w);
        w.held++;
        w.heldBytes += t.nbytes;
        completedTotal++;
        t.receivedByWanters = r.getInline();
        t.forEachWanter(c -> {
            TaskDone.Builder d = TaskDone.newBuilder()
                    .setKey(t.key)
                    .setWorkerAddress(w.address())
                    .setNbytes(t.nbytes);
            if (r.getInline()) {
                d.setInline(true).setValue(r.getValue());
            }
            c.done(d.build());
            dirtyClients.add(c);
        });
        if (t.dependents != null) {
            for (TaskRecord d : t.dependents) {
                if (d.state == TaskRecord.WAITING && --d.waitingOn == 0) {
                    setState(d, TaskRecord.READY);
                    place(d);
                }
            }
        }
        if (!t.retained() && t.pendingDependents == 0) {
            releaseData(t);
            maybeForget(t);
        }
    }

    private void failed(WorkerState w, TaskFailure f) {
        TaskRecord t = tasks.get(f.getKey());
        if (t == null || t.state != TaskRecord.PROCESSING || t.processingOn != w) {
            return;
        }
        w.processing.remove(t);
        t.processingOn = null;
        if (f.getRetryable() && t.retriesLeft > 0) {
            t.retriesLeft--;
            setState(t, TaskRecord.READY);
            enqueue(t);
            return;
        }
        failedTotal++;
        fail(
                t,
                error(t.key, t.key, f.getExceptionClass(), f.getMessage(), f.getRemoteTrace()).toBuilder()
                        .setException(f.getException())
                        .build());
    }

    private void missing(WorkerState w, MissingDep m) {
        TaskRecord t = tasks.get(m.getKey());
        TaskRecord dep = tasks.get(m.getDep());
        if (dep != null && dep.state == TaskRecord.MEMORY) {
            WorkerState holder = workers.get(nameOfAddress(m.getHolder()));
            if (holder != null && dep.heldBy(holder)) {
                dropHolder(dep, holder);
            }
            if (dep.holder == null) {
                lost(dep);
            }
        }
        if (t != null && t.state == TaskRecord.PROCESSING && t.processingOn == w) {
            w.processing.remove(t);
            t.processingOn = null;
            boolean allThere = true;
            for (TaskRecord d : t.deps) {
                allThere &= d.state == TaskRecord.MEMORY;
            }
            if (allThere) {
                setState(t, TaskRecord.READY);
                place(t);
            } else {
                setState(t, TaskRecord.WAITING);
                t.waitingOn = 0;
                for (TaskRecord d : t.deps) {
                    if (d.state != TaskRecord.MEMORY) {
                        t.waitingOn++;
                    }
                }
            }
        }
    }

    private String nameOfAddress(String address) {
        for (WorkerState w : workers.values()) {
            if (w.address().equals(address)) {
                return w.name();
            }
        }
        return "";
    }

    // ------------------------------------------------------------------ retirement

    List<String> retire(RetireRequest request) {
        List<WorkerState> chosen = new ArrayList<>();
        if (request.getNamesCount() > 0) {
            for (String name : request.getNamesList()) {
                WorkerState w = workers.get(name);
                if (w != null && !w.retiring) {
                    chosen.add(w);
                }
            }
        } else {
            List<WorkerState> candidates = new ArrayList<>();
            workers.values().stream().filter(w -> !w.retiring).forEach(candidates::add);
            candidates.sort(Comparator.comparingInt((WorkerState w) -> w.processing.size())
                    .thenComparingLong(w -> w.heldBytes));
            chosen.addAll(candidates.subList(0, Math.min(request.getCount(), candidates.size())));
        }
        if (request.getKeepNeededData()) {
            keepALastHolder(chosen);
        }
        List<String> names = new ArrayList<>();
        for (WorkerState w : chosen) {
            w.retiring = true;
            w.retiringSinceMillis = clock.getAsLong();
            names.add(w.name());
            LOG.info("retiring worker {}", w.name());
            if (!w.processing.isEmpty()) {
                w.out().addAllSteal(w.processing.stream().map(t -> t.key).toList());
                dirtyWorkers.add(w);
            }
            progressRetirement(w);
        }
        return names;
    }

    /**
     * Takes out of {@code chosen} the worker holding the most needed results when no other worker
     * would stay to receive them: shrinking to zero must not throw away what a client still has to
     * fetch or what queued tasks read. Results already delivered inline do not count, so an idle
     * cluster whose client has everything still shrinks to zero.
     */
    private void keepALastHolder(List<WorkerState> chosen) {
        for (WorkerState w : workers.values()) {
            if (!w.retiring && !w.closed && !chosen.contains(w)) {
                return;
            }
        }
        Map<WorkerState, Long> neededBytes = new HashMap<>();
        for (TaskRecord t : tasks.values()) {
            if (t.state == TaskRecord.MEMORY
                    && ((t.wanted() && !t.receivedByWanters) || t.pins > 0 || t.pendingDependents > 0)) {
                for (WorkerState h : holdersOf(t)) {
                    if (chosen.contains(h)) {
                        neededBytes.merge(h, Math.max(1, t.nbytes), Long::sum);
                    }
                }
            }
        }
        neededBytes.entrySet().stream().max(Map.Entry.comparingByValue()).ifPresent(keep -> {
            chosen.remove(keep.getKey());
            // Scaling asks again at each step; say it once per worker kept.
            if (keep.getKey() == lastKeptHolder) {
                return;
            }
            lastKeptHolder = keep.getKey();
            LOG.info(
                    "keeping worker {}: it holds {} bytes of results a client has not received or tasks"
                            + " still need, and no other worker stays to take them",
                    keep.getKey().name(),
                    keep.getValue());
        });
    }

    /** Moves a retiring worker's needed results to others; closes it once nothing depends on it. */
    private void progressRetirement(WorkerState w) {
        long now = clock.getAsLong();
        List<WorkerState> targets = new ArrayList<>();
        workers.values().stream().filter(o -> !o.retiring).forEach(targets::add);
        boolean safe = w.processing.isEmpty();
        int unmoved = 0;
        if (!targets.isEmpty()) {
            int i = 0;
            for (TaskRecord t : tasks.values()) {
                if (t.state == TaskRecord.MEMORY
                        && t.heldBy(w)
                        && !heldByAStayingWorker(t)
                        && (t.retained() || t.pendingDependents > 0)) {
                    safe = false;
                    unmoved++;
                    WorkerState asked = w.replicating.get(t.key);
                    boolean overdue =
                            asked != null && now - w.replicatingSinceMillis.get(t.key) >= REPLICA_RETRY_MILLIS;
                    if (asked == null || asked.closed || asked.retiring || overdue) {
                        WorkerState target = targets.get(i++ % targets.size());
                        if (overdue && target == asked && targets.size() > 1) {
                            target = targets.get(i++ % targets.size());
                        }
                        if (overdue) {
                            LOG.info(
                                    "retiring {}: the copy of {} to {} has not arrived after {} s; asking {}",
                                    w.name(),
                                    Long.toHexString(t.key),
                                    asked.name(),
                                    (now - w.replicatingSinceMillis.get(t.key)) / 1000,
                                    target.name());
                        }
                        w.replicating.put(t.key, target);
                        w.replicatingSinceMillis.put(t.key, now);
                        target.out()
                                .addReplicate(
                                        Replicate.newBuilder().setKey(t.key).setAddress(w.address()));
                        dirtyWorkers.add(target);
                    }
                }
            }
        }
        boolean pastDeadline = now - w.retiringSinceMillis >= RETIRE_DEADLINE_MILLIS;
        if (!safe && pastDeadline && !targets.isEmpty()) {
            LOG.warn(
                    "retiring {}: {} of its results could not be copied within {} s; closing it anyway"
                            + " (they are recomputed if still needed)",
                    w.name(),
                    unmoved,
                    RETIRE_DEADLINE_MILLIS / 1000);
        }
        // Without another worker, results cannot move: retiring then loses them, and the graph
        // recomputes them when a worker comes back. The caller asked for it.
        if (safe || targets.isEmpty() || pastDeadline) {
            w.out().setClose(true);
            dirtyWorkers.add(w);
            flushWorker(w);
            workerGone(w, "retired");
        }
    }

    /**
     * Whether a copy survives the retirements under way. Not "moreHolders == null": that list is
     * left empty, not null, when its first holder goes, and the other holders may be retiring too.
     */
    private static boolean heldByAStayingWorker(TaskRecord t) {
        for (WorkerState h : holdersOf(t)) {
            if (!h.retiring && !h.closed) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ transitions

    /** A released (or new) task must be computed: it and any released inputs become runnable. */
    private void makeRunnable(TaskRecord root) {
        ArrayDeque<TaskRecord> stack = new ArrayDeque<>();
        stack.push(root);
        while (!stack.isEmpty()) {
            TaskRecord t = stack.peek();
            boolean pushed = false;
            for (TaskRecord d : t.deps) {
                if (d.state == TaskRecord.RELEASED) {
                    stack.push(d);
                    pushed = true;
                }
            }
            if (pushed) {
                // Inputs first; t is visited again once they are pending.
                TaskRecord top = stack.peek();
                if (top != t) {
                    continue;
                }
            }
            stack.pop();
            if (t.state != TaskRecord.RELEASED) {
                continue;
            }
            TaskRecord erred = null;
            t.waitingOn = 0;
            for (TaskRecord d : t.deps) {
                if (d.state == TaskRecord.ERRED) {
                    erred = d;
                } else if (d.state != TaskRecord.MEMORY) {
                    t.waitingOn++;
                }
            }
            if (erred != null) {
                fail(t, erred.error.toBuilder().setKey(t.key).build());
                continue;
            }
            enterPending(t);
            if (t.waitingOn == 0) {
                setState(t, TaskRecord.READY);
                place(t);
            } else {
                setState(t, TaskRecord.WAITING);
            }
        }
    }

    private void enterPending(TaskRecord t) {
        for (TaskRecord d : t.deps) {
            d.pendingDependents++;
        }
    }

    private void leavePending(TaskRecord t) {
        for (TaskRecord d : t.deps) {
            if (--d.pendingDependents == 0 && d.state == TaskRecord.MEMORY && !d.retained()) {
                releaseData(d);
            }
        }
    }

    /** Nobody needs this pending task any more: stop it. */
    private void abandon(TaskRecord t) {
        if (t.state == TaskRecord.PROCESSING && t.processingOn != null) {
            WorkerState w = t.processingOn;
            w.processing.remove(t);
            w.out().addSteal(t.key);
            dirtyWorkers.add(w);
            t.processingOn = null;
        }
        leavePending(t);
        setState(t, TaskRecord.RELEASED);
        for (TaskRecord d : t.deps) {
            if (d.pending() && d.pendingDependents == 0 && !d.retained()) {
                abandon(d);
            }
        }
    }

    private void releaseData(TaskRecord t) {
        t.forEachHolder(w -> {
            w.out().addRelease(t.key);
            w.held--;
            w.heldBytes -= t.nbytes;
            dirtyWorkers.add(w);
        });
        t.holder = null;
        t.moreHolders = null;
        setState(t, TaskRecord.RELEASED);
    }

    /** Drops records nothing can need any more, and then their inputs that this frees. */
    private void maybeForget(TaskRecord root) {
        ArrayDeque<TaskRecord> todo = new ArrayDeque<>();
        todo.add(root);
        while (!todo.isEmpty()) {
            TaskRecord t = todo.poll();
            if ((t.state != TaskRecord.RELEASED && t.state != TaskRecord.ERRED)
                    || t.retained()
                    || t.liveDependents > 0) {
                continue;
            }
            setState(t, TaskRecord.FORGOTTEN);
            tasks.remove(t.key);
            noWorker.remove(t);
            t.dependents = null;
            for (TaskRecord d : t.deps) {
                d.liveDependents--;
                todo.add(d);
            }
        }
    }

    /** The last copy of a result is gone. */
    private void lost(TaskRecord t) {
        markLost(t);
        recomputeIfNeeded(t);
    }

    private void markLost(TaskRecord t) {
        setState(t, TaskRecord.RELEASED);
        // Dependents that counted on it wait again.
        if (t.dependents != null) {
            for (TaskRecord d : t.dependents) {
                if (d.state == TaskRecord.WAITING) {
                    d.waitingOn++;
                } else if (d.state == TaskRecord.READY) {
                    d.waitingOn = 1;
                    setState(d, TaskRecord.WAITING);
                } else if (d.state == TaskRecord.PROCESSING) {
                    // Its worker may not have fetched the input yet. Left processing, a retry or a
                    // steal would place it with an input that has no holder; so it waits again,
                    // and its worker gives it back (or its late result is released).
                    WorkerState w = d.processingOn;
                    w.processing.remove(d);
                    w.out().addSteal(d.key);
                    dirtyWorkers.add(w);
                    d.processingOn = null;
                    d.waitingOn = 1;
                    setState(d, TaskRecord.WAITING);
                }
            }
        }
    }

    private void recomputeIfNeeded(TaskRecord t) {
        if (t.state != TaskRecord.RELEASED) {
            return; // recomputed already as another orphan's input, or forgotten
        }
        // A result every waiting client got inline is not computed again for them (a later task
        // reading it, or a new client wanting it, makes it runnable then): losing the worker that
        // held it, or retiring it when scaling down, then starts no machine.
        if (t.pendingDependents > 0 || (t.wanted() && !t.receivedByWanters)) {
            makeRunnable(t);
        } else {
            maybeForget(t);
        }
    }

    /** {@code w} no longer counts as holding {@code t}; it is told to drop whatever copy it has left. */
    private void dropHolder(TaskRecord t, WorkerState w) {
        if (w == null) {
            return;
        }
        t.removeHolder(w);
        w.held--;
        w.heldBytes -= t.nbytes;
        w.out().addRelease(t.key);
        dirtyWorkers.add(w);
    }

    private void fail(TaskRecord root, TaskError rootError) {
        // Every record erred, not only the root: an erred dependent nobody waits on (a task
        // submitted unwanted, fire-and-forget) would otherwise stay, and keep its inputs, forever.
        markFailed(root, rootError).forEach(this::maybeForget);
    }

    /** Errs {@code root} and everything depending on it, telling the clients waiting on them. */
    private List<TaskRecord> markFailed(TaskRecord root, TaskError rootError) {
        List<TaskRecord> erred = new ArrayList<>();
        ArrayDeque<TaskRecord> todo = new ArrayDeque<>();
        root.error = rootError;
        todo.add(root);
        while (!todo.isEmpty()) {
            TaskRecord t = todo.poll();
            if (t.state == TaskRecord.ERRED || t.state == TaskRecord.MEMORY || t.state == TaskRecord.FORGOTTEN) {
                continue;
            }
            if (t.error == null) {
                t.error = rootError.toBuilder().setKey(t.key).build();
            }
            if (t.pending()) {
                if (t.processingOn != null) {
                    t.processingOn.processing.remove(t);
                    t.processingOn = null;
                }
                leavePending(t);
            }
            setState(t, TaskRecord.ERRED);
            erred.add(t);
            TaskError e = t.error;
            t.forEachWanter(c -> {
                c.error(e);
                dirtyClients.add(c);
            });
            if (t.dependents != null) {
                todo.addAll(t.dependents);
            }
        }
        return erred;
    }

    private void setState(TaskRecord t, byte state) {
        counts[t.state]--;
        counts[state]++;
        FunctionEntry f = t.function;
        if (f != null) {
            f.states[t.state]--;
            f.states[state]++;
        }
        t.state = state;
    }

    // ------------------------------------------------------------------ placement

    /**
     * A ready task with inputs goes to the worker where it can start soonest, counting the work
     * queued there and the input bytes it would fetch (as Dask's worker objective does); a task
     * without inputs queues for free capacity. Placing by bytes alone, up to a fixed overload,
     * sent tasks whose inputs sat on one busy worker to whichever worker had a free slot, which
     * then fetched every input.
     */
    private void place(TaskRecord t) {
        if (t.spec.getFromClient()) {
            WorkerState target = pushTarget(t);
            if (target != null) {
                assign(t, target);
                return;
            }
        }
        if (t.deps.length > 0) {
            WorkerState best = null;
            double bestStart = Double.MAX_VALUE;
            for (TaskRecord d : t.deps) {
                for (WorkerState w : holdersOf(d)) {
                    double start = startEstimate(t, w);
                    if (start < bestStart) {
                        best = w;
                        bestStart = start;
                    }
                }
            }
            if (bestStart > 0) {
                // The holders are busy: the least loaded worker may start sooner even after
                // fetching. Only its queue is compared across workers, so the scan stays one
                // comparison per worker however many inputs the task has.
                WorkerState idlest = leastQueued(t);
                if (idlest != null && startEstimate(t, idlest) < bestStart) {
                    best = idlest;
                }
            }
            if (best != null) {
                assign(t, best);
                return;
            }
        }
        enqueue(t);
    }

    /**
     * Seconds until {@code t} could start on {@code w}: the queued work ahead of it plus fetching
     * the inputs {@code w} lacks; infinite where it cannot run now.
     */
    private double startEstimate(TaskRecord t, WorkerState w) {
        if (!canTakeNow(t, w)) {
            return Double.MAX_VALUE;
        }
        double fetch = 0;
        for (TaskRecord d : t.deps) {
            if (!d.heldBy(w)) {
                fetch += FETCH_LATENCY_SECONDS + d.nbytes / pace.bytesPerSecond();
            }
        }
        return w.queuedPerThread() * pace.meanSeconds() + fetch;
    }

    /**
     * Where a scattered value goes: the worker with the least work per thread, values still
     * arriving included, taking turns among equals. So the values of one scatter spread over the
     * cluster, as the tasks reading them will want (Dask deals them out round robin too). A value
     * waits for no free thread: receiving it takes none.
     */
    private WorkerState pushTarget(TaskRecord t) {
        List<WorkerState> all = new ArrayList<>(workers.values());
        WorkerState best = null;
        double bestLoad = Double.MAX_VALUE;
        for (int i = 0; i < all.size(); i++) {
            WorkerState w = all.get((pushTurn + i) % all.size());
            if (!canTakeNow(t, w)) {
                continue;
            }
            double load = (double) w.processing.size() / Math.max(1, w.nthreads());
            if (load < bestLoad) {
                best = w;
                bestLoad = load;
            }
        }
        pushTurn = (pushTurn + 1) % Math.max(1, all.size());
        return best;
    }

    /** The worker with the least queued work per thread that could run {@code t} now, or null. */
    private WorkerState leastQueued(TaskRecord t) {
        WorkerState best = null;
        double bestQueued = Double.MAX_VALUE;
        for (WorkerState w : workers.values()) {
            if (!canTakeNow(t, w)) {
                continue;
            }
            double queued = w.queuedPerThread();
            if (queued < bestQueued) {
                best = w;
                bestQueued = queued;
            }
        }
        return best;
    }

    private boolean canTakeNow(TaskRecord t, WorkerState w) {
        return !w.retiring && !w.closed && !w.last.getPaused() && w.offers(t, clock);
    }

    private static List<WorkerState> holdersOf(TaskRecord d) {
        if (d.holder == null) {
            return List.of();
        }
        if (d.moreHolders == null) {
            return List.of(d.holder);
        }
        List<WorkerState> all = new ArrayList<>(d.moreHolders);
        all.add(d.holder);
        return all;
    }

    private void enqueue(TaskRecord t) {
        if (t.queued) {
            return;
        }
        t.queued = true;
        if (t.priority() != 0) {
            readyPriority.add(t);
        } else {
            readyFifo.add(t);
        }
    }

    /** Hands queued ready tasks to workers with free capacity, in runs per worker for locality. */
    private void schedule() {
        if (workers.isEmpty() || (readyFifo.isEmpty() && readyPriority.isEmpty())) {
            return;
        }
        List<WorkerState> open = new ArrayList<>();
        for (WorkerState w : workers.values()) {
            if (w.free() > 0) {
                open.add(w);
            }
        }
        // Continue filling the worker that got the previous run so consecutive root tasks
        // (often siblings in a reduction) land together.
        if (lastRootWorker != null && open.remove(lastRootWorker)) {
            open.add(0, lastRootWorker);
        }
        for (WorkerState w : open) {
            int free = w.free();
            while (free > 0) {
                TaskRecord t = pollReady();
                if (t == null) {
                    return;
                }
                if (!w.offers(t, clock)) {
                    WorkerState other = anyOffering(t);
                    if (other == null) {
                        noWorker.add(t);
                        t.queued = true;
                    } else {
                        assign(t, other);
                    }
                    continue;
                }
                assign(t, w);
                lastRootWorker = w;
                free--;
            }
        }
    }

    private TaskRecord pollReady() {
        while (true) {
            TaskRecord t = !readyPriority.isEmpty() ? readyPriority.poll() : readyFifo.poll();
            if (t == null) {
                return null;
            }
            t.queued = false;
            if (t.state == TaskRecord.READY && t.processingOn == null) {
                return t;
            }
        }
    }

    private WorkerState anyOffering(TaskRecord t) {
        WorkerState best = null;
        for (WorkerState w : workers.values()) {
            if (!w.retiring && w.offers(t, clock) && (best == null || w.processing.size() < best.processing.size())) {
                best = w;
            }
        }
        return best;
    }

    /** The least loaded worker other than {@code not} that offers {@code t} and has room, or null. */
    private WorkerState idlest(TaskRecord t, WorkerState not) {
        WorkerState best = null;
        for (WorkerState w : workers.values()) {
            if (w != not
                    && w.free() > 0
                    && w.offers(t, clock)
                    && (best == null
                            || w.processing.size() * best.nthreads() < best.processing.size() * w.nthreads())) {
                best = w;
            }
        }
        return best;
    }

    private void assign(TaskRecord t, WorkerState w) {
        setState(t, TaskRecord.PROCESSING);
        t.processingOn = w;
        w.processing.add(t);
        if (t.spec.getFromClient()) {
            orderPush(t, w);
            return;
        }
        sendCompute(t, w, t.spec.getArgsList());
    }

    /**
     * Asks the client that scattered {@code t} to send its value to {@code w}. The key's high bits
     * name that client; once it has left, nobody can send the value again.
     */
    private void orderPush(TaskRecord t, WorkerState w) {
        ClientState owner = clients.get(TaskKeys.client(t.key));
        if (owner == null) {
            failScattered(t, "is needed again (its worker was lost) but the client that scattered it has disconnected");
            return;
        }
        owner.out().addPush(PushOrder.newBuilder().setKey(t.key).setWorkerAddress(w.address()));
        dirtyClients.add(owner);
    }

    /** A scattered value nobody can send any more: it and the tasks reading it fail, saying why. */
    private void failScattered(TaskRecord t, String why) {
        failedTotal++;
        fail(
                t,
                error(
                        t.key,
                        t.key,
                        "java.lang.IllegalStateException",
                        "the scattered value " + Long.toHexString(t.key) + " " + why,
                        ""));
    }

    private void sendCompute(TaskRecord t, WorkerState w, List<Arg> args) {
        WorkerOrders.Builder out = w.out();
        FunctionEntry fn = t.function;
        if (w.knownFunctions.add(fn.id())) {
            long cp = fn.def.getClasspath();
            if (cp != 0 && w.knownClasspaths.add(cp)) {
                ClasspathDef def = classpaths.get(cp);
                if (def != null) {
                    out.addClasspaths(def);
                }
            }
            out.addFunctions(fn.def);
        }
        ComputeTask.Builder c = ComputeTask.newBuilder()
                .setKey(t.key)
                .setFunction(fn.id())
                .addAllArgs(args)
                .setDeliver(t.wanted())
                .setPriority(t.priority());
        if (t.spec.getResourcesCount() > 0) {
            c.addAllResources(t.spec.getResourcesList());
        }
        for (TaskRecord d : t.deps) {
            if (!d.heldBy(w)) {
                c.addLocations(DepLocation.newBuilder().setKey(d.key).setAddress(d.holder.address()));
            }
        }
        out.addCompute(c);
        dirtyWorkers.add(w);
    }

    // ------------------------------------------------------------------ housekeeping

    /** Periodic: drop silent workers, rebalance, track idleness. */
    void tick() {
        long now = clock.getAsLong();
        stream.tick();
        for (WorkerState w : new ArrayList<>(workers.values())) {
            if (now - w.lastSeenMillis > workerTimeoutMillis) {
                String why = "no heartbeat for " + (now - w.lastSeenMillis) + " ms";
                workerGone(w, why);
                // Its stream must end too: a worker that was only paused (a stopped process, a
                // stalled network) would otherwise go on sending into a session nobody reads.
                w.drop(why);
            }
        }
        balance();
        boolean busy = counts[TaskRecord.WAITING] + counts[TaskRecord.READY] + counts[TaskRecord.PROCESSING] > 0;
        if (busy || !clients.isEmpty()) {
            idleSinceMillis = 0;
        } else if (idleSinceMillis == 0) {
            idleSinceMillis = now;
        }
    }

    /**
     * Work stealing: when some worker has spare threads and nothing is queued, ask the most loaded
     * worker to give back tasks it has not started. Those return as "stolen" and are re-placed.
     */
    private void balance() {
        if (!readyFifo.isEmpty() || !readyPriority.isEmpty() || workers.size() < 2) {
            return;
        }
        WorkerState idle = null;
        WorkerState busy = null;
        for (WorkerState w : workers.values()) {
            if (w.retiring || w.last.getPaused()) {
                continue;
            }
            if (w.processing.size() < w.nthreads() && (idle == null || w.processing.size() < idle.processing.size())) {
                idle = w;
            }
            if (busy == null || w.processing.size() - w.nthreads() > busy.processing.size() - busy.nthreads()) {
                busy = w;
            }
        }
        if (idle == null || busy == null || idle == busy) {
            return;
        }
        int surplus = busy.processing.size() - busy.nthreads() * 2;
        if (surplus <= 0) {
            return;
        }
        int take = Math.max(1, surplus / 2);
        List<Long> keys = new ArrayList<>(take);
        List<TaskRecord> queue = new ArrayList<>(busy.processing);
        for (int i = queue.size() - 1; i >= 0 && keys.size() < take; i--) {
            keys.add(queue.get(i).key);
        }
        busy.out().addAllSteal(keys);
        dirtyWorkers.add(busy);
    }

    /** Places ready work and sends every accumulated batch. Called after each round of events. */
    void flush() {
        if (retirementsToCheck) {
            retirementsToCheck = false;
            for (WorkerState r : new ArrayList<>(workers.values())) {
                if (r.retiring && !r.closed) {
                    progressRetirement(r);
                }
            }
        }
        schedule();
        if (workersChanged) {
            workersChanged = false;
            for (ClientState c : clients.values()) {
                if (c.lastWorkerCount != workers.size()) {
                    c.lastWorkerCount = workers.size();
                    c.out().setWorkers(workers.size() + 1);
                    dirtyClients.add(c);
                }
            }
        }
        for (WorkerState w : dirtyWorkers) {
            if (!w.closed) {
                w.flush();
            }
        }
        dirtyWorkers.clear();
        for (ClientState c : dirtyClients) {
            c.flush();
        }
        dirtyClients.clear();
    }

    private void flushWorker(WorkerState w) {
        w.flush();
        dirtyWorkers.remove(w);
    }

    /** Tells every worker to exit (the cluster is shutting down). */
    void closeAll() {
        for (WorkerState w : new ArrayList<>(workers.values())) {
            w.out().setClose(true);
            flushWorker(w);
            workerGone(w, "cluster shut down");
        }
    }

    /** A worker asked for a class path entry nobody uploaded yet: ask the client that has it. */
    boolean requestBlob(String sha256) {
        Set<ClientState> owners = blobOwners.get(sha256);
        if (owners == null || owners.isEmpty()) {
            return false;
        }
        // Round robin: if this owner's upload fails, the worker's next request goes to another one.
        ClientState owner = owners.iterator().next();
        owners.remove(owner);
        owners.add(owner);
        owner.out().addNeedBlobs(sha256);
        dirtyClients.add(owner);
        return true;
    }

    // ------------------------------------------------------------------ observation

    long idleSinceMillis() {
        return idleSinceMillis;
    }

    long noClientSinceMillis() {
        return clients.isEmpty() ? noClientSinceMillis : 0;
    }

    boolean hasWork() {
        return counts[TaskRecord.WAITING] + counts[TaskRecord.READY] + counts[TaskRecord.PROCESSING] > 0;
    }

    long count(byte state) {
        return counts[state];
    }

    int taskCount() {
        return tasks.size();
    }

    int workerCount() {
        return workers.size();
    }

    Map<String, Double> meanSecondsByKind() {
        Map<String, Double> out = new LinkedHashMap<>();
        functions.values().forEach(f -> {
            if (f.meanSeconds >= 0) {
                out.put(f.name(), f.meanSeconds);
            }
        });
        return out;
    }

    ClusterInfo info(long pid, long idleTimeoutMillis) {
        ClusterInfo.Builder b = ClusterInfo.newBuilder()
                .setSchedulerAddress(schedulerAddress)
                .setDashboardAddress(dashboardAddress == null ? "" : dashboardAddress)
                .setEngineVersion(EngineVersion.VERSION)
                .setClients(clients.size())
                .setStartedMillis(startedMillis)
                .setIdleSinceMillis(idleSinceMillis)
                .setIdleTimeoutMillis(idleTimeoutMillis)
                .setPid(pid)
                .setTasks(TaskCounts.newBuilder()
                        .setWaiting(counts[TaskRecord.WAITING])
                        .setReady(counts[TaskRecord.READY])
                        .setProcessing(counts[TaskRecord.PROCESSING])
                        .setMemory(counts[TaskRecord.MEMORY])
                        .setErred(counts[TaskRecord.ERRED])
                        .setCompletedTotal(completedTotal)
                        .setFailedTotal(failedTotal)
                        .setSubmittedTotal(submittedTotal));
        functions.values().forEach(f -> {
            long waiting = f.states[TaskRecord.WAITING];
            long ready = f.states[TaskRecord.READY];
            long processing = f.states[TaskRecord.PROCESSING];
            if (waiting + ready + processing > 0) {
                b.addKinds(dev.jcloud.engine.proto.KindLoad.newBuilder()
                        .setName(f.name())
                        .setWaiting(waiting)
                        .setReady(ready)
                        .setProcessing(processing)
                        .setMeanSeconds(f.meanSeconds));
            }
        });
        for (WorkerState w : workers.values()) {
            b.addWorkers(WorkerInfo.newBuilder()
                    .setName(w.name())
                    .setAddress(w.address())
                    .setNthreads(w.nthreads())
                    .setMemoryLimit(w.hello.getMemoryLimit())
                    .setLast(w.last)
                    .setProcessing(w.processing.size())
                    .setHeld(w.held)
                    .setConnectedMillis(w.connectedMillis)
                    .addAllResources(w.hello.getResourcesList())
                    .setPid(w.hello.getPid())
                    .setRetiring(w.retiring)
                    .setSpillFraction(w.hello.getSpillFraction())
                    .setPauseFraction(w.hello.getPauseFraction())
                    .setTerminateFraction(w.hello.getTerminateFraction()));
        }
        return b.build();
    }

    /**
     * Per-kind progress and the recent task stream, copied out for the dashboard. The ring is
     * copied only when something new finished, so an idle scheduler republishes the same slice.
     */
    DashboardSnapshot dashboard(ClusterInfo info, double tasksPerSecond, long nowMillis) {
        if (stream.next() != lastSlice.endSeq() || stream.skipped() != lastSlice.skipped) {
            lastSlice = stream.slice();
        }
        List<DashboardSnapshot.KindProgress> kinds = new ArrayList<>();
        functions.values().forEach(f -> {
            long[] s = f.states;
            if (f.created > s[TaskRecord.FORGOTTEN] || f.finished > 0) {
                kinds.add(new DashboardSnapshot.KindProgress(
                        f.name(),
                        f.created,
                        Math.min(f.created, f.finished),
                        s[TaskRecord.MEMORY],
                        s[TaskRecord.PROCESSING],
                        s[TaskRecord.WAITING] + s[TaskRecord.READY],
                        s[TaskRecord.ERRED],
                        f.meanSeconds));
            }
        });
        return new DashboardSnapshot(nowMillis, info, tasksPerSecond, List.copyOf(kinds), lastSlice);
    }

    /** Task-stream records numbered {@code sinceSeq} and later, and per-kind totals, for performance reports. */
    dev.jcloud.engine.proto.PerformanceData performance(long sinceSeq) {
        return stream.performance(sinceSeq, clock.getAsLong());
    }

    /** Checks the bookkeeping against the records; used by tests after every event. */
    void checkInvariants() {
        long[] recount = new long[TaskRecord.STATES];
        Map<WorkerState, Integer> processing = new HashMap<>();
        for (TaskRecord t : tasks.values()) {
            recount[t.state]++;
            if (t.state == TaskRecord.PROCESSING) {
                check(t.processingOn != null && t.processingOn.processing.contains(t), t, "processing without worker");
                processing.merge(t.processingOn, 1, Integer::sum);
            } else {
                check(t.processingOn == null, t, "worker set outside processing");
            }
            check((t.state == TaskRecord.MEMORY) == (t.holder != null), t, "holder iff memory");
            int pending = 0;
            int live = 0;
            if (t.dependents != null) {
                for (TaskRecord d : t.dependents) {
                    if (d.state != TaskRecord.FORGOTTEN) {
                        live++;
                        if (d.pending()) {
                            pending++;
                        }
                    }
                }
            }
            check(pending == t.pendingDependents, t, "pendingDependents " + t.pendingDependents + " != " + pending);
            check(live == t.liveDependents, t, "liveDependents " + t.liveDependents + " != " + live);
            if (t.state == TaskRecord.WAITING) {
                int notInMemory = 0;
                for (TaskRecord d : t.deps) {
                    check(d.state != TaskRecord.FORGOTTEN, t, "waiting on a forgotten dependency");
                    if (d.state != TaskRecord.MEMORY) {
                        notInMemory++;
                    }
                }
                check(
                        notInMemory == t.waitingOn && notInMemory > 0,
                        t,
                        "waitingOn " + t.waitingOn + " != " + notInMemory);
            }
            if (t.state == TaskRecord.READY || t.state == TaskRecord.PROCESSING) {
                for (TaskRecord d : t.deps) {
                    check(d.state == TaskRecord.MEMORY, t, "runnable with input " + d + " not in memory");
                }
            }
            if (t.state == TaskRecord.READY) {
                check(t.queued, t, "ready but not queued");
            }
        }
        for (int s = 0; s < TaskRecord.FORGOTTEN; s++) {
            if (recount[s] != counts[s]) {
                throw new IllegalStateException(
                        "count of " + TaskRecord.NAMES[s] + " is " + counts[s] + " but " + recount[s] + " records");
            }
        }
        for (WorkerState w : workers.values()) {
            check(w.processing.size() == processing.getOrDefault(w, 0), null, "worker " + w + " processing set");
        }
    }

    private static void check(boolean ok, TaskRecord t, String what) {
        if (!ok) {
            throw new IllegalStateException("invariant broken at " + t + ": " + what);
        }
    }

    private static TaskError error(long key, long failedKey, String cls, String message, String trace) {
        return TaskError.newBuilder()
                .setKey(key)
                .setFailedKey(failedKey)
                .setExceptionClass(cls)
                .setMessage(message == null ? "" : message)
                .setRemoteTrace(trace == null ? "" : trace)
                .build();
    }
}
