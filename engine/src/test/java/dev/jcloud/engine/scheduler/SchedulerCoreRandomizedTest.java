package dev.jcloud.engine.scheduler;

import static dev.jcloud.engine.scheduler.TestingCluster.compute;
import static dev.jcloud.engine.scheduler.TestingCluster.decode;

import dev.jcloud.engine.proto.Arg;
import dev.jcloud.engine.proto.Resource;
import dev.jcloud.engine.proto.TaskDone;
import dev.jcloud.engine.proto.TaskError;
import dev.jcloud.engine.proto.TaskFailure;
import dev.jcloud.engine.proto.TaskSpec;
import dev.jcloud.engine.scheduler.TestingCluster.TestingClient;
import dev.jcloud.engine.scheduler.TestingCluster.TestingWorker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random histories against the scheduler core: graphs submitted, workers joining, dying,
 * retiring, losing data, finishing and failing tasks in random order, clients releasing and
 * cancelling. The core's invariants are checked after every event; at the end the cluster is
 * driven to quiescence and every outcome a client still waits on is checked against an
 * independent computation of the graph.
 *
 * <p>Run one seed with {@code -Dscheduler.seed=N}; change the count with {@code -Dscheduler.seeds=N}.
 */
class SchedulerCoreRandomizedTest {

    private static final String POISON = "test.Poison";
    private static final String KILLED = "dev.jcloud.engine.KilledWorkerException";

    /** What the histories exercised, summed over seeds; printed with -Dscheduler.stats=true. */
    private static final Map<String, Long> STATS = new java.util.TreeMap<>();

    @org.junit.jupiter.api.AfterAll
    static void printStats() {
        if (Boolean.getBoolean("scheduler.stats")) {
            STATS.forEach((k, v) -> System.out.printf("%-28s %d%n", k, v));
        }
    }

    private static synchronized void count(String what, long n) {
        STATS.merge(what, n, Long::sum);
    }

    static Stream<Long> seeds() {
        String one = System.getProperty("scheduler.seed");
        if (one != null) {
            return Stream.of(Long.parseLong(one));
        }
        return LongStream.range(0, Long.getLong("scheduler.seeds", 200)).boxed();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomHistory(long seed) {
        try {
            new History(seed).run();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("seed " + seed + " (rerun with -Dscheduler.seed=" + seed + "): " + e, e);
        }
    }

    /** One seeded run: the model of what was submitted and what each client still waits on. */
    private static final class History {
        final long seed;
        final Random rnd;
        final TestingCluster cluster = new TestingCluster();
        final Map<Long, TaskSpec> specs = new HashMap<>();
        /** Tasks that always fail; tasks that fail only their first attempt (and have a retry). */
        final Set<Long> poison = new HashSet<>();

        final Set<Long> flaky = new HashSet<>();
        /** Per client, the keys it still waits on (submitted wanted, not released, not cancelled). */
        final Map<TestingClient, Set<Long>> waiting = new HashMap<>();

        final List<TestingClient> connected = new ArrayList<>();
        final Map<Long, Long> expectedValues = new HashMap<>();
        final Map<Long, Set<Long>> ancestors = new HashMap<>();
        /** Keys some worker dropped without telling the core: it may rightly count on that copy. */
        final Set<Long> silentlyLost = new HashSet<>();

        final boolean trace = Boolean.getBoolean("scheduler.trace");
        long nextKey = 1;
        int nextWorker;
        int nextClient;
        int step;

        History(long seed) {
            this.seed = seed;
            this.rnd = new Random(seed);
            cluster.withFailurePolicy((key, attempt) -> {
                if (poison.contains(key)) {
                    return TaskFailure.newBuilder()
                            .setExceptionClass(POISON)
                            .setMessage("poison " + key)
                            .setRetryable(rnd.nextInt(4) != 0)
                            .build();
                }
                if (flaky.contains(key) && attempt == 1) {
                    return TaskFailure.newBuilder()
                            .setExceptionClass("test.Flaky")
                            .setMessage("flaky " + key)
                            .setRetryable(true)
                            .build();
                }
                return null;
            });
        }

        void run() {
            cluster.onClose = this::checkNothingLostByRetirement;
            newClient();
            if (rnd.nextBoolean()) {
                newClient();
            }
            int workers = 1 + rnd.nextInt(3);
            for (int i = 0; i < workers; i++) {
                newWorker();
            }
            int steps = 150 + rnd.nextInt(200);
            for (step = 0; step < steps; step++) {
                randomStep();
                checkNoUnexpectedOutcomes();
            }
            settle();
            checkOutcomes();
            releaseEverything();
            collectStats();
        }

        void collectStats() {
            for (TestingWorker w : cluster.allWorkers()) {
                count("workers", 1);
                count("workers closed by core", w.closeOrdered ? 1 : 0);
                count("compute orders", w.computeOrders.size());
                count("steal orders", w.stealOrders.size());
                count("replicate orders", w.replicateOrders.size());
                count("release orders", w.releaseOrders.size());
            }
            for (TestingClient c : cluster.clients()) {
                count("done", c.doneList.size());
                count(
                        "done twice (recomputed)",
                        c.doneList.size()
                                - c.doneList.stream()
                                        .map(TaskDone::getKey)
                                        .distinct()
                                        .count());
                count("cancelled", c.cancelled.size());
                count(
                        "client missing reports",
                        c.missingSeqs.values().stream().mapToLong(List::size).sum());
                for (TaskError e : c.errors.values()) {
                    count("errors " + e.getExceptionClass(), 1);
                }
            }
            count("missing-dep reports", cluster.missingDepReports);
        }

        // -------------------------------------------------------------- random steps

        void randomStep() {
            int r = rnd.nextInt(100);
            List<TestingWorker> live = cluster.liveWorkers();
            TestingWorker w = live.isEmpty() ? null : live.get(rnd.nextInt(live.size()));
            if (r < 15) {
                submitGraph();
            } else if (r < 45) {
                if (w != null) {
                    runSome(w);
                }
            } else if (r < 50) {
                if (w != null) {
                    w.giveBackStolen();
                }
            } else if (r < 54) {
                if (w != null) {
                    w.replicate();
                }
            } else if (r < 57) {
                if (w != null && !w.queue.isEmpty()) {
                    List<Long> q = w.queuedKeys();
                    w.started.add(q.get(rnd.nextInt(q.size())));
                }
            } else if (r < 62) {
                if (live.size() < 6) {
                    newWorker();
                }
            } else if (r < 65) {
                if (w != null) {
                    trace("%s dies", w);
                    w.kill("random death");
                }
            } else if (r < 68) {
                if (w != null) {
                    trace("retire %s (or any one)", w);
                    if (rnd.nextBoolean()) {
                        cluster.retire(w.name());
                    } else {
                        cluster.retireCount(1);
                    }
                }
            } else if (r < 70) {
                if (w != null && !w.store.isEmpty()) {
                    List<Long> held = new ArrayList<>(w.store.keySet());
                    long key = held.get(rnd.nextInt(held.size()));
                    trace("%s loses its copy of %d", w, key);
                    silentlyLost.add(key);
                    w.loseData(key);
                }
            } else if (r < 72) {
                if (w != null) {
                    w.paused(rnd.nextInt(3) == 0);
                }
            } else if (r < 78) {
                release();
            } else if (r < 81) {
                cancel();
            } else if (r < 85) {
                fetchSomething();
            } else if (r < 95) {
                for (TestingWorker x : cluster.liveWorkers()) {
                    if (rnd.nextInt(10) < 8 && x.alive) { // a heartbeat may let a retiring peer close
                        x.heartbeat();
                    }
                }
                cluster.tick(100 + rnd.nextInt(3000));
            } else if (r < 97) {
                if (connected.size() > 1 || rnd.nextBoolean()) {
                    TestingClient c = connected.remove(rnd.nextInt(connected.size()));
                    trace("%s disconnects", c.name);
                    waiting.remove(c);
                    c.disconnect();
                }
                if (connected.isEmpty() || rnd.nextBoolean()) {
                    newClient();
                }
            } else {
                if (w != null) {
                    w.heartbeat();
                }
            }
        }

        TestingClient newClient() {
            TestingClient c = cluster.client("client-" + nextClient++);
            connected.add(c);
            waiting.put(c, new LinkedHashSet<>());
            return c;
        }

        TestingWorker newWorker() {
            TestingCluster.WorkerBuilder b = cluster.worker("w" + nextWorker++).threads(1 + rnd.nextInt(3));
            if (rnd.nextInt(4) == 0) {
                b.resource("GPU", 1 + rnd.nextInt(2));
            }
            return b.start();
        }

        /** A small random DAG: inputs from this batch or from keys the client still holds. */
        void submitGraph() {
            if (connected.isEmpty()) {
                newClient();
            }
            TestingClient c = connected.get(rnd.nextInt(connected.size()));
            List<Long> held = new ArrayList<>(waiting.get(c));
            int n = 1 + rnd.nextInt(8);
            List<TaskSpec.Builder> batch = new ArrayList<>();
            Set<Long> hasDependent = new HashSet<>();
            for (int i = 0; i < n; i++) {
                long key = nextKey++;
                TaskSpec.Builder t = TestingCluster.task(key);
                int nargs = rnd.nextInt(4);
                for (int a = 0; a < nargs; a++) {
                    int pick = rnd.nextInt(10);
                    if (pick < 5 && i > 0) {
                        long dep = batch.get(rnd.nextInt(i)).getKey();
                        t.addArgs(TestingCluster.dep(dep));
                        hasDependent.add(dep);
                    } else if (pick < 8 && !held.isEmpty()) {
                        t.addArgs(TestingCluster.dep(held.get(rnd.nextInt(held.size()))));
                    } else {
                        t.addArgs(TestingCluster.lit(rnd.nextInt(1000)));
                    }
                }
                int fate = rnd.nextInt(100);
                if (fate < 4) {
                    poison.add(key);
                    t.setRetries(rnd.nextInt(3));
                } else if (fate < 12) {
                    flaky.add(key);
                    t.setRetries(1 + rnd.nextInt(2));
                }
                if (rnd.nextInt(20) == 0) {
                    t.addResources(Resource.newBuilder().setName("GPU").setAmount(1 + rnd.nextInt(2)));
                }
                if (rnd.nextInt(5) == 0) {
                    t.setPriority(rnd.nextInt(4) - 1);
                }
                batch.add(t);
            }
            List<TaskSpec> built = new ArrayList<>();
            for (TaskSpec.Builder t : batch) {
                // As the client's graph encoder does: what nothing else in the graph uses is wanted.
                boolean leaf = !hasDependent.contains(t.getKey());
                t.setWanted(leaf ? rnd.nextInt(25) != 0 : rnd.nextInt(5) == 0);
                TaskSpec spec = t.build();
                specs.put(spec.getKey(), spec);
                built.add(spec);
                if (spec.getWanted()) {
                    waiting.get(c).add(spec.getKey());
                }
            }
            trace(
                    "%s submits %s",
                    c.name,
                    built.stream()
                            .map(t -> t.getKey()
                                    + (t.getWanted() ? "*" : "")
                                    + t.getArgsList().stream()
                                            .filter(Arg::hasDep)
                                            .map(a -> a.getDep())
                                            .toList())
                            .toList());
            c.submit(built);
            syncCancelled();
        }

        /** Runs, or fails, a random subset of a worker's queue in random order. */
        void runSome(TestingWorker w) {
            List<Long> q = w.queuedKeys();
            Collections.shuffle(q, rnd);
            int n = q.isEmpty() ? 0 : 1 + rnd.nextInt(q.size());
            trace("%s runs %s", w, q.subList(0, n));
            for (long key : q.subList(0, n)) {
                if (!w.alive) {
                    return;
                }
                if (w.queue.containsKey(key)) {
                    w.run(key, 1 + rnd.nextInt(1 << 20));
                }
            }
        }

        void release() {
            if (connected.isEmpty()) {
                return;
            }
            TestingClient c = connected.get(rnd.nextInt(connected.size()));
            List<Long> keys = new ArrayList<>(waiting.get(c));
            if (keys.isEmpty()) {
                return;
            }
            long key = keys.get(rnd.nextInt(keys.size()));
            waiting.get(c).remove(key);
            trace("%s releases %d", c.name, key);
            c.release(key);
        }

        void cancel() {
            if (connected.isEmpty() || specs.isEmpty()) {
                return;
            }
            TestingClient c = connected.get(rnd.nextInt(connected.size()));
            List<Long> keys = new ArrayList<>(waiting.get(c));
            long key = !keys.isEmpty() && rnd.nextBoolean()
                    ? keys.get(rnd.nextInt(keys.size()))
                    : 1 + rnd.nextInt((int) nextKey - 1);
            trace("%s cancels %d", c.name, key);
            c.cancel(key);
            trace("  cancelled now %s", c.cancelled);
            syncCancelled();
        }

        void syncCancelled() {
            for (TestingClient c : connected) {
                waiting.get(c).removeAll(c.cancelled);
            }
        }

        /** A client fetches a result it was told about; if its holder no longer has it, it says so. */
        void fetchSomething() {
            if (connected.isEmpty()) {
                return;
            }
            TestingClient c = connected.get(rnd.nextInt(connected.size()));
            List<Long> done = new ArrayList<>(c.done.keySet());
            done.retainAll(waiting.get(c));
            if (done.isEmpty()) {
                return;
            }
            long key = done.get(rnd.nextInt(done.size()));
            if (!fetchable(c, key)) {
                trace("%s reports %d missing", c.name, key);
                c.missing(key);
            }
        }

        boolean fetchable(TestingClient c, long key) {
            TaskDone d = c.done.get(key);
            TestingWorker holder = cluster.workerAt(d.getWorkerAddress());
            return holder != null && holder.store.containsKey(key);
        }

        // -------------------------------------------------------------- the end

        /** Brings workers back and runs everything until no work is left anywhere. */
        void settle() {
            for (TestingWorker w : cluster.liveWorkers()) {
                w.started.clear();
                if (w.alive) {
                    w.paused(false);
                }
            }
            for (int round = 0; round < 2_000; round++) {
                List<TestingWorker> live = cluster.liveWorkers();
                if (live.stream().noneMatch(w -> !w.state.retiring)) {
                    newWorker();
                }
                if (live.stream()
                        .noneMatch(w -> !w.state.retiring && w.state.resources.getOrDefault("GPU", 0.0) >= 2)) {
                    cluster.worker("w" + nextWorker++).resource("GPU", 2).start();
                }
                boolean progress = false;
                for (TestingWorker w : cluster.liveWorkers()) {
                    if (!w.alive) {
                        continue;
                    }
                    w.started.clear();
                    progress |= w.alive && w.giveBackStolen() > 0;
                    progress |= w.alive && w.replicate() > 0;
                    progress |= w.alive && w.runAll() > 0;
                    if (w.alive) {
                        w.heartbeat();
                    }
                }
                for (TestingClient c : connected) {
                    for (long key : new ArrayList<>(waiting.get(c))) {
                        if (c.done.containsKey(key) && !fetchable(c, key)) {
                            c.missing(key);
                            progress = true;
                        }
                    }
                }
                cluster.tick(500);
                boolean retiring = cluster.liveWorkers().stream().anyMatch(w -> w.state.retiring);
                if (!progress && !cluster.core.hasWork() && !retiring) {
                    return;
                }
            }
            throw new AssertionError(
                    "no quiescence after 2000 rounds; work left: " + cluster.core.hasWork() + ", retiring: "
                            + cluster.liveWorkers().stream()
                                    .filter(w -> w.state.retiring)
                                    .toList());
        }

        /**
         * A retiring worker closes only once every result a client waits on that it holds has a
         * real copy (in a live peer's store) elsewhere, unless no other worker stays to take it.
         */
        void checkNothingLostByRetirement(TestingWorker closing) {
            if (!closing.state.retiring) {
                return;
            }
            List<TestingWorker> others = cluster.liveWorkers().stream()
                    .filter(o -> o != closing && !o.state.retiring && !o.state.closed)
                    .toList();
            if (others.isEmpty()) {
                return;
            }
            for (TestingClient c : connected) {
                for (long key : waiting.get(c)) {
                    if (closing.store.containsKey(key) && !silentlyLost.contains(key)) {
                        boolean copied = cluster.liveWorkers().stream()
                                .anyMatch(o -> o != closing && !o.state.closed && o.store.containsKey(key));
                        check(copied, "at step %d retiring %s closed with the only copy of %d", step, closing, key);
                    }
                }
            }
        }

        void checkOutcomes() {
            checkNoUnexpectedOutcomes();
            for (TestingClient c : connected) {
                for (long key : waiting.get(c)) {
                    TaskDone d = c.done.get(key);
                    TaskError e = c.errors.get(key);
                    Set<Long> poisoned = new HashSet<>(ancestorsOrSelf(key));
                    poisoned.retainAll(poison);
                    if (d != null) {
                        check(poisoned.isEmpty(), "key %d done although %s always fail", key, poisoned);
                        check(c.values.containsKey(key), "value of done key %d unknown", key);
                        check(
                                c.values.get(key) == expected(key),
                                "key %d has value %d, expected %d",
                                key,
                                c.values.get(key),
                                expected(key));
                        check(fetchable(c, key) || d.getInline(), "done key %d not held where reported", key);
                    } else if (e != null) {
                        boolean killed = e.getExceptionClass().equals(KILLED);
                        check(
                                killed || e.getExceptionClass().equals(POISON),
                                "key %d erred with %s",
                                key,
                                com.google.protobuf.TextFormat.shortDebugString(e));
                        check(
                                ancestorsOrSelf(key).contains(e.getFailedKey()),
                                "key %d blamed %d, not an input",
                                key,
                                e.getFailedKey());
                        check(
                                killed || poison.contains(e.getFailedKey()),
                                "key %d blamed non-poison %d",
                                key,
                                e.getFailedKey());
                        check(killed || !poisoned.isEmpty(), "key %d erred without a poisoned input", key);
                    } else {
                        throw new AssertionError("key " + key + " wanted by " + c.name + " has no outcome");
                    }
                }
                checkNoDoubleDone(c);
            }
        }

        /** Two TaskDone for one key to one client need a new computation or a missing report between. */
        void checkNoDoubleDone(TestingClient c) {
            Map<Long, Long> lastDone = new HashMap<>();
            for (long[] kd : c.doneSeqs) {
                Long before = lastDone.put(kd[0], kd[1]);
                if (before == null) {
                    continue;
                }
                boolean recomputed = cluster.computeSeqs.getOrDefault(kd[0], List.of()).stream()
                        .anyMatch(s -> s > before && s < kd[1]);
                boolean reported =
                        c.missingSeqs.getOrDefault(kd[0], List.of()).stream().anyMatch(s -> s > before && s < kd[1]);
                check(recomputed || reported, "key %d reported done twice to %s", kd[0], c.name);
            }
        }

        void checkNoUnexpectedOutcomes() {
            for (TestingClient c : cluster.clients()) {
                check(c.unexpected.isEmpty(), "at step %d: %s", step, c.unexpected);
            }
        }

        /** Every client lets go of everything: no record may remain, and no worker may keep data. */
        void releaseEverything() {
            for (TestingClient c : connected) {
                List<Long> keys = new ArrayList<>(c.submittedWanted);
                Collections.shuffle(keys, rnd);
                c.release(keys.stream().mapToLong(Long::longValue).toArray());
            }
            check(
                    cluster.core.taskCount() == 0,
                    "%d records left after every key was released: %s",
                    cluster.core.taskCount(),
                    describeRecords());
            check(!cluster.core.hasWork(), "work left after every key was released");
            for (TestingWorker w : cluster.liveWorkers()) {
                check(w.store.isEmpty(), "worker %s still holds %s", w, w.store.keySet());
            }
            for (TestingClient c : new ArrayList<>(connected)) {
                c.disconnect();
            }
            check(cluster.core.taskCount() == 0, "records left after clients left");
        }

        /** The records left, for a failure message (the core keeps its map private). */
        String describeRecords() {
            try {
                java.lang.reflect.Field f = SchedulerCore.class.getDeclaredField("tasks");
                f.setAccessible(true);
                Map<?, ?> tasks = (Map<?, ?>) f.get(cluster.core);
                List<String> out = new ArrayList<>();
                for (Object o : tasks.values()) {
                    TaskRecord t = (TaskRecord) o;
                    out.add(t.key + ":" + TaskRecord.NAMES[t.state] + (t.wanted() ? " wanted" : "")
                            + " live=" + t.liveDependents + " pending=" + t.pendingDependents
                            + " dependents=" + t.dependents + (poison.contains(t.key) ? " poison" : ""));
                }
                return String.join("; ", out);
            } catch (ReflectiveOperationException e) {
                return e.toString();
            }
        }

        // -------------------------------------------------------------- the independent model

        long expected(long key) {
            Long v = expectedValues.get(key);
            if (v != null) {
                return v;
            }
            TaskSpec s = specs.get(key);
            long[] args = new long[s.getArgsCount()];
            for (int i = 0; i < args.length; i++) {
                Arg a = s.getArgs(i);
                args[i] = a.hasDep() ? expected(a.getDep()) : decode(a.getValue());
            }
            long value = compute(key, args);
            expectedValues.put(key, value);
            return value;
        }

        Set<Long> ancestorsOrSelf(long key) {
            Set<Long> known = ancestors.get(key);
            if (known != null) {
                return known;
            }
            Set<Long> all = new HashSet<>();
            all.add(key);
            for (Arg a : specs.get(key).getArgsList()) {
                if (a.hasDep()) {
                    all.addAll(ancestorsOrSelf(a.getDep()));
                }
            }
            ancestors.put(key, all);
            return all;
        }

        void trace(String format, Object... args) {
            if (trace) {
                System.out.printf("[%d] " + format + "%n", prepend(step, args));
            }
        }

        private static Object[] prepend(Object first, Object[] rest) {
            Object[] all = new Object[rest.length + 1];
            all[0] = first;
            System.arraycopy(rest, 0, all, 1, rest.length);
            return all;
        }

        void check(boolean ok, String format, Object... args) {
            if (!ok) {
                throw new AssertionError(String.format(format, args));
            }
        }
    }
}
