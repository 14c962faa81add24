package dev.jcloud.providers.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * moto, plus the parts of ECS it does not emulate, on a loopback port in front of it. Every request
 * goes to moto unchanged except ECS RunTask:
 *
 * <ul>
 *   <li>moto ignores {@code capacityProviderStrategy} (it then looks for EC2 container instances
 *       and fails with HTTP 500). Here a RunTask asking for FARGATE_SPOT either starts its tasks on
 *       moto as Fargate tasks and reports {@code capacityProviderName: FARGATE_SPOT}, as ECS does,
 *       or — with {@link #refuseSpot} — answers the way ECS does when spot capacity is short: no
 *       tasks and a failure "Capacity is unavailable at this time...".</li>
 *   <li>{@link #failRunTasksFrom} injects a RunTask failure from the n-th call on, to test what a
 *       failure half way through a launch leaves behind.</li>
 *   <li>Every RunTask request body is recorded, so tests can see the calls the SDK made (how many
 *       tasks per call, which capacity).</li>
 * </ul>
 *
 * <p>It also sets moto's task lifecycle so that tasks stay RUNNING until stopped: by default moto
 * advances a task one state (RUNNING, DEACTIVATING, ... STOPPED) each time it is described, as if
 * every container exited at once.
 */
final class FargateMotoProxy implements AutoCloseable {

    static final String CAPACITY_UNAVAILABLE =
            "Capacity is unavailable at this time. Please try again later or in a different availability zone";
    private static final String RUN_TASK = "AmazonEC2ContainerServiceV20141113.RunTask";
    /** Headers Java's HTTP client sets itself (and refuses to take). */
    private static final Set<String> RESTRICTED = Set.of(
            "connection",
            "content-length",
            "date",
            "expect",
            "from",
            "host",
            "upgrade",
            "via",
            "warning",
            "transfer-encoding");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI moto;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<JsonNode> runTasks = new ArrayList<>();
    private volatile boolean refuseSpot;
    private volatile int failFrom = Integer.MAX_VALUE;
    private volatile String failReason;

    private FargateMotoProxy(URI moto) throws IOException {
        this.moto = moto;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** Starts the proxy in front of the moto server at {@code moto} and keeps moto's tasks RUNNING until stopped. */
    static FargateMotoProxy start(URI moto) throws IOException, InterruptedException {
        FargateMotoProxy proxy = new FargateMotoProxy(moto);
        proxy.keepTasksRunning();
        return proxy;
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Back to a proxy that passes everything on: spot accepted, no failures, nothing recorded. */
    synchronized void reset() {
        refuseSpot = false;
        failFrom = Integer.MAX_VALUE;
        failReason = null;
        runTasks.clear();
    }

    /** Whether RunTask on FARGATE_SPOT is refused for lack of capacity. */
    void refuseSpot(boolean refuse) {
        refuseSpot = refuse;
    }

    /** The {@code call}-th RunTask call (1-based, counted from now on) and all later ones fail with {@code reason}. */
    synchronized void failRunTasksFrom(int call, String reason) {
        failFrom = runTasks.size() + call;
        failReason = reason;
    }

    /** The bodies of the RunTask calls since the last {@link #reset}, oldest first. */
    synchronized List<JsonNode> runTasks() {
        return List.copyOf(runTasks);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void keepTasksRunning() throws IOException, InterruptedException {
        String body =
                "{\"model_name\": \"ecs::task\", \"transition\": {\"progression\": \"manual\", \"times\": 1000000}}";
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(moto.resolve("/moto-api/state-manager/set-transition"))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 && r.statusCode() != 201) {
            throw new IOException("moto refused the task lifecycle setting: HTTP " + r.statusCode() + " " + r.body());
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            if (RUN_TASK.equals(target)) {
                runTask(exchange, body);
            } else {
                forward(exchange, body);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private void runTask(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
        ObjectNode request = (ObjectNode) JSON.readTree(body);
        int call;
        synchronized (this) {
            runTasks.add(request.deepCopy());
            call = runTasks.size();
        }
        if (call >= failFrom) {
            reply(exchange, failures(failReason, request.path("count").asInt(1)));
            return;
        }
        JsonNode strategy = request.get("capacityProviderStrategy");
        boolean spot = strategy != null && strategy.toString().contains("FARGATE_SPOT");
        if (!spot) {
            forward(exchange, body);
            return;
        }
        if (refuseSpot) {
            reply(exchange, failures(CAPACITY_UNAVAILABLE, request.path("count").asInt(1)));
            return;
        }
        request.remove("capacityProviderStrategy");
        request.put("launchType", "FARGATE");
        HttpResponse<byte[]> response = send(exchange, JSON.writeValueAsBytes(request));
        JsonNode answer = JSON.readTree(response.body());
        if (response.statusCode() == 200 && answer.has("tasks")) {
            for (JsonNode task : answer.get("tasks")) {
                ((ObjectNode) task).put("capacityProviderName", "FARGATE_SPOT");
                ((ObjectNode) task).remove("launchType");
            }
        }
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        byte[] out = JSON.writeValueAsBytes(answer);
        exchange.sendResponseHeaders(response.statusCode(), out.length);
        exchange.getResponseBody().write(out);
    }

    /** What ECS answers when it started none of {@code count} tasks: one failure per task. */
    private static ObjectNode failures(String reason, int count) {
        ObjectNode answer = JSON.createObjectNode();
        answer.putArray("tasks");
        ArrayNode failures = answer.putArray("failures");
        for (int i = 0; i < count; i++) {
            failures.addObject().put("reason", reason);
        }
        return answer;
    }

    private static void reply(HttpExchange exchange, ObjectNode answer) throws IOException {
        byte[] out = JSON.writeValueAsBytes(answer);
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.sendResponseHeaders(200, out.length);
        exchange.getResponseBody().write(out);
    }

    private void forward(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = send(exchange, body);
        for (Map.Entry<String, List<String>> h : response.headers().map().entrySet()) {
            if (!RESTRICTED.contains(h.getKey().toLowerCase(Locale.ROOT))
                    && !h.getKey().startsWith(":")) {
                exchange.getResponseHeaders().put(h.getKey(), h.getValue());
            }
        }
        byte[] out = response.body();
        exchange.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            exchange.getResponseBody().write(out);
        }
    }

    private HttpResponse<byte[]> send(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        moto.resolve(exchange.getRequestURI().toString()))
                .timeout(Duration.ofSeconds(60))
                .method(
                        exchange.getRequestMethod(),
                        body.length == 0
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> request.header(name, v));
            }
        });
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The RunTask call bodies as text, for assertion messages. */
    @Override
    public String toString() {
        return "FargateMotoProxy" + runTasks();
    }
}
