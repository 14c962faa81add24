package dev.jcloud.engine.scheduler;

import com.google.protobuf.ByteString;
import dev.jcloud.engine.EngineVersion;
import dev.jcloud.engine.internal.task.TaskKeys;
import dev.jcloud.engine.proto.Arg;
import dev.jcloud.engine.proto.ClientBatch;
import dev.jcloud.engine.proto.ClientUpdates;
import dev.jcloud.engine.proto.ComputeTask;
import dev.jcloud.engine.proto.DepLocation;
import dev.jcloud.engine.proto.FunctionDef;
import dev.jcloud.engine.proto.Heartbeat;
import dev.jcloud.engine.proto.MissingDep;
import dev.jcloud.engine.proto.Replicate;
import dev.jcloud.engine.proto.Resource;
import dev.jcloud.engine.proto.RetireRequest;
import dev.jcloud.engine.proto.TaskDone;
import dev.jcloud.engine.proto.TaskError;
import dev.jcloud.engine.proto.TaskFailure;
import dev.jcloud.engine.proto.TaskResult;
import dev.jcloud.engine.proto.TaskSpec;
import dev.jcloud.engine.proto.WorkerBatch;
import dev.jcloud.engine.proto.WorkerHello;
import dev.jcloud.engine.proto.WorkerOrders;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * A hand-written fake cluster around a {@link SchedulerCore}: fake clients and workers that record
 * what the core sends them and answer the way the real ones do, driven step by step by a test.
 * Every event is followed by {@link SchedulerCore#flush()} (as the event loop does) and by
 * {@link SchedulerCore#checkInvariants()}.
 *
 * <p>Fake workers compute a deterministic value per task from its key and its argument values
 * ({@link #compute}), so a test can check results against an independent computation.
 */
final class TestingCluster {

    /** The one function every task uses; the core never looks inside it. */
    static final FunctionDef FN = FunctionDef.newBuilder()
            .setId(0x5eed)
            .setName("Testing.f")
            .setPayload(ByteString.copyFromUtf8("f"))
            .build();

    static final long HEARTBEAT_MILLIS = 1000;

    final ManualClock clock = new ManualClock();
    final SchedulerCore core = new SchedulerCore(clock, HEARTBEAT_MILLIS);
    /** Live fake workers by data address (how peers find each other's data). */
    private final Map<String, TestingWorker> byAddress = new LinkedHashMap<>();

    private final List<TestingWorker> allWorkers = new ArrayList<>();
    private final List<TestingClient> clients = new ArrayList<>();
    /** Decides, per key and attempt (1, 2, ...), whether a task fails instead of computing; null = succeed. */
    private FailurePolicy failurePolicy = (key, attempt) -> null;

    private final Map<Long, Integer> attempts = new HashMap<>();
    /** A counter over every message a fake party receives or sends, to order events across parties. */
    private long seq;
    /** Per key, the sequence numbers at which some worker was told to compute it. */
    final Map<Long, List<Long>> computeSeqs = new HashMap<>();
    /** MissingDep reports the fake workers sent. */
    long missingDepReports;
    /** Called when a worker is told to close, before it exits: the moment to check nothing is lost. */
    java.util.function.Consumer<TestingWorker> onClose = w -> {};

    /** How a fake worker's task fails; {@code null} from {@link #decide} means it succeeds. */
    interface FailurePolicy {
        TaskFailure decide(long key, int attempt);
    }

    TestingCluster() {
        core.setAddresses("scheduler:8786", "dashboard:8787");
    }

    /** The value a task computes: a mix of its key and its argument values, in order. */
    static long compute(long key, long[] args) {
        long h = key * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
        for (long a : args) {
            h = Long.rotateLeft(h, 23) * 31 + a;
            h ^= h >>> 29;
        }
        return h;
    }

    static ByteString encode(long v) {
        return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(v).array());
    }

    static long decode(ByteString b) {
        return ByteBuffer.wrap(b.toByteArray()).getLong();
    }

    /** A task spec builder using {@link #FN}; add args with {@link #dep} and {@link #lit}. */
    static TaskSpec.Builder task(long key) {
        return TaskSpec.newBuilder().setKey(key).setFunction(FN.getId());
    }

    static TaskSpec.Builder task(long key, long... deps) {
        TaskSpec.Builder b = task(key);
        for (long d : deps) {
            b.addArgs(dep(d));
        }
        return b;
    }

    static Arg dep(long key) {
        return Arg.newBuilder().setDep(key).build();
    }

    static Arg lit(long value) {
        return Arg.newBuilder().setValue(encode(value)).build();
    }

    // ------------------------------------------------------------------ driving

    TestingCluster withFailurePolicy(FailurePolicy policy) {
        this.failurePolicy = policy;
        return this;
    }

    long nextSeq() {
        return ++seq;
    }

    /** What the event loop does after each round: place work and send the batches. */
    void flush() {
        core.flush();
        syncClosedWorkers();
        core.checkInvariants();
    }

    /** Fake workers the core dropped (retired, timed out) exit like real ones. */
    private void syncClosedWorkers() {
        for (TestingWorker w : new ArrayList<>(byAddress.values())) {
            if (w.state != null && w.state.closed && w.alive) {
                w.die();
            }
        }
    }

    TestingClient client(String name) {
        TestingClient c = new TestingClient(name);
        clients.add(c);
        c.state = core.clientConnected(name, c::accept);
        flush();
        return c;
    }

    List<TestingClient> clients() {
        return clients;
    }

    WorkerBuilder worker(String name) {
        return new WorkerBuilder(name);
    }

    /** A started worker with one thread and no resources. */
    TestingWorker startWorker(String name) {
        return worker(name).start();
    }

    List<TestingWorker> liveWorkers() {
        return new ArrayList<>(byAddress.values());
    }

    List<TestingWorker> allWorkers() {
        return allWorkers;
    }

    TestingWorker workerAt(String address) {
        return byAddress.get(address);
    }

    List<String> retire(String... names) {
        List<String> r = core.retire(
                RetireRequest.newBuilder().addAllNames(Arrays.asList(names)).build());
        flush();
        return r;
    }

    /** A retirement as adaptive scaling asks for it: the last holder of needed results stays. */
    List<String> retireKeepingData(String... names) {
        List<String> r = core.retire(RetireRequest.newBuilder()
                .addAllNames(Arrays.asList(names))
                .setKeepNeededData(true)
                .build());
        flush();
        return r;
    }

    List<String> retireCount(int count) {
        List<String> r = core.retire(RetireRequest.newBuilder().setCount(count).build());
        flush();
        return r;
    }

    void tick(long advanceMillis) {
        clock.advance(advanceMillis);
        core.tick();
        flush();
    }

    /** Runs every worker's queued work, steals and replications until nothing changes. */
    void runUntilQuiet() {
        for (int round = 0; round < 100_000; round++) {
            boolean progress = false;
            for (TestingWorker w : liveWorkers()) {
                progress |= w.giveBackStolen() > 0;
                progress |= w.replicate() > 0;
                progress |= w.runAll() > 0;
            }
            if (!progress) {
                return;
            }
        }
        throw new AssertionError("cluster did not quiesce");
    }

    final class WorkerBuilder {
        private final WorkerHello.Builder hello;

        WorkerBuilder(String name) {
            hello = WorkerHello.newBuilder()
                    .setName(name)
                    .setNthreads(1)
                    .setMemoryLimit(1L << 30)
                    .setDataAddress(name + ":7000")
                    .setEngineVersion(EngineVersion.VERSION);
        }

        WorkerBuilder threads(int n) {
            hello.setNthreads(n);
            return this;
        }

        WorkerBuilder resource(String name, double amount) {
            hello.addResources(Resource.newBuilder().setName(name).setAmount(amount));
            return this;
        }

        /** The worker's platform retires it this long after it joins (a batch job's walltime). */
        WorkerBuilder retireIn(long millis) {
            hello.setRetireInMillis(millis);
            return this;
        }

        WorkerBuilder address(String address) {
            hello.setDataAddress(address);
            return this;
        }

        WorkerBuilder version(String version) {
            hello.setEngineVersion(version);
            return this;
        }

        /** Connects; a rejected worker comes back with {@link TestingWorker#rejection} set. */
        TestingWorker start() {
            TestingWorker w = new TestingWorker(hello.build());
            w.state = core.workerConnected(w.hello, w::accept, reason -> w.rejection = reason);
            allWorkers.add(w);
            if (w.state != null) {
                w.alive = true;
                byAddress.put(w.address(), w);
            }
            flush();
            return w;
        }
    }

    // ------------------------------------------------------------------ fake client

    final class TestingClient {
        final String name;
        ClientState state;
        final List<ClientUpdates> received = new ArrayList<>();
        /** Every TaskDone, in arrival order. */
        final List<TaskDone> doneList = new ArrayList<>();

        final Map<Long, TaskDone> done = new LinkedHashMap<>();
        final Map<Long, TaskError> errors = new LinkedHashMap<>();
        final Set<Long> cancelled = new LinkedHashSet<>();
        /** Values of done keys: inline, or fetched from the holder at arrival (as the real client would). */
        final Map<Long, Long> values = new HashMap<>();
        /** (key, seq) of every TaskDone. */
        final List<long[]> doneSeqs = new ArrayList<>();
        /** Per key, when this client reported it missing. */
        final Map<Long, List<Long>> missingSeqs = new HashMap<>();
        /** Keys this client submitted as wanted, released, or saw cancelled. */
        final Set<Long> submittedWanted = new LinkedHashSet<>();

        final Set<Long> releasedKeys = new LinkedHashSet<>();
        /** Every push order (send a scattered value to a worker), in arrival order. */
        final List<dev.jcloud.engine.proto.PushOrder> pushOrders = new ArrayList<>();
        /** Outcomes for keys the client no longer waits on (released or cancelled): each a bug. */
        final List<String> unexpected = new ArrayList<>();

        boolean connected = true;

        TestingClient(String name) {
            this.name = name;
        }

        private void accept(ClientUpdates u) {
            if (!connected) {
                throw new AssertionError("update sent to disconnected client " + name + ": " + u);
            }
            received.add(u);
            for (TaskDone d : u.getDoneList()) {
                doneList.add(d);
                doneSeqs.add(new long[] {d.getKey(), nextSeq()});
                if (!submittedWanted.contains(d.getKey())
                        || releasedKeys.contains(d.getKey())
                        || cancelled.contains(d.getKey())) {
                    unexpected.add("done " + d.getKey() + " sent to " + name + " which does not wait on it");
                }
                done.put(d.getKey(), d);
                errors.remove(d.getKey());
                if (d.getInline()) {
                    values.put(d.getKey(), decode(d.getValue()));
                } else {
                    TestingWorker holder = workerAt(d.getWorkerAddress());
                    Long v = holder == null ? null : holder.store.get(d.getKey());
                    if (v != null) {
                        values.put(d.getKey(), v);
                    } else {
                        values.remove(d.getKey());
                    }
                }
            }
            for (TaskError e : u.getErrorsList()) {
                if (!submittedWanted.contains(e.getKey())
                        || releasedKeys.contains(e.getKey())
                        || cancelled.contains(e.getKey())) {
                    unexpected.add("error " + e.getKey() + " sent to " + name + " which does not wait on it");
                }
                errors.put(e.getKey(), e);
                done.remove(e.getKey());
                values.remove(e.getKey());
            }
            cancelled.addAll(u.getCancelledList());
            pushOrders.addAll(u.getPushList());
        }

        /** A key of this client, as the real client makes them: its id in the high bits. */
        long key(long sequence) {
            return TaskKeys.of(state.id, sequence);
        }

        TestingClient submit(TaskSpec.Builder... specs) {
            ClientBatch.Builder b = ClientBatch.newBuilder().addFunctions(FN);
            for (TaskSpec.Builder s : specs) {
                b.addTasks(s);
            }
            return send(b.build());
        }

        TestingClient submit(List<TaskSpec> specs) {
            return send(
                    ClientBatch.newBuilder().addFunctions(FN).addAllTasks(specs).build());
        }

        TestingClient send(ClientBatch batch) {
            for (TaskSpec t : batch.getTasksList()) {
                if (t.getWanted()) {
                    submittedWanted.add(t.getKey());
                }
            }
            releasedKeys.addAll(batch.getReleaseList());
            for (long k : batch.getMissingList()) {
                missingSeqs.computeIfAbsent(k, x -> new ArrayList<>()).add(nextSeq());
            }
            core.clientBatch(state, batch);
            flush();
            return this;
        }

        TestingClient release(long... keys) {
            return send(ClientBatch.newBuilder().addAllRelease(box(keys)).build());
        }

        TestingClient cancel(long... keys) {
            return send(ClientBatch.newBuilder().addAllCancel(box(keys)).build());
        }

        TestingClient missing(long... keys) {
            return send(ClientBatch.newBuilder().addAllMissing(box(keys)).build());
        }

        void disconnect() {
            core.clientGone(state);
            connected = false;
            flush();
        }

        /** Keys reported done, each time it was (duplicates included). */
        List<Long> doneKeys() {
            return doneList.stream().map(TaskDone::getKey).toList();
        }
    }

    // ------------------------------------------------------------------ fake worker

    final class TestingWorker {
        final WorkerHello hello;
        WorkerState state;
        String rejection;
        boolean alive;
        final List<WorkerOrders> received = new ArrayList<>();
        /** Every compute order ever received, in order. */
        final List<ComputeTask> computeOrders = new ArrayList<>();
        /** Assigned and not yet run, reported or given back. */
        final Map<Long, ComputeTask> queue = new LinkedHashMap<>();
        /** Results held, by key. */
        final Map<Long, Long> store = new LinkedHashMap<>();

        final List<Long> releaseOrders = new ArrayList<>();
        final List<Long> stealOrders = new ArrayList<>();
        final List<Replicate> replicateOrders = new ArrayList<>();
        private final Set<Long> toSteal = new LinkedHashSet<>();
        private final List<Replicate> toReplicate = new ArrayList<>();
        /** Keys whose execution "started": steal requests for them are ignored, like the real runner. */
        final Set<Long> started = new LinkedHashSet<>();

        boolean closeOrdered;
        /** Whether results clients wait on go inline with the news (small ones do); else clients fetch. */
        boolean inlineResults = true;

        TestingWorker(WorkerHello hello) {
            this.hello = hello;
        }

        String name() {
            return hello.getName();
        }

        String address() {
            return hello.getDataAddress();
        }

        private void accept(WorkerOrders o) {
            if (!alive) {
                throw new AssertionError("orders sent to dead worker " + name() + ": " + o);
            }
            received.add(o);
            for (long key : o.getReleaseList()) {
                releaseOrders.add(key);
                store.remove(key);
            }
            for (long key : o.getStealList()) {
                stealOrders.add(key);
                if (queue.containsKey(key) && !started.contains(key)) {
                    toSteal.add(key);
                }
            }
            for (ComputeTask c : o.getComputeList()) {
                computeSeqs.computeIfAbsent(c.getKey(), k -> new ArrayList<>()).add(nextSeq());
                computeOrders.add(c);
                queue.put(c.getKey(), c);
                toSteal.remove(c.getKey());
            }
            replicateOrders.addAll(o.getReplicateList());
            toReplicate.addAll(o.getReplicateList());
            if (o.getClose()) {
                closeOrdered = true;
                onClose.accept(this);
            }
        }

        /** Sends one batch to the core (if this worker is still registered) and flushes. */
        TestingWorker send(WorkerBatch batch) {
            if (!alive) {
                throw new AssertionError("dead worker " + name() + " cannot send");
            }
            core.workerBatch(state, batch);
            flush();
            return this;
        }

        TestingWorker heartbeat() {
            return send(WorkerBatch.newBuilder()
                    .setHeartbeat(Heartbeat.newBuilder()
                            .setExecuting(Math.min(queue.size(), hello.getNthreads()))
                            .setQueued(queue.size()))
                    .build());
        }

        TestingWorker paused(boolean paused) {
            return send(WorkerBatch.newBuilder()
                    .setHeartbeat(Heartbeat.newBuilder().setPaused(paused))
                    .build());
        }

        List<Long> queuedKeys() {
            return new ArrayList<>(queue.keySet());
        }

        List<Long> computedKeys() {
            return computeOrders.stream().map(ComputeTask::getKey).toList();
        }

        boolean holds(long key) {
            return store.containsKey(key);
        }

        /** Runs every queued task (as one result batch each), in order; returns how many were handled. */
        int runAll() {
            int n = 0;
            for (long key : queuedKeys()) {
                if (!alive) {
                    break;
                }
                if (queue.containsKey(key)) {
                    run(key);
                    n++;
                }
            }
            return n;
        }

        /**
         * Runs queued task {@code key}: fetches inputs from peers at the given locations (reporting
         * each copy as acquired, as the real worker does), or reports a MissingDep; then reports the
         * result with {@code nbytes} and, when delivered, the value inline.
         */
        TestingWorker run(long key) {
            return run(key, 8);
        }

        TestingWorker run(long key, long nbytes) {
            return run(key, nbytes, 1000);
        }

        /** As {@link #run(long, long)}, reporting that the task took {@code durationMicros}. */
        TestingWorker run(long key, long nbytes, long durationMicros) {
            ComputeTask c = take(key);
            Map<Long, String> locations = new HashMap<>();
            for (DepLocation l : c.getLocationsList()) {
                locations.put(l.getKey(), l.getAddress());
            }
            List<Long> acquired = new ArrayList<>();
            long[] args = new long[c.getArgsCount()];
            for (int i = 0; i < args.length; i++) {
                Arg a = c.getArgs(i);
                if (!a.hasDep()) {
                    args[i] = decode(a.getValue());
                    continue;
                }
                long dep = a.getDep();
                Long v = store.get(dep);
                if (v == null) {
                    // Not here: fetch from where the scheduler said it is (itself, if it said nothing).
                    String at = locations.getOrDefault(dep, address());
                    TestingWorker peer = byAddress.get(at);
                    v = peer == null || peer == this ? null : peer.store.get(dep);
                    if (v == null) {
                        missingDepReports++;
                        return send(WorkerBatch.newBuilder()
                                .addAllAcquired(acquired)
                                .addMissing(MissingDep.newBuilder()
                                        .setKey(key)
                                        .setDep(dep)
                                        .setHolder(at))
                                .build());
                    }
                    store.put(dep, v);
                    acquired.add(dep);
                }
                args[i] = v;
            }
            if (!acquired.isEmpty()) {
                send(WorkerBatch.newBuilder().addAllAcquired(acquired).build());
                if (!alive) {
                    return this;
                }
            }
            TaskFailure failure = failurePolicy.decide(key, attempts.merge(key, 1, Integer::sum));
            if (failure != null) {
                return send(WorkerBatch.newBuilder()
                        .addFailed(failure.toBuilder().setKey(key))
                        .build());
            }
            long value = compute(key, args);
            store.put(key, value);
            TaskResult.Builder r =
                    TaskResult.newBuilder().setKey(key).setNbytes(nbytes).setDurationMicros(durationMicros);
            if (c.getDeliver() && inlineResults) {
                r.setInline(true).setValue(encode(value));
            }
            return send(WorkerBatch.newBuilder().addFinished(r).build());
        }

        /** Reports queued task {@code key} as failed (retryable, like an ordinary exception). */
        TestingWorker fail(long key, String exceptionClass, String message) {
            return fail(key, exceptionClass, message, true);
        }

        TestingWorker fail(long key, String exceptionClass, String message, boolean retryable) {
            take(key);
            return send(WorkerBatch.newBuilder()
                    .addFailed(TaskFailure.newBuilder()
                            .setKey(key)
                            .setExceptionClass(exceptionClass)
                            .setMessage(message)
                            .setRemoteTrace("at Testing.f")
                            .setRetryable(retryable))
                    .build());
        }

        /** A client's scattered value arrives here: stored, and reported as its task's result. */
        TestingWorker receive(long key, long value) {
            store.put(key, value);
            return send(WorkerBatch.newBuilder()
                    .addFinished(
                            TaskResult.newBuilder().setKey(key).setNbytes(8).setThread(-1))
                    .build());
        }

        /** Reports a MissingDep for queued task {@code key} without trying to fetch. */
        TestingWorker reportMissing(long key, long dep, String holder) {
            take(key);
            missingDepReports++;
            return send(WorkerBatch.newBuilder()
                    .addMissing(MissingDep.newBuilder().setKey(key).setDep(dep).setHolder(holder))
                    .build());
        }

        private ComputeTask take(long key) {
            ComputeTask c = queue.remove(key);
            if (c == null) {
                throw new AssertionError(
                        "worker " + name() + " has no task " + key + " queued; queue=" + queue.keySet());
            }
            toSteal.remove(key);
            started.remove(key);
            return c;
        }

        /** Gives back the not-started tasks the scheduler asked to steal; returns how many. */
        int giveBackStolen() {
            List<Long> keys = new ArrayList<>();
            for (long k : toSteal) {
                if (queue.remove(k) != null) {
                    keys.add(k);
                }
            }
            toSteal.clear();
            if (keys.isEmpty()) {
                return 0;
            }
            send(WorkerBatch.newBuilder().addAllStolen(keys).build());
            return keys.size();
        }

        /**
         * Performs pending Replicate orders: copies from the peer and reports what it acquired. A
         * copy that cannot be made is reported as a MissingDep with no task (key 0) — which the
         * real worker does not do yet: it drops the failure, and the retirement then never ends.
         */
        int replicate() {
            WorkerBatch.Builder b = WorkerBatch.newBuilder();
            for (Replicate r : toReplicate) {
                TestingWorker peer = byAddress.get(r.getAddress());
                Long v = peer == null ? null : peer.store.get(r.getKey());
                if (v != null) {
                    store.put(r.getKey(), v);
                    b.addAcquired(r.getKey());
                } else {
                    missingDepReports++;
                    b.addMissing(
                            MissingDep.newBuilder().setKey(0).setDep(r.getKey()).setHolder(r.getAddress()));
                }
            }
            int n = toReplicate.size();
            toReplicate.clear();
            if (n > 0) {
                send(b.build());
            }
            return n;
        }

        /** Pending Replicate orders fail silently (a copy that timed out): nothing is reported. */
        int dropReplications() {
            int n = toReplicate.size();
            toReplicate.clear();
            return n;
        }

        /** Drops a stored result without telling the scheduler (a corrupted spill file, say). */
        TestingWorker loseData(long key) {
            store.remove(key);
            return this;
        }

        /** The worker's process dies: the scheduler hears the stream end. */
        void kill() {
            kill("killed by test");
        }

        void kill(String reason) {
            if (!alive) {
                return;
            }
            die();
            core.workerGone(state, reason);
            flush();
        }

        private void die() {
            alive = false;
            byAddress.remove(address());
            store.clear();
            queue.clear();
            toSteal.clear();
            toReplicate.clear();
        }

        @Override
        public String toString() {
            return name();
        }
    }

    // ------------------------------------------------------------------ helpers

    static List<Long> box(long... keys) {
        List<Long> l = new ArrayList<>(keys.length);
        for (long k : keys) {
            l.add(k);
        }
        return l;
    }

    static final class ManualClock implements LongSupplier {
        private long now = 1_000_000;

        @Override
        public long getAsLong() {
            return now;
        }

        void advance(long millis) {
            now += millis;
        }
    }
}
