package dev.jcloud.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A loopback HTTP port that forwards to a cluster's HTTPS dashboard (what {@code jcloud cluster
 * dashboard} runs, like {@code kubectl port-forward}): the browser talks to 127.0.0.1 and needs no
 * trust in the cluster's own CA, while the leg that crosses the network is TLS to a certificate of
 * that CA carrying the cluster's name. It adds no credentials: the token or session cookie the
 * browser sends is checked by the scheduler, so other local users gain nothing from the port.
 * Read-only (GET and HEAD), as the dashboard is; responses are streamed, so the live event stream
 * passes through as it comes.
 */
final class DashboardForwarder implements AutoCloseable {

    private static final List<String> REQUEST_HEADERS = List.of("Accept", "Cookie", "Authorization", "Last-Event-ID");
    private static final List<String> RESPONSE_HEADERS =
            List.of("Content-Type", "Cache-Control", "Location", "Set-Cookie", "WWW-Authenticate");

    /**
     * The dashboard's cookie as this plain-HTTP loopback port must set it: without {@code Secure},
     * which the scheduler sets for its HTTPS port and which a browser would refuse over
     * {@code http://127.0.0.1} (the leg to the scheduler stays TLS).
     */
    static String forLoopback(String setCookie) {
        return setCookie.replaceAll("(?i);\\s*Secure(?=;|$)", "");
    }

    private final HttpServer server;
    private final ExecutorService threads;
    private final HttpClient upstream;
    private final String base;

    private DashboardForwarder(HttpServer server, ExecutorService threads, HttpClient upstream, String base) {
        this.server = server;
        this.threads = threads;
        this.upstream = upstream;
        this.base = base;
    }

    /** Listens on a free loopback port and forwards to {@code base} ({@code https://host:port}) with {@code upstream}. */
    static DashboardForwarder start(HttpClient upstream, String base) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        // Each open event stream holds a thread while it lasts; a few dashboards at once is the use.
        ExecutorService threads = Executors.newFixedThreadPool(16, r -> {
            Thread t = new Thread(r, "jcloud-dashboard-forward");
            t.setDaemon(true);
            return t;
        });
        DashboardForwarder f = new DashboardForwarder(server, threads, upstream, base);
        server.createContext("/", f::forward);
        server.setExecutor(threads);
        server.start();
        return f;
    }

    /** {@code http://127.0.0.1:PORT}. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            URI uri = exchange.getRequestURI();
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(
                            base + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())))
                    .method(method, HttpRequest.BodyPublishers.noBody());
            for (String h : REQUEST_HEADERS) {
                for (String v : exchange.getRequestHeaders().getOrDefault(h, List.of())) {
                    request.header(h, v);
                }
            }
            HttpResponse<InputStream> response;
            try {
                response = upstream.send(
                        request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                byte[] body = ("cannot reach the cluster's dashboard at " + base + ": " + e.getMessage() + "\n")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(502, body.length);
                exchange.getResponseBody().write(body);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            for (String h : RESPONSE_HEADERS) {
                response.headers()
                        .allValues(h)
                        .forEach(
                                v -> exchange.getResponseHeaders().add(h, h.equals("Set-Cookie") ? forLoopback(v) : v));
            }
            long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            boolean noBody = method.equals("HEAD") || response.statusCode() == 303 || length == 0;
            exchange.sendResponseHeaders(response.statusCode(), noBody ? -1 : length > 0 ? length : 0);
            try (InputStream in = response.body();
                    OutputStream out = exchange.getResponseBody()) {
                if (noBody) {
                    return;
                }
                byte[] buffer = new byte[16 * 1024];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    out.write(buffer, 0, n);
                    out.flush(); // an event of the live stream goes on at once
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
