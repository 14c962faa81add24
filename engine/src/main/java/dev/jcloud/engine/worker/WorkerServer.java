package dev.jcloud.engine.worker;

import dev.jcloud.engine.EngineVersion;
import dev.jcloud.engine.internal.ScratchDirectories;
import dev.jcloud.engine.internal.codec.EncodedValue;
import dev.jcloud.engine.internal.logs.LogService;
import dev.jcloud.engine.internal.logs.RecentLogs;
import dev.jcloud.engine.internal.net.TransportSecurity;
import dev.jcloud.engine.internal.net.Transports;
import dev.jcloud.engine.proto.Activity;
import dev.jcloud.engine.proto.ClasspathDef;
import dev.jcloud.engine.proto.ComputeTask;
import dev.jcloud.engine.proto.DepLocation;
import dev.jcloud.engine.proto.FunctionDef;
import dev.jcloud.engine.proto.Heartbeat;
import dev.jcloud.engine.proto.MissingDep;
import dev.jcloud.engine.proto.Replicate;
import dev.jcloud.engine.proto.Resource;
import dev.jcloud.engine.proto.SchedulerGrpc;
import dev.jcloud.engine.proto.TaskFailure;
import dev.jcloud.engine.proto.TaskResult;
import dev.jcloud.engine.proto.WorkerBatch;
import dev.jcloud.engine.proto.WorkerHello;
import dev.jcloud.engine.proto.WorkerOrders;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker: runs the tasks its scheduler assigns, keeps their results, serves them to peers, and
 * watches its memory. It exits by itself when told to (retirement, shutdown), when memory passes
 * the terminate threshold, or when its scheduler has been unreachable for the death timeout, so a
 * machine whose scheduler died stops costing money.
 */
public final class WorkerServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerServer.class);
    /** Exit codes: 0 retired or shut down, 1 scheduler lost, 2 refused by the scheduler, 3 out of memory. */
    public static final int EXIT_OK = 0;

    public static final int EXIT_SCHEDULER_LOST = 1;
    public static final int EXIT_REFUSED = 2;
    public static final int EXIT_MEMORY = 3;
    /**
     * Not a process exit code: the scheduler no longer accepts this worker's certificate (it
     * restarted with a new cluster CA), and the worker was told to {@link #rejoinWhenDistrusted}.
     */
    public static final int EXIT_REJOIN = 4;

    private final WorkerOptions options;
    private final TransportSecurity security;
    private final DataStore store;
    private final ReceivedValues received;
    private final CodeCache code;
    private final PeerFetcher fetcher;
    private final BulkDataServer bulkServer;
    private final TaskRunner runner;
    private final Server dataServer;
    private final ExecutorService dataExecutor;
    private final ManagedChannel schedulerChannel;
    private final ScheduledExecutorService timers;
    private final Thread sender;
    private final LinkedBlockingQueue<Object> outbox = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final AtomicLong bytesIn = new AtomicLong();
    private final AtomicLong bytesOut = new AtomicLong();
    /** Transfers and spills for the dashboard's task stream (sampled). */
    private final WorkerActivity activity = new WorkerActivity(this::emit);

    private final String dataAddress;
    private final Path workDir;
    private final Object streamLock = new Object();
    private StreamObserver<WorkerBatch> up; // guarded by streamLock
    private long session; // guarded by streamLock; bumps on every (re)connect
    private volatile boolean connected;
    private volatile long lostSinceMillis;
    private volatile boolean paused;
    private final HeapGauge heap = HeapGauge.ofThisJvm();
    private volatile long lastWatchdogErrorMillis;
    private volatile int reconnects;
    private volatile boolean rejoinWhenDistrusted;

    private record Stolen(long key) {}

    private record Acquired(long key) {}

    private WorkerServer(WorkerOptions options, TransportSecurity security) throws IOException {
        this.options = options;
        this.security = security;
        this.workDir = Files.createDirectories(options.localDirectory().resolve("worker-" + options.name()));
        this.store = new DataStore(
                Files.createDirectories(workDir.resolve("spill")),
                (long) (options.memoryLimit() * options.spillFraction()),
                activity::spilled);
        this.dataExecutor = Executors.newFixedThreadPool(4, daemon("jcloud-worker-data"));
        RecentLogs.install();
        this.received = new ReceivedValues(store, bytesIn, this::emit);
        // On a TLS cluster the bulk connections are TLS too, with the same certificates.
        this.bulkServer = new BulkDataServer(
                options.host(),
                options.bulkPort(),
                store,
                bytesOut,
                BulkDataServer.TICKET_LIFETIME,
                received,
                security.bulkContext());
        try {
            this.dataServer = Transports.server(
                    options.host(),
                    options.port(),
                    security,
                    dataExecutor,
                    new WorkerDataService(store, bytesOut, bulkServer, received),
                    new LogService());
        } catch (IOException | RuntimeException e) {
            if (bulkServer != null) {
                bulkServer.close();
            }
            throw e;
        }
        this.dataAddress = options.advertiseHost() + ":" + dataServer.getPort();
        this.schedulerChannel = Transports.channel(options.schedulerAddress(), security, null);
        this.code = new CodeCache(schedulerChannel, workDir.resolve("classpath"));
        this.fetcher = new PeerFetcher(security);
        this.runner = new TaskRunner(options.name(), options.nthreads(), options.resources(), store, code, this::emit);
        this.timers = Executors.newSingleThreadScheduledExecutor(daemon("jcloud-worker-timer"));
        this.sender = new Thread(this::sendLoop, "jcloud-worker-sender");
        this.sender.setDaemon(true);
        this.sender.start();
        this.lostSinceMillis = System.currentTimeMillis();
        connect();
        timers.scheduleWithFixedDelay(this::heartbeat, 1000, 1000, TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(this::watchMemory, 200, 200, TimeUnit.MILLISECONDS);
        Instant end = options.retireAt();
        if (end != null) {
            retireWhen(() -> !Instant.now().isBefore(end), () -> "its platform ends it at " + end);
        }
    }

    /** Starts a worker with plaintext transport. */
    public static WorkerServer start(WorkerOptions options) throws IOException {
        return start(options, TransportSecurity.plaintext());
    }

    public static WorkerServer start(WorkerOptions options, TransportSecurity security) throws IOException {
        return new WorkerServer(options, security);
    }

    /** Scattered values clients sent straight to this worker since it started. */
    public long valuesReceived() {
        return received.received();
    }

    /** The address peers fetch this worker's results from. */
    public String dataAddress() {
        return dataAddress;
    }

    /** Blocks until the worker decides to exit; returns its exit code (see the EXIT_ constants). */
    public int awaitExit() throws InterruptedException {
        try {
            return exit.get();
        } catch (ExecutionException e) {
            return EXIT_SCHEDULER_LOST;
        } finally {
            close();
        }
    }

    @Override
    public void close() {
        exit.complete(EXIT_OK);
        synchronized (streamLock) {
            if (up != null) {
                try {
                    up.onCompleted();
                } catch (RuntimeException ignored) {
                    // Already gone.
                }
                up = null;
            }
        }
        connected = false;
        timers.shutdownNow();
        sender.interrupt();
        runner.shutdown();
        fetcher.close();
        schedulerChannel.shutdownNow();
        dataServer.shutdownNow();
        if (bulkServer != null) {
            bulkServer.close();
        }
        dataExecutor.shutdownNow();
        ScratchDirectories.deleteQuietly(workDir);
    }

    // ------------------------------------------------------------------ scheduler session

    private void connect() {
        if (exit.isDone()) {
            return;
        }
        long mySession;
        synchronized (streamLock) {
            mySession = ++session;
            if (mySession > 1) {
                // gRPC waits out its own reconnect backoff (1 s and growing) before dialing again, so a
                // worker that started before its scheduler listened would join up to seconds late.
                schedulerChannel.resetConnectBackoff();
            }
            up = SchedulerGrpc.newStub(schedulerChannel).workerSession(new Orders(mySession));
            up.onNext(WorkerBatch.newBuilder().setHello(hello()).build());
        }
    }

    private WorkerHello hello() {
        WorkerHello.Builder h = WorkerHello.newBuilder()
                .setName(options.name())
                .setNthreads(options.nthreads())
                .setMemoryLimit(options.memoryLimit())
                .setDataAddress(dataAddress)
                .setEngineVersion(EngineVersion.VERSION)
                .setPid(ProcessHandle.current().pid())
                .setSpillFraction(options.spillFraction())
                .setPauseFraction(options.pauseFraction())
                .setTerminateFraction(options.terminateFraction());
        if (options.retireAt() != null) {
            h.setRetireInMillis(Math.max(
                    1, Duration.between(Instant.now(), options.retireAt()).toMillis()));
        }
        options.resources()
                .forEach((k, v) ->
                        h.addResources(Resource.newBuilder().setName(k).setAmount(v)));
        return h.build();
    }

    private final class Orders implements StreamObserver<WorkerOrders> {
        private final long mySession;

        Orders(long mySession) {
            this.mySession = mySession;
        }

        @Override
        public void onNext(WorkerOrders orders) {
            if (orders.hasRegistered()) {
                connected = true;
                reconnects = 0;
                LOG.info("worker {} registered with {} at {}", options.name(), options.schedulerAddress(), dataAddress);
            }
            handle(orders);
        }

        @Override
        public void onError(Throwable t) {
            Status status = Status.fromThrowable(t);
            if (status.getCode() == Status.Code.FAILED_PRECONDITION) {
                LOG.error("the scheduler refused this worker: {}", status.getDescription());
                System.err.println("error: the scheduler refused this worker: " + status.getDescription());
                exit.complete(EXIT_REFUSED);
                return;
            }
            if (rejoinWhenDistrusted && isTlsFailure(t)) {
                LOG.warn(
                        "the scheduler at {} refused this worker's certificate (a restarted scheduler has a new"
                                + " cluster CA); joining again",
                        options.schedulerAddress());
                exit.complete(EXIT_REJOIN);
                return;
            }
            lost(mySession, status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription()));
        }

        @Override
        public void onCompleted() {
            lost(mySession, "the scheduler closed the session");
        }
    }

    /**
     * For a worker admitted by join token: when the scheduler's TLS no longer accepts this worker
     * (or its certificate no longer checks out), exit with {@link #EXIT_REJOIN} so that the caller
     * joins again with the token instead of retrying with certificates of a CA that is gone.
     */
    public void rejoinWhenDistrusted(boolean rejoin) {
        this.rejoinWhenDistrusted = rejoin;
    }

    private static boolean isTlsFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof javax.net.ssl.SSLException || c instanceof java.security.cert.CertificateException) {
                return true;
            }
        }
        return false;
    }

    /** The scheduler is gone: forget its work, and try again until the death timeout. */
    private void lost(long which, String why) {
        synchronized (streamLock) {
            if (which != session || exit.isDone()) {
                return;
            }
            up = null;
        }
        if (connected) {
            lostSinceMillis = System.currentTimeMillis();
        }
        connected = false;
        runner.clear();
        store.clear();
        long deadline = options.deathTimeout().toMillis();
        long lostFor = System.currentTimeMillis() - lostSinceMillis;
        if (deadline > 0 && lostFor >= deadline) {
            LOG.error(
                    "lost the scheduler at {} for {}s ({}); exiting", options.schedulerAddress(), lostFor / 1000, why);
            System.err.println("worker " + options.name() + ": scheduler at " + options.schedulerAddress()
                    + " unreachable for " + lostFor / 1000 + "s (death timeout); exiting");
            exit.complete(EXIT_SCHEDULER_LOST);
            return;
        }
        // Quick retries at first (a worker may start before its scheduler listens), then once a second.
        long delay = Math.min(1000, 25L << Math.min(6, reconnects++));
        if (reconnects > 3) {
            LOG.warn("lost the scheduler ({}); reconnecting in {} ms", why, delay);
        }
        try {
            timers.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException ignored) {
            // Shutting down.
        }
    }

    private void handle(WorkerOrders o) {
        for (FunctionDef f : o.getFunctionsList()) {
            code.define(f);
        }
        for (ClasspathDef c : o.getClasspathsList()) {
            code.define(c);
        }
        for (long key : o.getReleaseList()) {
            store.remove(key);
        }
        if (o.getStealCount() > 0) {
            runner.steal(o.getStealList()).forEach(k -> emit(new Stolen(k)));
        }
        if (o.getComputeCount() > 0) {
            compute(o.getComputeList());
        }
        for (Replicate r : o.getReplicateList()) {
            long start = WorkerActivity.nowMicros();
            fetcher.fetch(r.getAddress(), List.of(r.getKey())).get(r.getKey()).whenComplete((bytes, error) -> {
                if (bytes != null) {
                    activity.transfer(r.getAddress(), 1, bytes.size(), start);
                    bytesIn.addAndGet(bytes.size());
                    store.put(r.getKey(), bytes);
                    emit(new Acquired(r.getKey()));
                }
            });
        }
        if (o.getClose()) {
            LOG.info("worker {} told to close", options.name());
            exit.complete(EXIT_OK);
        }
    }

    /** Tasks whose inputs are here start at once; the others after one fetch per holding peer. */
    private void compute(List<ComputeTask> tasks) {
        Map<String, Set<Long>> wanted = new HashMap<>();
        List<ComputeTask> waiting = new ArrayList<>();
        for (ComputeTask t : tasks) {
            boolean local = true;
            for (DepLocation l : t.getLocationsList()) {
                if (!store.contains(l.getKey())) {
                    wanted.computeIfAbsent(l.getAddress(), a -> new LinkedHashSet<>())
                            .add(l.getKey());
                    local = false;
                }
            }
            if (local) {
                runner.enqueue(t);
            } else {
                waiting.add(t);
            }
        }
        if (waiting.isEmpty()) {
            return;
        }
        Map<Long, CompletableFuture<EncodedValue>> fetches = new HashMap<>();
        wanted.forEach((address, keys) -> {
            long start = WorkerActivity.nowMicros();
            Map<Long, CompletableFuture<EncodedValue>> fromPeer = fetcher.fetch(address, keys);
            fetches.putAll(fromPeer);
            // One transfer per peer request, as the task stream draws it: when the last key arrived.
            CompletableFuture.allOf(fromPeer.values().toArray(new CompletableFuture<?>[0]))
                    .whenComplete((ok, error) -> {
                        long bytes = 0;
                        int found = 0;
                        for (CompletableFuture<EncodedValue> f : fromPeer.values()) {
                            EncodedValue b = f.isCompletedExceptionally() ? null : f.getNow(null);
                            if (b != null) {
                                bytes += b.size();
                                found++;
                            }
                        }
                        if (found > 0) {
                            activity.transfer(address, found, bytes, start);
                        }
                    });
        });
        for (ComputeTask t : waiting) {
            List<CompletableFuture<EncodedValue>> mine = new ArrayList<>();
            List<DepLocation> locations = new ArrayList<>();
            for (DepLocation l : t.getLocationsList()) {
                CompletableFuture<EncodedValue> f = fetches.get(l.getKey());
                if (f != null) {
                    mine.add(f);
                    locations.add(l);
                }
            }
            CompletableFuture.allOf(mine.toArray(new CompletableFuture<?>[0])).whenComplete((ignored, error) -> {
                for (int i = 0; i < mine.size(); i++) {
                    DepLocation l = locations.get(i);
                    EncodedValue bytes = mine.get(i).isCompletedExceptionally()
                            ? null
                            : mine.get(i).join();
                    if (bytes == null && !store.contains(l.getKey())) {
                        emit(MissingDep.newBuilder()
                                .setKey(t.getKey())
                                .setDep(l.getKey())
                                .setHolder(l.getAddress())
                                .build());
                        return;
                    }
                    if (bytes != null && !store.contains(l.getKey())) {
                        bytesIn.addAndGet(bytes.size());
                        store.put(l.getKey(), bytes);
                        emit(new Acquired(l.getKey()));
                    }
                }
                runner.enqueue(t);
            });
        }
    }

    // ------------------------------------------------------------------ outbound

    private void emit(Object outcome) {
        outbox.add(outcome);
    }

    /** Everything that piled up while the previous batch was being sent goes in the next one. */
    private void sendLoop() {
        List<Object> round = new ArrayList<>();
        try {
            while (!Thread.currentThread().isInterrupted()) {
                round.add(outbox.take());
                outbox.drainTo(round);
                WorkerBatch.Builder batch = WorkerBatch.newBuilder();
                for (Object o : round) {
                    if (o instanceof TaskResult r) {
                        batch.addFinished(r);
                    } else if (o instanceof TaskFailure f) {
                        batch.addFailed(f);
                    } else if (o instanceof MissingDep m) {
                        batch.addMissing(m);
                    } else if (o instanceof Stolen s) {
                        batch.addStolen(s.key());
                    } else if (o instanceof Acquired a) {
                        batch.addAcquired(a.key());
                    } else if (o instanceof Heartbeat h) {
                        batch.setHeartbeat(h);
                    } else if (o instanceof Activity a) {
                        batch.addActivities(a);
                    }
                }
                round.clear();
                synchronized (streamLock) {
                    if (up != null && connected) {
                        try {
                            up.onNext(batch.build());
                        } catch (RuntimeException e) {
                            LOG.debug("send failed: {}", e.toString());
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Retires this worker gracefully once {@code notice} exists: the scheduler moves its results to
     * the other workers, then tells it to exit. This is how a cloud's interruption notice (a spot
     * machine reclaimed in two minutes) reaches the engine: the machine's boot script writes the
     * file when the cloud announces the interruption, and no data is lost.
     */
    public void retireWhenExists(Path notice) {
        retireWhen(() -> Files.exists(notice), () -> "interruption notice " + notice);
    }

    /** Asks the scheduler to retire this worker once {@code due} holds (checked each second, asked again until it answers). */
    private void retireWhen(BooleanSupplier due, Supplier<String> why) {
        AtomicBoolean asked = new AtomicBoolean();
        timers.scheduleWithFixedDelay(
                () -> {
                    if (asked.get() || !due.getAsBoolean()) {
                        return;
                    }
                    asked.set(true);
                    LOG.warn("{}: asking the scheduler to retire worker {}", why.get(), options.name());
                    SchedulerGrpc.newStub(schedulerChannel)
                            .retire(
                                    dev.jcloud.engine.proto.RetireRequest.newBuilder()
                                            .addNames(options.name())
                                            .build(),
                                    new StreamObserver<>() {
                                        @Override
                                        public void onNext(dev.jcloud.engine.proto.RetireReply reply) {
                                            LOG.info("scheduler retires {}", reply.getRetiredList());
                                        }

                                        @Override
                                        public void onError(Throwable t) {
                                            LOG.warn("asking to be retired failed: {}; retrying", t.toString());
                                            asked.set(false);
                                        }

                                        @Override
                                        public void onCompleted() {}
                                    });
                },
                1000,
                1000,
                TimeUnit.MILLISECONDS);
    }

    private void heartbeat() {
        if (!connected) {
            if (options.deathTimeout().toMillis() > 0
                    && System.currentTimeMillis() - lostSinceMillis
                            > options.deathTimeout().toMillis()) {
                lost(session, "no scheduler");
            }
            return;
        }
        Runtime rt = Runtime.getRuntime();
        double load =
                ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                        ? Math.max(0, os.getProcessCpuLoad())
                        : 0;
        emit(Heartbeat.newBuilder()
                .setHeapUsed(rt.totalMemory() - rt.freeMemory())
                .setHeapMax(rt.maxMemory())
                .setStoredBytes(store.memoryBytes())
                .setSpilledBytes(store.spilledBytes())
                .setExecuting(runner.executing())
                .setQueued(runner.queued())
                .setPaused(paused)
                .setCpu(load)
                .setBytesIn(bytesIn.get())
                .setBytesOut(bytesOut.get())
                .setTransfers(activity.transfers())
                .build());
    }

    /**
     * Pause when the heap passes the pause threshold of the limit (after a collection, so garbage
     * does not count), resume below it, and exit past the terminate threshold rather than let
     * the JVM thrash or the machine swap.
     */
    private void watchMemory() {
        try {
            checkMemory();
        } catch (Throwable e) {
            // A scheduled task that throws is never run again: the worker would then fill its heap
            // unwatched. Keep watching.
            watchdogFailed("this round failed", e);
        }
    }

    /** Logs a watchdog failure at most every 10 s (a full disk fails every round). */
    private void watchdogFailed(String what, Throwable e) {
        if (Thread.currentThread().isInterrupted()) {
            // The worker is closing: its timer interrupts the watchdog, mid-write it may be (an
            // interrupted channel leaves the thread's interrupt status set). No disk is full.
            LOG.debug("worker {}: memory watchdog interrupted while closing: {}", options.name(), e.toString());
            return;
        }
        long now = System.currentTimeMillis();
        if (now - lastWatchdogErrorMillis >= 10_000) {
            lastWatchdogErrorMillis = now;
            LOG.error("worker {}: memory watchdog: {} (it keeps watching): {}", options.name(), what, e.toString(), e);
        }
    }

    private void checkMemory() {
        long limit = Math.min(options.memoryLimit(), Runtime.getRuntime().maxMemory());
        double used = (double) heap.inUse() / limit;
        if (used > options.spillFraction() && store.memoryBytes() > 0) {
            // Over the spill line by the heap's count, which includes garbage: move results to
            // disk (what Dask's memory monitor does) only for what a collection leaves in use.
            // Results spilled for garbage cost their writes, and their readers the reads.
            used = (double) heap.live() / limit;
            if (used > options.spillFraction()) {
                long excess = (long) ((used - options.spillFraction()) * limit);
                long moved = 0;
                try {
                    moved = store.spillDownTo(Math.max(0, store.memoryBytes() - excess));
                } catch (RuntimeException e) {
                    // A full disk must not keep the pause and terminate checks below from running.
                    watchdogFailed("cannot spill", e);
                }
                if (moved > 0) {
                    used = (double) heap.collect() / limit;
                }
            }
        }
        if (used > options.pauseFraction()) {
            used = (double) heap.live() / limit;
        }
        if (used > options.terminateFraction()) {
            LOG.error(
                    "worker {} uses {}% of its memory limit (terminate threshold {}%); exiting",
                    options.name(), Math.round(used * 100), Math.round(options.terminateFraction() * 100));
            exit.complete(EXIT_MEMORY);
            return;
        }
        boolean shouldPause = used > options.pauseFraction();
        if (shouldPause != paused) {
            paused = shouldPause;
            runner.setPaused(shouldPause);
            LOG.warn(
                    "worker {} {} ({}% of memory limit in use)",
                    options.name(), shouldPause ? "paused" : "resumed", Math.round(used * 100));
            heartbeat();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
