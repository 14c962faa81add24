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
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The scheduler's HTTP port: {@code /metrics} in the Prometheus text format and {@code /} with a
 * plain status page. The loop publishes an immutable snapshot every tick; requests read only that
 * snapshot, so scraping never touches scheduler state or slows the loop.
 */
final class MetricsEndpoint {

    private final HttpServer http;
    private volatile Snapshot snapshot = new Snapshot(ClusterInfo.getDefaultInstance(), Map.of(), 0);
    private long lastCompleted;
    private long lastMillis;
    private volatile double rate;

    private record Snapshot(ClusterInfo info, Map<String, Double> meanSecondsByKind, double tasksPerSecond) {
    }

    private MetricsEndpoint(HttpServer http) {
        this.http = http;
    }

    static MetricsEndpoint start(String host, int port) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 16);
        MetricsEndpoint endpoint = new MetricsEndpoint(http);
        http.createContext("/metrics", endpoint::metrics);
        http.createContext("/", endpoint::status);
        http.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "jcloud-http");
            t.setDaemon(true);
            return t;
        }));
        http.start();
        return endpoint;
    }

    int port() {
        return http.getAddress().getPort();
    }

    /** Called from the loop thread. */
    void publish(ClusterInfo info, Map<String, Double> meanSecondsByKind, long nowMillis) {
        long completed = info.getTasks().getCompletedTotal();
        if (lastMillis > 0 && nowMillis > lastMillis) {
            double instant = (completed - lastCompleted) * 1000.0 / (nowMillis - lastMillis);
            rate = rate == 0 ? instant : rate * 0.7 + instant * 0.3;
        }
        lastCompleted = completed;
        lastMillis = nowMillis;
        snapshot = new Snapshot(info, Map.copyOf(meanSecondsByKind), rate);
    }

    void stop() {
        http.stop(0);
        ((java.util.concurrent.ExecutorService) http.getExecutor()).shutdownNow();
    }

    private void metrics(HttpExchange exchange) throws IOException {
        respond(exchange, "text/plain; version=0.0.4; charset=utf-8", prometheus(snapshot));
    }

    static String prometheus(ClusterInfo info, Map<String, Double> kinds, double rate) {
        return prometheus(new Snapshot(info, kinds, rate));
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
        if (!exchange.getRequestURI().getPath().equals("/")) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
        }
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
