package dev.jcloud.providers.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A stateful fake of exactly the REST endpoints the GCP provider uses, written from the API
 * references (there is no Compute Engine emulator), served on 127.0.0.1 with the JDK's HTTP server
 * and driven by the tests only through the official SDK (and {@link GoogleRest} for IAM):
 *
 * <ul>
 *   <li>Compute Engine v1 ({@code /compute/v1/projects/P/...}): instances insert, bulkInsert, get,
 *       list, aggregatedList, delete, setLabels, serialPort; disks get, list, aggregatedList, delete;
 *       firewalls insert, get, list, patch, delete; zone and global operations get and wait. Mutations
 *       return an Operation that is RUNNING for {@link #operationPolls} polls, then DONE, with
 *       {@code error.errors[].code}, {@code httpErrorStatusCode} and {@code httpErrorMessage} when it
 *       failed. Request errors are the v1 body {@code {"error": {"code", "message", "errors": [{"domain",
 *       "reason", "message"}]}}}. Lists page with {@code maxResults}/{@code pageToken} and filter
 *       with {@link FakeFilter}; aggregated lists return every zone, with a NO_RESULTS_ON_PAGE warning
 *       for empty ones. Requests are validated like the API does for what jcloud sends: names,
 *       labels, machine types, zones, networks, images, Spot scheduling, service accounts.</li>
 *   <li>Secret Manager v1 (secrets create with {@code secretId}, list with a label filter, delete,
 *       addVersion, versions/latest:access, setIamPolicy), for clusters with TLS.</li>
 *   <li>Cloud Storage JSON API v1 for the engine bucket: see {@link FakeCloudStorage}, served on the
 *       same port.</li>
 *   <li>IAM v1 service accounts (create, get, list, delete, setIamPolicy) and Resource Manager v1
 *       project getIamPolicy/setIamPolicy with etags (409 ABORTED on a stale etag) and policy
 *       version 3 for conditions. Errors are {@code {"error": {"code", "message", "status"}}}.
 *       Bindings are stored and checked for shape, never evaluated: the fake does not enforce IAM.</li>
 * </ul>
 *
 * <p>Failures to inject: {@link #exhaustZone}, {@link #refuseSpot}, {@link #failRequests},
 * {@link #failOperations}, {@link #hideNewServiceAccounts}, {@link #concurrentPolicyChanges}.
 *
 * <p>Behaviour in time, as the real services show it: {@link #iamPropagation} (a new service
 * account is unknown to IAM policies and instance creates for a while: 400 "Service account ...
 * does not exist"), {@link #grantPropagation} (a machine's reads of a secret or of the engine
 * bucket are refused with 403 until a while after the grant), {@link #disableApi} (403
 * {@code SERVICE_DISABLED} with the activation URL, as in a fresh project) and {@link #throttle}
 * (429 {@code RESOURCE_EXHAUSTED} with {@code Retry-After}).
 * Registered as a static extension it starts once per class and is reset before each test.
 */
public final class FakeComputeEngine implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {

    public static final String PROJECT = "jcloud-test";
    static final List<String> ZONES = List.of(
            "us-central1-a", "us-central1-b", "us-central1-c", "us-central1-f", "europe-west1-b", "europe-west1-c");
    static final Set<String> MACHINE_TYPES = Set.of(
            "e2-medium",
            "e2-standard-2",
            "e2-standard-4",
            "e2-standard-8",
            "n2-standard-2",
            "n2-standard-4",
            "n2-highmem-8");
    static final Set<String> IMAGES = Set.of(
            "projects/debian-cloud/global/images/family/debian-12",
            "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts");
    private static final String LINK = "https://www.googleapis.com/compute/v1/";
    private static final Pattern NAME = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern LABEL_KEY = Pattern.compile("[a-z][a-z0-9_-]{0,62}");
    private static final Pattern LABEL_VALUE = Pattern.compile("[a-z0-9_-]{0,63}");
    private static final Pattern ACCOUNT_ID = Pattern.compile("[a-z]([-a-z0-9]{4,28}[a-z0-9])");
    private static final Pattern CIDR = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}");
    private static final Set<String> PROTOCOLS = Set.of("tcp", "udp", "icmp", "esp", "ah", "sctp", "ipip", "all");

    private final ObjectMapper json = new ObjectMapper();
    private final Object lock = new Object();
    private final AtomicLong ids = new AtomicLong(4_000_000_000_000_000_000L);
    private HttpServer server;
    private ExecutorService executor;

    // State, guarded by lock.
    private final Map<String, ObjectNode> instances = new LinkedHashMap<>(); // zone/name
    private final Map<String, ObjectNode> disks = new LinkedHashMap<>(); // zone/name
    private final Map<String, ObjectNode> firewalls = new LinkedHashMap<>(); // name
    private final Map<String, Op> operations = new LinkedHashMap<>(); // scope/name
    private final Map<String, StringBuilder> serial = new LinkedHashMap<>(); // zone/name
    private final Map<String, ObjectNode> accounts = new LinkedHashMap<>(); // email
    private final Map<String, JsonNode> accountPolicies = new LinkedHashMap<>();
    private final Map<String, ObjectNode> secrets = new LinkedHashMap<>(); // secret id
    private final Map<String, List<String>> secretVersions = new LinkedHashMap<>(); // id -> base64 payloads
    private final Map<String, JsonNode> secretPolicies = new LinkedHashMap<>();
    private final Set<String> networks = new LinkedHashSet<>();
    private final Set<String> subnetworks = new LinkedHashSet<>(); // region/name
    private final List<Call> calls = new ArrayList<>();
    private final FakeCloudStorage storage = new FakeCloudStorage(PROJECT);
    private ObjectNode projectPolicy;
    private int policyVersion;
    private int nextAddress;

    // Injected failures.
    private final Set<String> exhaustedZones = new LinkedHashSet<>();
    private boolean spotRefused;
    private final List<RequestFailure> requestFailures = new ArrayList<>();
    private final List<OperationFailure> operationFailures = new ArrayList<>();
    private int hiddenAccountInserts;
    private int concurrentPolicyChanges;
    private int operationPolls = 1;
    private int pageSize = 500;
    // Behaviour in time.
    private long iamPropagationMillis;
    private final Map<String, Long> accountKnownFrom = new LinkedHashMap<>(); // email -> epoch millis
    private long grantPropagationMillis;
    // secret id -> epoch millis from which a machine's read succeeds, set at the first read after a grant
    private final Map<String, Long> secretGrantFrom = new LinkedHashMap<>();
    private final Set<String> disabledApis = new LinkedHashSet<>();
    private final List<Throttle> throttles = new ArrayList<>();
    /** The Authorization header of the request being routed (under the lock). */
    private String authorization;

    /** The number of the project as Google's error details name it. */
    public static final String PROJECT_NUMBER = FakeCloudStorage.PROJECT_NUMBER;

    private record Throttle(Pattern path, int[] left, int retryAfterSeconds) {}

    /** One request the fake received; {@code authorization} is its Authorization header or null. */
    public record Call(String method, String path, String query, String body, String authorization) {}

    private static final class Op {
        final ObjectNode node;
        int pollsLeft;
        final ArrayNode errors;
        final int httpStatus;
        final String httpMessage;

        Op(ObjectNode node, int pollsLeft, ArrayNode errors, int httpStatus, String httpMessage) {
            this.node = node;
            this.pollsLeft = pollsLeft;
            this.errors = errors;
            this.httpStatus = httpStatus;
            this.httpMessage = httpMessage;
        }
    }

    private record RequestFailure(String method, Pattern path, int[] skip, int status, String reason, String message) {}

    private record OperationFailure(
            String operationType, Pattern target, String code, String message, int httpStatus) {}

    /** An answer other than 200, with the body the real API would send. */
    static final class ApiError extends RuntimeException {
        final int status;
        final ObjectNode body;
        /** The Retry-After header's seconds, or 0 for none. */
        final int retryAfter;

        ApiError(int status, ObjectNode body) {
            this(status, body, 0);
        }

        ApiError(int status, ObjectNode body, int retryAfter) {
            super(body.toString());
            this.status = status;
            this.body = body;
            this.retryAfter = retryAfter;
        }
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        reset();
    }

    /** Starts serving on a free port of 127.0.0.1. */
    public void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "fake-compute-engine");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        reset();
    }

    public void stop() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    /** The API root to give the SDK, e.g. {@code http://127.0.0.1:41234}. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Forgets every resource, request and injected failure; the project has only the default network. */
    public void reset() {
        synchronized (lock) {
            instances.clear();
            disks.clear();
            firewalls.clear();
            operations.clear();
            serial.clear();
            accounts.clear();
            accountPolicies.clear();
            secrets.clear();
            secretVersions.clear();
            secretPolicies.clear();
            networks.clear();
            networks.add("default");
            subnetworks.clear();
            calls.clear();
            storage.reset();
            projectPolicy = json.createObjectNode();
            projectPolicy.put("version", 1);
            ArrayNode bindings = projectPolicy.putArray("bindings");
            ObjectNode owner = bindings.addObject();
            owner.put("role", "roles/owner");
            owner.putArray("members").add("user:owner@example.com");
            policyVersion = 1;
            projectPolicy.put("etag", etag(policyVersion));
            nextAddress = 2;
            exhaustedZones.clear();
            spotRefused = false;
            requestFailures.clear();
            operationFailures.clear();
            hiddenAccountInserts = 0;
            concurrentPolicyChanges = 0;
            operationPolls = 1;
            pageSize = 500;
            iamPropagationMillis = 0;
            accountKnownFrom.clear();
            grantPropagationMillis = 0;
            secretGrantFrom.clear();
            disabledApis.clear();
            throttles.clear();
            storage.accountKnown(this::accountKnown);
        }
    }

    // ---------------------------------------------------------------- test controls

    /** Every create in {@code zone} ends with ZONE_RESOURCE_POOL_EXHAUSTED. */
    public void exhaustZone(String zone) {
        synchronized (lock) {
            exhaustedZones.add(zone);
        }
    }

    /** Every Spot create ends with QUOTA_EXCEEDED for PREEMPTIBLE_CPUS (a project without Spot quota). */
    public void refuseSpot() {
        synchronized (lock) {
            spotRefused = true;
        }
    }

    /**
     * The {@code skip + 1}-th request matching {@code method} and {@code pathRegex} (the path after
     * the host) fails at once with {@code status} and a v1 error body; once.
     */
    public void failRequests(String method, String pathRegex, int skip, int status, String reason, String message) {
        synchronized (lock) {
            requestFailures.add(
                    new RequestFailure(method, Pattern.compile(pathRegex), new int[] {skip}, status, reason, message));
        }
    }

    /** The next operation of {@code operationType} whose target matches {@code targetRegex} ends with {@code code}; once. */
    public void failOperations(String operationType, String targetRegex, String code, String message, int httpStatus) {
        synchronized (lock) {
            operationFailures.add(
                    new OperationFailure(operationType, Pattern.compile(targetRegex), code, message, httpStatus));
        }
    }

    /** The next {@code inserts} instance creates do not see service accounts created through the fake yet. */
    public void hideNewServiceAccounts(int inserts) {
        synchronized (lock) {
            hiddenAccountInserts = inserts;
        }
    }

    /**
     * Service accounts created from now on stay unknown to IAM for {@code delay}: a policy naming one
     * (the project's, an account's, a secret's, the bucket's) is refused with 400 INVALID_ARGUMENT
     * "Service account EMAIL does not exist.", and an instance create naming it with Compute Engine's
     * 400 on {@code serviceAccounts[0].email}. Google documents this eventual consistency (wait and retry).
     */
    public void iamPropagation(java.time.Duration delay) {
        synchronized (lock) {
            iamPropagationMillis = delay.toMillis();
        }
    }

    /**
     * Grants take effect only after {@code delay}: a secret read with a machine's token (any
     * Authorization header) is refused with 403 PERMISSION_DENIED for {@code delay} from the first
     * such read after the secret was made or its policy set (so a test sees a refusal however slow
     * the machine), and a read of the engine bucket with a token until {@code delay} after the
     * bucket's policy was last set.
     */
    public void grantPropagation(java.time.Duration delay) {
        synchronized (lock) {
            grantPropagationMillis = delay.toMillis();
            storage.grantPropagation(delay.toMillis());
        }
    }

    /**
     * Every request to {@code service} (e.g. {@code secretmanager.googleapis.com}) is refused as in a
     * project where that API is not enabled: 403 PERMISSION_DENIED with a {@code google.rpc.ErrorInfo}
     * detail of reason {@code SERVICE_DISABLED}, the service, the consumer and the activation URL.
     */
    public void disableApi(String service) {
        synchronized (lock) {
            disabledApis.add(service);
        }
    }

    /**
     * The next {@code requests} requests whose path matches {@code pathRegex} are refused with 429
     * RESOURCE_EXHAUSTED (a per-minute quota), with {@code Retry-After: retryAfterSeconds} when that
     * is above 0.
     */
    public void throttle(String pathRegex, int requests, int retryAfterSeconds) {
        synchronized (lock) {
            throttles.add(new Throttle(Pattern.compile(pathRegex), new int[] {requests}, retryAfterSeconds));
        }
    }

    /** Whether IAM knows {@code email} now (it exists and {@link #iamPropagation} has passed). */
    private boolean accountKnown(String email) {
        return accounts.containsKey(email) && System.currentTimeMillis() >= accountKnownFrom.getOrDefault(email, 0L);
    }

    /** The API a request path belongs to, by Google's service names. */
    static String service(String path) {
        if (path.startsWith("/compute/")) {
            return "compute.googleapis.com";
        }
        if (path.startsWith("/storage/") || path.startsWith("/upload/storage/")) {
            return "storage.googleapis.com";
        }
        if (path.matches("/v1/projects/[^/]+/secrets.*")) {
            return "secretmanager.googleapis.com";
        }
        if (path.matches("/v1/projects/[^/]+/serviceAccounts.*")) {
            return "iam.googleapis.com";
        }
        return "cloudresourcemanager.googleapis.com";
    }

    /** A disabled API's or a throttle's answer to this request, if any; under the lock. */
    private void gate(String path) {
        String service = service(path);
        if (disabledApis.contains(service)) {
            String url =
                    "https://console.developers.google.com/apis/api/" + service + "/overview?project=" + PROJECT_NUMBER;
            ApiError e = googleError(
                    403,
                    "PERMISSION_DENIED",
                    service + " has not been used in project " + PROJECT_NUMBER
                            + " before or it is disabled. Enable it by visiting " + url
                            + " then retry. If you enabled this API recently, wait a few minutes for the action to"
                            + " propagate to our systems and retry.");
            ObjectNode info = e.body.with("error").putArray("details").addObject();
            info.put("@type", "type.googleapis.com/google.rpc.ErrorInfo");
            info.put("reason", "SERVICE_DISABLED");
            info.put("domain", "googleapis.com");
            ObjectNode m = info.putObject("metadata");
            m.put("service", service);
            m.put("consumer", "projects/" + PROJECT_NUMBER);
            m.put("activationUrl", url);
            m.put("containerInfo", PROJECT_NUMBER);
            if (service.equals("compute.googleapis.com")) {
                ObjectNode v1 = e.body.with("error").putArray("errors").addObject();
                v1.put("message", e.body.path("error").path("message").asText());
                v1.put("domain", "usageLimits");
                v1.put("reason", "accessNotConfigured");
            }
            throw e;
        }
        for (Throttle t : throttles) {
            if (t.left()[0] > 0 && t.path().matcher(path).matches()) {
                t.left()[0]--;
                ApiError e = googleError(
                        429,
                        "RESOURCE_EXHAUSTED",
                        "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service '"
                                + service + "' for consumer 'project_number:" + PROJECT_NUMBER + "'.");
                throw new ApiError(429, e.body, t.retryAfterSeconds());
            }
        }
    }

    /** The next {@code n} project setIamPolicy calls lose a race with another writer (409 ABORTED). */
    public void concurrentPolicyChanges(int n) {
        synchronized (lock) {
            concurrentPolicyChanges = n;
        }
    }

    /** Operations stay RUNNING for this many get/wait calls (default 1). */
    public void operationPolls(int polls) {
        synchronized (lock) {
            operationPolls = polls;
        }
    }

    /** At most this many items per list page (default 500, the API's maximum). */
    public void pageSize(int size) {
        synchronized (lock) {
            pageSize = size;
        }
    }

    /** Adds text to an instance's serial port 1 output (what the boot script would print). */
    public void appendSerialOutput(String zone, String instance, String text) {
        synchronized (lock) {
            serial.computeIfAbsent(zone + "/" + instance, k -> new StringBuilder())
                    .append(text);
        }
    }

    /** Creates a VPC network (the project starts with {@code default}). */
    public void addNetwork(String name) {
        synchronized (lock) {
            networks.add(name);
        }
    }

    public void addSubnetwork(String region, String name) {
        synchronized (lock) {
            subnetworks.add(region + "/" + name);
        }
    }

    /** A service account that exists already (a user's), e.g. for {@code gcp.service-account}. */
    public void addServiceAccount(String email) {
        synchronized (lock) {
            ObjectNode a = json.createObjectNode();
            a.put("name", "projects/" + PROJECT + "/serviceAccounts/" + email);
            a.put("projectId", PROJECT);
            a.put("uniqueId", Long.toString(ids.incrementAndGet()));
            a.put("email", email);
            a.put("displayName", "user's account");
            accounts.put(email, a);
        }
    }

    /** Stops an instance as a guest shutdown would: it stays, TERMINATED (GCE's word for stopped). */
    public void stopInstance(String zone, String name) {
        synchronized (lock) {
            ObjectNode i = instances.get(zone + "/" + name);
            if (i != null) {
                i.put("status", "TERMINATED");
            }
        }
    }

    /** Every request received so far. */
    public List<Call> calls() {
        synchronized (lock) {
            return List.copyOf(calls);
        }
    }

    /** The requests matching {@code method} and {@code pathRegex}. */
    public List<Call> calls(String method, String pathRegex) {
        Pattern p = Pattern.compile(pathRegex);
        return calls().stream()
                .filter(c -> c.method().equals(method) && p.matcher(c.path()).matches())
                .toList();
    }

    /** The project's IAM policy (IAM has no SDK in this build; tests read it here). */
    public JsonNode projectPolicy() {
        synchronized (lock) {
            return projectPolicy.deepCopy();
        }
    }

    /** The IAM policy set on a service account, or null. */
    public JsonNode serviceAccountPolicy(String email) {
        synchronized (lock) {
            JsonNode p = accountPolicies.get(email);
            return p == null ? null : p.deepCopy();
        }
    }

    /** The emails of the project's service accounts. */
    public List<String> serviceAccounts() {
        synchronized (lock) {
            return List.copyOf(accounts.keySet());
        }
    }

    // ---------------------------------------------------------------- HTTP

    private void handle(HttpExchange ex) throws IOException {
        // google-http-client sends PATCH as POST with this header, which Google's APIs honour.
        String override = ex.getRequestHeaders().getFirst("X-HTTP-Method-Override");
        String method = override != null ? override : ex.getRequestMethod();
        String path = URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
        String rawQuery = ex.getRequestURI().getRawQuery();
        if (FakeCloudStorage.serves(ex.getRequestURI().getRawPath())) {
            handleStorage(ex, method, path, rawQuery);
            return;
        }
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        int status = 200;
        JsonNode answer;
        try {
            synchronized (lock) {
                calls.add(new Call(
                        method, path, rawQuery, body, ex.getRequestHeaders().getFirst("Authorization")));
                injectedFailure(method, path);
                gate(path);
                authorization = ex.getRequestHeaders().getFirst("Authorization");
                answer = route(
                        method, path, query(rawQuery), body.isBlank() ? json.createObjectNode() : json.readTree(body));
            }
        } catch (ApiError e) {
            status = e.status;
            answer = e.body;
            if (e.retryAfter > 0) {
                ex.getResponseHeaders().set("Retry-After", Integer.toString(e.retryAfter));
            }
        } catch (IOException | RuntimeException e) {
            status = 400;
            answer = computeError(400, "invalid", "Invalid request: " + e.getMessage()).body;
        }
        byte[] bytes = json.writeValueAsBytes(answer);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Cloud Storage: binary bodies (uploads, downloads), so not through the JSON routing below. */
    private void handleStorage(HttpExchange ex, String method, String path, String rawQuery) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        String contentType = String.valueOf(ex.getRequestHeaders().getFirst("Content-Type"));
        FakeCloudStorage.Answer answer;
        synchronized (lock) {
            calls.add(new Call(
                    method,
                    path,
                    rawQuery,
                    contentType.startsWith("application/json")
                            ? new String(body, StandardCharsets.UTF_8)
                            : "<" + body.length + " bytes of " + contentType + ">",
                    auth));
            try {
                injectedFailure(method, path);
                gate(path);
                answer = storage.handle(method, ex.getRequestURI().getRawPath(), query(rawQuery), body, auth);
            } catch (ApiError e) {
                answer = new FakeCloudStorage.Answer(
                        e.status, "application/json; charset=UTF-8", json.writeValueAsBytes(e.body));
                if (e.retryAfter > 0) {
                    ex.getResponseHeaders().set("Retry-After", Integer.toString(e.retryAfter));
                }
            }
        }
        ex.getResponseHeaders().set("Content-Type", answer.contentType());
        ex.sendResponseHeaders(answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(answer.body());
        }
    }

    /** Cloud Storage's state and controls; callers run them under the fake's lock through {@link #storage(java.util.function.Function)}. */
    public <T> T storage(java.util.function.Function<FakeCloudStorage, T> action) {
        synchronized (lock) {
            return action.apply(storage);
        }
    }

    private void injectedFailure(String method, String path) {
        for (Iterator<RequestFailure> it = requestFailures.iterator(); it.hasNext(); ) {
            RequestFailure f = it.next();
            if (f.method().equals(method) && f.path().matcher(path).matches()) {
                if (f.skip()[0]-- > 0) {
                    continue;
                }
                it.remove();
                throw computeError(f.status(), f.reason(), f.message());
            }
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            q.put(k, v);
        }
        return q;
    }

    private JsonNode route(String method, String path, Map<String, String> q, JsonNode body) {
        Matcher m;
        if ((m = match("/compute/v1/projects/([^/]+)/(.*)", path)) != null) {
            requireProject(m.group(1));
            return compute(method, m.group(2), q, body);
        }
        if ((m = match("/v1/projects/([^/:]+):(getIamPolicy|setIamPolicy)", path)) != null && method.equals("POST")) {
            requireIamProject(m.group(1));
            return m.group(2).equals("getIamPolicy") ? getProjectPolicy(body) : setProjectPolicy(body);
        }
        if ((m = match("/v1/projects/([^/]+)/secrets", path)) != null) {
            requireIamProject(m.group(1));
            return switch (method) {
                case "POST" -> createSecret(q.get("secretId"), body);
                case "GET" -> listSecrets(q);
                default -> throw notAllowed(method);
            };
        }
        if ((m = match("/v1/projects/([^/]+)/secrets/([^/:]+):(addVersion|setIamPolicy|getIamPolicy)", path)) != null
                && method.equals("POST")) {
            requireIamProject(m.group(1));
            ObjectNode secret = secret(m.group(2));
            String id = m.group(2);
            switch (m.group(3)) {
                case "addVersion" -> {
                    String data = body.path("payload").path("data").asText("");
                    Base64.getDecoder().decode(data); // a 400 for anything that is not base64, as the API does
                    List<String> versions = secretVersions.computeIfAbsent(id, k -> new ArrayList<>());
                    versions.add(data);
                    ObjectNode v = json.createObjectNode();
                    v.put("name", secret.get("name").asText() + "/versions/" + versions.size());
                    v.put("createTime", OffsetDateTime.now(ZoneOffset.UTC).toString());
                    v.put("state", "ENABLED");
                    return v;
                }
                case "setIamPolicy" -> {
                    ObjectNode policy = ((ObjectNode) body.path("policy")).deepCopy();
                    checkMembers(policy);
                    policy.put("etag", etag(ids.incrementAndGet()));
                    secretPolicies.put(id, policy);
                    secretGrantFrom.remove(id); // a new grant: propagating again
                    return policy;
                }
                default -> {
                    JsonNode p = secretPolicies.get(id);
                    return p != null ? p : json.createObjectNode().put("etag", "ACAB");
                }
            }
        }
        if ((m = match("/v1/projects/([^/]+)/secrets/([^/:]+)/versions/latest:access", path)) != null
                && method.equals("GET")) {
            requireIamProject(m.group(1));
            ObjectNode secret = secret(m.group(2));
            long now = System.currentTimeMillis();
            if (authorization != null
                    && now < secretGrantFrom.computeIfAbsent(m.group(2), k -> now + grantPropagationMillis)) {
                throw googleError(
                        403,
                        "PERMISSION_DENIED",
                        "Permission 'secretmanager.versions.access' denied for resource '"
                                + secret.get("name").asText() + "/versions/latest' (or it may not exist).");
            }
            List<String> versions = secretVersions.getOrDefault(m.group(2), List.of());
            if (versions.isEmpty()) {
                throw googleError(
                        404, "NOT_FOUND", "Secret [" + secret.get("name").asText() + "] not found or has no versions.");
            }
            ObjectNode out = json.createObjectNode();
            out.put("name", secret.get("name").asText() + "/versions/" + versions.size());
            out.putObject("payload").put("data", versions.get(versions.size() - 1));
            return out;
        }
        if ((m = match("/v1/projects/([^/]+)/secrets/([^/:]+)", path)) != null) {
            requireIamProject(m.group(1));
            return switch (method) {
                case "GET" -> secret(m.group(2));
                case "DELETE" -> {
                    secret(m.group(2));
                    secrets.remove(m.group(2));
                    secretVersions.remove(m.group(2));
                    secretPolicies.remove(m.group(2));
                    yield json.createObjectNode();
                }
                default -> throw notAllowed(method);
            };
        }
        if ((m = match("/v1/projects/([^/]+)/serviceAccounts", path)) != null) {
            requireIamProject(m.group(1));
            return switch (method) {
                case "POST" -> createAccount(body);
                case "GET" -> listAccounts(q);
                default -> throw notAllowed(method);
            };
        }
        if ((m = match("/v1/projects/([^/]+)/serviceAccounts/([^/:]+):(getIamPolicy|setIamPolicy)", path)) != null) {
            requireIamProject(m.group(1));
            ObjectNode account = account(m.group(2));
            if (m.group(3).equals("setIamPolicy")) {
                ObjectNode policy = ((ObjectNode) body.path("policy")).deepCopy();
                checkMembers(policy);
                policy.put("etag", etag(ids.incrementAndGet()));
                accountPolicies.put(account.get("email").asText(), policy);
                return policy;
            }
            JsonNode p = accountPolicies.get(account.get("email").asText());
            return p != null ? p : json.createObjectNode().put("etag", "ACAB");
        }
        if ((m = match("/v1/projects/([^/]+)/serviceAccounts/([^/:]+)", path)) != null) {
            requireIamProject(m.group(1));
            return switch (method) {
                case "GET" -> account(m.group(2));
                case "DELETE" -> deleteAccount(m.group(2));
                default -> throw notAllowed(method);
            };
        }
        throw computeError(404, "notFound", "No such method: " + method + " " + path);
    }

    private JsonNode compute(String method, String rest, Map<String, String> q, JsonNode body) {
        Matcher m;
        if (rest.equals("aggregated/instances") && method.equals("GET")) {
            return aggregated("compute#instanceAggregatedList", "instances", List.copyOf(instances.values()), q);
        }
        if (rest.equals("aggregated/disks") && method.equals("GET")) {
            return aggregated("compute#diskAggregatedList", "disks", List.copyOf(disks.values()), q);
        }
        if ((m = match("zones/([^/]+)/instances", rest)) != null) {
            String zone = zone(m.group(1));
            return switch (method) {
                case "GET" ->
                    list(
                            "compute#instanceList",
                            "zones/" + zone + "/instances",
                            instances.values().stream()
                                    .filter(i -> zoneOf(i).equals(zone))
                                    .toList(),
                            q);
                case "POST" ->
                    insertInstances(
                            zone, List.of(body.path("name").asText("")), (ObjectNode) body, "insert", "resource");
                default -> throw notAllowed(method);
            };
        }
        if ((m = match("zones/([^/]+)/instances/bulkInsert", rest)) != null && method.equals("POST")) {
            return bulkInsert(zone(m.group(1)), body);
        }
        if ((m = match("zones/([^/]+)/instances/([^/]+)/setLabels", rest)) != null && method.equals("POST")) {
            return setLabels(zone(m.group(1)), m.group(2), body);
        }
        if ((m = match("zones/([^/]+)/instances/([^/]+)/serialPort", rest)) != null && method.equals("GET")) {
            String zone = zone(m.group(1));
            ObjectNode i = instance(zone, m.group(2));
            String text = serial.getOrDefault(zone + "/" + m.group(2), new StringBuilder())
                    .toString();
            int start = Math.min(text.length(), Integer.parseInt(q.getOrDefault("start", "0")));
            ObjectNode out = json.createObjectNode();
            out.put("kind", "compute#serialPortOutput");
            out.put("contents", text.substring(start));
            out.put("start", Integer.toString(start));
            out.put("next", Integer.toString(text.length()));
            out.put("selfLink", i.get("selfLink").asText() + "/serialPort");
            return out;
        }
        if ((m = match("zones/([^/]+)/instances/([^/]+)", rest)) != null) {
            String zone = zone(m.group(1));
            return switch (method) {
                case "GET" -> instance(zone, m.group(2));
                case "DELETE" -> deleteInstance(zone, m.group(2));
                default -> throw notAllowed(method);
            };
        }
        if ((m = match("zones/([^/]+)/disks", rest)) != null && method.equals("GET")) {
            String zone = zone(m.group(1));
            return list(
                    "compute#diskList",
                    "zones/" + zone + "/disks",
                    disks.values().stream().filter(d -> zoneOf(d).equals(zone)).toList(),
                    q);
        }
        if ((m = match("zones/([^/]+)/disks/([^/]+)", rest)) != null) {
            String zone = zone(m.group(1));
            return switch (method) {
                case "GET" -> disk(zone, m.group(2));
                case "DELETE" -> deleteDisk(zone, m.group(2));
                default -> throw notAllowed(method);
            };
        }
        if ((m = match("zones/([^/]+)/operations/([^/]+?)(/wait)?", rest)) != null) {
            return poll("zones/" + zone(m.group(1)) + "/" + m.group(2));
        }
        if ((m = match("global/operations/([^/]+?)(/wait)?", rest)) != null) {
            return poll("global/" + m.group(1));
        }
        if (rest.equals("global/firewalls")) {
            return switch (method) {
                case "GET" -> list("compute#firewallList", "global/firewalls", List.copyOf(firewalls.values()), q);
                case "POST" -> insertFirewall((ObjectNode) body);
                default -> throw notAllowed(method);
            };
        }
        if ((m = match("global/firewalls/([^/]+)", rest)) != null) {
            return switch (method) {
                case "GET" -> firewall(m.group(1));
                case "PATCH" -> patchFirewall(m.group(1), (ObjectNode) body);
                case "DELETE" -> deleteFirewall(m.group(1));
                default -> throw notAllowed(method);
            };
        }
        throw computeError(
                404, "notFound", "No such method: " + method + " compute/v1/projects/" + PROJECT + "/" + rest);
    }

    // ---------------------------------------------------------------- instances

    private JsonNode bulkInsert(String zone, JsonNode body) {
        int count = body.path("count").asInt(0);
        int minCount = body.path("minCount").asInt(count);
        JsonNode perInstance = body.path("perInstanceProperties");
        if (body.has("namePattern")) {
            throw computeError(
                    400,
                    "invalid",
                    "Invalid value for field 'resource.namePattern': this fake supports"
                            + " perInstanceProperties names only");
        }
        List<String> names = new ArrayList<>();
        perInstance.fieldNames().forEachRemaining(names::add);
        if (count < 1 || names.size() != count) {
            throw computeError(
                    400,
                    "invalid",
                    "Invalid value for field 'resource.count': '" + count
                            + "'. Must equal the number of perInstanceProperties (" + names.size() + ").");
        }
        if (minCount < 1 || minCount > count) {
            throw computeError(400, "invalid", "Invalid value for field 'resource.minCount': '" + minCount + "'.");
        }
        if (!body.has("instanceProperties")) {
            throw computeError(400, "required", "Required field 'resource.instanceProperties' not specified");
        }
        ObjectNode properties = ((ObjectNode) body.get("instanceProperties")).deepCopy();
        // In instanceProperties the machine type is a bare name; instances carry it as a zonal URL.
        String type = properties.path("machineType").asText("");
        if (type.contains("/")) {
            throw computeError(
                    400,
                    "invalid",
                    "Invalid value for field 'resource.instanceProperties.machineType': '" + type
                            + "'. Machine type must be a name, not a URL.");
        }
        properties.put("machineType", "zones/" + zone + "/machineTypes/" + type);
        return insertInstances(zone, names, properties, "bulkInsert", "resource.instanceProperties");
    }

    /** Creates {@code names} from one resource; all or none, as bulkInsert with minCount = count. */
    private JsonNode insertInstances(
            String zone, List<String> names, ObjectNode resource, String operationType, String field) {
        for (String n : names) {
            requireName(field.equals("resource") ? "resource.name" : "resource.perInstanceProperties", n);
        }
        validateInstance(zone, resource, field);
        String target = LINK + "projects/" + PROJECT + "/zones/" + zone + "/instances/" + names.get(0);
        JsonNode scheduling = resource.path("scheduling");
        boolean spot = "SPOT".equals(scheduling.path("provisioningModel").asText());
        if (exhaustedZones.contains(zone)) {
            return operation(
                    zone,
                    operationType,
                    target,
                    "ZONE_RESOURCE_POOL_EXHAUSTED",
                    "The zone 'projects/" + PROJECT
                            + "/zones/" + zone
                            + "' does not have enough resources available to fulfill the request.  Try a"
                            + " different zone, or try again later.",
                    503,
                    "SERVICE UNAVAILABLE");
        }
        if (spot && spotRefused) {
            return operation(
                    zone,
                    operationType,
                    target,
                    "QUOTA_EXCEEDED",
                    "Quota 'PREEMPTIBLE_CPUS' exceeded.  Limit:" + " 0.0 in region "
                            + zone.substring(0, zone.lastIndexOf('-')) + ".",
                    403,
                    "FORBIDDEN");
        }
        OperationFailure injected = takeOperationFailure(operationType, target);
        if (injected != null) {
            return operation(
                    zone, operationType, target, injected.code(), injected.message(), injected.httpStatus(), "ERROR");
        }
        for (String n : names) {
            if (instances.containsKey(zone + "/" + n)) {
                return operation(
                        zone,
                        operationType,
                        target,
                        "RESOURCE_ALREADY_EXISTS",
                        "The resource 'projects/" + PROJECT + "/zones/" + zone + "/instances/" + n + "' already exists",
                        409,
                        "CONFLICT");
            }
        }
        for (String n : names) {
            createInstance(zone, n, resource);
        }
        return operation(zone, operationType, target, null, null, 0, null);
    }

    private void validateInstance(String zone, ObjectNode r, String field) {
        String type = lastSegment(r.path("machineType").asText(""));
        if (!MACHINE_TYPES.contains(type)) {
            throw computeError(
                    400,
                    "invalid",
                    "Invalid value for field '" + field + ".machineType': '"
                            + r.path("machineType").asText("") + "'. Machine type with name '" + type
                            + "' does not exist in zone '" + zone + "'.");
        }
        validateLabels(field + ".labels", r.path("labels"));
        JsonNode disksIn = r.path("disks");
        long boots = 0;
        for (JsonNode d : disksIn) {
            if (d.path("boot").asBoolean(false)) {
                boots++;
                String image = d.path("initializeParams").path("sourceImage").asText("");
                if (!IMAGES.contains(image.replaceFirst("^" + Pattern.quote(LINK), ""))) {
                    throw computeError(404, "notFound", "The resource '" + image + "' was not found");
                }
                validateLabels(
                        field + ".disks[0].initializeParams.labels",
                        d.path("initializeParams").path("labels"));
            }
        }
        if (boots != 1) {
            throw computeError(
                    400,
                    "invalid",
                    "Invalid value for field '" + field + ".disks': exactly one boot disk is required.");
        }
        JsonNode nics = r.path("networkInterfaces");
        if (nics.size() < 1) {
            throw computeError(400, "required", "Required field '" + field + ".networkInterfaces' not specified");
        }
        for (JsonNode nic : nics) {
            String network = lastSegment(nic.path("network").asText("global/networks/default"));
            if (!networks.contains(network)) {
                throw computeError(
                        404,
                        "notFound",
                        "The resource 'projects/" + PROJECT + "/global/networks/" + network + "' was not found");
            }
            if (nic.has("subnetwork")) {
                String sub = nic.get("subnetwork").asText();
                String region = zone.substring(0, zone.lastIndexOf('-'));
                if (!subnetworks.contains(region + "/" + lastSegment(sub))
                        || !sub.contains("/regions/" + region + "/")) {
                    throw computeError(404, "notFound", "The resource '" + sub + "' was not found");
                }
            }
        }
        for (JsonNode tag : r.path("tags").path("items")) {
            requireName(field + ".tags.items", tag.asText());
        }
        long metadataBytes = 0;
        for (JsonNode item : r.path("metadata").path("items")) {
            String key = item.path("key").asText("");
            if (!key.matches("[a-zA-Z0-9_-]{1,128}")) {
                throw computeError(
                        400,
                        "invalid",
                        "Invalid value for field '" + field + ".metadata': metadata key '" + key + "' is invalid.");
            }
            int size = item.path("value").asText("").getBytes(StandardCharsets.UTF_8).length;
            if (size > 256 * 1024) {
                throw computeError(400, "invalid", "Value for metadata key '" + key + "' exceeds 262144 bytes.");
            }
            metadataBytes += size + key.length();
        }
        if (metadataBytes > 512 * 1024) {
            throw computeError(400, "invalid", "Metadata of an instance may total at most 512 KB.");
        }
        JsonNode scheduling = r.path("scheduling");
        if ("SPOT".equals(scheduling.path("provisioningModel").asText())) {
            if (scheduling.path("automaticRestart").asBoolean(true)) {
                throw computeError(
                        400,
                        "invalid",
                        "Invalid value for field '" + field + ".scheduling.automaticRestart':"
                                + " 'true'. Spot VMs cannot restart automatically.");
            }
            if (!"TERMINATE".equals(scheduling.path("onHostMaintenance").asText("TERMINATE"))) {
                throw computeError(
                        400,
                        "invalid",
                        "Invalid value for field '" + field + ".scheduling.onHostMaintenance':" + " '"
                                + scheduling.path("onHostMaintenance").asText()
                                + "'. Spot VMs cannot be live-migrated.");
            }
            String action = scheduling.path("instanceTerminationAction").asText("STOP");
            if (!action.equals("STOP") && !action.equals("DELETE")) {
                throw computeError(
                        400,
                        "invalid",
                        "Invalid value for field '" + field + ".scheduling.instanceTerminationAction': '" + action
                                + "'.");
            }
        }
        for (JsonNode sa : r.path("serviceAccounts")) {
            String email = sa.path("email").asText("");
            boolean known = accountKnown(email) && !(hiddenAccountInserts > 0 && email.startsWith("jcloud-"));
            if (hiddenAccountInserts > 0) {
                hiddenAccountInserts--;
            }
            if (!known) {
                throw computeError(
                        400,
                        "invalid",
                        "Invalid value for field '" + field + ".serviceAccounts[0].email': '"
                                + email + "'. The user does not have access to service account '" + email
                                + "'.  User: 'fake@jcloud.test'.  Ask a project owner to grant you the iam.serviceAccountUser"
                                + " role on the service account");
            }
        }
    }

    private void createInstance(String zone, String name, ObjectNode r) {
        String self = LINK + "projects/" + PROJECT + "/zones/" + zone + "/instances/" + name;
        String region = zone.substring(0, zone.lastIndexOf('-'));
        ObjectNode i = json.createObjectNode();
        i.put("kind", "compute#instance");
        i.put("id", Long.toUnsignedString(ids.incrementAndGet()));
        i.put("creationTimestamp", now());
        i.put("name", name);
        i.put("description", r.path("description").asText(""));
        ObjectNode tags = i.putObject("tags");
        tags.set("items", r.path("tags").path("items").deepCopy());
        tags.put("fingerprint", fingerprint(tags.get("items")));
        i.put(
                "machineType",
                LINK + "projects/" + PROJECT + "/zones/" + zone + "/machineTypes/"
                        + lastSegment(r.get("machineType").asText()));
        i.put("status", "RUNNING");
        i.put("zone", LINK + "projects/" + PROJECT + "/zones/" + zone);
        ArrayNode nics = i.putArray("networkInterfaces");
        int n = nextAddress++;
        int nicIndex = 0;
        for (JsonNode in : r.path("networkInterfaces")) {
            ObjectNode nic = nics.addObject();
            nic.put("kind", "compute#networkInterface");
            nic.put(
                    "network",
                    LINK + "projects/" + PROJECT + "/global/networks/"
                            + lastSegment(in.path("network").asText("default")));
            nic.put(
                    "subnetwork",
                    LINK + "projects/" + PROJECT + "/regions/" + region + "/subnetworks/"
                            + lastSegment(in.path("subnetwork").asText("default")));
            nic.put("networkIP", "10.128." + (n / 250) + "." + (n % 250 + 2));
            nic.put("name", "nic" + nicIndex++);
            nic.put("fingerprint", fingerprint(in));
            ArrayNode access = nic.putArray("accessConfigs");
            for (JsonNode ac : in.path("accessConfigs")) {
                ObjectNode a = access.addObject();
                a.put("kind", "compute#accessConfig");
                a.put("type", ac.path("type").asText("ONE_TO_ONE_NAT"));
                a.put("name", ac.path("name").asText("External NAT"));
                // TEST-NET-1: documentation addresses nothing answers on.
                a.put("natIP", "192.0.2." + (n % 250 + 2));
                a.put("networkTier", "PREMIUM");
            }
        }
        ArrayNode attached = i.putArray("disks");
        int index = 0;
        for (JsonNode d : r.path("disks")) {
            JsonNode init = d.path("initializeParams");
            String diskName = init.path("diskName").asText(index == 0 ? name : name + "-" + index);
            ObjectNode disk = json.createObjectNode();
            disk.put("kind", "compute#disk");
            disk.put("id", Long.toUnsignedString(ids.incrementAndGet()));
            disk.put("creationTimestamp", now());
            disk.put("name", diskName);
            disk.put("sizeGb", init.path("diskSizeGb").asText("10"));
            disk.put("zone", LINK + "projects/" + PROJECT + "/zones/" + zone);
            disk.put("status", "READY");
            disk.put("selfLink", LINK + "projects/" + PROJECT + "/zones/" + zone + "/disks/" + diskName);
            disk.put("sourceImage", LINK + init.path("sourceImage").asText());
            disk.put(
                    "type",
                    LINK + "projects/" + PROJECT + "/zones/" + zone + "/diskTypes/"
                            + lastSegment(init.path("diskType").asText("pd-standard")));
            disk.set(
                    "labels",
                    init.path("labels").isMissingNode()
                            ? json.createObjectNode()
                            : init.get("labels").deepCopy());
            disk.put("labelFingerprint", fingerprint(disk.get("labels")));
            disk.putArray("users").add(self);
            disks.put(zone + "/" + diskName, disk);
            ObjectNode a = attached.addObject();
            a.put("kind", "compute#attachedDisk");
            a.put("type", d.path("type").asText("PERSISTENT"));
            a.put("mode", "READ_WRITE");
            a.put("source", disk.get("selfLink").asText());
            a.put("deviceName", "persistent-disk-" + index);
            a.put("index", index);
            a.put("boot", d.path("boot").asBoolean(false));
            a.put("autoDelete", d.path("autoDelete").asBoolean(false));
            a.put("interface", "SCSI");
            a.put("diskSizeGb", disk.get("sizeGb").asText());
            index++;
        }
        ObjectNode metadata = i.putObject("metadata");
        metadata.put("kind", "compute#metadata");
        metadata.set("items", r.path("metadata").path("items").deepCopy());
        metadata.put("fingerprint", fingerprint(metadata.get("items")));
        i.set("serviceAccounts", r.path("serviceAccounts").deepCopy());
        i.put("selfLink", self);
        ObjectNode scheduling = i.putObject("scheduling");
        JsonNode s = r.path("scheduling");
        boolean spot = "SPOT".equals(s.path("provisioningModel").asText());
        scheduling.put("onHostMaintenance", s.path("onHostMaintenance").asText(spot ? "TERMINATE" : "MIGRATE"));
        scheduling.put("automaticRestart", s.path("automaticRestart").asBoolean(!spot));
        scheduling.put("preemptible", s.path("preemptible").asBoolean(false));
        scheduling.put("provisioningModel", s.path("provisioningModel").asText("STANDARD"));
        if (spot) {
            scheduling.put(
                    "instanceTerminationAction",
                    s.path("instanceTerminationAction").asText("STOP"));
        }
        i.set(
                "labels",
                r.path("labels").isMissingNode()
                        ? json.createObjectNode()
                        : r.get("labels").deepCopy());
        i.put("labelFingerprint", fingerprint(i.get("labels")));
        i.put("startRestricted", false);
        i.put("deletionProtection", false);
        i.put("lastStartTimestamp", now());
        instances.put(zone + "/" + name, i);
        serial.computeIfAbsent(zone + "/" + name, k -> new StringBuilder())
                .append("fake-gce: ")
                .append(name)
                .append(" booted\n");
    }

    private JsonNode deleteInstance(String zone, String name) {
        ObjectNode i = instance(zone, name);
        String self = i.get("selfLink").asText();
        OperationFailure injected = takeOperationFailure("delete", self);
        if (injected != null) {
            return operation(zone, "delete", self, injected.code(), injected.message(), injected.httpStatus(), "ERROR");
        }
        instances.remove(zone + "/" + name);
        serial.remove(zone + "/" + name);
        for (JsonNode a : i.path("disks")) {
            String diskKey = zone + "/" + lastSegment(a.path("source").asText());
            ObjectNode disk = disks.get(diskKey);
            if (disk == null) {
                continue;
            }
            if (a.path("autoDelete").asBoolean(false)) {
                disks.remove(diskKey);
            } else {
                disk.putArray("users");
            }
        }
        return operation(zone, "delete", self, null, null, 0, null);
    }

    private JsonNode setLabels(String zone, String name, JsonNode body) {
        ObjectNode i = instance(zone, name);
        if (!i.path("labelFingerprint")
                .asText()
                .equals(body.path("labelFingerprint").asText())) {
            throw computeError(
                    412, "conditionNotMet", "Labels fingerprint either invalid or resource labels have changed");
        }
        JsonNode labels = body.path("labels").isMissingNode() ? json.createObjectNode() : body.get("labels");
        validateLabels("labels", labels);
        i.set("labels", labels.deepCopy());
        i.put("labelFingerprint", fingerprint(labels));
        return operation(zone, "setLabels", i.get("selfLink").asText(), null, null, 0, null);
    }

    private void validateLabels(String field, JsonNode labels) {
        if (labels.size() > 64) {
            throw computeError(400, "invalid", "Invalid value for field '" + field + "': at most 64 labels.");
        }
        labels.fields().forEachRemaining(e -> {
            if (!LABEL_KEY.matcher(e.getKey()).matches()) {
                throw computeError(
                        400,
                        "invalid",
                        "Invalid value for field '" + field + "': '" + e.getKey()
                                + "'. Label key violates format constraints. The key must start with a lowercase character, can"
                                + " only contain lowercase letters, numeric characters, underscores and dashes. The key can be at"
                                + " most 63 characters long. International characters are allowed.");
            }
            if (!LABEL_VALUE.matcher(e.getValue().asText()).matches()) {
                throw computeError(
                        400,
                        "invalid",
                        "Invalid value for field '" + field + "': '"
                                + e.getValue().asText()
                                + "'. Label value violates format constraints. The value can only contain lowercase letters,"
                                + " numeric characters, underscores and dashes. The value can be at most 63 characters long."
                                + " International characters are allowed.");
            }
        });
    }

    private ObjectNode instance(String zone, String name) {
        ObjectNode i = instances.get(zone + "/" + name);
        if (i == null) {
            throw computeError(
                    404,
                    "notFound",
                    "The resource 'projects/" + PROJECT + "/zones/" + zone + "/instances/" + name + "' was not found");
        }
        return i;
    }

    private ObjectNode disk(String zone, String name) {
        ObjectNode d = disks.get(zone + "/" + name);
        if (d == null) {
            throw computeError(
                    404,
                    "notFound",
                    "The resource 'projects/" + PROJECT + "/zones/" + zone + "/disks/" + name + "' was not found");
        }
        return d;
    }

    private JsonNode deleteDisk(String zone, String name) {
        ObjectNode d = disk(zone, name);
        if (d.path("users").size() > 0) {
            throw computeError(
                    400,
                    "resourceInUseByAnotherResource",
                    "The disk resource '" + d.get("selfLink").asText() + "' is already being used by '"
                            + d.path("users").get(0).asText() + "'");
        }
        disks.remove(zone + "/" + name);
        return operation(zone, "delete", d.get("selfLink").asText(), null, null, 0, null);
    }

    // ---------------------------------------------------------------- firewalls

    private JsonNode insertFirewall(ObjectNode body) {
        String name = body.path("name").asText("");
        requireName("resource.name", name);
        if (firewalls.containsKey(name)) {
            throw computeError(
                    409,
                    "alreadyExists",
                    "The resource 'projects/" + PROJECT + "/global/firewalls/" + name + "' already exists");
        }
        ObjectNode f = body.deepCopy();
        validateFirewall(f);
        f.put("kind", "compute#firewall");
        f.put("id", Long.toUnsignedString(ids.incrementAndGet()));
        f.put("creationTimestamp", now());
        f.put(
                "network",
                LINK + "projects/" + PROJECT + "/global/networks/"
                        + lastSegment(f.path("network").asText("global/networks/default")));
        f.put("priority", f.path("priority").asInt(1000));
        f.put("direction", f.path("direction").asText("INGRESS"));
        f.put("disabled", f.path("disabled").asBoolean(false));
        f.put("selfLink", LINK + "projects/" + PROJECT + "/global/firewalls/" + name);
        f.putObject("logConfig").put("enable", false);
        if (f.get("direction").asText().equals("INGRESS")
                && !f.has("sourceRanges")
                && !f.has("sourceTags")
                && !f.has("sourceServiceAccounts")) {
            f.putArray("sourceRanges").add("0.0.0.0/0"); // the API's documented default for ingress
        }
        firewalls.put(name, f);
        return operation(null, "insert", f.get("selfLink").asText(), null, null, 0, null);
    }

    private void validateFirewall(ObjectNode f) {
        String network = lastSegment(f.path("network").asText("global/networks/default"));
        if (!networks.contains(network)) {
            throw computeError(
                    404,
                    "notFound",
                    "The resource 'projects/" + PROJECT + "/global/networks/" + network + "' was not found");
        }
        for (JsonNode a : f.path("allowed")) {
            String protocol = a.path("IPProtocol").asText("");
            if (!PROTOCOLS.contains(protocol) && !protocol.matches("\\d{1,3}")) {
                throw computeError(
                        400,
                        "invalid",
                        "Invalid value for field 'resource.allowed[0].IPProtocol': '" + protocol + "'.");
            }
            if (a.has("ports") && !Set.of("tcp", "udp", "sctp").contains(protocol)) {
                throw computeError(
                        400,
                        "invalid",
                        "Invalid value for field 'resource.allowed[0].ports': ports are"
                                + " allowed only for tcp, udp and sctp.");
            }
        }
        for (JsonNode range : f.path("sourceRanges")) {
            if (!CIDR.matcher(range.asText()).matches()) {
                throw computeError(
                        400,
                        "invalid",
                        "Invalid value for field 'resource.sourceRanges[0]': '" + range.asText()
                                + "'. Must be a CIDR address range that is contained in the network.");
            }
        }
        for (String list : List.of("sourceTags", "targetTags")) {
            for (JsonNode tag : f.path(list)) {
                requireName("resource." + list, tag.asText());
            }
        }
    }

    private ObjectNode firewall(String name) {
        ObjectNode f = firewalls.get(name);
        if (f == null) {
            throw computeError(
                    404,
                    "notFound",
                    "The resource 'projects/" + PROJECT + "/global/firewalls/" + name + "' was not found");
        }
        return f;
    }

    private JsonNode patchFirewall(String name, ObjectNode patch) {
        ObjectNode f = firewall(name);
        ObjectNode merged = f.deepCopy();
        patch.fields().forEachRemaining(e -> merged.set(e.getKey(), e.getValue().deepCopy()));
        validateFirewall(merged);
        firewalls.put(name, merged);
        return operation(null, "patch", f.get("selfLink").asText(), null, null, 0, null);
    }

    private JsonNode deleteFirewall(String name) {
        ObjectNode f = firewall(name);
        firewalls.remove(name);
        return operation(null, "delete", f.get("selfLink").asText(), null, null, 0, null);
    }

    // ---------------------------------------------------------------- operations

    private OperationFailure takeOperationFailure(String type, String target) {
        for (Iterator<OperationFailure> it = operationFailures.iterator(); it.hasNext(); ) {
            OperationFailure f = it.next();
            if (f.operationType().equals(type) && f.target().matcher(target).find()) {
                it.remove();
                return f;
            }
        }
        return null;
    }

    /** A new operation on {@code target}; {@code zone} null means global. Fails with {@code code} when given. */
    private JsonNode operation(
            String zone, String type, String target, String code, String message, int httpStatus, String httpMessage) {
        String name = "operation-" + System.currentTimeMillis() + "-" + Long.toHexString(ids.incrementAndGet());
        String scope = zone == null ? "global" : "zones/" + zone;
        ObjectNode op = json.createObjectNode();
        op.put("kind", "compute#operation");
        op.put("id", Long.toUnsignedString(ids.incrementAndGet()));
        op.put("name", name);
        if (zone != null) {
            op.put("zone", LINK + "projects/" + PROJECT + "/zones/" + zone);
        }
        op.put("operationType", type);
        op.put("targetLink", target);
        op.put("targetId", Long.toUnsignedString(ids.incrementAndGet()));
        op.put("status", "RUNNING");
        op.put("user", "fake@jcloud.test");
        op.put("progress", 0);
        op.put("insertTime", now());
        op.put("startTime", now());
        op.put("selfLink", LINK + "projects/" + PROJECT + "/" + scope + "/operations/" + name);
        ArrayNode errors = null;
        if (code != null) {
            errors = json.createArrayNode();
            ObjectNode e = errors.addObject();
            e.put("code", code);
            e.put("message", message);
        }
        Op state = new Op(op, operationPolls, errors, httpStatus, httpMessage);
        operations.put(scope + "/" + name, state);
        if (state.pollsLeft <= 0) {
            finish(state);
        }
        return op.deepCopy();
    }

    private JsonNode poll(String key) {
        Op op = operations.get(key);
        if (op == null) {
            throw computeError(
                    404,
                    "notFound",
                    "The resource 'projects/" + PROJECT + "/" + key.replaceFirst("/([^/]+)$", "/operations/$1")
                            + "' was not found");
        }
        if (op.pollsLeft > 0 && --op.pollsLeft == 0) {
            finish(op);
        } else if (op.pollsLeft > 0) {
            op.node.put("progress", 50);
        }
        return op.node.deepCopy();
    }

    private void finish(Op op) {
        op.node.put("status", "DONE");
        op.node.put("progress", 100);
        op.node.put("endTime", now());
        if (op.errors != null) {
            op.node.putObject("error").set("errors", op.errors);
            op.node.put("httpErrorStatusCode", op.httpStatus);
            op.node.put("httpErrorMessage", op.httpMessage);
        }
    }

    // ---------------------------------------------------------------- lists

    private JsonNode list(String kind, String scope, List<ObjectNode> all, Map<String, String> q) {
        List<ObjectNode> matching = filter(all, q);
        int offset = offset(q);
        int size = size(q);
        ObjectNode out = json.createObjectNode();
        out.put("kind", kind);
        out.put("id", "projects/" + PROJECT + "/" + scope);
        ArrayNode items = out.putArray("items");
        matching.stream().skip(offset).limit(size).forEach(items::add);
        if (offset + size < matching.size()) {
            out.put("nextPageToken", "o" + (offset + size));
        }
        out.put("selfLink", LINK + "projects/" + PROJECT + "/" + scope);
        return out;
    }

    private JsonNode aggregated(String kind, String field, List<ObjectNode> all, Map<String, String> q) {
        List<ObjectNode> matching = filter(all, q);
        int offset = offset(q);
        int size = size(q);
        List<ObjectNode> page = matching.stream().skip(offset).limit(size).toList();
        ObjectNode out = json.createObjectNode();
        out.put("kind", kind);
        out.put("id", "projects/" + PROJECT + "/aggregated/" + field);
        ObjectNode items = out.putObject("items");
        for (String zone : ZONES) {
            ObjectNode scoped = items.putObject("zones/" + zone);
            List<ObjectNode> here =
                    page.stream().filter(r -> zoneOf(r).equals(zone)).toList();
            if (here.isEmpty()) {
                ObjectNode warning = scoped.putObject("warning");
                warning.put("code", "NO_RESULTS_ON_PAGE");
                warning.put("message", "There are no results for scope 'zones/" + zone + "' on this page.");
                ObjectNode data = warning.putArray("data").addObject();
                data.put("key", "scope");
                data.put("value", "zones/" + zone);
            } else {
                ArrayNode list = scoped.putArray(field);
                here.forEach(list::add);
            }
        }
        if (offset + size < matching.size()) {
            out.put("nextPageToken", "o" + (offset + size));
        }
        out.put("selfLink", LINK + "projects/" + PROJECT + "/aggregated/" + field);
        return out;
    }

    private List<ObjectNode> filter(List<ObjectNode> all, Map<String, String> q) {
        Predicate<JsonNode> p;
        try {
            p = FakeFilter.parse(q.get("filter"));
        } catch (IllegalArgumentException e) {
            throw computeError(
                    400, "invalid", "Invalid value for field 'filter': '" + q.get("filter") + "'. " + e.getMessage());
        }
        return all.stream().filter(p).map(ObjectNode::deepCopy).toList();
    }

    private static int offset(Map<String, String> q) {
        String token = q.getOrDefault("pageToken", "");
        return token.startsWith("o") ? Integer.parseInt(token.substring(1)) : 0;
    }

    private int size(Map<String, String> q) {
        int asked = Integer.parseInt(q.getOrDefault("maxResults", "500"));
        return Math.max(1, Math.min(Math.min(asked, 500), pageSize));
    }

    // ---------------------------------------------------------------- IAM and Resource Manager

    private JsonNode createAccount(JsonNode body) {
        String id = body.path("accountId").asText("");
        if (!ACCOUNT_ID.matcher(id).matches()) {
            throw googleError(
                    400,
                    "INVALID_ARGUMENT",
                    "Invalid account id '" + id + "': it must be 6 to 30 lower-case"
                            + " letters, digits or hyphens, start with a letter and not end with a hyphen.");
        }
        String email = id + "@" + PROJECT + ".iam.gserviceaccount.com";
        if (accounts.containsKey(email)) {
            throw googleError(
                    409,
                    "ALREADY_EXISTS",
                    "Service account " + id + " already exists within project projects/" + PROJECT + ".");
        }
        JsonNode sa = body.path("serviceAccount");
        String description = sa.path("description").asText("");
        if (description.length() > 256 || sa.path("displayName").asText("").length() > 100) {
            throw googleError(
                    400, "INVALID_ARGUMENT", "displayName is limited to 100 and description to 256 characters");
        }
        ObjectNode a = json.createObjectNode();
        String unique = Long.toUnsignedString(ids.incrementAndGet());
        a.put("name", "projects/" + PROJECT + "/serviceAccounts/" + email);
        a.put("projectId", PROJECT);
        a.put("uniqueId", unique);
        a.put("email", email);
        a.put("displayName", sa.path("displayName").asText(""));
        a.put("etag", "MDEwMjE5MjA=");
        a.put("description", description);
        a.put("oauth2ClientId", unique);
        accounts.put(email, a);
        accountKnownFrom.put(email, System.currentTimeMillis() + iamPropagationMillis);
        return a;
    }

    private JsonNode createSecret(String id, JsonNode body) {
        if (id == null || !id.matches("[A-Za-z0-9_-]{1,255}")) {
            throw googleError(400, "INVALID_ARGUMENT", "Invalid secret id '" + id + "'.");
        }
        if (secrets.containsKey(id)) {
            throw googleError(409, "ALREADY_EXISTS", "Secret [projects/123456789/secrets/" + id + "] already exists.");
        }
        if (!body.path("replication").has("automatic")
                && !body.path("replication").has("userManaged")) {
            throw googleError(400, "INVALID_ARGUMENT", "Secret.replication is required.");
        }
        JsonNode labels = body.path("labels");
        labels.fields().forEachRemaining(e -> {
            if (!LABEL_KEY.matcher(e.getKey()).matches()
                    || !LABEL_VALUE.matcher(e.getValue().asText()).matches()) {
                throw googleError(
                        400,
                        "INVALID_ARGUMENT",
                        "Invalid label " + e.getKey() + "=" + e.getValue().asText());
            }
        });
        ObjectNode secret = json.createObjectNode();
        secret.put("name", "projects/123456789/secrets/" + id);
        secret.set("replication", body.get("replication").deepCopy());
        secret.put("createTime", OffsetDateTime.now(ZoneOffset.UTC).toString());
        secret.set("labels", labels.isMissingNode() ? json.createObjectNode() : labels.deepCopy());
        secret.put("etag", "\"" + Long.toHexString(ids.incrementAndGet()) + "\"");
        secrets.put(id, secret);
        secretGrantFrom.remove(id);
        return secret;
    }

    private ObjectNode secret(String id) {
        ObjectNode s = secrets.get(id);
        if (s == null) {
            throw googleError(404, "NOT_FOUND", "Secret [projects/123456789/secrets/" + id + "] not found.");
        }
        return s;
    }

    private JsonNode listSecrets(Map<String, String> q) {
        List<ObjectNode> all;
        try {
            Predicate<JsonNode> p = FakeFilter.parse(q.get("filter"));
            all = secrets.values().stream().filter(p).toList();
        } catch (IllegalArgumentException e) {
            throw googleError(400, "INVALID_ARGUMENT", "Invalid filter: " + e.getMessage());
        }
        int offset = offset(q);
        int size = Math.max(1, Math.min(Integer.parseInt(q.getOrDefault("pageSize", "25000")), pageSize));
        ObjectNode out = json.createObjectNode();
        if (!all.isEmpty()) {
            ArrayNode list = out.putArray("secrets");
            all.stream().skip(offset).limit(size).forEach(list::add);
        }
        if (offset + size < all.size()) {
            out.put("nextPageToken", "o" + (offset + size));
        }
        out.put("totalSize", all.size());
        return out;
    }

    /** The ids of the project's secrets. */
    public List<String> secrets() {
        synchronized (lock) {
            return List.copyOf(secrets.keySet());
        }
    }

    /** A secret's labels, IAM policy and latest value, or null. */
    public JsonNode secretPolicy(String id) {
        synchronized (lock) {
            JsonNode p = secretPolicies.get(id);
            return p == null ? null : p.deepCopy();
        }
    }

    public JsonNode secretLabels(String id) {
        synchronized (lock) {
            ObjectNode s = secrets.get(id);
            return s == null ? null : s.get("labels").deepCopy();
        }
    }

    private ObjectNode account(String email) {
        ObjectNode a = accounts.get(email);
        if (a == null) {
            throw googleError(404, "NOT_FOUND", "Unknown service account");
        }
        return a;
    }

    private JsonNode deleteAccount(String email) {
        ObjectNode a = account(email);
        accounts.remove(email);
        accountPolicies.remove(email);
        // As IAM does: bindings keep the member, marked deleted.
        for (JsonNode b : projectPolicy.path("bindings")) {
            ArrayNode members = (ArrayNode) b.get("members");
            for (int i = 0; i < members.size(); i++) {
                if (members.get(i).asText().equals("serviceAccount:" + email)) {
                    members.set(
                            i,
                            json.getNodeFactory()
                                    .textNode("deleted:serviceAccount:" + email + "?uid="
                                            + a.get("uniqueId").asText()));
                }
            }
        }
        return json.createObjectNode();
    }

    private JsonNode listAccounts(Map<String, String> q) {
        List<ObjectNode> all = List.copyOf(accounts.values());
        int offset = offset(q);
        int size = Math.max(1, Math.min(Integer.parseInt(q.getOrDefault("pageSize", "100")), pageSize));
        ObjectNode out = json.createObjectNode();
        ArrayNode list = out.putArray("accounts");
        all.stream().skip(offset).limit(size).forEach(list::add);
        if (offset + size < all.size()) {
            out.put("nextPageToken", "o" + (offset + size));
        }
        return out;
    }

    private JsonNode getProjectPolicy(JsonNode body) {
        ObjectNode p = projectPolicy.deepCopy();
        int requested = body.path("options").path("requestedPolicyVersion").asInt(1);
        p.put(
                "version",
                Math.max(1, Math.min(requested, projectPolicy.path("version").asInt(1))));
        return p;
    }

    private JsonNode setProjectPolicy(JsonNode body) {
        if (!body.has("policy")) {
            throw googleError(400, "INVALID_ARGUMENT", "Request contains an invalid argument: policy is required.");
        }
        if (concurrentPolicyChanges > 0) {
            concurrentPolicyChanges--;
            projectPolicy.put("etag", etag(++policyVersion)); // somebody else wrote meanwhile
        }
        ObjectNode policy = ((ObjectNode) body.get("policy")).deepCopy();
        if (policy.has("etag")
                && !policy.get("etag").asText().equals(projectPolicy.get("etag").asText())) {
            throw googleError(
                    409,
                    "ABORTED",
                    "There were concurrent policy changes. Please retry the whole"
                            + " read-modify-write with exponential backoff.");
        }
        boolean conditions = false;
        for (JsonNode b : policy.path("bindings")) {
            conditions |= b.has("condition");
            if (!b.path("role").asText("").startsWith("roles/")) {
                throw googleError(
                        400, "INVALID_ARGUMENT", "Role " + b.path("role").asText() + " is not supported.");
            }
        }
        if (conditions && policy.path("version").asInt(1) < 3) {
            throw googleError(
                    400, "INVALID_ARGUMENT", "Invalid IAM policy: a policy with conditions must have version 3.");
        }
        checkMembers(policy);
        policy.put("etag", etag(++policyVersion));
        projectPolicy = policy;
        return policy.deepCopy();
    }

    private void checkMembers(JsonNode policy) {
        for (JsonNode b : policy.path("bindings")) {
            for (JsonNode m : b.path("members")) {
                String member = m.asText();
                if (member.startsWith("serviceAccount:")
                        && member.endsWith("@" + PROJECT + ".iam.gserviceaccount.com")
                        && !accountKnown(member.substring("serviceAccount:".length()))) {
                    throw googleError(
                            400,
                            "INVALID_ARGUMENT",
                            "Service account " + member.substring("serviceAccount:".length()) + " does not exist.");
                }
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private void requireProject(String project) {
        if (!project.equals(PROJECT)) {
            throw computeError(404, "notFound", "The resource 'projects/" + project + "' was not found");
        }
    }

    private void requireIamProject(String project) {
        if (!project.equals(PROJECT) && !project.equals("-")) {
            throw googleError(403, "PERMISSION_DENIED", "The caller does not have permission");
        }
    }

    private String zone(String zone) {
        if (!ZONES.contains(zone)) {
            throw computeError(400, "invalid", "Invalid value for field 'zone': '" + zone + "'. Unknown zone.");
        }
        return zone;
    }

    private static void requireName(String field, String name) {
        if (!NAME.matcher(name).matches()) {
            throw computeError(
                    400,
                    "invalid",
                    "Invalid value for field '" + field + "': '" + name
                            + "'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'");
        }
    }

    private static String zoneOf(JsonNode resource) {
        return lastSegment(resource.path("zone").asText(""));
    }

    private static String lastSegment(String url) {
        return url.substring(url.lastIndexOf('/') + 1);
    }

    private static Matcher match(String regex, String text) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.matches() ? m : null;
    }

    private static ApiError notAllowed(String method) {
        return computeError(405, "httpMethodNotAllowed", "HTTP method " + method + " is not supported by this URL");
    }

    /** Compute Engine v1's error body. */
    static ApiError computeError(int code, String reason, String message) {
        ObjectNode body = new ObjectMapper().createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("code", code);
        error.put("message", message);
        ObjectNode e = error.putArray("errors").addObject();
        e.put("message", message);
        e.put("domain", "global");
        e.put("reason", reason);
        return new ApiError(code, body);
    }

    /** The error body of IAM and Resource Manager (google.rpc.Status as JSON). */
    static ApiError googleError(int code, String status, String message) {
        ObjectNode body = new ObjectMapper().createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("code", code);
        error.put("message", message);
        error.put("status", status);
        return new ApiError(code, body);
    }

    private static String now() {
        // RFC 3339 with milliseconds, as the API writes them (toString() would drop ":00" seconds).
        return OffsetDateTime.now(ZoneOffset.ofHours(-8))
                .format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX"));
    }

    private static String etag(long version) {
        return Base64.getEncoder().encodeToString(("etag-" + version).getBytes(StandardCharsets.UTF_8));
    }

    private static String fingerprint(JsonNode node) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest(String.valueOf(node).getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(d, 8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** For tests that want the endpoint as a URI. */
    public URI uri() {
        return URI.create(endpoint());
    }
}
