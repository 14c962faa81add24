package dev.jcloud.engine.scheduler;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.jcloud.engine.proto.ClusterInfo;
import dev.jcloud.engine.proto.TaskCounts;
import dev.jcloud.engine.proto.WorkerInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The scheduler's HTTP port: {@code /metrics} in the Prometheus text format, the live dashboard
 * at {@code /} (static assets bundled in the jar under {@code dev/jcloud/engine/dashboard/}),
 * {@code /api/stream} (Server-Sent Events, one JSON snapshot a second), {@code /api/snapshot}
 * (the same JSON once) and {@code /status} (a plain HTML page without script). The loop publishes
 * immutable snapshots every tick; requests read only those, so neither scraping nor an open
 * dashboard touches scheduler state or slows the loop.
 */
final class MetricsEndpoint {

    private static final String ASSETS = "/dev/jcloud/engine/dashboard/";
    private static final Pattern ASSET_NAME = Pattern.compile("[a-z0-9-]+\\.(html|js|css|svg)");
    private static final long PUSH_MILLIS = 1000;

    private final HttpServer http;
    private final ExecutorService httpThreads;
    private final ScheduledExecutorService pusher;
    private final List<SseClient> sseClients = new CopyOnWriteArrayList<>();
    private volatile Snapshot snapshot = new Snapshot(ClusterInfo.getDefaultInstance(), Map.of(), 0);
    private volatile DashboardSnapshot dashboard = DashboardSnapshot.EMPTY;
    private long lastCompleted;
    private long lastMillis;
    private volatile double rate;

    private record Snapshot(ClusterInfo info, Map<String, Double> meanSecondsByKind, double tasksPerSecond) {
    }

    /** An open event stream and the first task-stream record it has not been sent yet. */
    private static final class SseClient {
        final HttpExchange exchange;
        final OutputStream out;
        long nextSeq;

        SseClient(HttpExchange exchange, long nextSeq) {
            this.exchange = exchange;
            this.out = exchange.getResponseBody();
            this.nextSeq = nextSeq;
        }
    }

    private MetricsEndpoint(HttpServer http) {
        this.http = http;
        // A few threads, so a slow scrape or page load does not queue the others; event streams
        // do not hold one: their handler returns and the pusher thread writes to them.
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

    static MetricsEndpoint start(String host, int port) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 64);
        MetricsEndpoint endpoint = new MetricsEndpoint(http);
        http.createContext("/metrics", endpoint::metrics);
        http.createContext("/status", endpoint::status);
        http.createContext("/api/stream", endpoint::stream);
        http.createContext("/api/snapshot", endpoint::snapshotJson);
        http.createContext("/", endpoint::asset);
        http.setExecutor(endpoint.httpThreads);
        http.start();
        endpoint.pusher.scheduleAtFixedRate(endpoint::push, PUSH_MILLIS, PUSH_MILLIS, TimeUnit.MILLISECONDS);
        return endpoint;
    }

    int port() {
        return http.getAddress().getPort();
    }

    /** Called from the loop thread. */
    void publish(ClusterInfo info, Map<String, Double> meanSecondsByKind, long nowMillis) {
        publish(info, meanSecondsByKind, null, nowMillis);
    }

    /** Called from the loop thread with the dashboard's part of the tick. */
    void publish(ClusterInfo info, Map<String, Double> meanSecondsByKind, DashboardSnapshot dash, long nowMillis) {
        long completed = info.getTasks().getCompletedTotal();
        if (lastMillis > 0 && nowMillis > lastMillis) {
            double instant = (completed - lastCompleted) * 1000.0 / (nowMillis - lastMillis);
            rate = rate == 0 ? instant : rate * 0.7 + instant * 0.3;
        }
        lastCompleted = completed;
        lastMillis = nowMillis;
        snapshot = new Snapshot(info, Map.copyOf(meanSecondsByKind), rate);
        if (dash != null) {
            dashboard = dash;
        }
    }

    /** The smoothed completion rate, for the dashboard snapshot built on the loop thread. */
    double rate() {
        return rate;
    }

    void stop() {
        pusher.shutdownNow();
        for (SseClient c : sseClients) {
            c.exchange.close();
        }
        sseClients.clear();
        http.stop(0);
        httpThreads.shutdownNow();
    }

    private void stream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        DashboardSnapshot d = dashboard;
        SseClient c = new SseClient(exchange, d.stream().endSeq());
        try {
            c.out.write(("retry: 2000\n\n" + "data: " + d.toJson(0) + "\n\n").getBytes(StandardCharsets.UTF_8));
            c.out.flush();
        } catch (IOException e) {
            exchange.close();
            return;
        }
        // Not closed here: the pusher writes one event a second until the browser goes away.
        sseClients.add(c);
    }

    /** Runs on the pusher thread once a second: one event to every open stream. */
    private void push() {
        if (sseClients.isEmpty()) {
            return;
        }
        DashboardSnapshot d = dashboard;
        // Clients connected at different times differ only in where their stream resumes.
        Map<Long, byte[]> bySeq = new HashMap<>();
        for (SseClient c : sseClients) {
            byte[] event = bySeq.computeIfAbsent(c.nextSeq,
                    seq -> ("data: " + d.toJson(seq) + "\n\n").getBytes(StandardCharsets.UTF_8));
            try {
                c.out.write(event);
                c.out.flush();
                c.nextSeq = d.stream().endSeq();
            } catch (IOException | RuntimeException e) {
                // The browser closed the page.
                sseClients.remove(c);
                c.exchange.close();
            }
        }
    }

    int streamClients() {
        return sseClients.size();
    }

    private void snapshotJson(HttpExchange exchange) throws IOException {
        respond(exchange, "application/json; charset=utf-8", dashboard.toJson(0));
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
            String type = name.endsWith(".html") ? "text/html; charset=utf-8"
                    : name.endsWith(".js") ? "text/javascript; charset=utf-8"
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

    private static String prometheus(Snapshot s) {
        StringBuilder out = new StringBuilder(4096);
        TaskCounts t = s.info.getTasks();
        gauge(out, "jcloud_tasks", "Tasks in the scheduler by state.");
        sample(out, "jcloud_tasks", "state", "waiting", t.getWaiting());
        sample(out, "jcloud_tasks", "state", "ready", t.getReady());
        sample(out, "jcloud_tasks", "state", "processing", t.getProcessing());
        sample(out, "jcloud_tasks", "state", "memory", t.getMemory());
        sample(out, "jcloud_tasks", "state", "erred", t.getErred());
        counter(out, "jcloud_tasks_completed_total", "Tasks finished successfully since the scheduler started.", t.getCompletedTotal());
        counter(out, "jcloud_tasks_failed_total", "Tasks that failed for good since the scheduler started.", t.getFailedTotal());
        counter(out, "jcloud_tasks_submitted_total", "Tasks submitted since the scheduler started.", t.getSubmittedTotal());
        gauge(out, "jcloud_throughput_tasks_per_second", "Recent rate of task completions.");
        out.append("jcloud_throughput_tasks_per_second ").append(String.format("%.3f", s.tasksPerSecond)).append('\n');
        gauge(out, "jcloud_workers", "Connected workers.");
        out.append("jcloud_workers ").append(s.info.getWorkersCount()).append('\n');
        gauge(out, "jcloud_clients", "Connected clients.");
        out.append("jcloud_clients ").append(s.info.getClients()).append('\n');
        gauge(out, "jcloud_worker_memory_limit_bytes", "Memory limit of each worker.");
        for (WorkerInfo w : s.info.getWorkersList()) {
            sample(out, "jcloud_worker_memory_limit_bytes", "worker", w.getName(), w.getMemoryLimit());
        }
        gauge(out, "jcloud_worker_heap_used_bytes", "JVM heap in use on each worker.");
        for (WorkerInfo w : s.info.getWorkersList()) {
            sample(out, "jcloud_worker_heap_used_bytes", "worker", w.getName(), w.getLast().getHeapUsed());
        }
        gauge(out, "jcloud_worker_stored_bytes", "Result bytes held in memory by each worker.");
        for (WorkerInfo w : s.info.getWorkersList()) {
            sample(out, "jcloud_worker_stored_bytes", "worker", w.getName(), w.getLast().getStoredBytes());
        }
        gauge(out, "jcloud_worker_spilled_bytes", "Result bytes each worker moved to disk.");
        for (WorkerInfo w : s.info.getWorkersList()) {
            sample(out, "jcloud_worker_spilled_bytes", "worker", w.getName(), w.getLast().getSpilledBytes());
        }
        gauge(out, "jcloud_worker_processing", "Tasks assigned to each worker.");
        for (WorkerInfo w : s.info.getWorkersList()) {
            sample(out, "jcloud_worker_processing", "worker", w.getName(), w.getProcessing());
        }
        gauge(out, "jcloud_task_duration_seconds", "Mean run time of each kind of task.");
        s.meanSecondsByKind.forEach((kind, secs) -> out.append("jcloud_task_duration_seconds{kind=\"")
                .append(escape(kind)).append("\"} ").append(String.format("%.6f", secs)).append('\n'));
        return out.toString();
    }

    private void status(HttpExchange exchange) throws IOException {
        ClusterInfo info = snapshot.info;
        StringBuilder html = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\">"
                + "<title>jcloud scheduler</title></head><body><h1>jcloud scheduler</h1>");
        html.append("<p>").append(escapeHtml(info.getSchedulerAddress())).append(" &middot; engine ")
                .append(escapeHtml(info.getEngineVersion())).append(" &middot; ").append(info.getWorkersCount())
                .append(" workers &middot; ").append(info.getTasks().getProcessing()).append(" processing &middot; ")
                .append(info.getTasks().getCompletedTotal()).append(" completed</p><table border=\"1\">"
                        + "<tr><th>worker</th><th>address</th><th>threads</th><th>processing</th><th>stored</th></tr>");
        for (WorkerInfo w : info.getWorkersList()) {
            html.append("<tr><td>").append(escapeHtml(w.getName())).append("</td><td>").append(escapeHtml(w.getAddress()))
                    .append("</td><td>").append(w.getNthreads()).append("</td><td>").append(w.getProcessing())
                    .append("</td><td>").append(w.getLast().getStoredBytes()).append("</td></tr>");
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

    private static void gauge(StringBuilder out, String name, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" gauge\n");
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(value).append('\n');
    }

    private static void sample(StringBuilder out, String name, String label, String value, long v) {
        out.append(name).append('{').append(label).append("=\"").append(escape(value)).append("\"} ").append(v).append('\n');
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
