package dev.jcloud.providers.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.boot.EngineBundle;
import dev.jcloud.provisioner.net.CallerAddress;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ecr.model.Repository;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;

/**
 * Fargate without {@code fargate.image}: {@code up} builds the engine image with Jib from this
 * JVM's class path and pushes it once per engine version. ECR's API (repository, tags,
 * authorization token, image lookup) is moto's; the push goes to a real registry on loopback
 * (Debian's {@code docker-registry}) through {@code fargate.registry-endpoint}, because the
 * registry moto names does not exist. Moto does not see what the registry holds, so where ECR
 * would list the pushed image the test registers the registry's manifest in moto with PutImage.
 *
 * <p>The base image is seeded in the loopback registry by the test (Jib, from scratch, one small
 * layer): no base image can be pulled from the internet here. What the engine's layers hold is
 * checked file by file against the bundle; running the image needs a container runtime and a JRE
 * base and is not done here.
 */
class FargateEngineImageIT {

    @RegisterExtension
    static final MotoServer MOTO = new MotoServer();

    private static final String CALLER = "203.0.113.7/32";
    private static final String REGION = "us-east-1";
    private static final String ACCOUNT = "123456789012";
    private static final RecordedCalls CALLS = new RecordedCalls();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private static EngineBundle bundle;

    private AwsClients aws;
    private FargateProvider provider;

    /** Packed once: this JVM's class path does not change between the tests. */
    @BeforeAll
    static void packTheEngine(@TempDir Path engine) {
        long start = System.nanoTime();
        bundle = EngineBundle.of(classPathOfThisJvm(), engine);
        System.out.printf(
                "engine bundle of this JVM's class path: %d MiB in %d ms%n",
                bundle.file().toFile().length() >> 20, (System.nanoTime() - start) / 1_000_000);
    }

    /** The ECR calls of a build and push are allowed by 'jcloud iam-policy --provider fargate'. */
    @AfterAll
    static void theUserPolicyAllowsEveryCallTheProviderMade() {
        assertThat(CALLS.actions()).contains("ecr:CreateRepository", "ecr:DescribeImages", "ecr:GetAuthorizationToken");
        assertThat(CALLS.notAllowedBy(UserPolicies.fargate())).isEmpty();
    }

    @BeforeEach
    void setUp() {
        aws = MOTO.clients().create(REGION);
        long start = System.nanoTime();
        bundle = EngineBundle.of(classPathOfThisJvm(), dir.resolve("engine"));
        System.out.printf(
                "engine bundle of this JVM's class path: %d MiB in %d ms%n",
                bundle.file().toFile().length() >> 20, (System.nanoTime() - start) / 1_000_000);
        provider = new FargateProvider(
                AwsClients.factory(MOTO.credentials(), Optional.of(MOTO.endpoint()), List.of(CALLS)),
                CallerAddress.fixed(AwsOptions.ALLOW_FROM, CALLER),
                host -> false,
                c -> bundle);
    }

    @AfterEach
    void tearDown() {
        aws.close();
    }

    @Test
    void upBuildsTheEngineImagePushesItOncePerVersionAndTheTasksRunIt() throws Exception {
        try (RegistryServer registry = RegistryServer.start(Files.createDirectories(dir.resolve("registry")))) {
            String base = seedBaseImage(registry);
            Map<String, String> options = Map.of(
                    FargateOptions.BASE_IMAGE,
                    base,
                    FargateOptions.REGISTRY_ENDPOINT,
                    registry.endpoint().toString());
            ClusterContext first = cluster("img-a", options);

            long start = System.nanoTime();
            provider.bootstrap(first);
            long bootstrapMillis = (System.nanoTime() - start) / 1_000_000;

            String expected = ACCOUNT + ".dkr.ecr." + REGION + ".amazonaws.com/" + EngineImages.REPOSITORY + ":"
                    + bundle.sha256();
            assertThat(containerImage(first)).isEqualTo(expected);
            Repository repository = aws.ecr()
                    .describeRepositories(r -> r.repositoryNames(EngineImages.REPOSITORY))
                    .repositories()
                    .get(0);
            assertThat(aws.ecr()
                            .listTagsForResource(r -> r.resourceArn(repository.repositoryArn()))
                            .tags())
                    .anySatisfy(t ->
                            assertThat(t.key() + "=" + t.value()).isEqualTo(EngineUploads.SHARED_TAG + "=engine-cache"))
                    .anySatisfy(t -> assertThat(t.key()).isEqualTo(Tags.VERSION));
            // The execution role may pull from that repository (and ECS logs in with the token).
            String execution = java.net.URLDecoder.decode(
                    aws.iam()
                            .getRolePolicy(r -> r.roleName(FargateNames.executionRole(first))
                                    .policyName(TaskRoles.EXECUTION_POLICY))
                            .policyDocument(),
                    StandardCharsets.UTF_8);
            assertThat(execution)
                    .contains("arn:aws:ecr:" + REGION + ":" + ACCOUNT + ":repository/" + EngineImages.REPOSITORY)
                    .contains("ecr:GetAuthorizationToken");

            // What the registry holds: the base's layer first, then the bundle's JARs and the class path file.
            JsonNode manifest = manifest(registry, bundle.sha256());
            JsonNode baseManifest = manifest(registry, "base", "test");
            List<String> layers = new ArrayList<>();
            long compressed = 0;
            for (JsonNode l : manifest.get("layers")) {
                layers.add(l.get("digest").asText());
                compressed += l.get("size").asLong();
            }
            assertThat(layers).hasSize(4);
            assertThat(layers.get(0))
                    .isEqualTo(baseManifest.get("layers").get(0).get("digest").asText());
            Map<String, byte[]> files = new LinkedHashMap<>();
            for (String layer : layers.subList(1, layers.size())) {
                files.putAll(untar(blob(registry, layer)));
            }
            Map<String, String> bundled = bundledJars(bundle);
            String classPath = new String(files.get(EngineImage.CLASS_PATH_FILE), StandardCharsets.UTF_8);
            assertThat(List.of(classPath.split(":")))
                    .containsExactlyElementsOf(bundled.keySet().stream()
                            .map(n -> EngineImage.LIBS + n)
                            .toList());
            for (Map.Entry<String, String> jar : bundled.entrySet()) {
                assertThat(sha256(files.get(EngineImage.LIBS + jar.getKey())))
                        .as(jar.getKey())
                        .isEqualTo(jar.getValue());
            }
            JsonNode config =
                    JSON.readTree(blob(registry, manifest.at("/config/digest").asText()));
            assertThat(config.at("/config/Entrypoint").toString())
                    .contains("@" + EngineImage.CLASS_PATH_FILE, "dev.jcloud.engine.process.EngineMain");
            assertThat(config.at("/config/Labels/jcloud.engine-sha256").asText())
                    .isEqualTo(bundle.sha256());
            assertThat(config.get("created").asText()).startsWith("1970-01-01T00:00:00");
            System.out.printf(
                    "engine image: %d layers, %d MiB compressed (%d MiB of JARs); bootstrap with build and push: %d ms%n",
                    layers.size(), compressed >> 20, bundled.size() > 0 ? jarBytes(files) >> 20 : 0, bootstrapMillis);

            // ECR lists the pushed image (moto learns of it as ECR would on a push); the next up pushes nothing:
            // with the registry gone, a push would fail.
            aws.ecr()
                    .putImage(r -> r.repositoryName(EngineImages.REPOSITORY)
                            .imageTag(bundle.sha256())
                            .imageManifest(manifest.toString()));
            registry.close();
            ClusterContext second = cluster("img-b", options);
            provider.bootstrap(second);
            assertThat(containerImage(second)).isEqualTo(expected);

            provider.deleteSharedResources(first);
            provider.deleteSharedResources(second);
            // The repository is the account's engine cache: down leaves it, as it leaves the engine bucket.
            assertThat(aws.ecr()
                            .describeRepositories(r -> r.repositoryNames(EngineImages.REPOSITORY))
                            .repositories())
                    .hasSize(1);
        }
    }

    @Test
    void aBaseImageThatCannotBePulledFailsUpNamingTheSettingAndLeavesNothingOfTheCluster() throws Exception {
        try (RegistryServer registry = RegistryServer.start(Files.createDirectories(dir.resolve("registry")))) {
            ClusterContext c = cluster(
                    "img-c",
                    Map.of(
                            FargateOptions.BASE_IMAGE,
                            registry.host() + "/no-such-base:1",
                            FargateOptions.REGISTRY_ENDPOINT,
                            registry.endpoint().toString()));

            assertThatThrownBy(() -> provider.bootstrap(c))
                    .isInstanceOf(ProvisionException.class)
                    .hasMessageContaining("could not build the engine image on " + registry.host() + "/no-such-base:1")
                    .hasMessageContaining(FargateOptions.BASE_IMAGE);
            assertThat(aws.ec2()
                            .describeSecurityGroups(r -> r.filters(Tags.clusterFilter(c)))
                            .securityGroups())
                    .isEmpty();
            assertThat(aws.ecs().listClusters().clusterArns()).isEmpty();
        }
    }

    /** A small base image in the loopback registry (nothing can be pulled from the internet here). */
    private String seedBaseImage(RegistryServer registry) throws Exception {
        Path marker = Files.writeString(dir.resolve("jcloud-test-base"), "a base image seeded by the test\n");
        String base = registry.host() + "/base:test";
        Jib.fromScratch()
                .addLayer(List.of(marker), AbsoluteUnixPath.get("/etc"))
                .containerize(Containerizer.to(RegistryImage.named(base))
                        .setAllowInsecureRegistries(true)
                        .setBaseImageLayersCache(dir.resolve("seed-cache/base"))
                        .setApplicationLayersCache(dir.resolve("seed-cache/app")));
        return base;
    }

    private String containerImage(ClusterContext c) {
        for (String family : List.of(
                FargateNames.family(c, dev.jcloud.provisioner.NodeRole.SCHEDULER),
                FargateNames.family(c, dev.jcloud.provisioner.NodeRole.WORKER))) {
            ContainerDefinition d = aws.ecs()
                    .describeTaskDefinition(r -> r.taskDefinition(family))
                    .taskDefinition()
                    .containerDefinitions()
                    .get(0);
            assertThat(d.entryPoint()).isEqualTo(TaskDefinitions.ENTRY_POINT);
            if (family.endsWith("worker")) {
                return d.image();
            }
        }
        throw new AssertionError("no worker definition");
    }

    private static JsonNode manifest(RegistryServer registry, String tag) throws Exception {
        return manifest(registry, EngineImages.REPOSITORY, tag);
    }

    private static JsonNode manifest(RegistryServer registry, String repository, String tag) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(registry.endpoint().resolve("/v2/" + repository + "/manifests/" + tag))
                        .header("Accept", "application/vnd.docker.distribution.manifest.v2+json")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode())
                .as("manifest %s:%s: %s", repository, tag, r.body())
                .isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static byte[] blob(RegistryServer registry, String digest) throws Exception {
        HttpResponse<byte[]> r = HTTP.send(
                HttpRequest.newBuilder(
                                registry.endpoint().resolve("/v2/" + EngineImages.REPOSITORY + "/blobs/" + digest))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() == 307 || r.statusCode() == 302) {
            r = HTTP.send(
                    HttpRequest.newBuilder(URI.create(
                                    r.headers().firstValue("Location").orElseThrow()))
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        }
        assertThat(r.statusCode()).as("blob " + digest).isEqualTo(200);
        return r.body();
    }

    private static Map<String, byte[]> untar(byte[] gzipped) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped));
                TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (e.isFile()) {
                    String name = e.getName().startsWith("/") ? e.getName() : "/" + e.getName();
                    out.put(name, tar.readAllBytes());
                }
            }
        }
        return out;
    }

    /** The bundle's JARs by name (in class-path order), with their SHA-256. */
    private static Map<String, String> bundledJars(EngineBundle bundle) throws Exception {
        Map<String, String> out = new java.util.TreeMap<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(bundle.file()));
                TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (e.isFile() && e.getName().startsWith("lib/")) {
                    out.put(e.getName().substring(4), sha256(tar.readAllBytes()));
                }
            }
        }
        return out;
    }

    private static long jarBytes(Map<String, byte[]> files) {
        return files.entrySet().stream()
                .filter(e -> e.getKey().endsWith(".jar"))
                .mapToLong(e -> e.getValue().length)
                .sum();
    }

    private static String sha256(byte[] bytes) throws Exception {
        assertThat(bytes).isNotNull();
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /**
     * This JVM's class path. Failsafe starts the JVM with a manifest-only JAR whose Class-Path names
     * the real entries; those are what {@code up} from a normal launch would pack.
     */
    private static List<Path> classPathOfThisJvm() {
        List<Path> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(e);
            if (p.getFileName().toString().startsWith("surefirebooter")) {
                try (JarFile jar = new JarFile(p.toFile())) {
                    for (String u : jar.getManifest()
                            .getMainAttributes()
                            .getValue("Class-Path")
                            .split(" ")) {
                        if (!u.isBlank()) {
                            out.add(Path.of(URI.create(u)));
                        }
                    }
                } catch (IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            } else {
                out.add(p);
            }
        }
        return out.stream().filter(Files::exists).toList();
    }

    private ClusterContext cluster(String name, Map<String, String> extra) {
        Map<String, String> o = new HashMap<>();
        o.put(AwsOptions.REGION, REGION);
        o.put(AwsOptions.TERMINATE_TIMEOUT, "30");
        o.putAll(extra);
        return new ClusterContext(name, ClusterNames.newId(), dir.resolve(name), o);
    }
}
