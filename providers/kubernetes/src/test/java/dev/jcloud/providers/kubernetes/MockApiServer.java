package dev.jcloud.providers.kubernetes;

import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatusBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * fabric8's mock API server in CRUD mode (objects stored, listed by label, watched, deleted), on
 * loopback, with what it lacks for jcloud added in front of its dispatcher: answers to
 * {@code SelfSubjectAccessReview}s (every permission allowed unless {@link #deny}ed) and pod logs
 * (served by the {@link FakeKubelet}, as the real API server proxies them from the kubelet). It
 * counts the requests it receives and writes a kubeconfig that points at it.
 */
final class MockApiServer implements AutoCloseable {

    /** The mock server logs every request through java.util.logging; kept here so the level sticks. */
    private static final java.util.logging.Logger MOCK_LOG =
            java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    private static final Pattern LOG = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/?]+)/log(\\?.*)?");
    private static final Pattern TAIL = Pattern.compile("[?&]tailLines=([0-9]+)");

    /**
     * Discovery documents for the kinds a cluster is made of, which kubectl reads to map a kind to its
     * API (the mock serves none).
     */
    private static final Map<String, String> DISCOVERY = Map.of(
            "/api",
            "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":[]}",
            "/apis",
            "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[" + group("apps") + ","
                    + group("rbac.authorization.k8s.io") + "," + group("networking.k8s.io") + "]}",
            "/api/v1",
            resources(
                    "v1",
                    "pods:Pod",
                    "services:Service",
                    "secrets:Secret",
                    "serviceaccounts:ServiceAccount",
                    "configmaps:ConfigMap",
                    "events:Event"),
            "/apis/apps/v1",
            resources("apps/v1", "deployments:Deployment"),
            "/apis/rbac.authorization.k8s.io/v1",
            resources("rbac.authorization.k8s.io/v1", "roles:Role", "rolebindings:RoleBinding"),
            "/apis/networking.k8s.io/v1",
            resources("networking.k8s.io/v1", "networkpolicies:NetworkPolicy"));

    private static String group(String name) {
        String v = "{\"groupVersion\":\"" + name + "/v1\",\"version\":\"v1\"}";
        return "{\"name\":\"" + name + "\",\"versions\":[" + v + "],\"preferredVersion\":" + v + "}";
    }

    private static String resources(String groupVersion, String... pluralKinds) {
        List<String> out = new ArrayList<>();
        for (String pk : pluralKinds) {
            String[] p = pk.split(":");
            out.add("{\"name\":\"" + p[0] + "\",\"singularName\":\"\",\"namespaced\":true,\"kind\":\"" + p[1]
                    + "\",\"verbs\":[\"create\",\"delete\",\"get\",\"list\",\"patch\",\"update\",\"watch\"]}");
        }
        return "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":\"" + groupVersion
                + "\",\"resources\":[" + String.join(",", out) + "]}";
    }

    private final Set<String> denied = ConcurrentHashMap.newKeySet();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong userRequests = new AtomicLong();
    private volatile BiFunction<String, String, String> logs = (ns, pod) -> "";
    private final KubernetesMockServer server;
    private final Path kubeconfig;
    private final Path podKubeconfig;

    /** The token of the user's kubeconfig; pods use another (their service account's stand-in). */
    static final String USER_TOKEN = "developer-token";

    MockApiServer(Path dir) {
        KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                requests.incrementAndGet();
                if (("Bearer " + USER_TOKEN).equals(request.getHeader("Authorization"))) {
                    userRequests.incrementAndGet();
                }
                String path = request.getPath();
                if (path.contains("/selfsubjectaccessreviews") && "POST".equals(request.getMethod())) {
                    return review(request);
                }
                String discovery =
                        "GET".equals(request.getMethod()) ? DISCOVERY.get(path.replaceAll("\\?.*", "")) : null;
                if (discovery != null) {
                    return new MockResponse()
                            .setResponseCode(200)
                            .setHeader("Content-Type", "application/json")
                            .setBody(discovery);
                }
                Matcher log = LOG.matcher(path);
                if (log.matches() && "GET".equals(request.getMethod())) {
                    return podLog(log.group(1), log.group(2), path);
                }
                if (path.contains("/events?") && path.contains("fieldSelector=") && "GET".equals(request.getMethod())) {
                    // The mock cannot select events by their object; the provider filters what it gets.
                    return handleGet(path.replaceAll("fieldSelector=[^&]*&?", ""));
                }
                return super.dispatch(request);
            }
        };
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), crud, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        kubeconfig = dir.resolve("kubeconfig");
        String url = "http://127.0.0.1:" + server.getPort();
        String text = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster:
                    server: %s
                users:
                - name: developer
                  user:
                    token: developer-token
                contexts:
                - name: mock
                  context:
                    cluster: mock
                    user: developer
                - name: other
                  context:
                    cluster: mock
                    user: developer
                current-context: mock
                """.formatted(url);
        podKubeconfig = dir.resolve("pod-kubeconfig");
        try {
            Files.createDirectories(dir);
            Files.writeString(kubeconfig, text);
            Files.writeString(podKubeconfig, text.replace(USER_TOKEN, "service-account-token"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The kubeconfig of a user with the context {@code mock} (current) and {@code other}. */
    Path kubeconfig() {
        return kubeconfig;
    }

    /** The kubeconfig pods use instead of a mounted service-account token. */
    Path podKubeconfig() {
        return podKubeconfig;
    }

    /** Requests made with the user's kubeconfig so far. */
    long userRequests() {
        return userRequests.get();
    }

    /** A client of the API server, as an administrator would use it (tests, the kubelet, the gc). */
    NamespacedKubernetesClient client() {
        return server.createClient();
    }

    /** Requests received so far. */
    long requests() {
        return requests.get();
    }

    /** Denies {@code verb resource[.group]} (e.g. {@code create roles.rbac.authorization.k8s.io}) from now on. */
    void deny(String permission) {
        denied.add(permission);
    }

    void allowAll() {
        denied.clear();
    }

    /** Where pod logs come from: (namespace, pod) to the whole log. */
    void logsFrom(BiFunction<String, String, String> source) {
        logs = source;
    }

    private MockResponse review(RecordedRequest request) {
        SelfSubjectAccessReview review = Serialization.unmarshal(request.getUtf8Body(), SelfSubjectAccessReview.class);
        var a = review.getSpec().getResourceAttributes();
        String resource = a.getResource()
                + (a.getSubresource() == null || a.getSubresource().isEmpty() ? "" : "/" + a.getSubresource());
        String permission = a.getVerb() + " " + resource
                + (a.getGroup() == null || a.getGroup().isEmpty() ? "" : "." + a.getGroup());
        boolean allowed = !denied.contains(permission);
        review.setStatus(new SubjectAccessReviewStatusBuilder()
                .withAllowed(allowed)
                .withReason(allowed ? "allowed by the test" : "denied by the test")
                .build());
        return new MockResponse().setResponseCode(201).setBody(Serialization.asJson(review));
    }

    private MockResponse podLog(String namespace, String pod, String path) {
        String log = logs.apply(namespace, pod);
        Matcher tail = TAIL.matcher(path);
        if (tail.find()) {
            String[] lines = log.split("\n", -1);
            int n = Integer.parseInt(tail.group(1));
            int from = Math.max(0, lines.length - 1 - n);
            log = String.join("\n", java.util.Arrays.asList(lines).subList(from, lines.length));
        }
        return new MockResponse().setResponseCode(200).setBody(log);
    }

    @Override
    public void close() {
        server.destroy();
    }
}
