package dev.jcloud.providers.aws;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import software.amazon.awssdk.services.ec2.model.Instance;

/**
 * The instance metadata service (IMDSv2) as the boot script uses it, for machines that are
 * network namespaces: a machine is recognised by its source address (its private IP), as the real
 * IMDS recognises the instance it runs on, and answers come from what moto reports for that
 * instance. Reached through the {@code JCLOUD_IMDS} seam of the boot script instead of
 * 169.254.169.254 (which on a cloud machine is the real IMDS of this very machine).
 *
 * <p>As on EC2: {@code PUT /latest/api/token} needs {@code X-aws-ec2-metadata-token-ttl-seconds}
 * (1-21600, else 400); metadata needs a token issued to the same machine in
 * {@code X-aws-ec2-metadata-token} (else 401); unknown paths are 404.
 *
 * <p>It listens on the test network's address of this machine only ({@link NetnsNetwork#hostAddress()},
 * an address that exists on the run's own veth and nowhere else).
 */
final class BootImds implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, Instance> byAddress = new ConcurrentHashMap<>();
    private final Map<String, String> tokens = new ConcurrentHashMap<>(); // token -> address it was issued to
    private final Map<String, Integer> launchIndexReads = new ConcurrentHashMap<>();

    private BootImds(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Starts the service on {@code address} (a free port). */
    static BootImds start(String address) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(address, 0), 16);
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "fake-imds");
            t.setDaemon(true);
            return t;
        });
        BootImds imds = new BootImds(server, executor);
        server.createContext("/", imds::handle);
        server.setExecutor(executor);
        server.start();
        return imds;
    }

    /** The value for the boot script's {@code JCLOUD_IMDS}. */
    String url() {
        return "http://" + server.getAddress().getHostString() + ":"
                + server.getAddress().getPort();
    }

    /** From now on requests from {@code instance}'s private IP are answered for {@code instance}. */
    void register(Instance instance) {
        byAddress.put(instance.privateIpAddress(), instance);
    }

    void unregister(Instance instance) {
        byAddress.remove(instance.privateIpAddress());
        tokens.values().removeIf(a -> a.equals(instance.privateIpAddress()));
    }

    /** How often the machine with {@code instanceId} read its launch index (the boot script of workers does, once). */
    int launchIndexReads(String instanceId) {
        return launchIndexReads.getOrDefault(instanceId, 0);
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String from = x.getRemoteAddress().getAddress().getHostAddress();
            String path = x.getRequestURI().getPath();
            Instance instance = byAddress.get(from);
            if (instance == null) {
                reply(x, 403, "no instance has the address " + from);
                return;
            }
            if (path.equals("/latest/api/token")) {
                if (!x.getRequestMethod().equals("PUT")) {
                    reply(x, 405, "use PUT");
                    return;
                }
                String ttl = x.getRequestHeaders().getFirst("X-aws-ec2-metadata-token-ttl-seconds");
                if (ttl == null
                        || !ttl.matches("\\d{1,5}")
                        || Integer.parseInt(ttl) < 1
                        || Integer.parseInt(ttl) > 21600) {
                    reply(x, 400, "missing or invalid X-aws-ec2-metadata-token-ttl-seconds");
                    return;
                }
                byte[] b = new byte[24];
                RANDOM.nextBytes(b);
                String token = HexFormat.of().formatHex(b);
                tokens.put(token, from);
                reply(x, 200, token);
                return;
            }
            String token = x.getRequestHeaders().getFirst("X-aws-ec2-metadata-token");
            if (token == null || !from.equals(tokens.get(token))) {
                reply(x, 401, "");
                return;
            }
            switch (path) {
                case "/latest/meta-data/ami-launch-index" -> {
                    launchIndexReads.merge(instance.instanceId(), 1, Integer::sum);
                    reply(x, 200, Integer.toString(instance.amiLaunchIndex()));
                }
                case "/latest/meta-data/instance-id" -> reply(x, 200, instance.instanceId());
                case "/latest/meta-data/local-ipv4" -> reply(x, 200, instance.privateIpAddress());
                case "/latest/meta-data/instance-type" -> reply(x, 200, instance.instanceTypeAsString());
                default -> reply(x, 404, "");
            }
        }
    }

    private static void reply(HttpExchange x, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "text/plain");
        x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
