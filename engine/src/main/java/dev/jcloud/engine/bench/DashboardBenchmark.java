package dev.jcloud.engine.bench;

import com.google.protobuf.ByteString;
import dev.jcloud.engine.EngineVersion;
import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.TaskFuture;
import dev.jcloud.engine.internal.codec.ValueCodec;
import dev.jcloud.engine.internal.net.TransportSecurity;
import dev.jcloud.engine.internal.net.Transports;
import dev.jcloud.engine.proto.ComputeTask;
import dev.jcloud.engine.proto.Heartbeat;
import dev.jcloud.engine.proto.SchedulerGrpc;
import dev.jcloud.engine.proto.TaskResult;
import dev.jcloud.engine.proto.WorkerBatch;
import dev.jcloud.engine.proto.WorkerHello;
import dev.jcloud.engine.proto.WorkerOrders;
import dev.jcloud.engine.scheduler.SchedulerOptions;
import dev.jcloud.engine.scheduler.SchedulerServer;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load benchmark of the dashboard (not part of {@code mvn verify}): a real scheduler, many fake
 * workers over real gRPC that finish every task the moment they get it (so the scheduler is the
 * bottleneck), and a million-task {@code map} from a real client. Each round runs the same work
 * twice, without and with dashboards open, and reports:
 * <ul>
 *   <li>scheduler throughput both ways and the drop with dashboards open;</li>
 *   <li>page load under load: {@code /}, its script and style, and the first event of a new
 *       stream, in milliseconds;</li>
 *   <li>event sizes (first full event and the per-second events) and {@code /api/snapshot};</li>
 *   <li>the loop time the dashboard's snapshot costs per tick ({@code jcloud_dashboard_tick_seconds}).</li>
 * </ul>
 * Run: {@code java -Xmx4g -cp <engine jar and its dependencies> dev.jcloud.engine.bench.DashboardBenchmark
 * [--workers 100] [--threads 4] [--tasks 1000000] [--streams 3] [--rounds 2]}.
 */
public final class DashboardBenchmark {

    private static final Pattern TICK = Pattern.compile("(?m)^jcloud_dashboard_tick_seconds (\\S+)$");

    private final int workers;
    private final int threads;
    private final int tasks;
    private final int streams;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private DashboardBenchmark(int workers, int threads, int tasks, int streams) {
        this.workers = workers;
        this.threads = threads;
        this.tasks = tasks;
        this.streams = streams;
    }

    public static void main(String[] args) throws Exception {
        dev.jcloud.engine.process.ProcessLogging.configure();
        int workers = 100;
        int threads = 4;
        int tasks = 1_000_000;
        int streams = 3;
        int rounds = 2;
        for (int i = 0; i < args.length; i += 2) {
            int v = Integer.parseInt(args[i + 1]);
            switch (args[i]) {
                case "--workers" -> workers = v;
                case "--threads" -> threads = v;
                case "--tasks" -> tasks = v;
                case "--streams" -> streams = v;
                case "--rounds" -> rounds = v;
                default ->
                    throw new IllegalArgumentException("unknown option " + args[i]
                            + " (accepted: --workers --threads --tasks --streams --rounds)");
            }
        }
        new DashboardBenchmark(workers, threads, tasks, streams).run(rounds);
        System.exit(0);
    }

    private void run(int rounds) throws Exception {
        try (SchedulerServer scheduler = SchedulerServer.start(SchedulerOptions.loopback())) {
            String dashboard = "http://" + scheduler.dashboardAddress();
            ManagedChannel channel = Transports.channel(
                    scheduler.address(),
                    TransportSecurity.plaintext(),
                    Executors.newFixedThreadPool(2, daemon("fake-worker")));
            List<FakeWorker> fakes = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                fakes.add(new FakeWorker(channel, "fake-" + i, threads));
            }
            ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(daemon("fake-heartbeats"));
            heartbeats.scheduleAtFixedRate(() -> fakes.forEach(FakeWorker::heartbeat), 1, 1, TimeUnit.SECONDS);
            try (Client client = Client.connect(scheduler.address())) {
                client.waitForWorkers(workers, Duration.ofSeconds(60));
                System.out.printf(
                        Locale.ROOT,
                        "dashboard benchmark: %d fake workers x %d threads, %,d tasks per run, "
                                + "%d dashboards open in the second run of each round%n",
                        workers,
                        threads,
                        tasks,
                        streams);
                // One small warm-up run so that both measured runs see a JIT-compiled scheduler.
                runTasks(client, Math.min(tasks, 200_000));
                List<double[]> results = new ArrayList<>();
                for (int r = 1; r <= rounds; r++) {
                    // Alternate which run goes first, so that drift (JIT, heap, the machine) cancels out.
                    boolean closedFirst = r % 2 == 1;
                    double closed = closedFirst ? runTasks(client, tasks) : 0;
                    Load load = new Load(dashboard, streams);
                    load.start();
                    double open = runTasks(client, tasks);
                    load.stop();
                    if (!closedFirst) {
                        closed = runTasks(client, tasks);
                    }
                    results.add(new double[] {closed, open});
                    System.out.printf(
                            Locale.ROOT,
                            "round %d: %,.0f tasks/s without dashboards, %,.0f tasks/s with %d open " + "(%+.1f %%)%n",
                            r,
                            closed,
                            open,
                            streams,
                            (open - closed) / closed * 100);
                    load.report();
                }
                double closed =
                        results.stream().mapToDouble(x -> x[0]).average().orElse(0);
                double open = results.stream().mapToDouble(x -> x[1]).average().orElse(0);
                List<Double> ratios = new ArrayList<>();
                results.forEach(x -> ratios.add((x[1] - x[0]) / x[0] * 100));
                Collections.sort(ratios);
                String snapshot = http.send(
                                HttpRequest.newBuilder(URI.create(dashboard + "/api/snapshot"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                System.out.printf(
                        Locale.ROOT,
                        "mean: %,.0f tasks/s without, %,.0f with dashboards (%+.1f %%); "
                                + "median of the rounds' changes %+.1f %%; /api/snapshot %,d bytes%n",
                        closed,
                        open,
                        (open - closed) / closed * 100,
                        ratios.get(ratios.size() / 2),
                        snapshot.getBytes(StandardCharsets.UTF_8).length);
            } finally {
                heartbeats.shutdownNow();
                channel.shutdownNow();
            }
        }
    }

    /** Maps {@code n} no-op tasks and waits for all; returns tasks per second. */
    private static double runTasks(Client client, int n) throws InterruptedException, ExecutionException {
        List<Long> items = new ArrayList<>(n);
        for (long i = 0; i < n; i++) {
            items.add(i);
        }
        long t0 = System.nanoTime();
        List<TaskFuture<Long>> futures = client.map(DashboardBenchmark::noop, items);
        for (TaskFuture<Long> f : futures) {
            f.get();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        futures = null;
        System.gc(); // the released futures free their tasks on the scheduler before the next run
        return n / seconds;
    }

    static Long noop(Long x) {
        return x;
    }

    /** Open dashboards reading their streams, a page-load probe every 2 s, and the loop's dashboard cost. */
    private final class Load {
        private final String base;
        private final int count;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();
        private final List<InputStream> bodies = Collections.synchronizedList(new ArrayList<>());
        private final AtomicLong events = new AtomicLong();
        private final AtomicLong eventBytes = new AtomicLong();
        private final AtomicLong maxEvent = new AtomicLong();
        private final List<Long> firstEvent = Collections.synchronizedList(new ArrayList<>());
        private final List<Double> pageLoads = Collections.synchronizedList(new ArrayList<>());
        private final List<Double> firstEventMillis = Collections.synchronizedList(new ArrayList<>());
        private final List<Double> ticks = Collections.synchronizedList(new ArrayList<>());

        Load(String base, int count) {
            this.base = base;
            this.count = count;
        }

        void start() {
            for (int i = 0; i < count; i++) {
                threads.add(daemonThread("dashboard-" + i, () -> readStream(true)));
            }
            threads.add(daemonThread("page-load-probe", () -> {
                while (running.get()) {
                    probe();
                    sleep(2000);
                }
            }));
            threads.add(daemonThread("metrics-probe", () -> {
                while (running.get()) {
                    try {
                        Matcher m = TICK.matcher(get("/metrics"));
                        if (m.find()) {
                            ticks.add(Double.parseDouble(m.group(1)) * 1000);
                        }
                    } catch (Exception e) {
                        // the scheduler is stopping
                    }
                    sleep(500);
                }
            }));
        }

        private void readStream(boolean keep) {
            try {
                HttpResponse<InputStream> r = http.send(
                        HttpRequest.newBuilder(URI.create(base + "/api/stream")).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                bodies.add(r.body());
                BufferedReader in =
                        new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8), 1 << 16);
                boolean first = true;
                for (String line; running.get() && (line = in.readLine()) != null; ) {
                    if (line.startsWith("data: ")) {
                        if (first) {
                            firstEvent.add((long) line.length());
                            first = false;
                        } else {
                            events.incrementAndGet();
                            eventBytes.addAndGet(line.length());
                            maxEvent.accumulateAndGet(line.length(), Math::max);
                        }
                    }
                }
            } catch (Exception e) {
                // closed at the end of the run
            }
        }

        /** What a browser opening the page does: the page, its script and style, then the first event. */
        private void probe() {
            try {
                long t0 = System.nanoTime();
                get("/");
                get("/dashboard.js");
                get("/dashboard.css");
                HttpResponse<InputStream> r = http.send(
                        HttpRequest.newBuilder(URI.create(base + "/api/stream")).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        if (line.startsWith("data: ")) {
                            break;
                        }
                    }
                }
                double millis = (System.nanoTime() - t0) / 1e6;
                pageLoads.add(millis);
            } catch (Exception e) {
                pageLoads.add(Double.NaN);
            }
        }

        private String get(String path) throws Exception {
            return http.send(
                            HttpRequest.newBuilder(URI.create(base + path))
                                    .timeout(Duration.ofSeconds(30))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        }

        void stop() throws InterruptedException {
            running.set(false);
            synchronized (bodies) {
                for (InputStream b : bodies) {
                    try {
                        b.close();
                    } catch (Exception ignored) {
                        // already closed
                    }
                }
            }
            for (Thread t : threads) {
                t.join(5000);
            }
        }

        void report() {
            System.out.printf(
                    Locale.ROOT,
                    "  page load (/, script, style, first event) under load: %s ms over %d probes%n",
                    summary(pageLoads),
                    pageLoads.size());
            System.out.printf(
                    Locale.ROOT,
                    "  first (full) event %s bytes; then %,d events, mean %,d bytes, max %,d bytes%n",
                    firstEvent.isEmpty() ? "–" : String.format(Locale.ROOT, "%,d", firstEvent.get(0)),
                    events.get(),
                    events.get() == 0 ? 0 : eventBytes.get() / events.get(),
                    maxEvent.get());
            System.out.printf(
                    Locale.ROOT,
                    "  scheduler-loop time for the dashboard snapshot per tick: %s ms (%d samples)%n",
                    summary(ticks),
                    ticks.size());
        }
    }

    private static String summary(List<Double> values) {
        List<Double> v = new ArrayList<>();
        synchronized (values) {
            values.stream().filter(d -> !d.isNaN()).forEach(v::add);
        }
        if (v.isEmpty()) {
            return "–";
        }
        Collections.sort(v);
        return String.format(
                Locale.ROOT,
                "median %.2f, p90 %.2f, max %.2f",
                v.get(v.size() / 2),
                v.get(Math.min(v.size() - 1, (int) Math.ceil(v.size() * 0.9) - 1)),
                v.get(v.size() - 1));
    }

    /** A worker that finishes every task the moment it arrives, with plausible heartbeats. */
    private static final class FakeWorker implements StreamObserver<WorkerOrders> {
        private static final ByteString RESULT = ValueCodec.encodeToByteString(0L);
        private final StreamObserver<WorkerBatch> up;
        private final int threads;
        private int next;

        FakeWorker(ManagedChannel channel, String name, int threads) {
            this.threads = threads;
            this.up = SchedulerGrpc.newStub(channel).workerSession(this);
            synchronized (this) {
                up.onNext(WorkerBatch.newBuilder()
                        .setHello(WorkerHello.newBuilder()
                                .setName(name)
                                .setNthreads(threads)
                                .setMemoryLimit(4L << 30)
                                .setDataAddress("127.0.0.1:9")
                                .setEngineVersion(EngineVersion.VERSION)
                                .setSpillFraction(0.6)
                                .setPauseFraction(0.8)
                                .setTerminateFraction(0.95))
                        .build());
            }
        }

        @Override
        public synchronized void onNext(WorkerOrders orders) {
            if (orders.getComputeCount() == 0) {
                return;
            }
            long now = System.currentTimeMillis() * 1000;
            WorkerBatch.Builder batch = WorkerBatch.newBuilder();
            for (ComputeTask t : orders.getComputeList()) {
                batch.addFinished(TaskResult.newBuilder()
                        .setKey(t.getKey())
                        .setNbytes(RESULT.size())
                        .setValue(RESULT)
                        .setInline(true)
                        .setStartMicros(now)
                        .setDurationMicros(50)
                        .setThread(next++ % threads));
            }
            up.onNext(batch.build());
        }

        synchronized void heartbeat() {
            up.onNext(WorkerBatch.newBuilder()
                    .setHeartbeat(Heartbeat.newBuilder()
                            .setHeapUsed(700L << 20)
                            .setHeapMax(4L << 30)
                            .setCpu(0.5)
                            .setStoredBytes(1 << 20))
                    .build());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
    }

    private static Thread daemonThread(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
