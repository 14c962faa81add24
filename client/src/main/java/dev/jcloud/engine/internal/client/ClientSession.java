package dev.jcloud.engine.internal.client;

import com.google.protobuf.ByteString;
import dev.jcloud.engine.EngineVersion;
import dev.jcloud.engine.api.ClusterUnavailableException;
import dev.jcloud.engine.api.TaskFailedException;
import dev.jcloud.engine.internal.classpath.ClasspathEntries;
import dev.jcloud.engine.internal.codec.EncodedValue;
import dev.jcloud.engine.internal.codec.JavaSerialization;
import dev.jcloud.engine.internal.codec.ValueCodec;
import dev.jcloud.engine.internal.data.DataFetch;
import dev.jcloud.engine.internal.data.DataPush;
import dev.jcloud.engine.internal.net.TlsDiagnosis;
import dev.jcloud.engine.internal.net.TransportSecurity;
import dev.jcloud.engine.internal.net.Transports;
import dev.jcloud.engine.internal.task.TaskFunction;
import dev.jcloud.engine.internal.task.TaskFunctions;
import dev.jcloud.engine.internal.task.TaskKeys;
import dev.jcloud.engine.proto.BlobAck;
import dev.jcloud.engine.proto.BlobChunk;
import dev.jcloud.engine.proto.ClasspathDef;
import dev.jcloud.engine.proto.ClasspathEntry;
import dev.jcloud.engine.proto.ClientBatch;
import dev.jcloud.engine.proto.ClientHello;
import dev.jcloud.engine.proto.ClientUpdates;
import dev.jcloud.engine.proto.ClientValue;
import dev.jcloud.engine.proto.ClusterInfo;
import dev.jcloud.engine.proto.FunctionDef;
import dev.jcloud.engine.proto.InfoRequest;
import dev.jcloud.engine.proto.PushOrder;
import dev.jcloud.engine.proto.RetireRequest;
import dev.jcloud.engine.proto.SchedulerGrpc;
import dev.jcloud.engine.proto.ShutdownRequest;
import dev.jcloud.engine.proto.TaskDone;
import dev.jcloud.engine.proto.TaskError;
import dev.jcloud.engine.proto.TaskSpec;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's connection to a scheduler: a single bidirectional stream for submissions and
 * outcomes, plus unary calls for administration. Submissions are sent in batches; releases are
 * coalesced and flushed periodically, so dropping a hundred thousand futures costs a handful of
 * messages.
 */
public final class ClientSession implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);
    private static final int TASKS_PER_MESSAGE = 8192;
    /**
     * Task descriptions per message, in bytes: far below the scheduler's message limit, however
     * many literal arguments of up to {@code Client.SCATTER_DIRECT_BYTES} the tasks carry.
     */
    private static final long BYTES_PER_MESSAGE = 16 << 20;

    private static final int MAX_CACHED_FUNCTIONS = 4096;
    private static final Duration CALL_DEADLINE = Duration.ofSeconds(30);
    /** Calls made to fetch one result before reporting the failure to the caller. */
    private static final int FETCH_ATTEMPTS = 3;

    private final String address;
    private final TransportSecurity security;
    private final ManagedChannel channel;
    private final SchedulerGrpc.SchedulerStub async;
    private final ClassLoader loader;
    /**
     * The slots of the futures the user still has, by key. Held weakly: a slot holds its result
     * (tens of MiB, for a large array), and a future the user dropped must free it in the same
     * collection, not after its cleaner ran and another collection came (a loop gathering large
     * results filled the heap that way). The cleaner still releases the key on the cluster.
     */
    private final ConcurrentHashMap<Long, WeakReference<ResultSlot>> slots = new ConcurrentHashMap<>();

    /**
     * How many holders each key has: the futures of it the user has not released (or lost to the
     * collector), and for a large argument the futures of the tasks reading it. A key is released
     * with its last holder (see {@link #drop}).
     */
    private final ConcurrentHashMap<Long, Integer> holders = new ConcurrentHashMap<>();

    private final ConcurrentLinkedQueue<Long> releases = new ConcurrentLinkedQueue<>();
    private final Map<String, ManagedChannel> peers = new ConcurrentHashMap<>();
    /**
     * Values this client scattered, while their futures live: the scheduler asks for one again
     * when the worker it went to is lost before the tasks reading it are done. Held weakly: the
     * futures' slots hold them (see {@link ResultSlot#keep}), so a value whose futures were dropped
     * is freed in the same collection, not after their cleaners ran (a loop of large scatters or
     * arguments filled the heap that way).
     */
    private final Map<Long, WeakReference<EncodedValue>> scattered = new ConcurrentHashMap<>();
    /** Values scattered as tasks' large arguments, by the keys of the futures they live with. */
    private final Map<Long, long[]> argumentsOf = new ConcurrentHashMap<>();

    private final AtomicLong sequence = new AtomicLong();
    private final CompletableFuture<Integer> welcome = new CompletableFuture<>();
    private final ScheduledExecutorService background;

    // Guarded by sendLock: the outbound stream and what has been announced on it.
    private final Object sendLock = new Object();
    private final StreamObserver<ClientBatch> up;
    private final Map<TaskFunction, Long> functionIds = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<TaskFunction, Long> eldest) {
            return size() > MAX_CACHED_FUNCTIONS;
        }
    };
    private final java.util.Set<Long> announcedFunctions = new java.util.HashSet<>();
    private final List<FunctionDef> pendingDefinitions = new ArrayList<>();
    private final Map<String, ClasspathEntries.Entry> blobs = new ConcurrentHashMap<>();
    private long classpathId;
    private ClasspathDef classpathDef;

    private final Object workersMonitor = new Object();
    private int workers;
    private volatile Throwable broken;
    private volatile boolean closed;
    private volatile int clientId;
    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong finished = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    private ClientSession(String address, TransportSecurity security, ClassLoader loader) {
        this.address = address;
        this.security = security;
        this.loader = loader;
        this.channel = Transports.channel(address, security, null);
        this.async = SchedulerGrpc.newStub(channel);
        java.util.concurrent.ScheduledThreadPoolExecutor timer =
                new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
                    Thread t = new Thread(r, "jcloud-client-" + address);
                    t.setDaemon(true);
                    return t;
                });
        // A transfer's progress watch is cancelled when it ends; kept queued until its next run, it
        // would keep the transfer, and the values it sent, for up to a second longer.
        timer.setRemoveOnCancelPolicy(true);
        this.background = timer;
        this.up = async.clientSession(new Updates());
    }

    /** Connects and waits for the scheduler's welcome, at most {@code timeout}. */
    public static ClientSession open(
            String address, TransportSecurity security, String name, Duration timeout, ClassLoader loader) {
        ClientSession session = new ClientSession(address, security, loader);
        synchronized (session.sendLock) {
            session.up.onNext(ClientBatch.newBuilder()
                    .setHello(ClientHello.newBuilder().setName(name).setEngineVersion(EngineVersion.VERSION))
                    .build());
        }
        try {
            session.clientId = session.welcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            session.close();
            throw new ClusterUnavailableException("interrupted while connecting to " + address);
        } catch (ExecutionException | TimeoutException e) {
            session.close();
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            String tls = TlsDiagnosis.explain(address, security, cause);
            if (tls != null) {
                throw new ClusterUnavailableException(tls, cause);
            }
            throw new ClusterUnavailableException(
                    "cannot connect to the scheduler at " + address + " within " + timeout.toSeconds() + "s: "
                            + describe(cause),
                    cause);
        }
        session.background.scheduleWithFixedDelay(session::flushReleases, 200, 200, TimeUnit.MILLISECONDS);
        return session;
    }

    public String address() {
        return address;
    }

    public int clientId() {
        return clientId;
    }

    public long newKey() {
        return TaskKeys.of(clientId, sequence.incrementAndGet());
    }

    /**
     * The slot of a key this client wants the result of, for one more future of it: a key may
     * have several (the same graph twice in one {@code compute}), which share one slot, and the
     * key is released when the last of them is (see {@link #drop}).
     */
    public ResultSlot slot(long key) {
        ResultSlot[] slot = new ResultSlot[1];
        slots.compute(key, (k, ref) -> {
            slot[0] = ref == null ? null : ref.get();
            if (slot[0] == null) {
                slot[0] = new ResultSlot(k, this);
                submitted.incrementAndGet();
                ref = new WeakReference<>(slot[0]);
            }
            holders.merge(k, 1, Integer::sum);
            return ref;
        });
        if (broken != null) {
            slot[0].fail(lost());
        }
        return slot[0];
    }

    /**
     * One holder of {@code key} is gone (see {@link #holders}); with the last, the key is released
     * on the cluster, and with it one hold on each large argument its task read.
     */
    void drop(long key) {
        boolean[] last = new boolean[1];
        holders.computeIfPresent(key, (k, n) -> {
            last[0] = n == 1;
            return last[0] ? null : n - 1;
        });
        if (!last[0]) {
            return;
        }
        ResultSlot slot = slotOf(key);
        if (slot != null) {
            slot.released();
        }
        slots.remove(key);
        scattered.remove(key);
        releases.add(key);
        long[] arguments = argumentsOf.remove(key);
        if (arguments != null) {
            for (long argument : arguments) {
                drop(argument);
            }
        }
    }

    /** Slots whose completable view is pending: the view may be all the user keeps of them. */
    private final Map<Long, ResultSlot> viewed = new ConcurrentHashMap<>();

    void holdUntilComplete(ResultSlot slot, CompletableFuture<?> view) {
        viewed.put(slot.key(), slot);
        view.whenComplete((value, error) -> viewed.remove(slot.key()));
    }

    /** The slot of {@code key}, or null when its future was dropped (or released). */
    private ResultSlot slotOf(long key) {
        WeakReference<ResultSlot> ref = slots.get(key);
        return ref == null ? null : ref.get();
    }

    /** The id under which the workers know {@code fn}; announces it with the next batch if new. */
    public long functionId(TaskFunction fn) {
        synchronized (sendLock) {
            Long id = functionIds.get(fn);
            if (id != null) {
                return id;
            }
            byte[] payload = JavaSerialization.serialize(fn);
            long newId = firstLong(sha256(payload));
            functionIds.put(fn, newId);
            if (announcedFunctions.add(newId)) {
                long classpath = fn.target() == null ? 0 : classpathId();
                pendingDefinitions.add(FunctionDef.newBuilder()
                        .setId(newId)
                        .setPayload(ByteString.copyFrom(payload))
                        .setName(TaskFunctions.name(fn))
                        .setClasspath(classpath)
                        .build());
            }
            return newId;
        }
    }

    /** Sends tasks (and any definitions they need) in as few messages as fit. */
    public void submit(List<TaskSpec> tasks) {
        checkUsable();
        synchronized (sendLock) {
            int from = 0;
            do {
                int to = from;
                long bytes = 0;
                while (to < tasks.size()
                        && to - from < TASKS_PER_MESSAGE
                        && (to == from || bytes + tasks.get(to).getSerializedSize() <= BYTES_PER_MESSAGE)) {
                    bytes += tasks.get(to).getSerializedSize();
                    to++;
                }
                ClientBatch.Builder batch = ClientBatch.newBuilder();
                drainPending(batch);
                batch.addAllTasks(tasks.subList(from, to)).setMore(to < tasks.size());
                up.onNext(batch.build());
                from = to;
            } while (from < tasks.size());
        }
    }

    void cancel(long key) {
        send(ClientBatch.newBuilder().addCancel(key));
    }

    public void cancel(Collection<Long> keys) {
        send(ClientBatch.newBuilder().addAllCancel(keys));
    }

    /**
     * The scattered values {@code arguments} (submitted without futures of their own) live until
     * every one of {@code owners} is released.
     */
    public void releaseWith(long[] arguments, long[] owners) {
        for (long argument : arguments) {
            holders.merge(argument, owners.length, Integer::sum);
        }
        for (long owner : owners) {
            argumentsOf.merge(owner, arguments, (a, b) -> {
                long[] both = java.util.Arrays.copyOf(a, a.length + b.length);
                System.arraycopy(b, 0, both, a.length, b.length);
                return both;
            });
        }
    }

    /**
     * Knows {@code value} for the task {@code key} submitted with {@code from_client}: the
     * scheduler names the worker it goes to, and this client sends it there. The caller makes the
     * slots of the futures it lives with {@link ResultSlot#keep keep} it.
     */
    public void scatter(long key, EncodedValue value) {
        scattered.put(key, new WeakReference<>(value));
    }

    /**
     * Sends the scattered values the scheduler asked for to their worker. What cannot be sent
     * there goes through the scheduler instead; a value released meanwhile is reported as such.
     */
    private void push(String address, List<Long> keys) {
        Map<Long, EncodedValue> values = new LinkedHashMap<>();
        ClientBatch.Builder unavailable = ClientBatch.newBuilder();
        for (long key : keys) {
            WeakReference<EncodedValue> ref = scattered.get(key);
            EncodedValue v = ref == null ? null : ref.get();
            if (v != null) {
                values.put(key, v);
            } else {
                unavailable.addValues(ClientValue.newBuilder()
                        .setKey(key)
                        .setWorkerAddress(address)
                        .setUnavailable(true));
            }
        }
        if (unavailable.getValuesCount() > 0) {
            send(unavailable);
        }
        if (values.isEmpty()) {
            return;
        }
        ManagedChannel peer = peers.computeIfAbsent(address, a -> Transports.channel(a, security, null));
        DataPush.start(peer, address, security.bulkContext(), values, DataFetch.IDLE_TIMEOUT, background)
                .whenComplete((ok, error) -> {
                    if (error == null) {
                        return;
                    }
                    LOG.info(
                            "cannot send {} scattered values to {} ({}); sending them through the scheduler",
                            values.size(),
                            address,
                            error.toString());
                    for (Map.Entry<Long, EncodedValue> e : values.entrySet()) {
                        send(ClientBatch.newBuilder()
                                .addValues(ClientValue.newBuilder()
                                        .setKey(e.getKey())
                                        .setWorkerAddress(address)
                                        .setValue(e.getValue().toByteString())));
                    }
                });
    }

    void reportMissing(long key) {
        send(ClientBatch.newBuilder().addMissing(key));
    }

    private void send(ClientBatch.Builder batch) {
        if (broken != null || closed) {
            return;
        }
        synchronized (sendLock) {
            drainPending(batch);
            up.onNext(batch.build());
        }
    }

    private void drainPending(ClientBatch.Builder batch) {
        if (classpathDef != null) {
            batch.addClasspaths(classpathDef);
            classpathDef = null;
        }
        if (!pendingDefinitions.isEmpty()) {
            batch.addAllFunctions(pendingDefinitions);
            pendingDefinitions.clear();
        }
        for (Long key; (key = releases.poll()) != null; ) {
            batch.addRelease(key);
        }
    }

    private void flushReleases() {
        if (!releases.isEmpty()) {
            send(ClientBatch.newBuilder());
        }
    }

    /** The class path of this JVM, announced once, so that workers can load the client's classes. */
    private long classpathId() {
        if (classpathId == 0) {
            ClasspathDef.Builder def = ClasspathDef.newBuilder();
            StringBuilder all = new StringBuilder();
            for (ClasspathEntries.Entry e : ClasspathEntries.ofThisJvm()) {
                def.addEntries(ClasspathEntry.newBuilder()
                        .setName(e.name())
                        .setSha256(e.sha256())
                        .setSize(e.size()));
                blobs.put(e.sha256(), e);
                all.append(e.sha256());
            }
            classpathId = firstLong(sha256(all.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))) | 1;
            classpathDef = def.setId(classpathId).build();
        }
        return classpathId;
    }

    /** Decodes a fetched result; a {@code byte[]} result is the array as received. */
    public Object decode(EncodedValue value) throws ExecutionException {
        try {
            return ValueCodec.decode(value, loader);
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            throw new ExecutionException("cannot decode a result: " + e, e);
        }
    }

    public Object decode(ByteString bytes) throws ExecutionException {
        try {
            return ValueCodec.decode(bytes, loader);
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            throw new ExecutionException("cannot decode a result: " + e, e);
        }
    }

    /**
     * Starts fetching {@code keys} from the worker at {@code holder} in one call, handing each
     * value that arrives to {@code found} (on the network thread); the future completes when the
     * call has ended, and cancelling it cancels the call. Anything not delivered (a lost copy, a
     * broken call) is left for {@link #fetch}, which retries and reports losses one key at a time.
     */
    CompletableFuture<Void> fetchAll(
            String holder, java.util.Collection<Long> keys, java.util.function.BiConsumer<Long, EncodedValue> found) {
        CompletableFuture<Void> ended = new CompletableFuture<>();
        Runnable cancel = startFetch(holder, keys, new DataFetch.Receiver() {
            @Override
            public void found(long k, EncodedValue value) {
                found.accept(k, value);
            }

            @Override
            public void notFound(long k) {
                // fetch() hears it again and reports the loss.
            }

            @Override
            public void failed(Throwable cause) {
                ended.complete(null);
            }

            @Override
            public void completed() {
                ended.complete(null);
            }
        });
        ended.whenComplete((ok, error) -> {
            if (ended.isCancelled()) {
                cancel.run();
            }
        });
        return ended;
    }

    /** One fetch from the worker at {@code holder}, on the channel kept for it. */
    private Runnable startFetch(String holder, java.util.Collection<Long> keys, DataFetch.Receiver receiver) {
        ManagedChannel peer = peers.computeIfAbsent(holder, a -> Transports.channel(a, security, null));
        return DataFetch.start(
                peer,
                holder,
                security.bulkContext(),
                keys,
                Integer.MAX_VALUE - 16,
                DataFetch.IDLE_TIMEOUT,
                background,
                receiver);
    }

    /**
     * The bytes of a result held by a worker, or null when the copy is known lost: the worker
     * answered that it does not have it, or nothing listens at its address any more. A fetch that
     * breaks or stops making progress is tried again; if it keeps failing, the result stays on its
     * worker (a later {@code get} tries again) and this throws.
     */
    EncodedValue fetch(long key, String holder) throws ExecutionException, InterruptedException {
        Throwable last = null;
        for (int attempt = 1; attempt <= FETCH_ATTEMPTS; attempt++) {
            // Waits for the fetch to end, not just for the value: until then the fetching thread may
            // still hold the value on its stack, and a caller that drops the result at once expects
            // the next collection to free it. The box is emptied on the way out for the same reason.
            AtomicReference<EncodedValue> found = new AtomicReference<>();
            CompletableFuture<Void> ended = new CompletableFuture<>();
            Runnable cancel = startFetch(holder, List.of(key), new DataFetch.Receiver() {
                @Override
                public void found(long k, EncodedValue value) {
                    found.set(value);
                }

                @Override
                public void notFound(long k) {
                    // Nothing to keep: the fetch ends with nothing found.
                }

                @Override
                public void failed(Throwable cause) {
                    if (found.get() != null) {
                        ended.complete(null);
                    } else {
                        ended.completeExceptionally(cause);
                    }
                }

                @Override
                public void completed() {
                    ended.complete(null);
                }
            });
            try {
                ended.get();
                return found.getAndSet(null);
            } catch (InterruptedException e) {
                cancel.run();
                throw e;
            } catch (ExecutionException e) {
                last = e.getCause();
                if (DataFetch.unreachable(last)) {
                    LOG.debug("fetching {} from {}: unreachable ({})", Long.toHexString(key), holder, last.toString());
                    return null;
                }
                LOG.info(
                        "fetching {} from {} failed ({}); attempt {} of {}",
                        Long.toHexString(key),
                        holder,
                        last,
                        attempt,
                        FETCH_ATTEMPTS);
            }
            if (attempt < FETCH_ATTEMPTS) {
                Thread.sleep(250L << attempt);
            }
        }
        throw new ExecutionException(
                "cannot fetch the result of task " + Long.toHexString(key) + " from its worker at " + holder + " ("
                        + FETCH_ATTEMPTS + " attempts, last: " + last
                        + "); the result stays there: get it again to retry",
                last);
    }

    public ClusterInfo info() {
        return blocking().info(InfoRequest.getDefaultInstance());
    }

    public List<String> retire(RetireRequest request) {
        return blocking().retire(request).getRetiredList();
    }

    /** Sends a setting to the scheduler's extensions; returns their answer. */
    public String configure(String key, String value) {
        try {
            return blocking()
                    .configure(dev.jcloud.engine.proto.ConfigureRequest.newBuilder()
                            .setKey(key)
                            .setValue(value)
                            .build())
                    .getAnswer();
        } catch (io.grpc.StatusRuntimeException e) {
            if (e.getStatus().getCode() == io.grpc.Status.Code.INVALID_ARGUMENT) {
                throw new IllegalArgumentException(e.getStatus().getDescription(), e);
            }
            throw e;
        }
    }

    public void shutdownCluster(String reason) {
        blocking().shutdown(ShutdownRequest.newBuilder().setReason(reason).build());
    }

    private SchedulerGrpc.SchedulerBlockingStub blocking() {
        return SchedulerGrpc.newBlockingStub(channel)
                .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits until the scheduler reports at least {@code n} workers. */
    public void waitForWorkers(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (workersMonitor) {
            while (workers < n) {
                checkUsable();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new ClusterUnavailableException("waited " + timeout.toSeconds() + "s for " + n
                            + " workers at " + address + " but only " + workers + " registered");
                }
                workersMonitor.wait(Math.max(1, Math.min(left / 1_000_000, 500)));
            }
        }
    }

    public int workers() {
        synchronized (workersMonitor) {
            return workers;
        }
    }

    public long submittedCount() {
        return submitted.get();
    }

    public long finishedCount() {
        return finished.get();
    }

    public long failedCount() {
        return failed.get();
    }

    private void checkUsable() {
        if (closed) {
            throw new IllegalStateException("the client is closed");
        }
        if (broken != null) {
            throw new ClusterUnavailableException("lost the scheduler at " + address + ": " + describe(broken), broken);
        }
    }

    private TaskFailedException lost() {
        ClusterUnavailableException cause =
                new ClusterUnavailableException("lost the scheduler at " + address + ": " + describe(broken), broken);
        return new TaskFailedException(
                cause.getMessage(), cause, cause.getClass().getName(), "");
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        flushReleases();
        closed = true;
        synchronized (sendLock) {
            try {
                up.onCompleted();
            } catch (RuntimeException e) {
                LOG.debug("closing stream: {}", e.toString());
            }
        }
        background.shutdownNow();
        peers.values().forEach(ManagedChannel::shutdownNow);
        channel.shutdown();
        try {
            if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private TaskFailedException toException(TaskError e) {
        Throwable cause = null;
        if (!e.getException().isEmpty()) {
            try {
                byte[] exception = e.getException().toByteArray();
                Object o = JavaSerialization.deserialize(new ByteArrayInputStream(exception), loader, exception.length);
                if (o instanceof Throwable t) {
                    cause = t;
                }
            } catch (IOException | ClassNotFoundException | RuntimeException ignored) {
                // The class may not exist here; the name, message and trace still travel as text.
            }
        }
        if (cause == null) {
            cause = new TaskFailedException.RemoteException(e.getExceptionClass(), e.getMessage());
        }
        String which = e.getFailedKey() != 0 && e.getFailedKey() != e.getKey()
                ? "a dependency (" + Long.toHexString(e.getFailedKey()) + ") of task " + Long.toHexString(e.getKey())
                : "task " + Long.toHexString(e.getKey());
        return new TaskFailedException(
                which + " failed: " + e.getExceptionClass() + (e.getMessage().isEmpty() ? "" : ": " + e.getMessage()),
                cause,
                e.getExceptionClass(),
                e.getRemoteTrace());
    }

    private void upload(String sha) {
        ClasspathEntries.Entry entry = blobs.get(sha);
        if (entry == null) {
            LOG.warn("scheduler asked for unknown class path entry {}", sha);
            return;
        }
        CompletableFuture<BlobAck> done = new CompletableFuture<>();
        StreamObserver<BlobChunk> out = async.putBlob(new StreamObserver<>() {
            @Override
            public void onNext(BlobAck ack) {
                done.complete(ack);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                done.complete(null);
            }
        });
        try (InputStream in = Files.newInputStream(entry.file())) {
            byte[] buffer = new byte[1 << 20];
            boolean first = true;
            for (int n; (n = in.readNBytes(buffer, 0, buffer.length)) > 0 || first; ) {
                BlobChunk.Builder chunk = BlobChunk.newBuilder().setData(ByteString.copyFrom(buffer, 0, n));
                if (first) {
                    chunk.setSha256(sha).setName(entry.name());
                    first = false;
                }
                out.onNext(chunk.build());
                if (n == 0) {
                    break;
                }
            }
            out.onCompleted();
            done.get(5, TimeUnit.MINUTES);
        } catch (IOException e) {
            out.onError(e);
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            LOG.warn("uploading {} failed: {}", entry.name(), e.toString());
        }
    }

    private final class Updates implements StreamObserver<ClientUpdates> {
        @Override
        public void onNext(ClientUpdates u) {
            if (u.hasWelcome()) {
                welcome.complete(u.getWelcome().getClientId());
            }
            for (TaskDone d : u.getDoneList()) {
                ResultSlot slot = slotOf(d.getKey());
                if (slot != null) {
                    if (!slot.isDone()) {
                        finished.incrementAndGet();
                    }
                    slot.complete(d.getInline() ? d.getValue() : null, d.getWorkerAddress());
                }
            }
            for (TaskError e : u.getErrorsList()) {
                ResultSlot slot = slotOf(e.getKey());
                if (slot != null) {
                    if (!slot.isDone()) {
                        failed.incrementAndGet();
                    }
                    slot.fail(toException(e));
                }
            }
            for (long key : u.getCancelledList()) {
                ResultSlot slot = slotOf(key);
                if (slot != null) {
                    if (!slot.isDone()) {
                        failed.incrementAndGet();
                    }
                    slot.cancelled();
                }
            }
            if (u.getPushCount() > 0) {
                Map<String, List<Long>> byWorker = new LinkedHashMap<>();
                for (PushOrder p : u.getPushList()) {
                    byWorker.computeIfAbsent(p.getWorkerAddress(), a -> new ArrayList<>())
                            .add(p.getKey());
                }
                byWorker.forEach(ClientSession.this::push);
            }
            for (String sha : u.getNeedBlobsList()) {
                background.execute(() -> upload(sha));
            }
            if (u.getWorkers() > 0) {
                synchronized (workersMonitor) {
                    workers = u.getWorkers() - 1;
                    workersMonitor.notifyAll();
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            disconnected(t);
        }

        @Override
        public void onCompleted() {
            disconnected(new ClusterUnavailableException("the scheduler closed the session"));
        }
    }

    private void disconnected(Throwable cause) {
        welcome.completeExceptionally(cause);
        if (closed) {
            return;
        }
        broken = cause;
        TaskFailedException e = lost();
        slots.values().forEach(ref -> {
            ResultSlot s = ref.get();
            if (s != null) {
                s.fail(e);
            }
        });
        synchronized (workersMonitor) {
            workersMonitor.notifyAll();
        }
    }

    static String describe(Throwable t) {
        if (t instanceof StatusRuntimeException s) {
            String d = s.getStatus().getDescription();
            return s.getStatus().getCode() + (d == null ? "" : " (" + d + ")");
        }
        return String.valueOf(t.getMessage() != null ? t.getMessage() : t);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long firstLong(byte[] b) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[i] & 0xFF);
        }
        return v;
    }
}
