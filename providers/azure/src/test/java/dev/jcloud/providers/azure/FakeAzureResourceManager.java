package dev.jcloud.providers.azure;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.RetryOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.core.publisher.Mono;

/**
 * A stateful fake of the Azure Resource Manager REST API, exactly the endpoints the provider uses,
 * written from the REST reference and driven only through the official SDK. A JUnit 5 extension:
 * it serves HTTPS on a free port of 127.0.0.1 (the SDK sends bearer tokens only over TLS) with a
 * certificate made at start, and starts every test from an empty subscription.
 *
 * <p>What it does like ARM: {@code api-version} and a bearer token are required; PUT answers
 * 201 (created) or 200 (updated); writes of networks, NICs, addresses, security groups, VMs and
 * deletes of those and of disks are long-running: 201/202 with an {@code Azure-AsyncOperation}
 * header (deletes also {@code Location}), the resource {@code Creating}/{@code Updating}/
 * {@code Deleting} until the operation has been polled {@link #asyncPolls} times, then
 * {@code Succeeded} (or {@code Failed} with the operation's error); a resource group's delete is
 * 202 with a {@code Location} to poll and removes everything in the group; errors have ARM's body
 * {@code {"error":{"code","message","details"}}}; lists page with {@code nextLink}; a VM's custom
 * data is never returned; a VM's instance view comes only with {@code $expand=instanceView}, which
 * a list accepts only with a {@code $filter}. Failures can be injected ({@link #fail}), synchronous
 * (an error answer to the request) or asynchronous (the operation ends {@code Failed}).
 *
 * <p>Tokens stand for principals: the test's own credential for a subscription Owner, others
 * ({@link #clientsAs}, or a managed identity's through the fake IMDS) for principals that may do only
 * what their role assignments allow at the request's scope or above ({@link ArmState#roleAllows});
 * otherwise 403 {@code AuthorizationFailed}. The storage accounts' blob endpoints serve blobs and user
 * delegation keys, and check service and user delegation SAS signatures ({@link #blob}).
 *
 * <p>It boots nothing: VMs have a power state and a serial log that tests set.
 */
public final class FakeAzureResourceManager implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {

    /** The subscription tests use. */
    static final String SUBSCRIPTION = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d";
    /** A distinctive piece of the fake token: it must never show up in custom data, tags or messages. */
    public static final String TOKEN_SECRET = "FAKE-TOKEN-SIGNATURE-do-not-leak";

    private static final String VAULT_DOMAIN = ".vault.azure.net";
    private static final String BLOB_DOMAIN = ".blob.core.windows.net";
    private static final Pattern TAG_FILTER =
            Pattern.compile("tagName eq '([^']*)'(?: and tagValue eq '([^']*)')?", Pattern.CASE_INSENSITIVE);

    private final FakeTls tls = new FakeTls();
    /** Where the storage accounts' Blob service runs when not here: Azurite, for the accounts it serves. */
    private volatile Azurite blobService;
    /** The object id of the test's own identity (the "user" running jcloud), in its token's {@code oid} claim. */
    private final String callerObjectId = UUID.randomUUID().toString();

    private final String token = fakeJwt(callerObjectId);
    /** The principal each data-plane token stands for: the caller's, and those IMDS handed to identities. */
    private final Map<String, String> tokenPrincipals = new HashMap<>();

    private final List<String> tokenScopes = new ArrayList<>();
    private final List<String> imdsRequests = new ArrayList<>();
    /** The client ids of the user-assigned identities the VM asking IMDS carries (see {@link #imdsMachine}). */
    private List<String> machineIdentities = List.of();

    private HttpServer imds;
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private HttpsServer server;
    private ExecutorService executor;

    private ArmState state = new ArmState();
    private final Map<String, Operation> operations = new HashMap<>();
    private final List<Recorded> requests = new ArrayList<>();
    private final List<Injection> injections = new ArrayList<>();
    private int asyncPolls = 1;
    private int pageSize = 100;
    private int principalDelay;
    /** How long IMDS does not know the VM's identities, from its first token request on. */
    private Duration imdsIdentityDelay = Duration.ZERO;
    /** Until this System.nanoTime() IMDS does not know them; 0: not asked yet. */
    private long imdsIdentityFrom;

    /** One request as the fake received it. */
    record Recorded(String method, String path, String query, String body) {
        JsonNode json() {
            try {
                return ArmState.JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final class Operation {
        final String id;
        int remaining;
        final Runnable onSuccess;
        final Runnable onFailure;
        final Injection failure;
        String status = "InProgress";
        /** What the Location poll answers (200) once the operation succeeded; null: 204, no body. */
        ObjectNode result;

        Operation(int remaining, Runnable onSuccess, Runnable onFailure, Injection failure) {
            this.id = UUID.randomUUID().toString();
            this.remaining = remaining;
            this.onSuccess = onSuccess;
            this.onFailure = onFailure;
            this.failure = failure;
        }
    }

    /** A failure to inject: requests matching method, path and body get it instead of the normal answer. */
    final class Injection {
        private final String method;
        private final Pattern path;
        private String bodyContains;
        private int times = 1;
        private boolean async;
        private int status;
        private String code;
        private String message;
        private int retryAfter;

        private Injection(String method, String pathRegex) {
            this.method = method;
            this.path = Pattern.compile(pathRegex, Pattern.CASE_INSENSITIVE);
        }

        /** Only requests whose body contains {@code text}. */
        Injection bodyContaining(String text) {
            this.bodyContains = text;
            return this;
        }

        /** How many matching requests get it (default 1; {@code Integer.MAX_VALUE} for all). */
        Injection times(int times) {
            this.times = times;
            return this;
        }

        /** The request is answered with this error at once. */
        void respond(int status, String code, String message) {
            this.status = status;
            this.code = code;
            this.message = message;
            synchronized (FakeAzureResourceManager.this) {
                injections.add(this);
            }
        }

        /**
         * The request is throttled as Resource Manager does when a subscription's request limit is
         * reached: 429 TooManyRequests with {@code Retry-After: retryAfterSeconds}.
         */
        void throttle(int retryAfterSeconds) {
            this.retryAfter = retryAfterSeconds;
            respond(
                    429,
                    "TooManyRequests",
                    "The request is being throttled as the limit has been reached for"
                            + " operation type - Write_ObservationWindow_00:05:00. For more information, see"
                            + " https://aka.ms/armthrottling");
        }

        /** The request is accepted, and its long-running operation ends {@code Failed} with this error. */
        void failOperation(String code, String message) {
            this.async = true;
            this.code = code;
            this.message = message;
            synchronized (FakeAzureResourceManager.this) {
                injections.add(this);
            }
        }

        boolean matches(String m, String p, String body) {
            return times > 0
                    && method.equalsIgnoreCase(m)
                    && path.matcher(p).matches()
                    && (bodyContains == null || body.contains(bodyContains));
        }
    }

    // ---- lifecycle ----

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        // The JDK server writes headers and body separately; without TCP_NODELAY every answer waits
        // for the client's delayed ACK (~40 ms). Read once, when the first server of the JVM starts.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls.server()));
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "fake-arm");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        imds = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        imds.setExecutor(executor);
        imds.createContext("/", this::imdsToken);
        imds.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.stop(0);
        imds.stop(0);
        executor.shutdownNow();
    }

    @Override
    public synchronized void beforeEach(ExtensionContext context) {
        state = new ArmState();
        operations.clear();
        requests.clear();
        injections.clear();
        asyncPolls = 1;
        pageSize = 100;
        principalDelay = 0;
        tokenRequests.set(0);
        tokenPrincipals.clear();
        tokenPrincipals.put(token, callerObjectId);
        tokenScopes.clear();
        imdsRequests.clear();
        machineIdentities = List.of();
        imdsIdentityFrom = 0;
        imdsIdentityDelay = Duration.ZERO;
    }

    // ---- what tests use ----

    /** {@code https://127.0.0.1:PORT/}: the value of {@code azure.endpoint}. */
    String endpoint() {
        return "https://" + InetAddress.getLoopbackAddress().getHostAddress() + ":"
                + server.getAddress().getPort() + "/";
    }

    /**
     * SDK clients for the fake: a credential that hands out a fake token, the JDK HTTP client
     * trusting only the fake's certificate, quick polls and short retry pauses.
     */
    AzureClients.Factory clients() {
        TokenCredential credential = request -> {
            tokenRequests.incrementAndGet();
            synchronized (this) {
                tokenScopes.addAll(request.getScopes());
            }
            return Mono.just(new AccessToken(token, OffsetDateTime.now().plusHours(1)));
        };
        return factory(credential);
    }

    /**
     * SDK clients whose credential stands for another principal, as a managed identity's token does
     * (the in-cluster controller's): Resource Manager and Blob storage let it do what its role
     * assignments allow, no more.
     */
    AzureClients.Factory clientsAs(String principalId) {
        String issued = fakeJwt(principalId);
        synchronized (this) {
            tokenPrincipals.put(issued, principalId);
        }
        return factory(request ->
                Mono.just(new AccessToken(issued, OffsetDateTime.now().plusHours(1))));
    }

    private AzureClients.Factory factory(TokenCredential credential) {
        // Key Vault's challenge names resource https://vault.azure.net; the fake's vaults answer on
        // 127.0.0.1, so the SDK's check that the vault's host lies under that domain is off here.
        // Blob endpoints are path-style on this server (https://127.0.0.1:PORT/ACCOUNT/), as for Azurite.
        return AzureClients.factory(
                () -> credential,
                () -> new JdkHttpClientBuilder(
                                java.net.http.HttpClient.newBuilder().sslContext(tls.client()))
                        .build(),
                Duration.ofMillis(5),
                new RetryOptions(new ExponentialBackoffOptions()
                        .setMaxRetries(2)
                        .setBaseDelay(Duration.ofMillis(5))
                        .setMaxDelay(Duration.ofMillis(20))),
                false,
                this::blobEndpoint);
    }

    /**
     * Serves the data plane of the storage accounts {@code azurite} knows from it: their blob
     * endpoints point there, listKeys hands out its keys, and Create Container creates the container
     * there too. Resource Manager stays this fake.
     */
    void blobServiceAt(Azurite azurite) {
        this.blobService = azurite;
    }

    /** A storage account's Blob service URL: Azurite's for the accounts it serves, else this server's. */
    private String blobEndpoint(String account) {
        Azurite azurite = blobService;
        return azurite != null && azurite.serves(account) ? azurite.endpoint(account) : endpoint() + account + "/";
    }

    /** {@code http://127.0.0.1:PORT}: the fake instance metadata service, for {@code AZURE_POD_IDENTITY_AUTHORITY_HOST}. */
    public String imdsEndpoint() {
        return "http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":"
                + imds.getAddress().getPort();
    }

    /** The port of the HTTPS server (ARM and vault data planes). */
    public int port() {
        return server.getAddress().getPort();
    }

    FakeTls tls() {
        return tls;
    }

    /** The object id of the identity the test's own credential stands for. */
    String callerObjectId() {
        return callerObjectId;
    }

    /** The token scopes the test's credential was asked for. */
    synchronized List<String> tokenScopes() {
        return List.copyOf(tokenScopes);
    }

    /** The IMDS token requests, as {@code client_id=...&resource=...} ({@code client_id=null} when it named none). */
    public synchronized List<String> imdsRequests() {
        return List.copyOf(imdsRequests);
    }

    /**
     * The user-assigned identities (client ids) of the VM that asks IMDS, for token requests that
     * name no {@code client_id}: IMDS then uses the VM's only identity, and refuses when it has
     * none or several (this fake knows no system-assigned identities).
     */
    public synchronized void imdsMachine(String... clientIds) {
        machineIdentities = List.of(clientIds);
    }

    /**
     * For {@code delay} from its first token request on, IMDS answers 400 "Identity not found" for
     * every identity, as for a VM seconds old whose user-assigned identity is not attached yet.
     */
    public synchronized void imdsIdentityAfter(Duration delay) {
        imdsIdentityDelay = delay;
        imdsIdentityFrom = 0;
    }

    /**
     * Role assignments reach Blob storage's data plane only after {@code delay} (Microsoft documents
     * up to 10 minutes), counted from the first request one would allow: until then a user
     * delegation key or a blob read they allow is refused with 403 AuthorizationPermissionMismatch.
     * Resource Manager sees them at once.
     */
    synchronized void dataPlaneRoleDelay(Duration delay) {
        state.dataPlaneRoleDelayMillis = delay.toMillis();
    }

    /** Writes a PKCS12 trust store holding only this fake's certificate, for a child JVM. */
    public void writeTrustStore(java.nio.file.Path file, String password) {
        tls.writeTrustStore(file, password);
    }

    /**
     * What an exported Terraform module creates for its join token, for tests in other modules:
     * resource group {@code group} (location westeurope), user-assigned identity {@code identity} in
     * it, and vault {@code vault} whose one access policy lets that identity get secrets, holding
     * {@code secrets}. Returns the identity's client id.
     */
    public synchronized String keyVaultReadableBy(
            String group, String identity, String vault, Map<String, String> secrets) {
        ObjectNode body = ArmState.JSON.createObjectNode().put("location", "westeurope");
        state.putGroup(SUBSCRIPTION, group, body);
        ObjectNode id =
                state.prepare(SUBSCRIPTION, group, "microsoft.managedidentity/userassignedidentities", identity, body);
        state.resources.put(ArmState.key(id.get("id").asText()), id);
        String principal = id.path("properties").path("principalId").asText();
        ObjectNode v = body.deepCopy();
        ObjectNode p = v.putObject("properties").put("tenantId", state.tenant);
        p.putObject("sku").put("family", "A").put("name", "standard");
        ObjectNode policy = p.putArray("accessPolicies")
                .addObject()
                .put("tenantId", state.tenant)
                .put("objectId", principal);
        policy.putObject("permissions").putArray("secrets").add("get");
        ObjectNode created = state.prepare(SUBSCRIPTION, group, "microsoft.keyvault/vaults", vault, v);
        state.resources.put(ArmState.key(created.get("id").asText()), created);
        var stored = state.secrets.computeIfAbsent(vault.toLowerCase(Locale.ROOT), k -> new LinkedHashMap<>());
        secrets.forEach((name, value) -> stored.computeIfAbsent(name, k -> new LinkedHashMap<>())
                .put(UUID.randomUUID().toString().replace("-", ""), value));
        return id.path("properties").path("clientId").asText();
    }

    /** The latest value of a secret in a vault (deleted or not), or null. */
    synchronized String secret(String vault, String name) {
        var versions = state.secrets
                .getOrDefault(vault.toLowerCase(Locale.ROOT), Map.of())
                .get(name);
        return versions == null || versions.isEmpty()
                ? null
                : List.copyOf(versions.values()).get(versions.size() - 1);
    }

    /** The secret names a vault holds. */
    synchronized List<String> secretNames(String vault) {
        return List.copyOf(state.secrets
                .getOrDefault(vault.toLowerCase(Locale.ROOT), Map.of())
                .keySet());
    }

    /** The vault resource (as ARM stores it), or null. */
    synchronized JsonNode vault(String name) {
        ObjectNode v = state.vaultNamed(name);
        return v == null ? null : v.deepCopy();
    }

    /** Names of the soft-deleted vaults. */
    synchronized List<String> deletedVaults() {
        List<String> out = new ArrayList<>();
        state.deletedVaults.values().forEach(v -> out.add(v.path("name").asText()));
        return out;
    }

    /** The options every test cluster needs: subscription, this endpoint, an engine. */
    Map<String, String> options(Map<String, String> more) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put(AzureOptions.SUBSCRIPTION, SUBSCRIPTION);
        o.put(AzureOptions.ENDPOINT, endpoint());
        o.put(AzureOptions.ENGINE_URL, "https://engine.example/jcloud-engine.jar");
        o.put(AzureOptions.ENGINE_SHA256, "0".repeat(64));
        o.putAll(more);
        return o;
    }

    /** Injects a failure for requests with {@code method} whose path matches {@code pathRegex} (case-insensitive). */
    Injection fail(String method, String pathRegex) {
        return new Injection(method, pathRegex);
    }

    /** Every request so far. */
    synchronized List<Recorded> requests() {
        return List.copyOf(requests);
    }

    /** How many status polls a long-running operation answers {@code InProgress} before it ends. */
    synchronized void asyncPolls(int polls) {
        this.asyncPolls = polls;
    }

    /** Items per page of list answers. */
    synchronized void pageSize(int size) {
        this.pageSize = size;
    }

    /** The first {@code attempts} role assignments answer PrincipalNotFound, as while a new identity replicates. */
    synchronized void principalReplicationDelay(int attempts) {
        this.principalDelay = attempts;
    }

    /** Removes a resource group and what is in it at once, as if deleted behind jcloud's back. */
    synchronized void removeGroup(String name) {
        state.removeGroup(ArmState.groupId(SUBSCRIPTION, name));
    }

    /** Stops a VM as a guest shutdown would: it stays, in power state {@code stopped}. */
    synchronized void stopVm(String group, String name) {
        ObjectNode vm = state.get(ArmState.resourceId(SUBSCRIPTION, group, "Microsoft.Compute/virtualMachines", name));
        ArmState.setPower(vm, "stopped");
    }

    /** What the VM's boot diagnostics serial log holds. */
    synchronized void serialLog(String vmName, String text) {
        state.serialLogs.put(vmName.toLowerCase(Locale.ROOT), text);
    }

    int tokenRequests() {
        return tokenRequests.get();
    }

    // ---- HTTP ----

    private void handle(HttpExchange ex) throws IOException {
        Response response;
        try {
            byte[] raw = ex.getRequestBody().readAllBytes();
            String body = new String(raw, StandardCharsets.UTF_8);
            // From the raw request target: "//subscriptions/..." (a scope appended to the endpoint's
            // trailing slash) is a path to ARM, though java.net.URI would read it as an authority.
            String target = ex.getRequestURI().toString();
            int q = target.indexOf('?');
            String path = URLDecoder.decode(
                            (q < 0 ? target : target.substring(0, q)).replace("+", "%2B"), StandardCharsets.UTF_8)
                    .replaceAll("/{2,}", "/");
            String rawQuery = q < 0 ? null : target.substring(q + 1);
            // A vault's data plane: https://NAME.vault.azure.net/ as in Azure (a client that resolves that name
            // to 127.0.0.1), or https://127.0.0.1:PORT/kv/NAME/, the vaultUri this fake's ARM hands out.
            String host = String.valueOf(ex.getRequestHeaders().getFirst("Host"))
                    .replaceAll(":\\d+$", "")
                    .toLowerCase(Locale.ROOT);
            if (host.endsWith(VAULT_DOMAIN)) {
                path = "/kv/" + host.substring(0, host.length() - VAULT_DOMAIN.length()) + path;
            }
            if (host.endsWith(BLOB_DOMAIN)) { // https://ACCOUNT.blob.core.windows.net/...: the same as path-style
                path = "/" + host.substring(0, host.length() - BLOB_DOMAIN.length()) + path;
            }
            synchronized (this) {
                String authorization = ex.getRequestHeaders().getFirst("Authorization");
                List<String> first = segments(path);
                if (!first.isEmpty() && state.storageKeys.containsKey(first.get(0))) {
                    // A storage account's blob endpoint, path-style as for an IP address: /ACCOUNT/CONTAINER/BLOB.
                    requests.add(new Recorded(ex.getRequestMethod(), path, rawQuery, "<" + raw.length + " bytes>"));
                    response = blob(ex.getRequestMethod(), path, query(rawQuery), raw, ex.getRequestHeaders());
                } else {
                    requests.add(new Recorded(ex.getRequestMethod(), path, rawQuery, body));
                    response = path.startsWith("/kv/")
                            ? keyVault(ex.getRequestMethod(), path, query(rawQuery), body, authorization)
                            : route(ex.getRequestMethod(), path, rawQuery, query(rawQuery), body, authorization);
                }
            }
        } catch (ArmState.ArmError e) {
            response = Response.error(e);
        } catch (RuntimeException e) {
            response = Response.error(new ArmState.ArmError(500, "InternalServerError", "fake: " + e));
        }
        response.headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        byte[] bytes = response.raw != null
                ? response.raw
                : response.body == null ? new byte[0] : response.body.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0) {
            ex.getResponseHeaders().add("Content-Type", response.contentType);
        }
        ex.getResponseHeaders().add("x-ms-request-id", UUID.randomUUID().toString());
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(response.status, bytes.length == 0 || head ? -1 : bytes.length);
        if (bytes.length > 0 && !head) {
            ex.getResponseBody().write(bytes);
        }
        ex.close();
    }

    private static final class Response {
        final int status;
        final String body;
        byte[] raw;
        final Map<String, String> headers = new LinkedHashMap<>();
        String contentType = "application/json; charset=utf-8";

        Response(int status, String body) {
            this.status = status;
            this.body = body;
        }

        static Response json(int status, JsonNode body) {
            return new Response(status, body == null ? null : body.toString());
        }

        static Response error(ArmState.ArmError e) {
            Response r = json(e.status, e.body());
            return e.retryAfter > 0 ? r.header("Retry-After", Integer.toString(e.retryAfter)) : r;
        }

        Response header(String name, String value) {
            headers.put(name, value);
            return this;
        }
    }

    private Response route(
            String method, String path, String rawQuery, Map<String, String> query, String body, String authorization) {
        List<String> s = segments(path);
        if (!s.isEmpty() && s.get(0).equals("fakeblob")) {
            // A blob read with its SAS in the query, as boot diagnostics hand out; no bearer token.
            Response r =
                    new Response(200, state.serialLogs.getOrDefault(s.get(1).toLowerCase(Locale.ROOT), ""));
            r.contentType = "text/plain; charset=utf-8";
            return r;
        }
        String principal = authorization == null || !authorization.startsWith("Bearer ")
                ? null
                : tokenPrincipals.get(authorization.substring("Bearer ".length()));
        if (principal == null) {
            throw new ArmState.ArmError(
                    401,
                    authorization == null ? "AuthenticationFailed" : "InvalidAuthenticationToken",
                    "Authentication failed. The 'Authorization' header is missing or invalid.");
        }
        // The test's own identity stands for a subscription Owner; any other principal (a managed identity)
        // may do what its role assignments allow at the request's scope or above. Polls are not authorized.
        boolean poll = s.size() == 4 && s.get(2).equalsIgnoreCase("operationresults")
                || s.size() == 8
                        && s.get(2).equalsIgnoreCase("providers")
                        && s.get(4).equalsIgnoreCase("locations");
        if (!principal.equals(callerObjectId) && !poll) {
            String action = ArmState.action(method, s);
            String target = "/" + String.join("/", s);
            if (state.rolesOn(principal, target).stream().noneMatch(r -> ArmState.roleAllows(r, action))) {
                throw new ArmState.ArmError(
                        403,
                        "AuthorizationFailed",
                        "The client '" + principal + "' with object id '"
                                + principal + "' does not have authorization to perform action '" + action
                                + "' over scope '"
                                + target
                                + "' or the scope is invalid. If access was recently granted, please refresh your"
                                + " credentials.");
            }
        }
        if (!query.containsKey("api-version")) {
            throw new ArmState.ArmError(
                    400,
                    "MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all requests.");
        }
        Injection injected = null;
        for (Iterator<Injection> it = injections.iterator(); it.hasNext(); ) {
            Injection i = it.next();
            if (i.matches(method, path, body)) {
                i.times--;
                if (!i.async) {
                    throw new ArmState.ArmError(i.status, i.code, i.message, i.retryAfter);
                }
                injected = i;
                break;
            }
        }
        if (s.size() < 2 || !s.get(0).equalsIgnoreCase("subscriptions")) {
            throw notFoundPath(path);
        }
        String sub = s.get(1);
        if (s.size() > 9
                && method.equals("GET")
                && s.get(s.size() - 1).equalsIgnoreCase("roleAssignments")
                && s.get(s.size() - 2).equalsIgnoreCase("Microsoft.Authorization")) {
            return listRoleAssignments("/" + String.join("/", s.subList(0, s.size() - 3)), query.get("$filter"));
        }
        if (s.size() > 10
                && s.get(s.size() - 2).equalsIgnoreCase("roleAssignments")
                && s.get(s.size() - 3).equalsIgnoreCase("Microsoft.Authorization")) {
            // A role assignment scoped to a resource (e.g. a storage account) rather than to a group.
            return resourceRoleAssignment(
                    method, "/" + String.join("/", s.subList(0, s.size() - 4)), s.get(s.size() - 1), body);
        }
        String apiVersion = query.get("api-version");
        if (s.size() == 4 && s.get(2).equalsIgnoreCase("operationresults")) {
            return groupDeletePoll(sub, s.get(3), apiVersion);
        }
        if (s.size() >= 8
                && s.get(2).equalsIgnoreCase("providers")
                && s.get(4).equalsIgnoreCase("locations")
                && s.get(6).equalsIgnoreCase("deletedVaults")) {
            return deletedVault(method, sub, s.get(5), s.get(7), s.size() == 9 ? s.get(8) : null, apiVersion);
        }
        if (s.size() == 8 && s.get(2).equalsIgnoreCase("providers") && s.get(4).equalsIgnoreCase("locations")) {
            return s.get(6).equalsIgnoreCase("operations") ? operationStatus(s.get(7)) : operationResult(s.get(7));
        }
        if (s.size() == 5
                && method.equals("GET")
                && s.get(2).equalsIgnoreCase("providers")
                && ArmState.TYPES.containsKey((s.get(3) + "/" + s.get(4)).toLowerCase(Locale.ROOT))) {
            // List All of a type in the subscription (one page: the SDK follows no nextLink then).
            ArrayNode value = ArmState.JSON.createArrayNode();
            for (ObjectNode r : state.ofTypeInSubscription(
                    sub, ArmState.TYPES.get((s.get(3) + "/" + s.get(4)).toLowerCase(Locale.ROOT)))) {
                value.add(view(r, false));
            }
            ObjectNode out = ArmState.JSON.createObjectNode();
            out.set("value", value);
            return Response.json(200, out);
        }
        if (s.size() >= 3 && s.get(2).equalsIgnoreCase("resourcegroups")) {
            if (s.size() == 3) {
                return listGroups(sub, query);
            }
            String group = s.get(3);
            if (s.size() == 4) {
                return groupCall(method, sub, group, body, query, apiVersion);
            }
            if (s.size() >= 7 && s.get(4).equalsIgnoreCase("providers")) {
                String typeKey = (s.get(5) + "/" + s.get(6)).toLowerCase(Locale.ROOT);
                if (!ArmState.TYPES.containsKey(typeKey)) {
                    throw new ArmState.ArmError(
                            400,
                            "InvalidResourceType",
                            "The resource type '" + s.get(6) + "' could not be found in the namespace '" + s.get(5)
                                    + "'.");
                }
                if (s.size() == 7 && method.equals("GET")) {
                    return list(sub, group, typeKey, path, rawQuery, query);
                }
                if (s.size() == 8) {
                    return resourceCall(method, sub, group, typeKey, s.get(7), body, query, apiVersion, injected);
                }
                if (s.size() == 9
                        && method.equals("POST")
                        && typeKey.equals("microsoft.storage/storageaccounts")
                        && s.get(8).equalsIgnoreCase("listKeys")) {
                    return listKeys(sub, group, s.get(7));
                }
                if (s.size() == 12
                        && typeKey.equals("microsoft.storage/storageaccounts")
                        && s.get(8).equalsIgnoreCase("blobServices")
                        && s.get(9).equals("default")
                        && s.get(10).equalsIgnoreCase("containers")) {
                    return container(method, sub, group, s.get(7), s.get(11), body);
                }
                if (s.size() == 9
                        && method.equals("POST")
                        && s.get(8).equalsIgnoreCase("retrieveBootDiagnosticsData")) {
                    return bootDiagnostics(sub, group, s.get(7));
                }
                if (s.size() == 10
                        && method.equals("PUT")
                        && typeKey.equals("microsoft.keyvault/vaults")
                        && s.get(8).equalsIgnoreCase("accessPolicies")) {
                    ObjectNode vault = state.get(ArmState.resourceId(sub, group, ArmState.VAULT_TYPE, s.get(7)));
                    if (vault == null) {
                        throw new ArmState.ArmError(
                                404,
                                "ResourceNotFound",
                                "The Resource 'Microsoft.KeyVault/vaults/" + s.get(7) + "' under resource group '"
                                        + group + "' was not found.");
                    }
                    return Response.json(200, state.updateAccessPolicies(vault, s.get(9), parse(body)));
                }
                if (s.size() == 10 && method.equals("GET")) {
                    return child(sub, group, typeKey, s.get(7), s.get(8), s.get(9));
                }
            }
        }
        throw notFoundPath(path);
    }

    private static ArmState.ArmError notFoundPath(String path) {
        return new ArmState.ArmError(404, "NotFound", "The fake Resource Manager does not serve " + path);
    }

    // ---- resource groups ----

    private Response groupCall(
            String method, String sub, String group, String body, Map<String, String> query, String apiVersion) {
        switch (method) {
            case "PUT" -> {
                int status = state.putGroup(sub, group, parse(body));
                return Response.json(status, state.group(sub, group));
            }
            case "GET" -> {
                return Response.json(200, state.group(sub, group));
            }
            case "HEAD" -> {
                return new Response(state.get(ArmState.groupId(sub, group)) == null ? 404 : 204, null);
            }
            case "DELETE" -> {
                ObjectNode g = state.group(sub, group);
                String force = query.get("forceDeletionTypes");
                if (force != null
                        && !force.equalsIgnoreCase("Microsoft.Compute/virtualMachines")
                        && !force.equalsIgnoreCase("Microsoft.Compute/virtualMachineScaleSets")) {
                    throw new ArmState.ArmError(
                            400, "InvalidForceDeletionResourceTypes", "Invalid forceDeletionTypes '" + force + "'.");
                }
                ((ObjectNode) g.get("properties")).put("provisioningState", "Deleting");
                String groupId = g.get("id").asText();
                Operation op = new Operation(asyncPolls, () -> state.removeGroup(groupId), () -> {}, null);
                operations.put(op.id, op);
                return new Response(202, null)
                        .header(
                                "Location",
                                endpoint() + "subscriptions/" + sub + "/operationresults/" + op.id + "?api-version="
                                        + apiVersion);
            }
            default ->
                throw new ArmState.ArmError(405, "MethodNotAllowed", "The method " + method + " is not allowed.");
        }
    }

    private Response groupDeletePoll(String sub, String opId, String apiVersion) {
        Operation op = operation(opId);
        if (advance(op)) {
            return new Response(202, null)
                    .header(
                            "Location",
                            endpoint() + "subscriptions/" + sub + "/operationresults/" + op.id + "?api-version="
                                    + apiVersion);
        }
        return new Response(200, null);
    }

    private Response listGroups(String sub, Map<String, String> query) {
        String filter = query.get("$filter");
        Matcher m = filter == null ? null : TAG_FILTER.matcher(filter.strip());
        if (filter != null && !m.matches()) {
            throw new ArmState.ArmError(400, "InvalidFilterInQueryString", "Invalid $filter '" + filter + "'.");
        }
        ArrayNode value = ArmState.JSON.createArrayNode();
        String prefix = ArmState.key("/subscriptions/" + sub + "/resourceGroups/");
        state.resources.forEach((k, r) -> {
            if (k.startsWith(prefix) && k.indexOf('/', prefix.length()) < 0) {
                String tag = m == null ? null : tagValue(r.path("tags"), m.group(1));
                if (m == null
                        || tag != null && (m.group(2) == null || m.group(2).equals(tag))) {
                    value.add(r);
                }
            }
        });
        ObjectNode out = ArmState.JSON.createObjectNode();
        out.set("value", value);
        return Response.json(200, out);
    }

    private static String tagValue(JsonNode tags, String name) {
        Iterator<Map.Entry<String, JsonNode>> it = tags.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue().asText();
            }
        }
        return null;
    }

    // ---- resources ----

    private Response resourceCall(
            String method,
            String sub,
            String group,
            String typeKey,
            String name,
            String body,
            Map<String, String> query,
            String apiVersion,
            Injection injected) {
        String type = ArmState.TYPES.get(typeKey);
        ObjectNode g = state.group(sub, group);
        String id = ArmState.resourceId(sub, g.get("name").asText(), type, name);
        if (typeKey.equals("microsoft.authorization/roleassignments")) {
            return roleAssignment(method, sub, group, name, body, id);
        }
        ObjectNode existing = state.get(id);
        switch (method) {
            case "GET" -> {
                if (existing == null) {
                    throw new ArmState.ArmError(
                            404,
                            "ResourceNotFound",
                            "The Resource '" + type + "/" + name
                                    + "' under resource group '" + group
                                    + "' was not found. For more details please go to"
                                    + " https://aka.ms/ARMResourceNotFoundFix");
                }
                return Response.json(200, view(existing, "instanceView".equalsIgnoreCase(query.get("$expand"))));
            }
            case "PUT" -> {
                ObjectNode r = state.prepare(sub, group, typeKey, name, parse(body));
                if (typeKey.equals("microsoft.storage/storageaccounts")) {
                    ((ObjectNode) r.get("properties"))
                            .putObject("primaryEndpoints")
                            .put("blob", blobEndpoint(name));
                }
                if (typeKey.equals("microsoft.keyvault/vaults")) {
                    ((ObjectNode) r.get("properties"))
                            .put("vaultUri", endpoint() + "kv/" + name.toLowerCase(Locale.ROOT) + "/");
                }
                int status = existing == null ? 201 : 200;
                if (typeKey.equals("microsoft.storage/storageaccounts") && existing == null) {
                    // Create Storage Account answers 202 with a Location to poll (the REST reference allows only
                    // 200 or 202); the account is usable once the operation ends.
                    ObjectNode props = (ObjectNode) r.get("properties");
                    props.put("provisioningState", "ResolvingDNS");
                    state.resources.put(ArmState.key(id), r);
                    Operation op = new Operation(
                            asyncPolls, () -> props.put("provisioningState", "Succeeded"), () -> {}, injected);
                    op.result = r;
                    operations.put(op.id, op);
                    return new Response(202, null)
                            .header(
                                    "Location",
                                    operationUrl(
                                            sub,
                                            type,
                                            r.path("location").asText(),
                                            "operationResults",
                                            op.id,
                                            apiVersion))
                            .header("Retry-After", "0");
                }
                if (!longRunning(typeKey)) {
                    state.resources.put(ArmState.key(id), r);
                    return Response.json(status, view(r, false));
                }
                ObjectNode props = (ObjectNode) r.get("properties");
                props.put(
                        "provisioningState",
                        existing == null && typeKey.startsWith("microsoft.compute") ? "Creating" : "Updating");
                state.resources.put(ArmState.key(id), r);
                Operation op = new Operation(
                        asyncPolls,
                        () -> {
                            props.put("provisioningState", "Succeeded");
                            if (typeKey.equals("microsoft.compute/virtualmachines")) {
                                state.vmCreated(r);
                            }
                        },
                        () -> {
                            props.put("provisioningState", "Failed");
                            if (typeKey.equals("microsoft.compute/virtualmachines")) {
                                ObjectNode view = props.putObject("instanceView");
                                view.putArray("statuses")
                                        .addObject()
                                        .put("code", "ProvisioningState/failed/" + injected.code)
                                        .put("level", "Error")
                                        .put("message", injected.message);
                            }
                        },
                        injected);
                operations.put(op.id, op);
                return Response.json(status, view(r, false))
                        .header(
                                "Azure-AsyncOperation",
                                operationUrl(sub, type, r.path("location").asText(), "operations", op.id, apiVersion));
            }
            case "PATCH" -> {
                if (existing == null) {
                    throw new ArmState.ArmError(
                            404,
                            "ResourceNotFound",
                            "The Resource '" + type + "/" + name + "' under resource group '" + group
                                    + "' was not found.");
                }
                JsonNode patch = parse(body);
                if (patch.has("tags")) {
                    ObjectNode merged = ArmState.JSON.createObjectNode();
                    patch.get("tags")
                            .fields()
                            .forEachRemaining(
                                    e -> merged.put(e.getKey(), e.getValue().asText()));
                    existing.set("tags", merged);
                }
                return Response.json(200, view(existing, false));
            }
            case "DELETE" -> {
                if (existing == null) {
                    return new Response(204, null);
                }
                state.checkDeletable(typeKey, existing);
                if (!longRunning(typeKey) && !typeKey.equals("microsoft.compute/disks")) {
                    state.resources.remove(ArmState.key(id));
                    return new Response(200, null);
                }
                ((ObjectNode) existing.get("properties")).put("provisioningState", "Deleting");
                Operation op = new Operation(
                        asyncPolls,
                        () -> {
                            if (typeKey.equals("microsoft.compute/virtualmachines")) {
                                state.vmDeleted(existing);
                            } else {
                                if (typeKey.equals("microsoft.network/networkinterfaces")) {
                                    state.nicDeleted(existing);
                                }
                                state.resources.remove(ArmState.key(id));
                            }
                        },
                        () -> ((ObjectNode) existing.get("properties")).put("provisioningState", "Failed"),
                        injected);
                operations.put(op.id, op);
                String location = existing.path("location").asText();
                return new Response(202, null)
                        .header(
                                "Azure-AsyncOperation",
                                operationUrl(sub, type, location, "operations", op.id, apiVersion))
                        .header("Location", operationUrl(sub, type, location, "operationResults", op.id, apiVersion));
            }
            default ->
                throw new ArmState.ArmError(405, "MethodNotAllowed", "The method " + method + " is not allowed.");
        }
    }

    private static boolean longRunning(String typeKey) {
        return typeKey.startsWith("microsoft.network/") || typeKey.equals("microsoft.compute/virtualmachines");
    }

    private Response roleAssignment(String method, String sub, String group, String name, String body, String id) {
        ObjectNode existing = state.get(id);
        switch (method) {
            case "PUT" -> {
                boolean replicated = principalDelay <= 0;
                principalDelay--;
                ObjectNode r = state.roleAssignment(sub, group, name, parse(body), replicated);
                state.resources.put(ArmState.key(r.get("id").asText()), r);
                return Response.json(existing == null ? 201 : 200, r);
            }
            case "GET" -> {
                if (existing == null) {
                    throw new ArmState.ArmError(
                            404, "RoleAssignmentNotFound", "The role assignment '" + name + "' is not found.");
                }
                return Response.json(200, existing);
            }
            case "DELETE" -> {
                if (existing == null) {
                    return new Response(204, null);
                }
                state.resources.remove(ArmState.key(id));
                return Response.json(200, existing);
            }
            default ->
                throw new ArmState.ArmError(405, "MethodNotAllowed", "The method " + method + " is not allowed.");
        }
    }

    private Response resourceRoleAssignment(String method, String scope, String name, String body) {
        if (state.scope(scope) == null) {
            throw new ArmState.ArmError(404, "ResourceNotFound", "The scope '" + scope + "' was not found.");
        }
        String id = scope + "/providers/Microsoft.Authorization/roleAssignments/" + name;
        ObjectNode existing = state.get(id);
        switch (method) {
            case "PUT" -> {
                ObjectNode r =
                        state.roleAssignmentAt(state.scope(scope).get("id").asText(), name, parse(body), true);
                state.resources.put(ArmState.key(r.get("id").asText()), r);
                return Response.json(existing == null ? 201 : 200, r);
            }
            case "GET" -> {
                if (existing == null) {
                    throw new ArmState.ArmError(
                            404, "RoleAssignmentNotFound", "The role assignment '" + name + "' is not found.");
                }
                return Response.json(200, existing);
            }
            case "DELETE" -> {
                if (existing == null) {
                    return new Response(204, null);
                }
                state.resources.remove(ArmState.key(id));
                return Response.json(200, existing);
            }
            default ->
                throw new ArmState.ArmError(405, "MethodNotAllowed", "The method " + method + " is not allowed.");
        }
    }

    /**
     * Role Assignments - List For Scope: with {@code $filter=atScope()} those at the scope and above
     * it, without a filter also those below it. One page.
     */
    private Response listRoleAssignments(String scope, String filter) {
        if (state.scope(scope) == null) {
            throw new ArmState.ArmError(404, "ResourceNotFound", "The scope '" + scope + "' was not found.");
        }
        if (filter != null && !filter.strip().equals("atScope()")) {
            throw new ArmState.ArmError(400, "UnsupportedQuery", "this fake takes only $filter=atScope(): " + filter);
        }
        String at = ArmState.key(scope);
        ArrayNode value = ArmState.JSON.createArrayNode();
        for (ObjectNode r : state.resources.values()) {
            String rs = ArmState.key(r.path("properties").path("scope").asText("-"));
            if ("Microsoft.Authorization/roleAssignments".equals(r.path("type").asText())
                    && (at.equals(rs) || at.startsWith(rs + "/") || filter == null && rs.startsWith(at + "/"))) {
                value.add(r.deepCopy());
            }
        }
        ObjectNode out = ArmState.JSON.createObjectNode();
        out.set("value", value);
        return Response.json(200, out);
    }

    /** Role assignments (as stored) whose scope is {@code scope} or lies under it. */
    synchronized List<JsonNode> roleAssignmentsUnder(String scope) {
        List<JsonNode> out = new ArrayList<>();
        for (ObjectNode r : state.resources.values()) {
            if ("Microsoft.Authorization/roleAssignments".equals(r.path("type").asText())
                    && ArmState.key(r.path("properties").path("scope").asText()).startsWith(ArmState.key(scope))) {
                out.add(r.deepCopy());
            }
        }
        return out;
    }

    private Response list(
            String sub, String group, String typeKey, String path, String rawQuery, Map<String, String> query) {
        ObjectNode g = state.group(sub, group);
        if (typeKey.equals("microsoft.compute/virtualmachines")
                && query.containsKey("$expand")
                && !query.containsKey("$filter")) {
            throw new ArmState.ArmError(
                    400,
                    "InvalidParameter",
                    "The $expand query option can only be used together with" + " a valid $filter.");
        }
        List<ObjectNode> all = state.ofType(g.get("id").asText(), ArmState.TYPES.get(typeKey));
        int from = query.containsKey("$skiptoken") ? Integer.parseInt(query.get("$skiptoken")) : 0;
        ArrayNode value = ArmState.JSON.createArrayNode();
        for (int i = from; i < Math.min(all.size(), from + pageSize); i++) {
            value.add(view(all.get(i), false));
        }
        ObjectNode out = ArmState.JSON.createObjectNode();
        out.set("value", value);
        if (from + pageSize < all.size()) {
            String rest = rawQuery == null ? "" : rawQuery.replaceAll("(^|&)\\$skiptoken=[^&]*", "");
            out.put(
                    "nextLink",
                    endpoint() + path.substring(1) + "?" + rest + (rest.isEmpty() ? "" : "&") + "$skiptoken="
                            + (from + pageSize));
        }
        return Response.json(200, out);
    }

    private Response child(String sub, String group, String typeKey, String name, String childType, String childName) {
        ObjectNode parent = state.get(ArmState.resourceId(sub, group, ArmState.TYPES.get(typeKey), name));
        String field = typeKey.equals("microsoft.network/virtualnetworks") && childType.equalsIgnoreCase("subnets")
                ? "subnets"
                : typeKey.equals("microsoft.network/networksecuritygroups")
                                && childType.equalsIgnoreCase("securityRules")
                        ? "securityRules"
                        : null;
        if (parent != null && field != null) {
            for (JsonNode c : parent.path("properties").path(field)) {
                if (c.path("name").asText().equalsIgnoreCase(childName)) {
                    return Response.json(200, c);
                }
            }
        }
        throw new ArmState.ArmError(
                404, "NotFound", "Resource " + name + "/" + childType + "/" + childName + " not found.");
    }

    private Response bootDiagnostics(String sub, String group, String name) {
        ObjectNode vm = state.get(ArmState.resourceId(sub, group, "Microsoft.Compute/virtualMachines", name));
        if (vm == null) {
            throw new ArmState.ArmError(
                    404,
                    "ResourceNotFound",
                    "The Resource 'Microsoft.Compute/virtualMachines/" + name + "' under resource group '" + group
                            + "' was not found.");
        }
        if (!vm.path("properties")
                .path("diagnosticsProfile")
                .path("bootDiagnostics")
                .path("enabled")
                .asBoolean(false)) {
            throw new ArmState.ArmError(
                    409, "OperationNotAllowed", "Boot diagnostics are not enabled for VM " + name + ".");
        }
        String blob = endpoint() + "fakeblob/" + name.toLowerCase(Locale.ROOT) + "/serialconsole.log?sv=2022-11-02&sig="
                + "SAS-SIGNATURE-" + UUID.randomUUID();
        ObjectNode out = ArmState.JSON.createObjectNode();
        out.put("consoleScreenshotBlobUri", blob.replace("serialconsole.log", "screenshot.bmp"));
        out.put("serialConsoleLogBlobUri", blob);
        return Response.json(200, out);
    }

    // ---- storage accounts (ARM) and their blob endpoints ----

    private ObjectNode storageAccount(String sub, String group, String name) {
        ObjectNode account = state.get(ArmState.resourceId(sub, group, ArmState.STORAGE_TYPE, name));
        if (account == null) {
            throw new ArmState.ArmError(
                    404,
                    "ResourceNotFound",
                    "The Resource 'Microsoft.Storage/storageAccounts/" + name + "' under resource group '" + group
                            + "' was not found.");
        }
        return account;
    }

    private Response listKeys(String sub, String group, String name) {
        storageAccount(sub, group, name);
        ObjectNode out = ArmState.JSON.createObjectNode();
        ArrayNode keys = out.putArray("keys");
        Azurite azurite = blobService;
        List<String> values =
                azurite != null && azurite.serves(name) ? List.of(azurite.key(name)) : state.storageKeys.get(name);
        for (int i = 0; i < values.size(); i++) {
            keys.addObject()
                    .put("keyName", "key" + (i + 1))
                    .put("value", values.get(i))
                    .put("permissions", "FULL")
                    .put("creationTime", Instant.now().toString());
        }
        return Response.json(200, out);
    }

    private Response container(String method, String sub, String group, String account, String name, String body) {
        ObjectNode a = storageAccount(sub, group, account);
        String key = account + "/" + name.toLowerCase(Locale.ROOT);
        switch (method) {
            case "PUT" -> {
                if (!name.matches("[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]")) {
                    throw new ArmState.ArmError(
                            400,
                            "ContainerOperationFailure",
                            "The specifed resource name contains" + " invalid characters.");
                }
                String access =
                        parse(body).path("properties").path("publicAccess").asText("None");
                if (!access.equals("None")
                        && !a.path("properties").path("allowBlobPublicAccess").asBoolean(false)) {
                    throw new ArmState.ArmError(
                            409,
                            "PublicAccessNotPermitted",
                            "Public access is not permitted on this" + " storage account.");
                }
                boolean created = !state.containers.containsKey(key);
                ObjectNode c = ArmState.JSON.createObjectNode();
                c.put("id", a.get("id").asText() + "/blobServices/default/containers/" + name);
                c.put("name", name);
                c.put("type", "Microsoft.Storage/storageAccounts/blobServices/containers");
                c.putObject("properties")
                        .put("publicAccess", access)
                        .put("lastModifiedTime", Instant.now().toString());
                state.containers.put(key, c);
                state.blobs.putIfAbsent(key, new LinkedHashMap<>());
                Azurite azurite = blobService;
                if (azurite != null && azurite.serves(account)) {
                    azurite.createContainer(account, name);
                }
                return Response.json(created ? 201 : 200, c);
            }
            case "GET" -> {
                ObjectNode c = state.containers.get(key);
                if (c == null) {
                    throw new ArmState.ArmError(404, "ContainerNotFound", "The specified container does not exist.");
                }
                return Response.json(200, c);
            }
            default ->
                throw new ArmState.ArmError(405, "MethodNotAllowed", "The method " + method + " is not allowed.");
        }
    }

    /**
     * A blob endpoint: Get User Delegation Key, Put Blob, Put Block, Put Block List, Get Blob
     * Properties (HEAD) and Get Blob. A blob request is authorized by a SAS in its query: a service SAS
     * (checked: validity window, read permission for reads, and the signature recomputed with the account
     * key through the SDK's own SAS generator) or a user delegation SAS ({@link #delegationSasRefusal}:
     * the signature recomputed here with the delegation key this fake handed out, the signer's data role
     * checked at the time of the request); or by a bearer token whose principal holds a blob data role
     * on the container or above; or by a Shared Key {@code Authorization} header naming the account
     * (whose HMAC this fake does not recompute). Private containers only: no anonymous reads.
     */
    private Response blob(
            String method,
            String path,
            Map<String, String> query,
            byte[] body,
            com.sun.net.httpserver.Headers headers) {
        List<String> s = segments(path);
        String account = s.get(0);
        if (s.size() == 1 && "service".equals(query.get("restype")) && "userdelegationkey".equals(query.get("comp"))) {
            return userDelegationKey(account, method, new String(body, StandardCharsets.UTF_8), headers);
        }
        if (s.size() < 3) {
            return storageError(400, "InvalidUri", "The requested URI does not represent any resource on the server.");
        }
        String container = account + "/" + s.get(1).toLowerCase(Locale.ROOT);
        String name = String.join("/", s.subList(2, s.size()));
        String authorization = headers.getFirst("Authorization");
        boolean write = !method.equals("GET") && !method.equals("HEAD");
        if (query.containsKey("sig") && query.containsKey("skoid")) {
            String refusal = delegationSasRefusal(account, s.get(1), name, method, query);
            if (refusal != null) {
                return storageError(403, "AuthenticationFailed", refusal);
            }
            if (!dataAllowed(query.get("skoid"), account, s.get(1), write)) { // what the signer may do, now
                return storageError(
                        403,
                        "AuthorizationPermissionMismatch",
                        "This request is not authorized to perform" + " this operation using this permission.");
            }
        } else if (query.containsKey("sig")) {
            String refusal = sasRefusal(account, s.get(1), name, method, query);
            if (refusal != null) {
                return storageError(403, "AuthenticationFailed", refusal);
            }
        } else if (authorization != null && authorization.startsWith("Bearer ")) {
            String principal = tokenPrincipals.get(authorization.substring("Bearer ".length()));
            if (principal == null) {
                return storageError(401, "InvalidAuthenticationInfo", "Server failed to authenticate the request.");
            }
            if (!dataAllowed(principal, account, s.get(1), write)) {
                return storageError(
                        403,
                        "AuthorizationPermissionMismatch",
                        "This request is not authorized to perform" + " this operation using this permission.");
            }
        } else if (authorization == null || !authorization.startsWith("SharedKey " + account + ":")) {
            return storageError(
                    authorization == null ? 404 : 403,
                    authorization == null ? "ResourceNotFound" : "AuthenticationFailed",
                    "Server failed to authenticate the request.");
        }
        Map<String, byte[]> blobs = state.blobs.get(container);
        if (blobs == null) {
            return storageError(404, "ContainerNotFound", "The specified container does not exist.");
        }
        String comp = query.get("comp");
        switch (method) {
            case "PUT" -> {
                if (headers.getFirst("Content-Length") == null) {
                    // As Azure: a body sent chunked, without its length, is refused (Azurite answers 400).
                    return storageError(411, "MissingContentLengthHeader", "Content-Length HTTP header is missing.");
                }
                String blockKey = container + "/" + name;
                if ("block".equals(comp)) {
                    state.blocks
                            .computeIfAbsent(blockKey, k -> new LinkedHashMap<>())
                            .put(query.get("blockid"), body);
                    return blobWritten(null);
                }
                if ("blocklist".equals(comp)) {
                    Map<String, byte[]> staged = state.blocks.getOrDefault(blockKey, Map.of());
                    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                    Matcher m = Pattern.compile("<(Latest|Uncommitted|Committed)>([^<]*)</\\1>")
                            .matcher(new String(body, StandardCharsets.UTF_8));
                    while (m.find()) {
                        byte[] block = staged.get(m.group(2));
                        if (block == null) {
                            return storageError(400, "InvalidBlockList", "The specified block list is invalid.");
                        }
                        all.writeBytes(block);
                    }
                    state.blocks.remove(blockKey);
                    blobs.put(name, all.toByteArray());
                    return blobWritten(blobs.get(name));
                }
                if (!"BlockBlob".equals(headers.getFirst("x-ms-blob-type"))) {
                    return storageError(
                            400,
                            "MissingRequiredHeader",
                            "An HTTP header that's mandatory for this request" + " is not specified: x-ms-blob-type.");
                }
                blobs.put(name, body);
                return blobWritten(body);
            }
            case "HEAD", "GET" -> {
                byte[] data = blobs.get(name);
                if (data == null) {
                    return storageError(404, "BlobNotFound", "The specified blob does not exist.");
                }
                Response r = new Response(200, null);
                r.header("ETag", "\"0x" + Integer.toHexString(java.util.Arrays.hashCode(data)) + "\"")
                        .header(
                                "Last-Modified",
                                java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                                        java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC)))
                        .header("x-ms-blob-type", "BlockBlob")
                        .header("x-ms-server-encrypted", "true");
                if (method.equals("GET")) {
                    r.raw = data;
                    r.contentType = "application/octet-stream";
                } else {
                    r.header("Content-Length", Integer.toString(data.length));
                }
                return r;
            }
            default -> {
                return storageError(
                        405, "UnsupportedHttpVerb", "The resource doesn't support the specified HTTP verb.");
            }
        }
    }

    private static Response blobWritten(byte[] data) {
        Response r = new Response(201, null);
        r.header("ETag", "\"0x" + Long.toHexString(System.nanoTime()) + "\"")
                .header(
                        "Last-Modified",
                        java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                                java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC)))
                .header("x-ms-request-server-encrypted", "true");
        if (data != null) {
            try {
                r.header(
                        "Content-MD5",
                        Base64.getEncoder()
                                .encodeToString(java.security.MessageDigest.getInstance("MD5")
                                        .digest(data)));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return r;
    }

    /** Why a service SAS does not authorize this request, or null when it does. */
    private String sasRefusal(String account, String container, String blob, String method, Map<String, String> q) {
        if (!"b".equals(q.get("sr")) || q.get("se") == null || q.get("sp") == null) {
            return "Signature fields not well formed.";
        }
        java.time.OffsetDateTime now = java.time.OffsetDateTime.now();
        java.time.OffsetDateTime start = q.get("st") == null ? null : java.time.OffsetDateTime.parse(q.get("st"));
        java.time.OffsetDateTime expiry = java.time.OffsetDateTime.parse(q.get("se"));
        if (start != null && now.isBefore(start) || !now.isBefore(expiry)) {
            return "Signed expiry time [" + q.get("se") + "] must be after signed start time and the current time.";
        }
        boolean read = method.equals("GET") || method.equals("HEAD");
        if (!q.get("sp").contains(read ? "r" : "w")) {
            return "This request is not authorized to perform this operation using this permission.";
        }
        com.azure.storage.blob.sas.BlobServiceSasSignatureValues values =
                new com.azure.storage.blob.sas.BlobServiceSasSignatureValues(
                                expiry, com.azure.storage.blob.sas.BlobSasPermission.parse(q.get("sp")))
                        .setStartTime(start);
        if (q.get("spr") != null) {
            values.setProtocol(com.azure.storage.common.sas.SasProtocol.parse(q.get("spr")));
        }
        String expected = query(new com.azure.storage.blob.BlobClientBuilder()
                        .endpoint(endpoint() + account)
                        .containerName(container)
                        .blobName(blob)
                        .credential(new com.azure.storage.common.StorageSharedKeyCredential(
                                account, state.storageKeys.get(account).get(0)))
                        .buildClient()
                        .generateSas(values))
                .get("sig");
        return expected.equals(q.get("sig")) ? null : "Signature did not match. String to sign used was r\n...";
    }

    /** Whether {@code principal} holds a blob data role (reading, or writing) on the container or a scope above it. */
    private boolean dataAllowed(String principal, String account, String container, boolean write) {
        String accountId = state.storageAccountId(account);
        return accountId != null
                && state
                        .rolesOnDataPlane(
                                principal,
                                accountId + "/blobServices/default/containers/" + container.toLowerCase(Locale.ROOT)
                                        + "/blobs")
                        .stream()
                        .anyMatch(r -> ArmState.roleAllowsData(r, write));
    }

    /**
     * Get User Delegation Key ({@code POST /?restype=service&comp=userdelegationkey}, body
     * {@code <KeyInfo><Start/><Expiry/></KeyInfo>}): only with a bearer token whose principal may
     * {@code generateUserDelegationKey} on the account or above (the caller stands for an Owner);
     * expiry at most seven days ahead. The key is remembered to check the SAS signed with it.
     */
    private Response userDelegationKey(
            String account, String method, String body, com.sun.net.httpserver.Headers headers) {
        if (!method.equals("POST")) {
            return storageError(405, "UnsupportedHttpVerb", "The resource doesn't support the specified HTTP verb.");
        }
        String authorization = headers.getFirst("Authorization");
        String principal = authorization == null || !authorization.startsWith("Bearer ")
                ? null
                : tokenPrincipals.get(authorization.substring("Bearer ".length()));
        if (principal == null) {
            return storageError(
                    403,
                    "AuthenticationFailed",
                    "Server failed to authenticate the request: only a bearer"
                            + " token may get a user delegation key.");
        }
        String accountId = state.storageAccountId(account);
        if (!principal.equals(callerObjectId)
                && state.rolesOnDataPlane(principal, accountId + "/blobServices/default").stream()
                        .noneMatch(r -> ArmState.roleAllows(r, ArmState.GENERATE_KEY))) {
            return storageError(
                    403,
                    "AuthorizationPermissionMismatch",
                    "This request is not authorized to perform this" + " operation using this permission.");
        }
        Matcher start = Pattern.compile("<Start>([^<]+)</Start>").matcher(body);
        Matcher expiry = Pattern.compile("<Expiry>([^<]+)</Expiry>").matcher(body);
        if (!expiry.find()) {
            return storageError(400, "InvalidXmlDocument", "XML specified is not syntactically valid.");
        }
        Instant now = Instant.now();
        Instant from =
                (start.find() ? Instant.parse(start.group(1)) : now).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Instant to = Instant.parse(expiry.group(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        if (!to.isAfter(now) || !to.isAfter(from) || to.isAfter(now.plus(Duration.ofDays(7)))) {
            return storageError(
                    400,
                    "InvalidQueryParameterValue",
                    "Value for one of the query parameters specified in"
                            + " the request URI is invalid: the expiry must lie in the next seven days, after the start.");
        }
        String version = String.valueOf(headers.getFirst("x-ms-version"));
        byte[] secret = new byte[32];
        new java.security.SecureRandom().nextBytes(secret);
        String value = Base64.getEncoder().encodeToString(secret);
        state.delegationKeys.put(delegationKeyId(principal, from.toString(), to.toString(), version), value);
        Response r = new Response(
                200,
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><UserDelegationKey><SignedOid>"
                        + principal + "</SignedOid><SignedTid>" + state.tenant + "</SignedTid><SignedStart>" + from
                        + "</SignedStart><SignedExpiry>" + to
                        + "</SignedExpiry><SignedService>b</SignedService><SignedVersion>"
                        + version + "</SignedVersion><Value>" + value + "</Value></UserDelegationKey>");
        r.contentType = "application/xml";
        return r;
    }

    private static String delegationKeyId(String oid, String start, String expiry, String version) {
        return oid.toLowerCase(Locale.ROOT) + "|" + Instant.parse(start) + "|" + Instant.parse(expiry) + "|" + version;
    }

    /**
     * Why a user delegation SAS does not authorize this request, or null when it does: fields, validity
     * window (the SAS's and the key's), permission, a key this fake handed out to that object id, and
     * the signature: HMAC-SHA256 with the key over the string-to-sign of service versions 2020-12-06
     * and later (the field order of the SDK's BlobSasImplUtil and of "Create a user delegation SAS").
     */
    private String delegationSasRefusal(
            String account, String container, String blob, String method, Map<String, String> q) {
        for (String f : List.of("sv", "sr", "sp", "se", "skoid", "sktid", "skt", "ske", "sks", "skv", "sig")) {
            if (q.get(f) == null) {
                return "Signature fields not well formed: " + f + " is missing.";
            }
        }
        if (!"b".equals(q.get("sr")) || q.get("sv").compareTo("2020-12-06") < 0) {
            return "Signature fields not well formed (this fake takes blob SAS of version 2020-12-06 and later).";
        }
        Instant now = Instant.now();
        Instant start = q.get("st") == null ? null : Instant.parse(q.get("st"));
        Instant expiry = Instant.parse(q.get("se"));
        if (start != null && now.isBefore(start)
                || !now.isBefore(expiry)
                || !now.isBefore(Instant.parse(q.get("ske")))) {
            return "Signed expiry time [" + q.get("se") + "] must be after signed start time and the current time.";
        }
        boolean read = method.equals("GET") || method.equals("HEAD");
        if (!q.get("sp").contains(read ? "r" : "w")) {
            return "This request is not authorized to perform this operation using this permission.";
        }
        String key =
                state.delegationKeys.get(delegationKeyId(q.get("skoid"), q.get("skt"), q.get("ske"), q.get("skv")));
        if (key == null || !q.get("sktid").equals(state.tenant) || !"b".equals(q.get("sks"))) {
            return "The user delegation key named by skoid/skt/ske/skv was not issued by this account.";
        }
        String stringToSign = String.join(
                "\n",
                q.get("sp"),
                q.getOrDefault("st", ""),
                q.get("se"),
                "/blob/" + account + "/" + container + "/" + blob,
                q.get("skoid"),
                q.get("sktid"),
                q.get("skt"),
                q.get("ske"),
                q.get("sks"),
                q.get("skv"),
                q.getOrDefault("saoid", ""),
                q.getOrDefault("suoid", ""),
                q.getOrDefault("scid", ""),
                q.getOrDefault("sip", ""),
                q.getOrDefault("spr", ""),
                q.get("sv"),
                q.get("sr"),
                "",
                q.getOrDefault("ses", ""),
                q.getOrDefault("rscc", ""),
                q.getOrDefault("rscd", ""),
                q.getOrDefault("rsce", ""),
                q.getOrDefault("rscl", ""),
                q.getOrDefault("rsct", ""));
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(Base64.getDecoder().decode(key), "HmacSHA256"));
            String expected =
                    Base64.getEncoder().encodeToString(mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8)));
            return expected.equals(q.get("sig"))
                    ? null
                    : "Signature did not match. String to sign used was " + stringToSign.replace("\n", "\\n");
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Response storageError(int status, String code, String message) {
        Response r = new Response(
                status,
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>" + code + "</Code><Message>" + message
                        + "</Message></Error>");
        r.contentType = "application/xml";
        return r.header("x-ms-error-code", code);
    }

    /** The blob's bytes as stored, or null. */
    synchronized byte[] blobContent(String account, String container, String name) {
        return state.blobs.getOrDefault(account + "/" + container, Map.of()).get(name);
    }

    /** Every resource group (name → tags), for what must survive teardown. */
    synchronized Map<String, JsonNode> groups() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        state.resources.forEach((k, r) -> {
            if ("Microsoft.Resources/resourceGroups".equals(r.path("type").asText())) {
                out.put(r.path("name").asText(), r.path("tags").deepCopy());
            }
        });
        return out;
    }

    /** A storage account resource, or null. */
    synchronized JsonNode storageAccount(String name) {
        for (ObjectNode r : state.resources.values()) {
            if (ArmState.STORAGE_TYPE.equals(r.path("type").asText())
                    && r.path("name").asText().equals(name)) {
                return r.deepCopy();
            }
        }
        return null;
    }

    // ---- Key Vault: soft-deleted vaults (ARM) ----

    private Response deletedVault(
            String method, String sub, String location, String name, String action, String apiVersion) {
        ObjectNode deleted = state.deletedVaults.get(name.toLowerCase(Locale.ROOT));
        if (deleted == null
                || !deleted.path("properties").path("location").asText().equalsIgnoreCase(location)) {
            throw new ArmState.ArmError(
                    404,
                    "ResourceNotFound",
                    "The Resource 'Microsoft.KeyVault/deletedVaults/" + name + "' under location '" + location
                            + "' was not found.");
        }
        if (action == null && method.equals("GET")) {
            return Response.json(200, deleted);
        }
        if ("purge".equalsIgnoreCase(action) && method.equals("POST")) {
            if (deleted.path("properties").path("purgeProtectionEnabled").asBoolean(false)) {
                throw new ArmState.ArmError(
                        409,
                        "ConflictError",
                        "Operation 'DeletedVaultPurge' is not allowed as purge"
                                + " protection is enabled for this vault.");
            }
            Operation op = new Operation(asyncPolls, () -> state.purge(name), () -> {}, null);
            operations.put(op.id, op);
            return new Response(202, null)
                    .header(
                            "Location",
                            operationUrl(sub, ArmState.VAULT_TYPE, location, "operationResults", op.id, apiVersion));
        }
        throw new ArmState.ArmError(405, "MethodNotAllowed", "The method " + method + " is not allowed.");
    }

    // ---- Key Vault: the data plane ----

    /**
     * Secrets of a vault, as Key Vault's REST API serves them (Set Secret, Get Secret): a request
     * without a bearer token gets 401 with the challenge the SDK's KeyVaultCredentialPolicy reads;
     * tokens stand for principals (the test's caller, identities through IMDS), and the vault's
     * access policies decide what each may do.
     */
    private Response keyVault(
            String method, String path, Map<String, String> query, String body, String authorization) {
        List<String> s = segments(path);
        String name = s.get(1);
        ObjectNode vault = state.vaultNamed(name);
        if (vault == null) {
            return vaultError(
                    404, "VaultNotFound", "No vault named " + name + " (in Azure its DNS name would not resolve).");
        }
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return vaultError(401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.")
                    .header(
                            "WWW-Authenticate",
                            "Bearer authorization=\"https://login.microsoftonline.com/"
                                    + vault.path("properties").path("tenantId").asText()
                                    + "\", resource=\"https://vault.azure.net\"");
        }
        String principal = tokenPrincipals.get(authorization.substring("Bearer ".length()));
        if (principal == null) {
            return vaultError(401, "Unauthorized", "AKV10032: Invalid issuer or token.");
        }
        if (!query.containsKey("api-version")) {
            return vaultError(400, "BadParameter", "The 'api-version' query parameter is missing.");
        }
        for (Iterator<Injection> it = injections.iterator(); it.hasNext(); ) {
            Injection i = it.next();
            if (!i.async && i.matches(method, path, body)) {
                i.times--;
                return vaultError(i.status, i.code, i.message);
            }
        }
        if (s.size() < 4 || s.size() > 5 || !s.get(2).equals("secrets")) {
            return vaultError(404, "NotFound", "The fake Key Vault does not serve " + path);
        }
        String secret = s.get(3);
        var secrets = state.secrets.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new LinkedHashMap<>());
        String permission = method.equals("PUT") ? "set" : "get";
        if (!ArmState.allowed(vault, principal, permission)) {
            return vaultError(
                    403,
                    "Forbidden",
                    "The user, group or application 'oid=" + principal + "' does not have secrets "
                            + permission + " permission on key vault '" + name + ";location="
                            + vault.path("location").asText()
                            + "'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287");
        }
        switch (method) {
            case "PUT" -> {
                if (s.size() != 4 || !secret.matches("[0-9a-zA-Z-]{1,127}")) {
                    return vaultError(400, "BadParameter", "The secret name '" + secret + "' is invalid.");
                }
                JsonNode json = parse(body);
                if (!json.path("value").isTextual()) {
                    return vaultError(400, "BadParameter", "Property 'value' is required.");
                }
                String version = UUID.randomUUID().toString().replace("-", "");
                secrets.computeIfAbsent(secret, k -> new LinkedHashMap<>())
                        .put(version, json.get("value").asText());
                return Response.json(
                        200,
                        secretBundle(vault, secret, version, json.get("value").asText()));
            }
            case "GET" -> {
                var versions = secrets.get(secret);
                String version = s.size() == 5 ? s.get(4) : null;
                if (versions == null || versions.isEmpty() || version != null && !versions.containsKey(version)) {
                    return vaultError(
                            404,
                            "SecretNotFound",
                            "A secret with (name/id) " + secret + " was not found in this"
                                    + " key vault. If you recently deleted this secret you may be able to recover it using the correct"
                                    + " recovery command. For help resolving this issue, please see"
                                    + " https://go.microsoft.com/fwlink/?linkid=2125182");
                }
                if (version == null) {
                    version = List.copyOf(versions.keySet()).get(versions.size() - 1);
                }
                return Response.json(200, secretBundle(vault, secret, version, versions.get(version)));
            }
            default -> {
                return vaultError(405, "MethodNotAllowed", "The method " + method + " is not allowed.");
            }
        }
    }

    private static ObjectNode secretBundle(ObjectNode vault, String secret, String version, String value) {
        long now = Instant.now().getEpochSecond();
        ObjectNode out = ArmState.JSON.createObjectNode();
        out.put("value", value);
        out.put(
                "id",
                "https://" + vault.path("name").asText().toLowerCase(Locale.ROOT) + VAULT_DOMAIN + "/secrets/" + secret
                        + "/" + version);
        ObjectNode a = out.putObject("attributes");
        a.put("enabled", true)
                .put("created", now)
                .put("updated", now)
                .put("recoveryLevel", "Recoverable+Purgeable")
                .put(
                        "recoverableDays",
                        vault.path("properties")
                                .path("softDeleteRetentionInDays")
                                .asInt(90));
        out.putObject("tags");
        return out;
    }

    private static Response vaultError(int status, String code, String message) {
        ObjectNode e = ArmState.JSON.createObjectNode();
        ObjectNode error = e.putObject("error");
        error.put("code", code).put("message", message);
        if (status == 403) {
            error.putObject("innererror").put("code", "AccessDenied");
        }
        return Response.json(status, e);
    }

    // ---- the instance metadata service's token endpoint ----

    /**
     * IMDS's managed identity token endpoint ({@code GET /metadata/identity/oauth2/token}, header
     * {@code Metadata: true}, {@code resource} and the identity's {@code client_id}): a token that
     * stands for the identity's principal.
     */
    private void imdsToken(HttpExchange ex) throws IOException {
        int status;
        ObjectNode out = ArmState.JSON.createObjectNode();
        // MSAL joins the configured host and the path with one slash too many; IMDS, a web server, takes it.
        // Read from the raw target: java.net.URI would take "//metadata" for an authority.
        String target = ex.getRequestURI().toString();
        int qm = target.indexOf('?');
        Map<String, String> q = query(qm < 0 ? null : target.substring(qm + 1));
        String path = (qm < 0 ? target : target.substring(0, qm)).replaceAll("/{2,}", "/");
        synchronized (this) {
            if (!path.equals("/metadata/identity/oauth2/token")) {
                out.put("error", "not_found");
                byte[] bytes = out.toString().getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(404, bytes.length);
                ex.getResponseBody().write(bytes);
                ex.close();
                return;
            }
            imdsRequests.add("client_id=" + q.get("client_id") + "&resource=" + q.get("resource"));
            if (imdsIdentityFrom == 0) {
                imdsIdentityFrom = System.nanoTime() + imdsIdentityDelay.toNanos();
            }
            // Without client_id IMDS answers for the VM's only identity (Azure documents client_id as
            // optional unless the VM has several user-assigned identities).
            String clientId = q.containsKey("client_id")
                    ? q.get("client_id")
                    : machineIdentities.size() == 1 ? machineIdentities.get(0) : null;
            String principal = null;
            for (ObjectNode r : state.resources.values()) {
                if ("Microsoft.ManagedIdentity/userAssignedIdentities"
                                .equals(r.path("type").asText())
                        && r.path("properties").path("clientId").asText().equals(clientId)) {
                    principal = r.path("properties").path("principalId").asText();
                }
            }
            if (!"true".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Metadata"))) {
                status = 400;
                out.put("error", "invalid_request").put("error_description", "Required metadata header not specified");
            } else if (!q.containsKey("client_id") && machineIdentities.size() > 1) {
                status = 400;
                out.put("error", "invalid_request")
                        .put(
                                "error_description",
                                "Multiple user assigned identities exist,"
                                        + " please specify the clientId / resourceId of the identity in the token request");
            } else if (!q.containsKey("api-version") || !q.containsKey("resource")) {
                status = 400;
                out.put("error", "invalid_request").put("error_description", "Required query variable missing");
            } else if (principal == null || System.nanoTime() < imdsIdentityFrom) {
                status = 400;
                out.put("error", "invalid_request").put("error_description", "Identity not found");
            } else {
                status = 200;
                String issued = fakeJwt(principal);
                tokenPrincipals.put(issued, principal);
                long now = Instant.now().getEpochSecond();
                out.put("access_token", issued)
                        .put("client_id", clientId)
                        .put("expires_in", "86399")
                        .put("expires_on", Long.toString(now + 86399))
                        .put("ext_expires_in", "86399")
                        .put("not_before", Long.toString(now))
                        .put("resource", q.get("resource"))
                        .put("token_type", "Bearer");
            }
        }
        byte[] bytes = out.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    // ---- long-running operations ----

    private String operationUrl(String sub, String type, String location, String kind, String id, String apiVersion) {
        String namespace = type.substring(0, type.indexOf('/'));
        return endpoint() + "subscriptions/" + sub + "/providers/" + namespace + "/locations/" + location + "/" + kind
                + "/" + id + "?api-version=" + apiVersion;
    }

    private Operation operation(String id) {
        Operation op = operations.get(id);
        if (op == null) {
            throw new ArmState.ArmError(404, "OperationNotFound", "Operation " + id + " was not found.");
        }
        return op;
    }

    /** Counts one poll; true while the operation is still running. Runs its effect when it ends. */
    private boolean advance(Operation op) {
        if (!op.status.equals("InProgress")) {
            return false;
        }
        if (op.remaining > 0) {
            op.remaining--;
            return true;
        }
        if (op.failure != null) {
            op.status = "Failed";
            op.onFailure.run();
        } else {
            op.status = "Succeeded";
            op.onSuccess.run();
        }
        return false;
    }

    private Response operationStatus(String id) {
        Operation op = operation(id);
        advance(op);
        ObjectNode out = ArmState.JSON.createObjectNode();
        out.put("name", op.id)
                .put("status", op.status)
                .put("startTime", Instant.now().toString());
        if (!op.status.equals("InProgress")) {
            out.put("endTime", Instant.now().toString());
        }
        if (op.status.equals("Failed")) {
            ObjectNode error = out.putObject("error");
            error.put("code", op.failure.code).put("message", op.failure.message);
            error.putArray("details");
        }
        return Response.json(200, out);
    }

    private Response operationResult(String id) {
        Operation op = operation(id);
        if (advance(op)) {
            return new Response(202, null);
        }
        if (op.status.equals("Failed")) {
            throw new ArmState.ArmError(400, op.failure.code, op.failure.message);
        }
        return op.result != null ? Response.json(200, op.result) : new Response(204, null);
    }

    // ---- helpers ----

    /** What a GET shows: never the custom data; the instance view only when asked for. */
    private static ObjectNode view(ObjectNode r, boolean instanceView) {
        ObjectNode copy = r.deepCopy();
        JsonNode os = copy.path("properties").path("osProfile");
        if (os.isObject()) {
            ((ObjectNode) os).remove("customData");
        }
        if (!instanceView && copy.path("properties").isObject()) {
            ((ObjectNode) copy.get("properties")).remove("instanceView");
        }
        return copy;
    }

    private static JsonNode parse(String body) {
        try {
            JsonNode n = ArmState.JSON.readTree(body);
            if (n == null || !n.isObject()) {
                throw new ArmState.ArmError(
                        400,
                        "InvalidRequestContent",
                        "The request content was invalid and could not be" + " deserialized.");
            }
            return n;
        } catch (IOException e) {
            throw new ArmState.ArmError(
                    400,
                    "InvalidRequestContent",
                    "The request content was invalid and could not be" + " deserialized: " + e.getMessage());
        }
    }

    private static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

    private static String fakeJwt(String objectId) {
        String tenant = UUID.randomUUID().toString();
        long now = Instant.now().getEpochSecond();
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims = b64.encodeToString(
                // Issuer, audience and lifetime as Entra ID's, which Azurite's OAuth check reads.
                ("{\"upn\":\"tester@example.com\",\"oid\":\"" + objectId + "\",\"tid\":\"" + tenant
                                + "\",\"iss\":\"https://sts.windows.net/" + tenant
                                + "/\",\"aud\":\"https://storage.azure.com\",\"iat\":" + now + ",\"nbf\":" + (now - 300)
                                + ",\"exp\":" + (now + 86_400) + "}")
                        .getBytes(StandardCharsets.UTF_8));
        return header + "." + claims + "." + TOKEN_SECRET;
    }
}
