package dev.jcloud.engine.scheduler;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.jcloud.engine.internal.net.Transports;
import dev.jcloud.engine.proto.ClusterInfo;
import dev.jcloud.engine.proto.TaskCounts;
import dev.jcloud.engine.proto.WorkerInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler's HTTP port: {@code /metrics} in the Prometheus text format, the live dashboard
 * at {@code /} (static assets bundled in the jar under {@code dev/jcloud/engine/dashboard/}),
 * {@code /api/stream} (Server-Sent Events, one JSON snapshot a second), {@code /api/snapshot}
 * (the same JSON once) and {@code /status} (a plain HTML page without script). The loop publishes
 * immutable snapshots every tick; requests read only those, so neither scraping nor an open
 * dashboard touches scheduler state or slows the loop. Each event stream has its own writer
 * ({@link SseClient}), so a browser that stops reading stalls nobody and is dropped after
 * {@link Settings#writeTimeoutMillis}. With a {@link DashboardToken}, every path needs it
 * ({@link DashboardAccess}): the port shows task data, and browsers cannot present the cluster's
 * client certificate.
 *
 * <p>Metric names and labels are a stable interface (documented in the README's metrics table):
 * rename nothing here without saying so there.
 */
final class MetricsEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);
    private static final String ASSETS = "/dev/jcloud/engine/dashboard/";
    private static final Pattern ASSET_NAME = Pattern.compile("[a-z0-9-]+\\.(html|js|css|svg)");
    /** Worker gauges published by extensions are forgotten this long after their worker left. */
    private static final long RETAIN_MILLIS = 10_000;

    /**
     * Metric families this endpoint writes itself; a published gauge may not take one of these
     * names (see {@link PublishedGauges}).
     */
    static final Set<String> BUILT_IN = Set.of(
            "jcloud_tasks",
            "jcloud_tasks_completed_total",
            "jcloud_tasks_failed_total",
            "jcloud_tasks_submitted_total",
            "jcloud_throughput_tasks_per_second",
            "jcloud_workers",
            "jcloud_threads",
            "jcloud_clients",
            "jcloud_memory_used_bytes",
            "jcloud_memory_limit_bytes",
            "jcloud_stored_bytes",
            "jcloud_spilled_bytes",
            "jcloud_uptime_seconds",
            "jcloud_idle_seconds",
            "jcloud_idle_timeout_seconds",
            "jcloud_worker_memory_limit_bytes",
            "jcloud_worker_heap_used_bytes",
            "jcloud_worker_stored_bytes",
            "jcloud_worker_spilled_bytes",
            "jcloud_worker_processing",
            "jcloud_worker_executing",
            "jcloud_worker_paused",
            "jcloud_worker_cpu_ratio",
            "jcloud_worker_network_received_bytes_total",
            "jcloud_worker_network_sent_bytes_total",
            "jcloud_worker_transfers_total",
            "jcloud_worker_uptime_seconds",
            "jcloud_worker_memory_threshold_ratio",
            "jcloud_task_duration_seconds",
            "jcloud_dashboard_streams",
            "jcloud_dashboard_streams_dropped_total",
            "jcloud_dashboard_event_bytes",
            "jcloud_dashboard_tick_seconds");

    /**
     * How the event streams behave; the defaults are for production, tests shorten them.
     *
     * @param pushMillis         how often every stream gets the newest snapshot
     * @param writeTimeoutMillis a stream whose write is blocked this long is closed
     * @param maxStreams         more open streams are refused (503)
     */
    record Settings(long pushMillis, long writeTimeoutMillis, int maxStreams) {
        static final Settings DEFAULTS = new Settings(1000, 10_000, 32);
    }

    private final HttpServer http;
    private final Settings settings;
    private final PublishedGauges gauges;
    private final ClusterHistory history = new ClusterHistory();
    private final ExecutorService httpThreads;
    private final ScheduledExecutorService pusher;
    private final List<SseClient> streams = new CopyOnWriteArrayList<>();
    private final AtomicInteger streamNumbers = new AtomicInteger();
    private final AtomicLong droppedStreams = new AtomicLong();
    private volatile Snapshot snapshot =
            new Snapshot(ClusterInfo.getDefaultInstance(), Map.of(), 0, Map.of(), Map.of(), 0);
    private volatile DashboardSnapshot dashboard = DashboardSnapshot.EMPTY;
    private volatile int lastEventBytes;
    private long lastCompleted;
    private long lastMillis;
    private long lastRetainMillis;
    private volatile double rate;

    /** What {@code /metrics} reports, as of one tick. */
    private record Snapshot(
            ClusterInfo info,
            Map<String, Double> meanSecondsByKind,
            double tasksPerSecond,
            Map<String, Double> gauges,
            Map<String, Map<String, Double>> workerGauges,
            long tickNanos) {}

    private MetricsEndpoint(HttpServer http, PublishedGauges gauges, Settings settings) {
        this.http = http;
        this.gauges = gauges;
        this.settings = settings;
        // A few threads, so a slow scrape or page load does not queue the others; event streams
        // do not hold one: their handler returns and each stream's own thread writes to it.
        this.httpThreads = Executors.newFixedThreadPool(4, daemon("jcloud-http"));
        this.pusher = Executors.newSingleThreadScheduledExecutor(daemon("jcloud-dashboard-push"));
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * With {@code token} non-null, every path needs it (see {@link DashboardAccess}); null leaves the
     * port open. With {@code tls} non-null the port speaks HTTPS only, with the scheduler's own
     * certificate, so the token and the task data never cross the network in clear.
     */
    static MetricsEndpoint start(
            String host,
            int port,
            PublishedGauges gauges,
            Settings settings,
            DashboardToken token,
            javax.net.ssl.SSLContext tls)
            throws IOException {
        HttpServer http;
        if (tls == null) {
            http = HttpServer.create(new InetSocketAddress(host, port), 64);
        } else {
            com.sun.net.httpserver.HttpsServer https =
                    com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress(host, port), 64);
            https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
            http = https;
        }
        MetricsEndpoint endpoint = new MetricsEndpoint(http, gauges, settings);
        DashboardAccess access = token == null ? null : new DashboardAccess(token, tls != null);
        LoopbackHostCheck hostCheck = Transports.isLoopbackBind(host) ? new LoopbackHostCheck() : null;
        for (var context : List.of(
                http.createContext("/metrics", endpoint::metrics),
                http.createContext("/status", endpoint::status),
                http.createContext("/api/stream", endpoint::stream),
                http.createContext("/api/snapshot", endpoint::snapshotJson),
                http.createContext("/", endpoint::asset))) {
            if (hostCheck != null) {
                context.getFilters().add(hostCheck);
            }
            if (access != null) {
                context.getFilters().add(access);
            }
        }
        http.setExecutor(endpoint.httpThreads);
        http.start();
        endpoint.pusher.scheduleAtFixedRate(
                endpoint::push, settings.pushMillis(), settings.pushMillis(), TimeUnit.MILLISECONDS);
        return endpoint;
    }

    int port() {
        return http.getAddress().getPort();
    }

    /** {@code https} when the port speaks TLS, else {@code http}. */
    String scheme() {
        return http instanceof com.sun.net.httpserver.HttpsServer ? "https" : "http";
    }

    /** Called from the loop thread. */
    void publish(ClusterInfo info, Map<String, Double> meanSecondsByKind, long nowMillis) {
        publish(info, meanSecondsByKind, null, nowMillis, 0);
    }

    /** Called from the loop thread with the dashboard's part of the tick. */
    void publish(ClusterInfo info, Map<String, Double> meanSecondsByKind, DashboardSnapshot dash, long nowMillis) {
        publish(info, meanSecondsByKind, dash, nowMillis, 0);
    }

    /**
     * Called from the loop thread with the dashboard's part of the tick and what building it cost
     * the loop ({@code tickNanos}, shown as {@code jcloud_dashboard_tick_seconds}).
     */
    void publish(
            ClusterInfo info,
            Map<String, Double> meanSecondsByKind,
            DashboardSnapshot dash,
            long nowMillis,
            long tickNanos) {
        long completed = info.getTasks().getCompletedTotal();
        if (lastMillis > 0 && nowMillis > lastMillis) {
            double instant = (completed - lastCompleted) * 1000.0 / (nowMillis - lastMillis);
            rate = rate == 0 ? instant : rate * 0.7 + instant * 0.3;
        }
        lastCompleted = completed;
        lastMillis = nowMillis;
        if (nowMillis - lastRetainMillis >= RETAIN_MILLIS) {
            lastRetainMillis = nowMillis;
            List<String> names = new ArrayList<>(info.getWorkersCount());
            info.getWorkersList().forEach(w -> names.add(w.getName()));
            gauges.retainWorkers(names, nowMillis);
        }
        Map<String, Double> cluster = gauges.cluster();
        Map<String, Map<String, Double>> workers = gauges.workers();
        ClusterHistory.Slice h = history.sample(
                nowMillis,
                info.getWorkersCount(),
                cluster.getOrDefault(PublishedGauges.ADAPTIVE_TARGET, Double.NaN),
                cluster.getOrDefault(PublishedGauges.COST_PER_HOUR, Double.NaN),
                cluster.getOrDefault(PublishedGauges.COST_TOTAL, Double.NaN));
        snapshot = new Snapshot(info, Map.copyOf(meanSecondsByKind), rate, cluster, workers, tickNanos);
        if (dash != null) {
            dashboard = dash.withCluster(new DashboardSnapshot.ClusterPanel(cluster, workers, h));
        }
    }

    /** The smoothed completion rate, for the dashboard snapshot built on the loop thread. */
    double rate() {
        return rate;
    }

    void stop() {
        pusher.shutdownNow();
        for (SseClient c : streams) {
            c.close("scheduler stopping");
        }
        streams.clear();
        http.stop(0);
        httpThreads.shutdownNow();
    }

    private void stream(HttpExchange exchange) throws IOException {
        if (streams.size() >= settings.maxStreams()) {
            byte[] body = ("at most " + settings.maxStreams() + " dashboards can be open at once\n")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(503, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        // Not closed here: the stream's own thread writes one event a second until the browser goes away.
        SseClient c = new SseClient(
                exchange,
                dashboard,
                this::streamClosed,
                bytes -> lastEventBytes = bytes,
                streamNumbers.incrementAndGet());
        streams.add(c);
        c.start();
    }

    private void streamClosed(SseClient c) {
        if (streams.remove(c) && c.closeReason() != null && c.closeReason().startsWith("write blocked")) {
            LOG.info("dashboard stream dropped: {}", c.closeReason());
        }
    }

    /** Runs on the pusher thread: the newest snapshot to every stream, and streams stuck too long closed. */
    private void push() {
        if (streams.isEmpty()) {
            return;
        }
        DashboardSnapshot d = dashboard;
        long now = System.nanoTime();
        long timeout = TimeUnit.MILLISECONDS.toNanos(settings.writeTimeoutMillis());
        for (SseClient c : streams) {
            long stalled = c.stalledFor(now);
            if (stalled > timeout) {
                droppedStreams.incrementAndGet();
                c.close("write blocked for " + TimeUnit.NANOSECONDS.toMillis(stalled)
                        + " ms (the browser stopped reading)");
            } else {
                c.offer(d);
            }
        }
    }

    /** Open event streams. */
    int streamClients() {
        return streams.size();
    }

    /** Event streams closed because their browser stopped reading. */
    long droppedStreams() {
        return droppedStreams.get();
    }

    /** Writer threads of open streams that are still alive (each ends when its stream closes). */
    long liveStreamThreads() {
        return streams.stream().filter(SseClient::isAlive).count();
    }

    private void snapshotJson(HttpExchange exchange) throws IOException {
        respond(exchange, "application/json; charset=utf-8", dashboard.toJson());
    }

    private void asset(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String name = path.equals("/") ? "index.html" : path.substring(1);
        if (!ASSET_NAME.matcher(name).matches()) {
            notFound(exchange);
            return;
        }
        try (InputStream in = MetricsEndpoint.class.getResourceAsStream(ASSETS + name)) {
            if (in == null) {
                notFound(exchange);
                return;
            }
            byte[] bytes = in.readAllBytes();
            String type = name.endsWith(".html")
                    ? "text/html; charset=utf-8"
                    : name.endsWith(".js")
                            ? "text/javascript; charset=utf-8"
                            : name.endsWith(".css") ? "text/css; charset=utf-8" : "image/svg+xml";
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static void notFound(HttpExchange exchange) throws IOException {
        exchange.sendResponseHeaders(404, -1);
        exchange.close();
    }

    private void metrics(HttpExchange exchange) throws IOException {
        respond(exchange, "text/plain; version=0.0.4; charset=utf-8", prometheus(snapshot));
    }

    private String prometheus(Snapshot s) {
        StringBuilder out = new StringBuilder(8192 + s.info.getWorkersCount() * 1500);
        ClusterInfo info = s.info;
        List<WorkerInfo> workers = info.getWorkersList();
        TaskCounts t = info.getTasks();
        family(out, "jcloud_tasks", "gauge", "Tasks in the scheduler by state.");
        sample(out, "jcloud_tasks", "state", "waiting", t.getWaiting());
        sample(out, "jcloud_tasks", "state", "ready", t.getReady());
        sample(out, "jcloud_tasks", "state", "processing", t.getProcessing());
        sample(out, "jcloud_tasks", "state", "memory", t.getMemory());
        sample(out, "jcloud_tasks", "state", "erred", t.getErred());
        single(
                out,
                "jcloud_tasks_completed_total",
                "counter",
                "Tasks finished successfully since the scheduler started.",
                t.getCompletedTotal());
        single(
                out,
                "jcloud_tasks_failed_total",
                "counter",
                "Tasks that failed for good since the scheduler started.",
                t.getFailedTotal());
        single(
                out,
                "jcloud_tasks_submitted_total",
                "counter",
                "Tasks submitted since the scheduler started.",
                t.getSubmittedTotal());
        single(
                out,
                "jcloud_throughput_tasks_per_second",
                "gauge",
                "Recent rate of task completions.",
                s.tasksPerSecond);
        single(out, "jcloud_workers", "gauge", "Connected workers.", workers.size());
        single(
                out,
                "jcloud_threads",
                "gauge",
                "Task threads of all connected workers.",
                sum(workers, w -> w.getNthreads()));
        single(out, "jcloud_clients", "gauge", "Connected clients.", info.getClients());
        single(
                out,
                "jcloud_memory_used_bytes",
                "gauge",
                "JVM heap in use, summed over the workers.",
                sum(workers, w -> w.getLast().getHeapUsed()));
        single(
                out,
                "jcloud_memory_limit_bytes",
                "gauge",
                "Memory limits, summed over the workers.",
                sum(workers, w -> w.getMemoryLimit()));
        single(
                out,
                "jcloud_stored_bytes",
                "gauge",
                "Result bytes held in memory, summed over the workers.",
                sum(workers, w -> w.getLast().getStoredBytes()));
        single(
                out,
                "jcloud_spilled_bytes",
                "gauge",
                "Result bytes moved to local disk, summed over the workers.",
                sum(workers, w -> w.getLast().getSpilledBytes()));
        long now = System.currentTimeMillis();
        single(
                out,
                "jcloud_uptime_seconds",
                "gauge",
                "Seconds since the scheduler started.",
                info.getStartedMillis() == 0 ? 0 : (now - info.getStartedMillis()) / 1000.0);
        single(
                out,
                "jcloud_idle_seconds",
                "gauge",
                "Seconds without tasks or clients; 0 while busy. The cluster stops when this reaches the idle timeout.",
                info.getIdleSinceMillis() == 0 ? 0 : Math.max(0, now - info.getIdleSinceMillis()) / 1000.0);
        single(
                out,
                "jcloud_idle_timeout_seconds",
                "gauge",
                "The scheduler's idle timeout; 0 = never.",
                info.getIdleTimeoutMillis() / 1000.0);

        perWorker(
                out,
                workers,
                "jcloud_worker_memory_limit_bytes",
                "gauge",
                "Memory limit of each worker.",
                WorkerInfo::getMemoryLimit);
        perWorker(
                out,
                workers,
                "jcloud_worker_heap_used_bytes",
                "gauge",
                "JVM heap in use on each worker.",
                w -> w.getLast().getHeapUsed());
        perWorker(
                out,
                workers,
                "jcloud_worker_stored_bytes",
                "gauge",
                "Result bytes held in memory by each worker.",
                w -> w.getLast().getStoredBytes());
        perWorker(
                out,
                workers,
                "jcloud_worker_spilled_bytes",
                "gauge",
                "Result bytes each worker moved to disk.",
                w -> w.getLast().getSpilledBytes());
        perWorker(
                out,
                workers,
                "jcloud_worker_processing",
                "gauge",
                "Tasks assigned to each worker.",
                WorkerInfo::getProcessing);
        perWorker(
                out,
                workers,
                "jcloud_worker_executing",
                "gauge",
                "Tasks running on each worker's threads.",
                w -> w.getLast().getExecuting());
        perWorker(
                out,
                workers,
                "jcloud_worker_paused",
                "gauge",
                "1 while a worker is paused (memory above its pause threshold).",
                w -> w.getLast().getPaused() ? 1 : 0);
        perWorker(
                out,
                workers,
                "jcloud_worker_cpu_ratio",
                "gauge",
                "Process CPU load of each worker, 0..1 of one core.",
                w -> w.getLast().getCpu());
        perWorker(
                out,
                workers,
                "jcloud_worker_network_received_bytes_total",
                "counter",
                "Result bytes each worker fetched from peers.",
                w -> w.getLast().getBytesIn());
        perWorker(
                out,
                workers,
                "jcloud_worker_network_sent_bytes_total",
                "counter",
                "Result bytes each worker served to peers and clients.",
                w -> w.getLast().getBytesOut());
        perWorker(
                out,
                workers,
                "jcloud_worker_transfers_total",
                "counter",
                "Peer fetches each worker completed.",
                w -> w.getLast().getTransfers());
        perWorker(
                out,
                workers,
                "jcloud_worker_uptime_seconds",
                "gauge",
                "Seconds since each worker registered.",
                w -> Math.max(0, now - w.getConnectedMillis()) / 1000.0);
        family(
                out,
                "jcloud_worker_memory_threshold_ratio",
                "gauge",
                "Memory thresholds of each worker as fractions of its limit: spill to disk, pause, terminate.");
        for (WorkerInfo w : workers) {
            thresholds(out, w, "spill", DashboardSnapshot.spill(w));
            thresholds(out, w, "pause", DashboardSnapshot.pause(w));
            thresholds(out, w, "terminate", DashboardSnapshot.terminate(w));
        }
        family(out, "jcloud_task_duration_seconds", "gauge", "Mean run time of each kind of task.");
        s.meanSecondsByKind.forEach((kind, secs) -> out.append("jcloud_task_duration_seconds{kind=\"")
                .append(escape(kind))
                .append("\"} ")
                .append(value(secs))
                .append('\n'));

        // What extensions published (the in-cluster controller: cost, adaptive target).
        s.gauges.forEach(
                (name, v) -> single(out, "jcloud_" + name, type(name), "Published by a scheduler extension.", v));
        s.workerGauges.forEach((name, byWorker) -> {
            String metric = "jcloud_worker_" + name;
            family(out, metric, type(name), "Published by a scheduler extension, per worker.");
            byWorker.forEach((worker, v) -> out.append(metric)
                    .append("{worker=\"")
                    .append(escape(worker))
                    .append("\"} ")
                    .append(value(v))
                    .append('\n'));
        });

        single(out, "jcloud_dashboard_streams", "gauge", "Open dashboard event streams.", streams.size());
        single(
                out,
                "jcloud_dashboard_streams_dropped_total",
                "counter",
                "Dashboard event streams closed because their browser stopped reading.",
                droppedStreams.get());
        single(
                out,
                "jcloud_dashboard_event_bytes",
                "gauge",
                "Size of the last event sent to a dashboard (a stream's first event is the whole snapshot, later ones what changed).",
                lastEventBytes);
        single(
                out,
                "jcloud_dashboard_tick_seconds",
                "gauge",
                "Scheduler-loop time spent on the last tick's dashboard and metrics snapshot.",
                s.tickNanos / 1e9);
        return out.toString();
    }

    /** Whether {@code metric} is a family this endpoint writes itself. */
    static boolean isBuiltIn(String metric) {
        return BUILT_IN.contains(metric);
    }

    private static String type(String publishedName) {
        return publishedName.endsWith("_total") ? "counter" : "gauge";
    }

    private static void thresholds(StringBuilder out, WorkerInfo w, String threshold, double v) {
        out.append("jcloud_worker_memory_threshold_ratio{worker=\"")
                .append(escape(w.getName()))
                .append("\",threshold=\"")
                .append(threshold)
                .append("\"} ")
                .append(value(v))
                .append('\n');
    }

    private static double sum(List<WorkerInfo> workers, ToDoubleFunction<WorkerInfo> f) {
        double total = 0;
        for (WorkerInfo w : workers) {
            total += f.applyAsDouble(w);
        }
        return total;
    }

    private static void perWorker(
            StringBuilder out,
            List<WorkerInfo> workers,
            String name,
            String type,
            String help,
            ToDoubleFunction<WorkerInfo> f) {
        family(out, name, type, help);
        for (WorkerInfo w : workers) {
            out.append(name)
                    .append("{worker=\"")
                    .append(escape(w.getName()))
                    .append("\"} ")
                    .append(value(f.applyAsDouble(w)))
                    .append('\n');
        }
    }

    private void status(HttpExchange exchange) throws IOException {
        ClusterInfo info = snapshot.info;
        StringBuilder html = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\">"
                + "<title>jcloud scheduler</title></head><body><h1>jcloud scheduler</h1>");
        html.append("<p>")
                .append(escapeHtml(info.getSchedulerAddress()))
                .append(" &middot; engine ")
                .append(escapeHtml(info.getEngineVersion()))
                .append(" &middot; ")
                .append(info.getWorkersCount())
                .append(" workers &middot; ")
                .append(info.getTasks().getProcessing())
                .append(" processing &middot; ")
                .append(info.getTasks().getCompletedTotal())
                .append(" completed</p><table border=\"1\">"
                        + "<tr><th>worker</th><th>address</th><th>threads</th><th>processing</th><th>stored</th></tr>");
        for (WorkerInfo w : info.getWorkersList()) {
            html.append("<tr><td>")
                    .append(escapeHtml(w.getName()))
                    .append("</td><td>")
                    .append(escapeHtml(w.getAddress()))
                    .append("</td><td>")
                    .append(w.getNthreads())
                    .append("</td><td>")
                    .append(w.getProcessing())
                    .append("</td><td>")
                    .append(w.getLast().getStoredBytes())
                    .append("</td></tr>");
        }
        html.append("</table><p><a href=\"/metrics\">/metrics</a></p></body></html>");
        respond(exchange, "text/html; charset=utf-8", html.toString());
    }

    private static void respond(HttpExchange exchange, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void family(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ")
                .append(name)
                .append(' ')
                .append(help)
                .append('\n')
                .append("# TYPE ")
                .append(name)
                .append(' ')
                .append(type)
                .append('\n');
    }

    private static void single(StringBuilder out, String name, String type, String help, double v) {
        family(out, name, type, help);
        out.append(name).append(' ').append(value(v)).append('\n');
    }

    private static void sample(StringBuilder out, String name, String label, String value, long v) {
        out.append(name)
                .append('{')
                .append(label)
                .append("=\"")
                .append(escape(value))
                .append("\"} ")
                .append(v)
                .append('\n');
    }

    /** Whole numbers without a fraction (byte counts stay exact), others in Java's shortest form. */
    static String value(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v).toLowerCase(Locale.ROOT).replace("infinity", "Inf");
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
