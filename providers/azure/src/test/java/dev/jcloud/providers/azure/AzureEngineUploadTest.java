package dev.jcloud.providers.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.management.exception.ManagementException;
import com.azure.resourcemanager.authorization.models.RoleAssignmentCreateParameters;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.UserDelegationKey;
import com.azure.storage.blob.sas.BlobSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.GcReport;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.TestLaunches;
import dev.jcloud.provisioner.boot.EngineBundle;
import dev.jcloud.provisioner.net.CallerAddress;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine cache on Azure ({@link EngineUploads}): without {@code azure.engine-url} the provider
 * uploads its engine bundle once per SHA-256 to a private container of the subscription's engine
 * storage account, and VMs get a read-only SAS URL for that one blob, valid one hour: signed with the
 * account key by the CLI, and as a user delegation SAS by the in-cluster controller, whose identity
 * holds only Storage Blob Data Reader on the container and Storage Blob Delegator on the account
 * ({@link EngineCacheGrants}). Against {@link FakeAzureResourceManager}, whose blob endpoint checks
 * service SAS signatures with the account key, recomputes user delegation SAS signatures with the
 * delegation keys it handed out, and whose Resource Manager enforces the identity's role assignments.
 */
class AzureEngineUploadTest {

    @RegisterExtension
    static final FakeAzureResourceManager ARM = new FakeAzureResourceManager();

    private static final Pattern ENGINE_URL = Pattern.compile("ENGINE_URL='([^']*)'");

    @TempDir
    Path dir;

    private final AtomicReference<EngineBundle> bundle = new AtomicReference<>();
    private AzureProvider provider;

    @BeforeEach
    void setUp() {
        provider = new AzureProvider(
                ARM.clients(),
                CallerAddress.fixed(AzureOptions.ALLOW_FROM, "203.0.113.7/32"),
                host -> false,
                c -> bundle.get());
    }

    @Test
    void theEngineIsUploadedOnceAndVmsFetchItOverAOneHourReadOnlySasUrl() throws Exception {
        bundle.set(bundle("engine-one", 4096));
        ClusterContext c = cluster("rho");
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        provider.launch(c, TestLaunches.workers(c, "10.9.9.9:8786", 0, 2));
        ClusterContext d = cluster("sigma");
        provider.bootstrap(d);
        provider.launch(d, TestLaunches.scheduler(d));

        String account = EngineUploads.account(FakeAzureResourceManager.SUBSCRIPTION, "eastus");
        String blob = EngineUploads.blob(bundle.get().sha256());
        assertThat(ARM.blobContent(account, "engines", blob))
                .isEqualTo(Files.readAllBytes(bundle.get().file()));
        // One upload for two clusters and four VMs: the version is content-addressed.
        assertThat(ARM.requests())
                .filteredOn(r -> r.method().equals("PUT") && r.path().endsWith("/engines/" + blob))
                .hasSize(1);

        JsonNode storage = ARM.storageAccount(account);
        assertThat(storage.path("properties").path("allowBlobPublicAccess").asBoolean(true))
                .isFalse();
        assertThat(storage.path("properties").path("supportsHttpsTrafficOnly").asBoolean(false))
                .isTrue();
        assertThat(storage.path("properties").path("minimumTlsVersion").asText())
                .isEqualTo("TLS1_2");
        assertThat(storage.path("tags").path("jcloud.shared").asText()).isEqualTo("engine-cache");
        assertThat(storage.path("tags").has("jcloud.cluster-id")).isFalse();

        Map<String, String> scripts = customData();
        assertThat(scripts).hasSize(4);
        HttpClient http = HttpClient.newBuilder().sslContext(ARM.tls().client()).build();
        for (Map.Entry<String, String> e : scripts.entrySet()) {
            String url = engineUrl(e.getValue());
            assertThat(e.getValue()).contains(bundle.get().sha256());
            Map<String, String> q = query(URI.create(url).getRawQuery());
            assertThat(q).containsEntry("sp", "r").containsEntry("sr", "b").containsEntry("spr", "https");
            Duration valid = Duration.between(Instant.now(), Instant.parse(q.get("se")));
            assertThat(valid).isLessThanOrEqualTo(Duration.ofHours(1)).isGreaterThan(Duration.ofMinutes(50));

            HttpResponse<byte[]> got =
                    http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(got.statusCode()).as(e.getKey()).isEqualTo(200);
            assertThat(got.body()).isEqualTo(Files.readAllBytes(bundle.get().file()));
        }

        String url = engineUrl(scripts.values().iterator().next());
        // The SAS is for that one blob, for reading, and its signature is checked.
        assertThat(status(http, url.replace(blob, "0".repeat(64) + ".tar.gz"))).isEqualTo(403);
        assertThat(status(http, url.replaceAll("sig=[^&]*", "sig=AAAA"))).isEqualTo(403);
        assertThat(status(http, url.substring(0, url.indexOf('?')))).isEqualTo(404); // no anonymous access
        HttpResponse<byte[]> write = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("x-ms-blob-type", "BlockBlob")
                        .PUT(HttpRequest.BodyPublishers.ofString("tampered"))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(write.statusCode()).isEqualTo(403);

        // The account key went nowhere but this process: not in custom data, nor in any request to Resource Manager.
        List<String> keys = accountKeys(account);
        for (FakeAzureResourceManager.Recorded r : ARM.requests()) {
            for (String key : keys) {
                assertThat(r.body()).doesNotContain(key);
                assertThat(String.valueOf(r.query())).doesNotContain(key);
            }
        }
        for (String script : scripts.values()) {
            for (String key : keys) {
                assertThat(script).doesNotContain(key);
            }
            assertThat(script).doesNotContainIgnoringCase("AccountKey");
        }
    }

    @Test
    void aLargeBundleGoesUpInBlocks() throws Exception {
        bundle.set(bundle("engine-large", (int) EngineUploads.SINGLE_UPLOAD_LIMIT + 1024));
        ClusterContext c = cluster("tau");
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));

        String account = EngineUploads.account(FakeAzureResourceManager.SUBSCRIPTION, "eastus");
        String blob = EngineUploads.blob(bundle.get().sha256());
        assertThat(ARM.blobContent(account, "engines", blob))
                .isEqualTo(Files.readAllBytes(bundle.get().file()));
        assertThat(ARM.requests())
                .filteredOn(r -> r.path().endsWith("/engines/" + blob)
                        && r.query() != null
                        && r.query().contains("comp=block&"))
                .hasSizeGreaterThanOrEqualTo(5);
        assertThat(ARM.requests())
                .anyMatch(r -> r.path().endsWith("/engines/" + blob)
                        && r.query() != null
                        && r.query().contains("comp=blocklist"));
    }

    @Test
    void clusterTeardownAndGcLeaveTheEngineCache() {
        bundle.set(bundle("engine-kept", 1024));
        ClusterContext c = cluster("upsilon");
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        // The controller may read the engines and sign user delegation URLs: Storage Blob Data Reader on the
        // container, Storage Blob Delegator on the account, and nothing that can list the account keys.
        String scope = EngineUploads.accountId(FakeAzureResourceManager.SUBSCRIPTION, "eastus");
        String container = EngineCacheGrants.containerId(FakeAzureResourceManager.SUBSCRIPTION, "eastus");
        String controller = controllerPrincipal(c);
        assertThat(ARM.roleAssignmentsUnder(scope)).hasSize(2).allSatisfy(r -> {
            assertThat(r.path("properties").path("principalId").asText()).isEqualTo(controller);
            assertThat(role(r)).isNotIn(ArmState.READER_AND_DATA_ACCESS, ArmState.OWNER, ArmState.CONTRIBUTOR);
            assertThat(ArmState.roleAllows(role(r), "Microsoft.Storage/storageAccounts/listKeys/action"))
                    .isFalse();
        });
        assertThat(ARM.roleAssignmentsUnder(scope))
                .filteredOn(r -> role(r).equals(EngineCacheGrants.STORAGE_BLOB_DATA_READER))
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.path("properties").path("roleDefinitionId").asText())
                            .endsWith("/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1");
                    assertThat(r.path("properties").path("scope").asText())
                            .isEqualToIgnoringCase(container)
                            .endsWith("/blobServices/default/containers/engines");
                });
        assertThat(ARM.roleAssignmentsUnder(scope))
                .filteredOn(r -> role(r).equals(EngineCacheGrants.STORAGE_BLOB_DELEGATOR))
                .singleElement()
                .satisfies(r ->
                        assertThat(r.path("properties").path("scope").asText()).isEqualToIgnoringCase(scope));

        provider.deleteSharedResources(c);
        assertThat(ARM.roleAssignmentsUnder(scope)).isEmpty();
        provider.gc(ARM.options(Map.of()), false, Duration.ZERO);

        String account = EngineUploads.account(FakeAzureResourceManager.SUBSCRIPTION, "eastus");
        assertThat(ARM.groups()).containsOnlyKeys("jcloud-engines-eastus");
        assertThat(ARM.storageAccount(account)).isNotNull();
        assertThat(ARM.blobContent(
                        account, "engines", EngineUploads.blob(bundle.get().sha256())))
                .isNotNull();
    }

    @Test
    void aGivenEngineUrlIsUsedAsBeforeAndNothingIsUploaded() {
        ClusterContext c = new ClusterContext("phi", ClusterNames.newId(), dir.resolve("phi"), ARM.options(Map.of()));
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));

        assertThat(customData().values())
                .singleElement()
                .satisfies(s -> assertThat(s).contains("ENGINE_URL='https://engine.example/jcloud-engine.jar'"));
        assertThat(ARM.requests()).noneMatch(r -> r.path().contains("Microsoft.Storage"));
        assertThat(ARM.groups()).doesNotContainKey("jcloud-engines-eastus");
    }

    @Test
    void aWorkerTheControllerLaunchesGetsAUserDelegationUrlSignedWithoutAnyAccountKey() throws Exception {
        // The controller's grants reach Blob storage a while after up made them, as on Azure.
        ARM.dataPlaneRoleDelay(Duration.ofMillis(1500));
        bundle.set(bundle("engine-delegated", 4096));
        ClusterContext c = cluster("chi");
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        String principal = controllerPrincipal(c);
        int before = ARM.requests().size();

        // The in-cluster controller: the same provider, with the controller identity's token.
        AzureProvider controller = new AzureProvider(
                ARM.clientsAs(principal),
                CallerAddress.fixed(AzureOptions.ALLOW_FROM, "203.0.113.7/32"),
                host -> false,
                x -> {
                    throw new AssertionError("the controller never uploads");
                });
        controller.launch(c, TestLaunches.workers(c, "10.9.9.9:8786", 0, 1));

        List<FakeAzureResourceManager.Recorded> mine =
                ARM.requests().subList(before, ARM.requests().size());
        // No account key: no listKeys, nor any other Resource Manager call on the storage account.
        assertThat(mine).noneMatch(r -> r.path().contains("Microsoft.Storage"));
        assertThat(mine).anyMatch(r -> r.query() != null && r.query().contains("comp=userdelegationkey"));
        // Refused (403) until the role assignments had propagated, then asked again and granted.
        String engineBlob = EngineUploads.blob(bundle.get().sha256());
        assertThat(mine.stream().filter(r -> r.path().endsWith("/engines/" + engineBlob)))
                .hasSizeGreaterThan(1);

        String account = EngineUploads.account(FakeAzureResourceManager.SUBSCRIPTION, "eastus");
        String blob = EngineUploads.blob(bundle.get().sha256());
        String url = engineUrl(customData().get(ClusterNames.worker(c.name(), 0)));
        Map<String, String> q = query(URI.create(url).getRawQuery());
        assertThat(q)
                .containsEntry("skoid", principal)
                .containsEntry("sp", "r")
                .containsEntry("sr", "b")
                .containsEntry("spr", "https")
                .containsEntry("sks", "b");
        Duration valid = Duration.between(Instant.now(), Instant.parse(q.get("se")));
        assertThat(valid).isLessThanOrEqualTo(Duration.ofHours(1)).isGreaterThan(Duration.ofMinutes(50));

        HttpClient http = HttpClient.newBuilder().sslContext(ARM.tls().client()).build();
        HttpResponse<byte[]> got =
                http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.body()).isEqualTo(Files.readAllBytes(bundle.get().file()));

        // The fake recomputes the signature: another blob, a changed signature or expiry, a write are refused.
        assertThat(status(http, url.replace(blob, "0".repeat(64) + ".tar.gz"))).isEqualTo(403);
        assertThat(status(http, url.replaceAll("sig=[^&]*", "sig=AAAA"))).isEqualTo(403);
        String later = Instant.parse(q.get("se")).plusSeconds(60).toString().replace(":", "%3A");
        assertThat(status(http, url.replaceAll("se=[^&]*", "se=" + later))).isEqualTo(403);
        HttpResponse<byte[]> write = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("x-ms-blob-type", "BlockBlob")
                        .PUT(HttpRequest.BodyPublishers.ofString("tampered"))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(write.statusCode()).isEqualTo(403);
        assertThat(ARM.blobContent(account, "engines", blob))
                .isEqualTo(Files.readAllBytes(bundle.get().file()));

        // An expired user delegation SAS, correctly signed with the controller's own key, is refused.
        AzureClients asController = ARM.clientsAs(principal).create(AzureOptions.of(c));
        BlobServiceClient service = new BlobServiceClientBuilder()
                .endpoint(asController.blobEndpoint().apply(account))
                .credential(asController.credential())
                .httpClient(asController.http())
                .buildClient();
        OffsetDateTime now = OffsetDateTime.now();
        UserDelegationKey key = service.getUserDelegationKey(now.minusMinutes(10), now.plusHours(1));
        BlobClient engine = service.getBlobContainerClient("engines").getBlobClient(blob);
        String expired = engine.generateUserDelegationSas(
                new BlobServiceSasSignatureValues(now.minusMinutes(1), new BlobSasPermission().setReadPermission(true))
                        .setStartTime(now.minusMinutes(10)),
                key);
        assertThat(status(http, engine.getBlobUrl() + "?" + expired)).isEqualTo(403);

        // After down the grants are gone: the URL it signed stops working, and it can sign no new one.
        provider.deleteSharedResources(c);
        assertThat(status(http, url)).isEqualTo(403);
        assertThatThrownBy(() -> new EngineUploads(asController, AzureOptions.of(c))
                        .delegatedArtifact(bundle.get().sha256(), Duration.ZERO))
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("Storage Blob Data Reader");
    }

    @Test
    void theControllerMayNotListTheCacheKeysAndTheCallersOwnDelegationUrlsReadNothing() throws Exception {
        bundle.set(bundle("engine-nokeys", 1024));
        ClusterContext c = cluster("psi");
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        String account = EngineUploads.account(FakeAzureResourceManager.SUBSCRIPTION, "eastus");

        AzureClients asController = ARM.clientsAs(controllerPrincipal(c)).create(AzureOptions.of(c));
        assertThatThrownBy(() ->
                        asController.storage().getStorageAccounts().listKeys(EngineUploads.group("eastus"), account))
                .isInstanceOfSatisfying(ManagementException.class, e -> {
                    assertThat(e.getResponse().getStatusCode()).isEqualTo(403);
                    assertThat(e.getValue().getCode()).isEqualTo("AuthorizationFailed");
                    assertThat(e.getMessage()).contains("Microsoft.Storage/storageAccounts/listKeys/action");
                });

        // A subscription Owner may get a delegation key, but owns no blob data role: what it signs reads nothing.
        AzureClients asCaller = ARM.clients().create(AzureOptions.of(c));
        BlobServiceClient service = new BlobServiceClientBuilder()
                .endpoint(asCaller.blobEndpoint().apply(account))
                .credential(asCaller.credential())
                .httpClient(asCaller.http())
                .buildClient();
        OffsetDateTime now = OffsetDateTime.now();
        BlobClient engine = service.getBlobContainerClient("engines")
                .getBlobClient(EngineUploads.blob(bundle.get().sha256()));
        String sas = engine.generateUserDelegationSas(
                new BlobServiceSasSignatureValues(now.plusMinutes(30), new BlobSasPermission().setReadPermission(true)),
                service.getUserDelegationKey(now, now.plusHours(1)));
        HttpClient http = HttpClient.newBuilder().sslContext(ARM.tls().client()).build();
        assertThat(status(http, engine.getBlobUrl() + "?" + sas)).isEqualTo(403);
    }

    @Test
    void gcRemovesGrantsWhoseClusterOrControllerIdentityIsGoneAndKeepsLiveOnes() {
        bundle.set(bundle("engine-gc", 1024));
        ClusterContext gone = cluster("omega");
        ClusterContext orphanedIdentity = cluster("kappa");
        ClusterContext live = cluster("lambda");
        for (ClusterContext c : List.of(gone, orphanedIdentity, live)) {
            provider.bootstrap(c);
        }
        String scope = EngineUploads.accountId(FakeAzureResourceManager.SUBSCRIPTION, "eastus");
        String livePrincipal = controllerPrincipal(live);
        // An older jcloud's grant (Reader and Data Access, description without the id) of the vanished cluster.
        AzureClients azure = ARM.clients().create(AzureOptions.of(ARM.options(Map.of())));
        azure.authorization()
                .getRoleAssignments()
                .create(
                        scope,
                        EngineCacheGrants.readerAssignmentName(scope, gone.id()),
                        new RoleAssignmentCreateParameters()
                                .withRoleDefinitionId("/subscriptions/"
                                        + FakeAzureResourceManager.SUBSCRIPTION
                                        + "/providers/Microsoft.Authorization/roleDefinitions/"
                                        + EngineCacheGrants.LEGACY_READER_AND_DATA_ACCESS)
                                .withPrincipalId(controllerPrincipal(gone))
                                .withDescription(
                                        "jcloud cluster omega: its controller signs engine URLs for the workers it starts"));
        ARM.removeGroup(AzureNames.group(gone)); // as after a down that died before revoking
        azure.msi().getUserAssignedIdentities().delete(AzureNames.group(orphanedIdentity), "jcloud-controller");
        assertThat(ARM.roleAssignmentsUnder(scope)).hasSize(7);

        GcReport dry = provider.gc(ARM.options(Map.of()), true, Duration.ofHours(1));
        assertThat(dry.items())
                .filteredOn(i -> i.kind().equals("role-assignment"))
                .hasSize(5)
                .extracting(GcReport.Item::clusterId)
                .containsOnly(gone.id(), orphanedIdentity.id(), "unknown");
        assertThat(ARM.roleAssignmentsUnder(scope)).hasSize(7);

        GcReport report = provider.gc(ARM.options(Map.of()), false, Duration.ofHours(1));
        assertThat(report.items())
                .filteredOn(i -> i.kind().equals("role-assignment"))
                .hasSize(5);
        assertThat(ARM.roleAssignmentsUnder(scope))
                .hasSize(2)
                .allSatisfy(
                        r -> assertThat(r.path("properties").path("principalId").asText())
                                .isEqualTo(livePrincipal));
        assertThat(ARM.groups())
                .containsKeys(AzureNames.group(live), AzureNames.group(orphanedIdentity)); // young: kept
    }

    // ---- helpers ----

    private static String role(JsonNode assignment) {
        String id = assignment.path("properties").path("roleDefinitionId").asText();
        return id.substring(id.lastIndexOf('/') + 1);
    }

    private static String controllerPrincipal(ClusterContext c) {
        return ARM.clients()
                .create(AzureOptions.of(ARM.options(Map.of())))
                .msi()
                .getUserAssignedIdentities()
                .getByResourceGroup(AzureNames.group(c), "jcloud-controller")
                .principalId()
                .toString();
    }

    private ClusterContext cluster(String name) {
        Map<String, String> options = new LinkedHashMap<>(ARM.options(Map.of()));
        options.remove(AzureOptions.ENGINE_URL);
        options.remove(AzureOptions.ENGINE_SHA256);
        return new ClusterContext(name, ClusterNames.newId(), dir.resolve(name), options);
    }

    private EngineBundle bundle(String name, int size) {
        try {
            Path jar = dir.resolve("bundles/" + name + "/engine.jar");
            Files.createDirectories(jar.getParent());
            byte[] bytes = new byte[size];
            new Random(name.hashCode()).nextBytes(bytes); // incompressible: the bundle stays as large
            Files.write(jar, bytes);
            return EngineBundle.of(List.of(jar), dir.resolve("bundles/" + name));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String engineUrl(String script) {
        Matcher m = ENGINE_URL.matcher(script);
        assertThat(m.find()).as("ENGINE_URL in the boot script").isTrue();
        return m.group(1);
    }

    private static int status(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            out.put(
                    pair.substring(0, eq),
                    java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8));
        }
        return out;
    }

    private static List<String> accountKeys(String account) {
        AzureClients azure = ARM.clients().create(AzureOptions.of(ARM.options(Map.of())));
        return azure.storage().getStorageAccounts().listKeys(EngineUploads.group("eastus"), account).keys().stream()
                .map(k -> k.value())
                .toList();
    }

    private static Map<String, String> customData() {
        Map<String, String> out = new LinkedHashMap<>();
        for (FakeAzureResourceManager.Recorded r : ARM.requests()) {
            if (r.method().equals("PUT") && r.path().contains("/providers/Microsoft.Compute/virtualMachines/")) {
                String name = r.path().substring(r.path().lastIndexOf('/') + 1);
                out.put(
                        name,
                        ArmState.decodeCustomData(r.json()
                                .path("properties")
                                .path("osProfile")
                                .path("customData")
                                .asText()));
            }
        }
        return out;
    }
}
