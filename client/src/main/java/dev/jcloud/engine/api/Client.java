package dev.jcloud.engine.api;

import dev.jcloud.engine.internal.client.ClientSession;
import dev.jcloud.engine.internal.client.ObservationCalls;
import dev.jcloud.engine.internal.client.Prefetch;
import dev.jcloud.engine.internal.client.ResultSlot;
import dev.jcloud.engine.internal.codec.EncodedValue;
import dev.jcloud.engine.internal.codec.ValueCodec;
import dev.jcloud.engine.internal.join.JoinProtocol;
import dev.jcloud.engine.internal.join.JoinToken;
import dev.jcloud.engine.internal.join.Joiner;
import dev.jcloud.engine.internal.net.TransportSecurity;
import dev.jcloud.engine.internal.report.PerformanceRecorder;
import dev.jcloud.engine.internal.task.TaskFunction;
import dev.jcloud.engine.internal.task.TaskFunctions;
import dev.jcloud.engine.proto.Arg;
import dev.jcloud.engine.proto.ClusterInfo;
import dev.jcloud.engine.proto.RetireRequest;
import dev.jcloud.engine.proto.TaskSpec;
import dev.jcloud.engine.proto.WorkerInfo;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * A connection to a cluster's scheduler: submit tasks, map over data, compute task graphs, and
 * gather results. Thread-safe; one per program is enough.
 *
 * <pre>{@code
 * try (Client client = Client.connect("127.0.0.1:8786")) {
 *     Future<Long> f = client.submit(() -> 6L * 7);
 *     List<Long> squares = client.gather(client.map(x -> x * x, List.of(1L, 2L, 3L)));
 * }
 * }</pre>
 *
 * <p>Submitting a task means running its code on the cluster's machines, with their identity:
 * only clients holding the cluster's credentials can connect.
 *
 * <p>Large {@code byte[]} results are not copied on their way: a task reading one gets the array
 * its worker holds (shared with other tasks reading the same result), and a task's returned
 * array becomes the stored result. Read such arrays; do not change them.
 */
public final class Client implements AutoCloseable {

    /**
     * Scattered values at least this large go from the client straight to a worker; below it, the
     * round trip that names the worker costs more than carrying the value through the scheduler.
     */
    public static final int SCATTER_DIRECT_BYTES = 64 << 10;

    private final ClientSession session;
    private final ObservationCalls observation;

    private Client(ClientSession session, ObservationCalls observation) {
        this.session = session;
        this.observation = observation;
    }

    /** Connects to the scheduler at host:port over plaintext (loopback clusters). */
    public static Client connect(String address) {
        return builder(address).connect();
    }

    /** Options for connecting: TLS material, timeout, name. */
    public static Builder builder(String address) {
        return new Builder(address);
    }

    /** Runs {@code task} on the cluster. */
    public <T> TaskFuture<T> submit(SerializableCallable<T> task) {
        return submit(task, TaskOptions.defaults());
    }

    /** Runs {@code task} on the cluster with retries, resources or a priority. */
    public <T> TaskFuture<T> submit(SerializableCallable<T> task, TaskOptions options) {
        return submitOne(TaskFunctions.of(task), List.of(), options);
    }

    /** Runs {@code fn(arg)} on the cluster. */
    public <A, R> TaskFuture<R> submit(SerializableFunction<A, R> fn, A arg) {
        return map(fn, java.util.Collections.singletonList(arg)).get(0);
    }

    /**
     * Runs {@code fn} on every item: one task each, sent in batches. An item of
     * {@value #SCATTER_DIRECT_BYTES} bytes or more goes straight to a worker, as with {@link
     * #scatter}, and is kept while its task's future lives.
     */
    public <A, R> List<TaskFuture<R>> map(SerializableFunction<A, R> fn, List<? extends A> items) {
        return map(fn, items, TaskOptions.defaults());
    }

    /** {@link #map(SerializableFunction, List)} with retries, resources or a priority for every task. */
    public <A, R> List<TaskFuture<R>> map(SerializableFunction<A, R> fn, List<? extends A> items, TaskOptions options) {
        long function = session.functionId(TaskFunctions.of(fn));
        Arguments arguments = new Arguments(session);
        List<TaskSpec> specs = new ArrayList<>(items.size());
        List<TaskFuture<R>> futures = new ArrayList<>(items.size());
        for (A item : items) {
            long key = session.newKey();
            specs.add(spec(key, function, options).addArgs(arguments.of(item)).build());
            futures.add(future(key));
        }
        List<TaskSpec> scattered = arguments.scatteredFor(futures);
        if (!scattered.isEmpty()) {
            List<TaskSpec> all = new ArrayList<>(scattered.size() + specs.size());
            all.addAll(scattered);
            all.addAll(specs);
            specs = all;
        }
        session.submit(specs);
        return futures;
    }

    /** Sends the graph behind {@code graph} and returns the future of its root. */
    public <T> TaskFuture<T> compute(Delayed<T> graph) {
        return compute(List.of(graph)).get(0);
    }

    /** Sends several graphs at once (shared nodes run once) and returns their roots' futures. */
    public <T> List<TaskFuture<T>> compute(List<Delayed<T>> graphs) {
        GraphEncoder encoder = new GraphEncoder(session);
        List<Long> roots = new ArrayList<>(graphs.size());
        for (Delayed<T> g : graphs) {
            roots.add(encoder.add(Objects.requireNonNull(g, "graph is null")));
        }
        List<TaskFuture<T>> futures = new ArrayList<>(roots.size());
        for (long root : roots) {
            futures.add(future(root));
        }
        session.submit(encoder.specs(futures));
        return futures;
    }

    /**
     * Places {@code value} on a worker, to be used as a task input without sending it again. A
     * value of {@value #SCATTER_DIRECT_BYTES} bytes or more goes from this client straight to the
     * worker the scheduler names for it; a smaller one travels with the task description. The
     * client keeps the value while the future lives and sends it again if that worker is lost, so
     * a scattered array must not be changed afterwards.
     */
    public <T> TaskFuture<T> scatter(T value) {
        return this.<T>scatter(List.of(value)).get(0);
    }

    /** Scatters every value (see {@link #scatter(Object)}), in one submission; one future each. */
    public <T> List<TaskFuture<T>> scatter(List<? extends T> values) {
        long function = session.functionId(TaskFunctions.identity());
        List<TaskFuture<T>> out = new ArrayList<>(values.size());
        List<TaskSpec> specs = new ArrayList<>(values.size());
        for (T v : values) {
            EncodedValue encoded = ValueCodec.encodeValue(v);
            long key = session.newKey();
            TaskFuture<T> future = future(key);
            out.add(future);
            if (encoded.size() < SCATTER_DIRECT_BYTES) {
                specs.add(spec(key, function, TaskOptions.defaults())
                        .addArgs(Arg.newBuilder().setValue(encoded.toByteString()))
                        .build());
            } else {
                future.slot().keep(encoded);
                specs.add(Arguments.fromClient(session, key, encoded));
            }
        }
        session.submit(specs);
        return out;
    }

    /**
     * Waits for all futures and returns their results in order; the first failure is thrown.
     * Results held by workers are fetched from all of them at once, each as soon as it is done
     * (while later tasks still run), in as few calls per worker as their finishing allows.
     */
    public <T> List<T> gather(List<? extends Future<T>> futures) throws TaskFailedException, InterruptedException {
        prefetch(futures);
        List<T> out = new ArrayList<>(futures.size());
        for (Future<T> f : futures) {
            try {
                out.add(f.get());
            } catch (TaskFailedException e) {
                throw e;
            } catch (ExecutionException e) {
                throw new TaskFailedException(
                        e.getMessage(), e.getCause(), e.getCause().getClass().getName(), "");
            }
        }
        return out;
    }

    /**
     * Fetches the results of {@code futures} that wait on workers while the rest still run, one
     * call per worker at a time; what does not arrive is fetched (and retried) by {@code get}.
     */
    private void prefetch(List<? extends Future<?>> futures) throws InterruptedException {
        if (futures.size() < 2) {
            return; // one result: get() fetches it the same way
        }
        Prefetch prefetch = new Prefetch(session);
        try {
            for (Future<?> f : futures) {
                if (f instanceof TaskFuture<?> t) {
                    ResultSlot slot = t.slot();
                    prefetch.add(slot);
                    if (slot.isFailed()) {
                        // get() throws this failure now, before waiting for the futures after it.
                        prefetch.cancel();
                        return;
                    }
                }
            }
            prefetch.await();
        } catch (InterruptedException e) {
            prefetch.cancel();
            throw e;
        }
    }

    /** Cancels the tasks (and what depends on them) that have not finished. */
    public void cancel(Collection<? extends Future<?>> futures) {
        List<Long> keys = new ArrayList<>();
        for (Future<?> f : futures) {
            if (f instanceof TaskFuture<?> tf && !tf.isDone()) {
                keys.add(tf.key());
                tf.cancel(false);
            }
        }
        session.cancel(keys);
    }

    /** Waits until the cluster has at least {@code n} workers; fails after {@code timeout}. */
    public void waitForWorkers(int n, Duration timeout) {
        try {
            session.waitForWorkers(n, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterUnavailableException("interrupted while waiting for workers");
        }
    }

    /** Tasks submitted through this client that are done, failed, and in all. */
    public Progress progress() {
        return new Progress(session.finishedCount(), session.failedCount(), session.submittedCount());
    }

    /** Draws a progress bar on {@code out} until every future is done. */
    public void progress(Collection<? extends Future<?>> futures, PrintStream out) {
        ProgressBar.draw(futures, out);
    }

    /**
     * Calls {@code listener} with the progress of {@code futures} every {@code interval} (from a
     * background thread) until all are done; the returned future completes with the final count.
     */
    public CompletableFuture<Progress> progress(
            Collection<? extends Future<?>> futures, Consumer<Progress> listener, Duration interval) {
        return ProgressBar.watch(List.copyOf(futures), listener, interval);
    }

    /** A snapshot of the cluster: workers, task counts, addresses. */
    public ClusterSummary summary() {
        ClusterInfo info = session.info();
        List<WorkerSummary> workers = new ArrayList<>();
        for (WorkerInfo w : info.getWorkersList()) {
            workers.add(new WorkerSummary(
                    w.getName(),
                    w.getAddress(),
                    w.getNthreads(),
                    w.getMemoryLimit(),
                    w.getLast().getStoredBytes(),
                    w.getLast().getSpilledBytes(),
                    w.getProcessing(),
                    w.getPid()));
        }
        return new ClusterSummary(
                info.getSchedulerAddress(),
                emptyToNull(info.getDashboardAddress()),
                info.getEngineVersion(),
                List.copyOf(workers),
                info.getTasks().getWaiting() + info.getTasks().getReady(),
                info.getTasks().getProcessing(),
                info.getTasks().getMemory(),
                info.getTasks().getErred(),
                info.getTasks().getCompletedTotal(),
                info.getClients(),
                info.getIdleSinceMillis(),
                info.getPid());
    }

    /** Retires the named workers gracefully: their results move to other workers, then they exit. */
    public List<String> retireWorkers(List<String> names) {
        return session.retire(RetireRequest.newBuilder().addAllNames(names).build());
    }

    /**
     * Changes a setting of the cluster's scheduler extensions while it runs. The in-cluster
     * controller knows {@code adapt}: {@code MIN:MAX} (optionally {@code MIN:MAX:TARGET}, e.g.
     * {@code 0:50:5s}) sets adaptive scaling bounds, {@code off} stops adapting. Returns what was done.
     *
     * @throws IllegalArgumentException when the cluster has no extension for {@code key} or the value is invalid
     */
    public String configure(String key, String value) {
        return session.configure(key, value);
    }

    /** Retires {@code count} workers chosen by the scheduler (idle and holding little data first). */
    public List<String> retireWorkers(int count) {
        return session.retire(RetireRequest.newBuilder().setCount(count).build());
    }

    /**
     * The scheduler's recent log lines, oldest first: the last 2,000 or so it keeps in memory (a
     * line with a stack trace spans several text lines). Works wherever the scheduler runs.
     */
    public List<String> schedulerLogs() {
        return observation.schedulerLogs(0);
    }

    /**
     * Every connected worker's recent log lines by worker name, oldest first, read from the
     * workers directly (as large results are). A worker that cannot be reached maps to one line
     * starting with {@code "! "} that says why.
     */
    public Map<String, List<String>> workerLogs() {
        Map<String, String> workers = new LinkedHashMap<>();
        for (WorkerInfo w : session.info().getWorkersList()) {
            workers.put(w.getName(), w.getAddress());
        }
        return observation.workerLogs(workers, 0);
    }

    /**
     * Starts recording a performance report of the cluster; closing the returned object writes
     * {@code html}, one self-contained page (task stream with transfers and spills, durations per
     * kind, transfers per worker, worker memory over time). Use it around a block of work:
     * {@code try (var r = client.performanceReport(Path.of("report.html"))) { ... }}.
     */
    public PerformanceReport performanceReport(Path html) {
        Objects.requireNonNull(html, "html is null");
        ClusterInfo info = session.info();
        PerformanceRecorder recorder = new PerformanceRecorder(new PerformanceRecorder.Source() {
            @Override
            public dev.jcloud.engine.proto.PerformanceData performance(long sinceSeq) {
                return observation.performance(sinceSeq);
            }

            @Override
            public ClusterInfo info() {
                return session.info();
            }
        });
        return new PerformanceReport(html, recorder, info.getSchedulerAddress(), info.getEngineVersion());
    }

    /** Stops the scheduler and every worker. */
    public void shutdownCluster() {
        session.shutdownCluster("requested by client");
    }

    /** host:port of the scheduler. */
    public String schedulerAddress() {
        return session.address();
    }

    @Override
    public void close() {
        observation.close();
        session.close();
    }

    private <T> TaskFuture<T> submitOne(TaskFunction fn, List<Arg> args, TaskOptions options) {
        long function = session.functionId(fn);
        long key = session.newKey();
        TaskFuture<T> future = future(key);
        session.submit(List.of(spec(key, function, options).addAllArgs(args).build()));
        return future;
    }

    private static TaskSpec.Builder spec(long key, long function, TaskOptions options) {
        TaskSpec.Builder b =
                TaskSpec.newBuilder().setKey(key).setFunction(function).setWanted(true);
        if (options != TaskOptions.defaults()) {
            b.setRetries(options.retries()).setPriority(options.priorityValue());
            for (Delayed.Resource r : options.resources()) {
                b.addResources(dev.jcloud.engine.proto.Resource.newBuilder()
                        .setName(r.name())
                        .setAmount(r.amount()));
            }
        }
        return b;
    }

    <T> TaskFuture<T> future(long key) {
        return new TaskFuture<>(session.slot(key));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** Connection options. */
    public static final class Builder {
        private final String address;
        private TransportSecurity security = TransportSecurity.plaintext();
        private Duration timeout = Duration.ofSeconds(30);
        private String name = "client";
        private ClassLoader loader;
        private Path joinTokenFile;

        private Builder(String address) {
            this.address = Objects.requireNonNull(address, "address is null");
        }

        /** Mutual TLS with this client's certificate and key, trusting only the cluster's CA. */
        public Builder mutualTls(Path certChain, Path privateKey, Path clusterCa) {
            this.security = TransportSecurity.mutualTls(certChain.toFile(), privateKey.toFile(), clusterCa.toFile());
            return this;
        }

        /**
         * Mutual TLS with a cloud cluster, whose scheduler certificate carries the cluster's name
         * {@code serverName} instead of an address (see {@code jcloud cluster credentials}).
         */
        public Builder mutualTls(Path certChain, Path privateKey, Path clusterCa, String serverName) {
            this.security = TransportSecurity.mutualTls(
                    certChain.toFile(), privateKey.toFile(), clusterCa.toFile(), serverName);
            return this;
        }

        /**
         * Joins a cluster that admits holders of its join token (clusters from {@code jcloud
         * export-terraform}): at {@link #connect()} this client proves it holds the token in
         * {@code tokenFile}, gets a certificate of the cluster's CA for a key made in memory, and
         * then connects with mutual TLS as {@link #mutualTls} does. The file is read at connect.
         */
        public Builder joinToken(Path tokenFile) {
            this.joinTokenFile = Objects.requireNonNull(tokenFile, "tokenFile is null");
            return this;
        }

        /** How long to wait for the scheduler's answer (default 30 s). */
        public Builder connectTimeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** A name shown in the scheduler's logs and dashboard. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Where results' classes are loaded from (default: the thread's context class loader). */
        public Builder classLoader(ClassLoader loader) {
            this.loader = loader;
            return this;
        }

        public Client connect() {
            ClassLoader l = loader != null ? loader : Thread.currentThread().getContextClassLoader();
            if (l == null) {
                l = Client.class.getClassLoader();
            }
            TransportSecurity s = security;
            if (joinTokenFile != null) {
                try {
                    s = Joiner.join(
                                    address,
                                    JoinToken.read(joinTokenFile, "joinToken"),
                                    JoinProtocol.ROLE_CLIENT,
                                    JoinProtocol.requestName(name),
                                    timeout)
                            .security();
                } catch (Joiner.JoinFailedException e) {
                    throw new ClusterUnavailableException(e.getMessage(), e);
                }
            }
            return new Client(ClientSession.open(address, s, name, timeout, l), new ObservationCalls(address, s));
        }
    }
}
