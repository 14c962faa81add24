package dev.jcloud.providers.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.compute.v1.AggregatedListInstancesRequest;
import com.google.cloud.compute.v1.Instance;
import com.google.cloud.compute.v1.Items;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.EngineCommand;
import dev.jcloud.provisioner.GcReport;
import dev.jcloud.provisioner.LaunchRequest;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.boot.EngineBundle;
import dev.jcloud.provisioner.net.CallerAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine upload to the project's private bucket and the clusters' read grants, through the
 * provider against {@link FakeComputeEngine} (whose {@link FakeCloudStorage} serves the Storage
 * JSON API and checks object reads of token holders against the bucket policy).
 */
class EngineUploadsTest {

    @RegisterExtension
    static final FakeComputeEngine GCE = new FakeComputeEngine();

    private static final String PROJECT = FakeComputeEngine.PROJECT;
    private static final String BUCKET = "jcloud-engine-" + PROJECT;

    @TempDir
    Path dir;

    private GcpClients gcp;
    private EngineBundle bundle;
    private final List<EngineBundle> bundlesAsked = new ArrayList<>();
    private GcpProvider provider;

    @BeforeEach
    void setUp() throws Exception {
        gcp = GcpClients.withoutCredentials().create(Optional.of(GCE.uri()));
        bundle = bundle("engine-a", 300_000);
        provider = provider();
    }

    @AfterEach
    void tearDown() {
        gcp.close();
    }

    @Test
    void upWithoutAnEngineUrlUploadsOnceToAPrivateBucketAndLaterClustersReuseIt() {
        ClusterContext first = cluster("ea", Map.of());
        provider.bootstrap(first);
        provider.launch(first, schedulerLaunch(first));
        provider.launch(first, workerLaunch(first, 0, 2));

        JsonNode bucket = bucketOf(BUCKET);
        assertThat(bucket.path("iamConfiguration")
                        .path("uniformBucketLevelAccess")
                        .path("enabled")
                        .asBoolean())
                .isTrue();
        assertThat(bucket.path("iamConfiguration")
                        .path("publicAccessPrevention")
                        .asText())
                .isEqualTo("enforced");
        assertThat(bucket.path("labels").path("jcloud-shared").asText()).isEqualTo("engine-cache");
        assertThat(bucket.path("location").asText()).isEqualTo("US-CENTRAL1");
        String object = "engine/" + bundle.sha256() + ".tar.gz";
        assertThat(contentOf(BUCKET, object)).isEqualTo(read(bundle.file()));
        assertThat(uploads())
                .singleElement()
                .satisfies(c -> assertThat(c.query())
                        .contains("uploadType=media")
                        .contains("name=engine%2F" + bundle.sha256() + ".tar.gz")
                        .contains("ifGenerationMatch=0"));

        // Every node downloads the same object, with the machine's token; nothing secret is rendered.
        String url =
                GCE.endpoint() + "/storage/v1/b/" + BUCKET + "/o/engine%2F" + bundle.sha256() + ".tar.gz?alt=media";
        List<Instance> nodes = instances(first);
        assertThat(nodes).hasSize(3).allSatisfy(i -> {
            String boot = metadata(i, BootMetadata.BOOT_SCRIPT_KEY);
            assertThat(boot)
                    .contains("ENGINE_URL='" + url + "'")
                    .contains("ENGINE_SHA256='" + bundle.sha256() + "'")
                    .contains("jcloud_step_download_header() {")
                    .contains("instance/service-accounts/default/token");
            assertThat(metadata(i, BootMetadata.ENGINE_SHA256_KEY)).isEqualTo(bundle.sha256());
            for (Items item : i.getMetadata().getItemsList()) {
                assertThat(item.getValue())
                        .doesNotContain("ya29.")
                        .doesNotContain("X-Goog-Signature")
                        .doesNotContain("Bearer ya")
                        .doesNotContain("PRIVATE KEY");
            }
        });

        // The cluster's account may read the engines, in a binding of the cluster's own.
        String account = GceNames.serviceAccountEmail(first, PROJECT);
        JsonNode grant = engineGrant(first.id());
        assertThat(grant.path("role").asText()).isEqualTo("roles/storage.objectViewer");
        assertThat(grant.path("members").toString()).isEqualTo("[\"serviceAccount:" + account + "\"]");
        assertThat(grant.path("condition").path("expression").asText())
                .isEqualTo("resource.name.startsWith(\"projects/_/buckets/" + BUCKET + "/objects/engine/\")");
        assertThat(policyOf(BUCKET).path("version").asInt()).isEqualTo(3);

        // The same cluster's bootstrap again and a second cluster: no second upload, no second bucket.
        provider.bootstrap(first);
        ClusterContext second = cluster("eb", Map.of());
        provider.bootstrap(second);
        provider.launch(second, schedulerLaunch(second));
        assertThat(uploads()).hasSize(1);
        assertThat(GCE.calls("POST", "/storage/v1/b")).hasSize(1);
        assertThat(objectCount()).isEqualTo(1);
        assertThat(engineGrant(second.id())).isNotNull();
        assertThat(bundlesAsked).hasSize(2); // one per scheduler: workers take the scheduler's version
    }

    @Test
    void theGrantServesTheExactBytesToTheClusterAccountOnlyAndDownRemovesIt() throws Exception {
        ClusterContext c = cluster("ec", Map.of());
        provider.bootstrap(c);
        provider.launch(c, schedulerLaunch(c));
        String url =
                GCE.endpoint() + "/storage/v1/b/" + BUCKET + "/o/engine%2F" + bundle.sha256() + ".tar.gz?alt=media";
        String member = "serviceAccount:" + GceNames.serviceAccountEmail(c, PROJECT);
        String token = GCE.storage(s -> s.issueToken(member));
        String stranger =
                GCE.storage(s -> s.issueToken("serviceAccount:someone@" + PROJECT + ".iam.gserviceaccount.com"));

        HttpResponse<byte[]> r = fetch(url, token);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(read(bundle.file()));
        assertThat(MessageDigest.getInstance("SHA-256").digest(r.body()))
                .isEqualTo(HexFormat.of().parseHex(bundle.sha256()));
        assertThat(fetch(url, stranger).statusCode()).isEqualTo(403);

        provider.deleteSharedResources(c);

        assertThat(engineGrant(c.id())).isNull();
        assertThat(policyOf(BUCKET).toString()).doesNotContain(c.id());
        assertThat(fetch(url, token).statusCode()).isEqualTo(403);
        // The bucket and the engine stay: a cache for the next cluster.
        assertThat(bucketOf(BUCKET)).isNotNull();
        assertThat(contentOf(BUCKET, "engine/" + bundle.sha256() + ".tar.gz")).isNotNull();
        provider.deleteSharedResources(c); // again: nothing left to do
    }

    @Test
    void workersStartedLaterRunTheSchedulersEngineNotTheScalersOne() throws Exception {
        ClusterContext c = cluster("ed", Map.of());
        provider.bootstrap(c);
        provider.launch(c, schedulerLaunch(c));
        String schedulerSha = bundle.sha256();
        bundle = bundle("engine-b", 1000); // another jcloud version scales the cluster

        List<Node> workers = provider().launch(c, workerLaunch(c, 0, 1));

        assertThat(workers).hasSize(1);
        Instance worker = instances(c).stream()
                .filter(i -> i.getName().startsWith("ed-worker"))
                .findFirst()
                .orElseThrow();
        assertThat(metadata(worker, BootMetadata.ENGINE_SHA256_KEY)).isEqualTo(schedulerSha);
        assertThat(metadata(worker, BootMetadata.BOOT_SCRIPT_KEY))
                .contains(schedulerSha)
                .doesNotContain(bundle.sha256());
        assertThat(uploads()).hasSize(1);
    }

    @Test
    void upRemovesOldEngineVersionsNoInstanceRunsAndKeepsTheOnesInUse() throws Exception {
        ClusterContext running = cluster("sa", Map.of());
        provider.bootstrap(running);
        provider.launch(running, schedulerLaunch(running));
        String inUse = bundle.sha256();
        bundle = bundle("engine-gone", 1000);
        ClusterContext gone = cluster("sb", Map.of());
        provider.bootstrap(gone);
        provider.launch(gone, schedulerLaunch(gone));
        String unused = bundle.sha256();
        provider.terminate(gone, provider.nodes(gone));
        for (String sha : List.of(inUse, unused)) {
            GCE.storage(s -> {
                s.age(
                        BUCKET,
                        EngineUploads.objectName(sha),
                        dev.jcloud.provisioner.boot.EngineCachePolicy.KEEP_UNUSED.plusDays(1));
                return null;
            });
        }

        bundle = bundle("engine-new", 1000);
        ClusterContext next = cluster("sc", Map.of());
        provider.bootstrap(next);
        provider.launch(next, schedulerLaunch(next));

        // Old and unused: gone. Old but run by a machine, and new: kept.
        assertThat(contentOf(BUCKET, EngineUploads.objectName(unused))).isNull();
        assertThat(contentOf(BUCKET, EngineUploads.objectName(inUse))).isNotNull();
        assertThat(contentOf(BUCKET, EngineUploads.objectName(bundle.sha256()))).isNotNull();
        assertThat(objectCount()).isEqualTo(2);
    }

    @Test
    void anObjectWithOtherBytesUnderTheNameIsReplacedAndAConcurrentPolicyChangeIsRetried() {
        ClusterContext c = cluster("ee", Map.of());
        provider.bootstrap(c);
        // Someone wrote other bytes under this version's name: the upload replaces them, with their generation.
        new EngineUploads(gcp.storage(), GcpOptions.of(c))
                .publish(new EngineBundle(write("bad", new byte[] {1, 2, 3}), bundle.sha256()));
        assertThat(uploads()).hasSize(1);
        provider.launch(c, schedulerLaunch(c));
        assertThat(uploads()).hasSize(2);
        assertThat(uploads().get(1).query()).doesNotContain("ifGenerationMatch=0");
        assertThat(contentOf(BUCKET, "engine/" + bundle.sha256() + ".tar.gz")).isEqualTo(read(bundle.file()));

        ClusterContext other = cluster("ef", Map.of());
        GCE.storage(s -> {
            s.concurrentPolicyChanges(2);
            return null;
        });
        provider.bootstrap(other);
        assertThat(engineGrant(other.id())).isNotNull();
        assertThat(engineGrant(c.id())).isNotNull();
        assertThat(GCE.calls("PUT", "/storage/v1/b/" + BUCKET + "/iam")).hasSizeGreaterThanOrEqualTo(4);
    }

    @Test
    void aBucketNameTakenBySomeoneElseIsExplainedAndAnotherCanBeNamed() {
        GCE.storage(s -> {
            s.foreignBucket(BUCKET);
            return null;
        });
        ClusterContext c = cluster("eg", Map.of());
        assertThatThrownBy(() -> provider.bootstrap(c))
                .hasMessageContaining("gs://" + BUCKET)
                .hasMessageContaining("belongs to someone else")
                .hasMessageContaining(GcpOptions.ENGINE_BUCKET);
        provider.deleteSharedResources(c);

        ClusterContext named = cluster("eh", Map.of(GcpOptions.ENGINE_BUCKET, "team-engines-1"));
        provider.bootstrap(named);
        provider.launch(named, schedulerLaunch(named));
        assertThat(contentOf("team-engines-1", "engine/" + bundle.sha256() + ".tar.gz"))
                .isEqualTo(read(bundle.file()));
        assertThat(metadata(instances(named).get(0), BootMetadata.BOOT_SCRIPT_KEY))
                .contains("/storage/v1/b/team-engines-1/o/engine%2F");
    }

    @Test
    void aUserGivenEngineUrlWinsAndStorageIsNeverCalled() {
        String given = "https://engine.example/jcloud-engine.tar.gz";
        ClusterContext c =
                cluster("ei", Map.of(GcpOptions.ENGINE_URL, given, GcpOptions.ENGINE_SHA256, "a".repeat(64)));
        provider.validate(c);
        provider.bootstrap(c);
        provider.launch(c, schedulerLaunch(c));
        provider.launch(c, workerLaunch(c, 0, 1));
        assertThat(instances(c))
                .hasSize(2)
                .allSatisfy(i -> assertThat(metadata(i, BootMetadata.BOOT_SCRIPT_KEY))
                        .contains("ENGINE_URL='" + given + "'")
                        .doesNotContain("jcloud_step_download_header() {"));
        provider.deleteSharedResources(c);
        assertThat(GCE.calls().stream().filter(call -> call.path().contains("/storage/v1/")))
                .isEmpty();
        assertThat(bundlesAsked).isEmpty();
    }

    @Test
    void optionsNeedNoEngineButBothOrNeitherOfUrlAndChecksumAndAValidBucket() {
        assertThat(GcpOptions.of(cluster("ej", Map.of())).engineBucket()).isEqualTo(BUCKET);
        assertThat(GcpOptions.of(cluster("ej", Map.of())).engineUrl()).isEmpty();
        assertThat(EngineUploads.defaultBucket("example.com:my-project"))
                .isEqualTo("jcloud-engine-example-com-my-project");
        assertThatThrownBy(() ->
                        provider.validate(cluster("ej", Map.of(GcpOptions.ENGINE_URL, "https://e.example/e.jar"))))
                .hasMessageContaining("set both gcp.engine-url and gcp.engine-sha256");
        assertThatThrownBy(() -> provider.validate(cluster("ej", Map.of(GcpOptions.ENGINE_SHA256, "a".repeat(64)))))
                .hasMessageContaining("set both");
        assertThatThrownBy(() -> provider.validate(cluster("ej", Map.of(GcpOptions.ENGINE_BUCKET, "Bad.Bucket"))))
                .hasMessageContaining("invalid gcp.engine-bucket 'Bad.Bucket'");
        assertThat(GCE.calls()).isEmpty();
    }

    @Test
    void gcRemovesAnIdleTornDownClustersEngineGrantButNeverTheBucket() {
        ClusterContext c = cluster("ek", Map.of());
        provider.bootstrap(c);
        Node scheduler = provider.launch(c, schedulerLaunch(c)).get(0);
        // Idle teardown from the scheduler, then the scheduler's instance deletes itself.
        provider.teardownFromScheduler(c);
        provider.terminate(c, List.of(scheduler));
        assertThat(engineGrant(c.id())).isNotNull();

        Map<String, String> settings = Map.of(
                GcpOptions.PROJECT, PROJECT, GcpOptions.ENDPOINT, GCE.endpoint(), GcpOptions.OPERATION_TIMEOUT, "30");
        GcReport dry = provider.gc(settings, true, Duration.ZERO);
        assertThat(dry.items()).anySatisfy(i -> {
            assertThat(i.kind()).isEqualTo("engine-grant");
            assertThat(i.clusterId()).isEqualTo(c.id());
        });
        assertThat(engineGrant(c.id())).isNotNull();

        provider.gc(settings, false, Duration.ZERO);

        assertThat(engineGrant(c.id())).isNull();
        assertThat(bucketOf(BUCKET)).isNotNull();
        assertThat(objectCount()).isEqualTo(1);
        assertThat(GCE.calls().stream()
                        .filter(call ->
                                call.method().equals("DELETE") && call.path().contains("/storage/")))
                .isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    private GcpProvider provider() {
        return new GcpProvider(
                GcpClients.withoutCredentials(), CallerAddress.fixed(GcpOptions.ALLOW_FROM, "203.0.113.7/32"), c -> {
                    bundlesAsked.add(bundle);
                    return bundle;
                });
    }

    private EngineBundle bundle(String name, int size) throws Exception {
        byte[] bytes = new byte[size];
        new Random(name.hashCode()).nextBytes(bytes);
        Path file = write(name + ".tar.gz", bytes);
        return new EngineBundle(
                file,
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    }

    private Path write(String name, byte[] bytes) {
        try {
            return Files.write(dir.resolve(name), bytes);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static HttpResponse<byte[]> fetch(String url, String token) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        return http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static List<FakeComputeEngine.Call> uploads() {
        return GCE.calls("POST", "/upload/storage/v1/b/.*/o");
    }

    private static JsonNode bucketOf(String name) {
        return GCE.<JsonNode>storage(s -> s.bucket(name));
    }

    private static JsonNode policyOf(String bucket) {
        return GCE.<JsonNode>storage(s -> s.policy(bucket));
    }

    private static byte[] contentOf(String bucket, String object) {
        return GCE.<byte[]>storage(s -> s.content(bucket, object));
    }

    private static int objectCount() {
        return GCE.<Integer>storage(FakeCloudStorage::objectCount);
    }

    private static JsonNode engineGrant(String clusterId) {
        JsonNode policy = policyOf(BUCKET);
        for (JsonNode b : policy.path("bindings")) {
            if (b.path("condition").path("title").asText("").equals("jcloud-" + clusterId + "-engine")) {
                return b;
            }
        }
        return null;
    }

    private List<Instance> instances(ClusterContext c) {
        List<Instance> out = new ArrayList<>();
        gcp.instances()
                .aggregatedList(AggregatedListInstancesRequest.newBuilder()
                        .setProject(PROJECT)
                        .setFilter(Labels.clusterFilter(c))
                        .build())
                .iterateAll()
                .forEach(e -> out.addAll(e.getValue().getInstancesList()));
        return out;
    }

    private static String metadata(Instance i, String key) {
        return i.getMetadata().getItemsList().stream()
                .filter(it -> it.getKey().equals(key))
                .map(Items::getValue)
                .findFirst()
                .orElse(null);
    }

    private ClusterContext cluster(String name, Map<String, String> extra) {
        Map<String, String> o = new HashMap<>();
        o.put(GcpOptions.PROJECT, PROJECT);
        o.put(GcpOptions.ENDPOINT, GCE.endpoint());
        o.put(GcpOptions.OPERATION_TIMEOUT, "30");
        o.putAll(extra);
        return new ClusterContext(name, ClusterNames.newId(), dir.resolve(name), o);
    }

    private static LaunchRequest schedulerLaunch(ClusterContext c) {
        return new LaunchRequest(
                NodeRole.SCHEDULER,
                List.of(new LaunchRequest.NodeLaunch(
                        ClusterNames.scheduler(c.name()),
                        EngineCommand.scheduler().with("--idle-timeout", "10m"))));
    }

    private static LaunchRequest workerLaunch(ClusterContext c, int first, int count) {
        return new LaunchRequest(
                NodeRole.WORKER,
                IntStream.range(first, first + count)
                        .mapToObj(i -> {
                            String name = ClusterNames.worker(c.name(), i);
                            return new LaunchRequest.NodeLaunch(
                                    name,
                                    EngineCommand.worker("pending:8786")
                                            .with("--name", name)
                                            .with("--nthreads", "2"));
                        })
                        .toList());
    }
}
