package dev.jcloud.providers.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.provisioner.boot.EngineBundle;
import dev.jcloud.terraform.BootScriptRun;
import dev.jcloud.terraform.BootScripts;
import dev.jcloud.terraform.HclBlocks;
import dev.jcloud.terraform.StandInEngine;
import dev.jcloud.terraform.TerraformExporter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported GCP module's boot scripts, run with bash as a machine would, against a local
 * metadata server and {@link FakeComputeEngine}'s Secret Manager holding the join token under the
 * id {@code main.tf} gives it: the real {@code SecretFiles} from the engine bundle finds the
 * project and the token through the metadata server, and a stand-in engine ({@link StandInEngine})
 * reports what it got. Needs bash and curl.
 */
class GcpJoinTokenBootTest {

    @RegisterExtension
    static final FakeComputeEngine GCE = new FakeComputeEngine();

    private static final String MACHINE_TOKEN = "ya29.machine-" + System.nanoTime();

    /** The stand-in engine bundle, packed once for both tests (it holds this test's whole class path). */
    @TempDir
    static Path shared;

    private static EngineBundle bundle;

    @TempDir
    Path dir;

    private HttpServer metadata;
    private final Map<String, String> values = new ConcurrentHashMap<>();
    private final List<String> asked = new CopyOnWriteArrayList<>();
    /** Until this System.nanoTime() the metadata server has no identity for the machine; 0: not asked yet. */
    private volatile long identityFrom;

    @BeforeEach
    void setUp() throws IOException {
        // Answers like GCE's: only requests with Metadata-Flavor: Google, and says it is Google's
        // (how Google's auth library recognises a metadata server at GCE_METADATA_HOST).
        metadata = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        metadata.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            asked.add(path);
            String key = path.startsWith("/computeMetadata/v1/") ? path.substring("/computeMetadata/v1/".length()) : "";
            String value = path.equals("/") ? "computeMetadata/\n" : values.get(key);
            if (key.startsWith("instance/service-accounts/") && identityFrom == 0) {
                identityFrom = System.nanoTime() + Duration.ofMillis(500).toNanos(); // from the first ask on
            }
            if (key.startsWith("instance/service-accounts/") && System.nanoTime() < identityFrom) {
                value = null; // a machine seconds old: its service account is not on the metadata server yet
            }
            int status = !"Google".equals(ex.getRequestHeaders().getFirst("Metadata-Flavor"))
                    ? 403
                    : value == null ? 404 : 200;
            byte[] body = (status == 200 ? value : "no").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Metadata-Flavor", "Google");
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        metadata.start();
        values.put("project/project-id", FakeComputeEngine.PROJECT);
        values.put("universe/universe-domain", "googleapis.com");
        values.put(
                "instance/service-accounts/default/token",
                "{\"access_token\":\"" + MACHINE_TOKEN + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}");
    }

    @BeforeAll
    static void packStandInEngine() throws Exception {
        bundle = StandInEngine.bundle(shared);
    }

    @AfterEach
    void tearDown() {
        metadata.stop(0);
    }

    @Test
    void exportedBootScriptsHandTheEngineTheJoinTokenFromSecretManagerInA0600File() throws Exception {
        GcpSpec spec = GcpSpec.of("eta", 1, EngineArtifact.of(bundle.file().toUri(), bundle.sha256()));
        Path module = dir.resolve("module");
        new TerraformExporter().export(spec, module);
        String joinToken = "jt-"
                + HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256")
                                .digest(Long.toString(System.nanoTime()).getBytes(StandardCharsets.UTF_8)));
        // As a new machine meets them: no identity on the metadata server for a moment, a grant
        // that takes effect a while after the secret was made, and a throttled Secret Manager.
        identityFrom = 0;
        GCE.grantPropagation(Duration.ofMillis(500));
        GCE.throttle(".*/secrets/.*:access", 1, 1);
        // The token where main.tf puts it: the secret id as Terraform will compute it.
        addSecret(secretIdOfMainTf(module, spec.cluster().clusterId()), joinToken);
        String expectedHash = HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(joinToken.getBytes(StandardCharsets.UTF_8)));

        for (String role : List.of("scheduler", "worker")) {
            // What main.tf's replace() does to the worker's script.
            String script = Files.readString(module.resolve("boot/" + role + ".sh"))
                    .replace(BootScripts.SCHEDULER_ADDRESS, "10.128.0.2:8786")
                    .replace(BootScripts.NTHREADS, "2")
                    .replace(BootScripts.MEMORY_LIMIT, "3GiB");
            assertThat(script).doesNotContain(joinToken);
            Path home = dir.resolve(role + "-home");

            BootScriptRun.Result r = runBootScript(BootScriptRun.write(dir, role, script), home);

            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out())
                    .as(r.err())
                    .contains("fake engine: " + role + " ")
                    .contains("fake engine: token file " + home.resolve("secrets/join-token") + " rw------- sha256="
                            + expectedHash);
            assertThat(r.err()).contains("from secret jcloud-" + spec.cluster().clusterId() + "-join-token");
            assertThat(r.out() + r.err()).doesNotContain(joinToken).doesNotContain(MACHINE_TOKEN);
            assertThat(Files.readString(home.resolve("secrets/join-token"))).isEqualTo(joinToken);
        }
        // The project came from the metadata server, and Secret Manager was asked with the machine's token.
        assertThat(asked).contains("/computeMetadata/v1/project/project-id");
        // The first boot's reads were throttled, then refused until the grant took effect, then read.
        assertThat(asked.stream().filter(p -> p.endsWith("/service-accounts/default/token")))
                .hasSizeGreaterThan(1);
        assertThat(GCE.calls(
                        "GET",
                        "/v1/projects/" + FakeComputeEngine.PROJECT + "/secrets/jcloud-"
                                + spec.cluster().clusterId() + "-join-token/versions/latest:access"))
                .hasSizeGreaterThan(2)
                .allSatisfy(c -> assertThat(c.authorization()).isEqualTo("Bearer " + MACHINE_TOKEN));
    }

    @Test
    void withoutTheSecretTheBootStopsBeforeTheEngine() throws Exception {
        Path module = dir.resolve("module");
        new TerraformExporter()
                .export(GcpSpec.of("theta", 1, EngineArtifact.of(bundle.file().toUri(), bundle.sha256())), module);

        BootScriptRun.Result r = runBootScript(module.resolve("boot/scheduler.sh"), dir.resolve("home"));

        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("cannot fetch the cluster's join token");
        assertThat(r.out()).doesNotContain("fake engine:");
    }

    /** The {@code secret_id} of main.tf's join-token secret, with {@code ${var.cluster_id}} substituted. */
    private static String secretIdOfMainTf(Path module, String clusterId) throws IOException {
        String secret = HclBlocks.of(Files.readString(module.resolve("main.tf")))
                .get("resource google_secret_manager_secret.join_token");
        Matcher m = Pattern.compile("secret_id = \"([^\"]+)\"").matcher(secret);
        assertThat(m.find()).as(secret).isTrue();
        return m.group(1).replace("${var.cluster_id}", clusterId);
    }

    private static void addSecret(String id, String value) throws Exception {
        String project = "/v1/projects/" + FakeComputeEngine.PROJECT + "/secrets";
        post(project + "?secretId=" + id, "{\"replication\":{\"automatic\":{}}}");
        post(
                project + "/" + id + ":addVersion",
                "{\"payload\":{\"data\":\"" + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))
                        + "\"}}");
    }

    private static void post(String path, String json) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(GCE.endpoint() + path))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(json))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    /** Runs a boot script as root would on the machine, with Google's endpoints pointed at the fakes. */
    private BootScriptRun.Result runBootScript(Path script, Path home) throws Exception {
        Path noGcloud = Files.createDirectories(dir.resolve("no-gcloud"));
        return BootScriptRun.run(
                script,
                home,
                dir,
                env -> {
                    // Only the metadata server's identity: no key file, gcloud login or other source of credentials.
                    env.keySet()
                            .removeIf(k -> k.startsWith("GOOGLE_")
                                    || k.startsWith("CLOUDSDK_")
                                    || k.equals("NO_GCE_CHECK")
                                    || k.startsWith("DEVSHELL_")
                                    || k.startsWith("JCLOUD_"));
                    env.put("CLOUDSDK_CONFIG", noGcloud.toString());
                    env.put(
                            "GCE_METADATA_HOST",
                            "127.0.0.1:" + metadata.getAddress().getPort());
                    env.put("JCLOUD_SECRET_MANAGER_API", GCE.endpoint());
                },
                "bash",
                "curl");
    }
}
