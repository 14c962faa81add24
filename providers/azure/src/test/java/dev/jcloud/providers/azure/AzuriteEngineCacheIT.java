package dev.jcloud.providers.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlockListType;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.TestLaunches;
import dev.jcloud.provisioner.boot.EngineBundle;
import dev.jcloud.provisioner.boot.EngineCachePolicy;
import dev.jcloud.provisioner.net.CallerAddress;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
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
 * The engine cache's Blob side against Microsoft's own emulator, Azurite: uploads in one Put Blob and
 * in staged blocks (both refused by Azurite without a {@code Content-Length} or with a Shared Key
 * signature that does not match the request), downloads over the CLI's service SAS and the in-cluster
 * controller's user delegation SAS (both signatures recomputed by Azurite), and the clean-up of
 * versions no VM carries. Resource Manager (the storage account, its keys, the VMs and their engine
 * tags, role assignments) stays {@link FakeAzureResourceManager}: Azurite has no Resource Manager and
 * no role-based access control, so the tests of what the controller's roles allow stay in
 * {@link AzureEngineUploadTest}.
 */
class AzuriteEngineCacheIT {

    @RegisterExtension
    static final FakeAzureResourceManager ARM = new FakeAzureResourceManager();

    static final String ACCOUNT = EngineUploads.account(FakeAzureResourceManager.SUBSCRIPTION, "eastus");

    @RegisterExtension
    static final Azurite AZURITE = new Azurite(ARM::tls, ACCOUNT);

    private static final Pattern ENGINE_URL = Pattern.compile("ENGINE_URL='([^']*)'");

    @TempDir
    Path dir;

    private final AtomicReference<EngineBundle> bundle = new AtomicReference<>();
    private AzureProvider provider;
    private HttpClient http;

    @BeforeEach
    void setUp() {
        ARM.blobServiceAt(AZURITE);
        AZURITE.clear();
        provider = new AzureProvider(
                ARM.clients(),
                CallerAddress.fixed(AzureOptions.ALLOW_FROM, "203.0.113.7/32"),
                host -> false,
                c -> bundle.get());
        http = HttpClient.newBuilder().sslContext(ARM.tls().client()).build();
    }

    @Test
    void theEngineGoesUpInOnePutBlobAndEveryVmDownloadsItOverItsServiceSas() throws Exception {
        bundle.set(bundle("engine-one", 4096));
        ClusterContext c = cluster("rho");
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        provider.launch(c, TestLaunches.workers(c, "10.9.9.9:8786", 0, 2));

        BlobContainerClient engines = AZURITE.service(ACCOUNT).getBlobContainerClient(EngineUploads.CONTAINER);
        String blob = EngineUploads.blob(bundle.get().sha256());
        assertThat(engines.getBlobClient(blob).getProperties().getBlobSize())
                .isEqualTo(Files.size(bundle.get().file()));

        Map<String, String> scripts = customData();
        assertThat(scripts).hasSize(3);
        for (Map.Entry<String, String> e : scripts.entrySet()) {
            String url = engineUrl(e.getValue());
            assertThat(url).startsWith(AZURITE.endpoint(ACCOUNT) + EngineUploads.CONTAINER + "/" + blob + "?");
            HttpResponse<byte[]> got = get(url);
            assertThat(got.statusCode()).as(e.getKey()).isEqualTo(200);
            assertThat(sha256(got.body())).isEqualTo(bundle.get().sha256());
        }

        // Azurite checks the SAS: for that one blob, for reading, with its signature.
        String url = engineUrl(scripts.values().iterator().next());
        assertThat(get(url.replace(blob, "0".repeat(64) + ".tar.gz")).statusCode())
                .isEqualTo(403);
        assertThat(get(url.replaceAll("sig=[^&]*", "sig=AAAA")).statusCode()).isEqualTo(403);
        assertThat(get(url.substring(0, url.indexOf('?'))).statusCode()).isIn(401, 403, 404);
        HttpResponse<byte[]> write = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("x-ms-blob-type", "BlockBlob")
                        .PUT(HttpRequest.BodyPublishers.ofString("tampered"))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(write.statusCode()).isEqualTo(403);
        assertThat(sha256(get(url).body())).isEqualTo(bundle.get().sha256());
    }

    @Test
    void aLargeBundleGoesUpInStagedBlocks() throws Exception {
        bundle.set(bundle("engine-large", (int) EngineUploads.SINGLE_UPLOAD_LIMIT + 1024));
        ClusterContext c = cluster("tau");
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));

        String blob = EngineUploads.blob(bundle.get().sha256());
        BlobContainerClient engines = AZURITE.service(ACCOUNT).getBlobContainerClient(EngineUploads.CONTAINER);
        assertThat(engines.getBlobClient(blob)
                        .getBlockBlobClient()
                        .listBlocks(BlockListType.COMMITTED)
                        .getCommittedBlocks())
                .hasSizeGreaterThanOrEqualTo(5)
                .allSatisfy(b -> assertThat(b.getSizeLong()).isLessThanOrEqualTo(EngineUploads.BLOCK_SIZE));
        HttpResponse<byte[]> got =
                get(engineUrl(customData().values().iterator().next()));
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(sha256(got.body())).isEqualTo(bundle.get().sha256());
    }

    @Test
    void aWorkerTheControllerLaunchesDownloadsOverAUserDelegationSas() throws Exception {
        bundle.set(bundle("engine-delegated", 4096));
        ClusterContext c = cluster("chi");
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        String principal = controllerPrincipal(c);

        AzureProvider controller = new AzureProvider(
                ARM.clientsAs(principal),
                CallerAddress.fixed(AzureOptions.ALLOW_FROM, "203.0.113.7/32"),
                host -> false,
                x -> {
                    throw new AssertionError("the controller never uploads");
                });
        controller.launch(c, TestLaunches.workers(c, "10.9.9.9:8786", 0, 1));

        String url = engineUrl(customData().get(ClusterNames.worker(c.name(), 0)));
        Map<String, String> q = query(URI.create(url).getRawQuery());
        assertThat(q).containsEntry("skoid", principal).containsEntry("sp", "r").containsEntry("spr", "https");
        HttpResponse<byte[]> got = get(url);
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(sha256(got.body())).isEqualTo(bundle.get().sha256());
        // Azurite recomputes the signature with the delegation key it handed out.
        assertThat(get(url.replaceAll("sig=[^&]*", "sig=AAAA")).statusCode()).isEqualTo(403);
        String blob = EngineUploads.blob(bundle.get().sha256());
        assertThat(get(url.replace(blob, "0".repeat(64) + ".tar.gz")).statusCode())
                .isEqualTo(403);
    }

    @Test
    void theSweepRemovesOldVersionsNoVmCarriesAndAReusedVersionIsDatedAnew() throws Exception {
        // Version A runs on a scheduler VM (its engine tag); B was uploaded and no VM carries it; C is current.
        EngineBundle a = bundle("engine-a", 2048);
        bundle.set(a);
        ClusterContext c = cluster("kappa");
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        AzureOptions options = AzureOptions.of(c);
        AzureClients azure = ARM.clients().create(options);
        EngineBundle b = bundle("engine-b", 2048);
        EngineBundle cur = bundle("engine-c", 2048);
        new EngineUploads(azure, options).publish(b);
        new EngineUploads(azure, options).publish(cur);
        BlobContainerClient engines = AZURITE.service(ACCOUNT).getBlobContainerClient(EngineUploads.CONTAINER);
        engines.getBlobClient("notes.txt").upload(com.azure.core.util.BinaryData.fromString("not an engine"));

        // Today nothing is old enough: nothing is removed, and the VMs are not even asked about.
        assertThat(new EngineUploads(azure, options)
                        .sweep(
                                () -> {
                                    throw new AssertionError("no version is old enough to ask which VMs carry it");
                                },
                                cur.sha256()))
                .isEmpty();

        // 31 days on: B goes; A stays (a VM carries it), C stays (current), the other blob is not the cache's.
        EngineCachePolicy later = policyAt(Instant.now().plus(Duration.ofDays(31)));
        assertThat(AzureProvider.enginesOnVms(azure)).containsExactly(a.sha256());
        List<String> removed =
                new EngineUploads(azure, options, later).sweep(() -> AzureProvider.enginesOnVms(azure), cur.sha256());
        assertThat(removed).containsExactly(b.sha256());
        assertThat(names(engines))
                .containsExactlyInAnyOrder(
                        EngineUploads.blob(a.sha256()), EngineUploads.blob(cur.sha256()), "notes.txt");

        // A reused version older than a day is dated anew in its metadata; its bytes are not uploaded again.
        var before = engines.getBlobClient(EngineUploads.blob(cur.sha256())).getProperties();
        new EngineUploads(azure, options, policyAt(Instant.now().plus(Duration.ofDays(2)))).publish(cur);
        var after = engines.getBlobClient(EngineUploads.blob(cur.sha256())).getProperties();
        assertThat(after.getMetadata()).containsKey(EngineUploads.DATED_METADATA);
        assertThat(after.getETag()).isNotEqualTo(before.getETag());
        assertThat(after.getCreationTime()).isEqualTo(before.getCreationTime());
        assertThat(EngineUploads.dated(after.getCreationTime(), after.getLastModified(), after.getMetadata()))
                .isEqualTo(Instant.parse(after.getMetadata().get(EngineUploads.DATED_METADATA)));
        // Reused within a day: left as it is.
        new EngineUploads(azure, options, policyAt(Instant.now())).publish(cur);
        assertThat(engines.getBlobClient(EngineUploads.blob(cur.sha256()))
                        .getProperties()
                        .getETag())
                .isEqualTo(after.getETag());

        // The cluster is gone: its VM no longer holds A, so the next sweep takes it; the cluster teardown itself did
        // not.
        provider.deleteSharedResources(c);
        assertThat(names(engines)).contains(EngineUploads.blob(a.sha256()));
        assertThat(new EngineUploads(azure, options, later)
                        .sweep(() -> AzureProvider.enginesOnVms(azure), cur.sha256()))
                .containsExactly(a.sha256());
        assertThat(names(engines)).containsExactlyInAnyOrder(EngineUploads.blob(cur.sha256()), "notes.txt");
    }

    // ---- helpers ----

    private static EngineCachePolicy policyAt(Instant now) {
        return new EngineCachePolicy(
                Clock.fixed(now, ZoneOffset.UTC), EngineCachePolicy.KEEP_UNUSED, EngineCachePolicy.REFRESH_AFTER);
    }

    private static List<String> names(BlobContainerClient container) {
        return container.listBlobs().stream().map(i -> i.getName()).toList();
    }

    private HttpResponse<byte[]> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
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
