package dev.jcloud.providers.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.api.gax.rpc.NotFoundException;
import com.google.cloud.compute.v1.AccessConfig;
import com.google.cloud.compute.v1.AttachedDisk;
import com.google.cloud.compute.v1.AttachedDiskInitializeParams;
import com.google.cloud.compute.v1.InsertInstanceRequest;
import com.google.cloud.compute.v1.Instance;
import com.google.cloud.compute.v1.NetworkInterface;
import com.sun.net.httpserver.HttpServer;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.EngineCommand;
import dev.jcloud.provisioner.boot.BootScript;
import dev.jcloud.provisioner.boot.BootStep;
import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.provisioner.boot.EngineBundle;
import dev.jcloud.provisioner.boot.Shellcheck;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GCE launcher and launch-index function run with bash against a local metadata server and
 * {@link FakeComputeEngine}: the machine finds its name, and deletes its own instance through the
 * API with the token from the metadata server once its boot script ends, and downloads the engine
 * from the private engine bucket with that token. Needs bash and curl.
 */
class BootMetadataTest {

    @RegisterExtension
    static final FakeComputeEngine GCE = new FakeComputeEngine();

    private static final String TOKEN = "fake-token-for-tests";

    @TempDir
    Path dir;

    private HttpServer metadata;
    private final Map<String, String> values = new ConcurrentHashMap<>();
    private GcpClients gcp;

    @BeforeEach
    void setUp() throws IOException {
        metadata = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        metadata.createContext("/computeMetadata/v1/", ex -> {
            String key = ex.getRequestURI().getPath().substring("/computeMetadata/v1/".length());
            String value = values.get(key);
            int status = !"Google".equals(ex.getRequestHeaders().getFirst("Metadata-Flavor"))
                    ? 403
                    : value == null ? 404 : 200;
            byte[] body = (status == 200 ? value : "no").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        metadata.start();
        values.put("instance/zone", "projects/123456789/zones/us-central1-a");
        values.put("project/project-id", FakeComputeEngine.PROJECT);
        values.put(
                "instance/service-accounts/default/token",
                "{\"access_token\":\"" + TOKEN + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}");
        gcp = GcpClients.withoutCredentials().create(Optional.of(GCE.uri()));
    }

    @AfterEach
    void tearDown() {
        metadata.stop(0);
        gcp.close();
    }

    @Test
    void scriptsAreValidBash() throws Exception {
        assertThat(run(
                                List.of(
                                        "bash",
                                        "-n",
                                        write("startup", BootMetadata.STARTUP_SCRIPT)
                                                .toString()),
                                Map.of())
                        .exit)
                .isZero();
        String worker = BootScript.builder(
                        EngineCommand.worker("10.128.0.2:8786").with("--name", "c1-worker-0"),
                        EngineArtifact.of(URI.create("https://e.example/e.jar"), "0".repeat(64)))
                .nodeNames(
                        "--name",
                        List.of("c1-worker-0", "c1-worker-1"),
                        BootStep.shell(BootMetadata.launchIndexShell(List.of("c1-worker-0-ab12", "c1-worker-1-ab12"))))
                .engineDownloadHeader(EngineUploads.DOWNLOAD_HEADER)
                .watcher(GcpProvider.PREEMPTION_WATCHER)
                .build()
                .render();
        assertThat(run(List.of("bash", "-n", write("worker", worker).toString()), Map.of()).exit)
                .isZero();
        Shellcheck.assertClean("a GCE worker's boot script", worker);
    }

    @Test
    void aMachineFindsItsLaunchIndexByItsInstanceName() throws Exception {
        String shell = BootMetadata.launchIndexShell(List.of("c1-worker-0-ab12", "c1-worker-1-ab12", "it's-quoted"));
        Path script = write("index", "f() {\n" + shell + "}\nf\n");
        values.put("instance/name", "c1-worker-1-ab12");
        assertThat(run(List.of("bash", script.toString()), env()).out.strip()).isEqualTo("1");
        values.put("instance/name", "someone-else");
        assertThat(run(List.of("bash", script.toString()), env()).out.strip())
                .isEqualTo("unknown instance someone-else");
    }

    @Test
    void whenTheEngineStopsTheMachineDeletesItsOwnInstanceThroughTheApi() throws Exception {
        createInstance("c1-worker-0-ab12");
        values.put("instance/name", "c1-worker-0-ab12");
        values.put("instance/attributes/" + BootMetadata.BOOT_SCRIPT_KEY, "#!/bin/bash\necho 'engine ran'\n");

        Result r = run(
                List.of("bash", write("startup", BootMetadata.STARTUP_SCRIPT).toString()), env());

        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out).contains("engine ran");
        assertThat(r.err).contains("the engine has stopped (status 0); deleting this instance");
        assertGone("c1-worker-0-ab12");
        assertThat(GCE.calls("DELETE", ".*/zones/us-central1-a/instances/c1-worker-0-ab12"))
                .singleElement()
                .satisfies(c -> assertThat(c.authorization()).isEqualTo("Bearer " + TOKEN));
    }

    @Test
    void aFailedBootKeepsTheInstanceForItsGracePeriodThenDeletesIt() throws Exception {
        createInstance("c1-scheduler-ab12");
        values.put("instance/name", "c1-scheduler-ab12");
        values.put("instance/attributes/" + BootMetadata.BOOT_SCRIPT_KEY, "#!/bin/bash\nexit 3\n");

        Result r = run(
                List.of("bash", write("startup", BootMetadata.STARTUP_SCRIPT).toString()),
                Map.of("JCLOUD_FAILURE_GRACE", "5")); // long enough that a loaded machine still reaches the wait

        assertThat(r.err).contains("failed with status 3; this instance deletes itself in");
        assertGone("c1-scheduler-ab12");
    }

    @Test
    void theRenderedBootScriptRunsTheEngineAndTheLauncherDeletesTheInstanceInsteadOfPoweringOff() throws Exception {
        // A stand-in engine: EngineMain that prints its arguments and exits, as a worker does at its death timeout.
        Path jar = engineJar();
        String sha = java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(jar)));
        String boot = BootScript.builder(
                        EngineCommand.worker("10.128.0.2:8786").with("--name", "c1-worker-0"),
                        EngineArtifact.of(jar.toUri(), sha))
                .env("JCLOUD_NODE", "c1-worker-0")
                .build()
                .render();
        createInstance("c1-worker-0-ab12");
        values.put("instance/name", "c1-worker-0-ab12");
        values.put("instance/attributes/" + BootMetadata.BOOT_SCRIPT_KEY, boot);

        Result r = run(
                List.of("bash", write("startup", BootMetadata.STARTUP_SCRIPT).toString()),
                Map.of(
                        "JCLOUD_HOME",
                        dir.resolve("home").toString(),
                        "JCLOUD_POWEROFF",
                        "echo jcloud-test-poweroff",
                        "PATH",
                        Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH")));

        assertThat(r.out).as(r.err).contains("fake engine: worker 10.128.0.2:8786 --name c1-worker-0");
        assertThat(r.err)
                .contains("the engine exited; powering the machine off")
                .contains("the engine has stopped (status 0); deleting this instance");
        assertThat(r.out + r.err).doesNotContain("jcloud-test-poweroff"); // deleted, not stopped
        assertGone("c1-worker-0-ab12");
    }

    @Test
    void theBootScriptDownloadsTheUploadedEngineFromThePrivateBucketWithTheMachinesToken() throws Exception {
        // The real bundle of a stand-in engine, uploaded and granted as 'up' does, read as the cluster's account.
        EngineBundle bundle = EngineBundle.of(List.of(engineJar()), dir.resolve("bundles"));
        ClusterContext cluster = new ClusterContext(
                "bootc",
                ClusterNames.newId(),
                dir.resolve("bootc"),
                Map.of(GcpOptions.PROJECT, FakeComputeEngine.PROJECT, GcpOptions.ENDPOINT, GCE.endpoint()));
        EngineUploads uploads = new EngineUploads(gcp.storage(), GcpOptions.of(cluster));
        uploads.ensureBucket();
        String account = GceNames.serviceAccountEmail(cluster, FakeComputeEngine.PROJECT);
        GCE.addServiceAccount(account); // as bootstrap makes it: IAM refuses a policy naming an unknown account
        uploads.grantRead(cluster, account, 0, java.time.Instant.now().plusSeconds(30));
        EngineArtifact artifact = uploads.publish(bundle);
        String token = GCE.<String>storage(s -> s.issueToken("serviceAccount:" + account));
        values.put(
                "instance/service-accounts/default/token",
                "{\"access_token\":\"" + token + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}");
        String boot = BootScript.builder(
                        EngineCommand.worker("10.128.0.2:8786").with("--name", "bootc-worker-0"), artifact)
                .env("JCLOUD_NODE", "bootc-worker-0")
                .engineDownloadHeader(EngineUploads.DOWNLOAD_HEADER)
                .build()
                .render();
        assertThat(boot).doesNotContain(token);
        createInstance("bootc-worker-0-ab12");
        values.put("instance/name", "bootc-worker-0-ab12");
        values.put("instance/attributes/" + BootMetadata.BOOT_SCRIPT_KEY, boot);

        Result r = run(
                List.of("bash", write("startup", BootMetadata.STARTUP_SCRIPT).toString()),
                Map.of(
                        "JCLOUD_HOME",
                        dir.resolve("home").toString(),
                        "JCLOUD_POWEROFF",
                        "echo jcloud-test-poweroff",
                        "PATH",
                        Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH")));

        // The engine ran, so the bytes arrived with the SHA-256 the boot script checks.
        assertThat(r.out).as(r.err).contains("fake engine: worker 10.128.0.2:8786 --name bootc-worker-0");
        List<FakeComputeEngine.Call> reads =
                GCE.calls("GET", "/storage/v1/b/" + uploads.bucket() + "/o/engine/" + bundle.sha256() + "\\.tar\\.gz");
        // The machine's reads (the wait for the grant, then the download) carry its token; the provider's have none.
        assertThat(reads.stream().filter(c -> c.authorization() != null))
                .isNotEmpty()
                .allSatisfy(c -> assertThat(c.authorization()).isEqualTo("Bearer " + token));
        assertThat(reads.stream().filter(c -> "alt=media".equals(c.query())))
                .singleElement()
                .satisfies(c -> assertThat(c.authorization()).isEqualTo("Bearer " + token));
        assertGone("bootc-worker-0-ab12");
    }

    @Test
    void whenTheDeleteIsRefusedTheMachinePowersOffAfterAll() throws Exception {
        values.put("instance/name", "not-in-the-api");
        values.put("instance/attributes/" + BootMetadata.BOOT_SCRIPT_KEY, "#!/bin/bash\ntrue\n");

        Result r = run(
                List.of("bash", write("startup", BootMetadata.STARTUP_SCRIPT).toString()),
                Map.of("JCLOUD_POWEROFF", "echo"));

        assertThat(r.err).contains("could not delete this instance; powering it off");
        assertThat(r.out.strip()).isEqualTo("-h now");
    }

    /** A JAR with a class named like the engine's entry point, compiled here. */
    private Path engineJar() throws IOException {
        Path src = dir.resolve("src/dev/jcloud/engine/process/EngineMain.java");
        Files.createDirectories(src.getParent());
        Files.writeString(
                src,
                "package dev.jcloud.engine.process;\npublic class EngineMain {\n"
                        + "  public static void main(String[] a) { System.out.println(\"fake engine: \" + String.join(\" \", a)); }\n}\n");
        Path classes = Files.createDirectories(dir.resolve("classes"));
        javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("a JDK (not a JRE) runs the tests").isNotNull();
        assertThat(javac.run(null, null, null, "--release", "17", "-d", classes.toString(), src.toString()))
                .isZero();
        Path jar = dir.resolve("engine.jar");
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new java.util.jar.JarEntry("dev/jcloud/engine/process/EngineMain.class"));
            out.write(Files.readAllBytes(classes.resolve("dev/jcloud/engine/process/EngineMain.class")));
            out.closeEntry();
        }
        return jar;
    }

    private void createInstance(String name) {
        gcp.instances()
                .insertCallable()
                .call(InsertInstanceRequest.newBuilder()
                        .setProject(FakeComputeEngine.PROJECT)
                        .setZone("us-central1-a")
                        .setInstanceResource(Instance.newBuilder()
                                .setName(name)
                                .setMachineType("zones/us-central1-a/machineTypes/e2-standard-2")
                                .addDisks(AttachedDisk.newBuilder()
                                        .setBoot(true)
                                        .setAutoDelete(true)
                                        .setInitializeParams(AttachedDiskInitializeParams.newBuilder()
                                                .setSourceImage(GcpOptions.DEFAULT_IMAGE)))
                                .addNetworkInterfaces(NetworkInterface.newBuilder()
                                        .setNetwork("global/networks/default")
                                        .addAccessConfigs(
                                                AccessConfig.newBuilder().setType("ONE_TO_ONE_NAT"))))
                        .build());
        assertThat(gcp.instances()
                        .get(FakeComputeEngine.PROJECT, "us-central1-a", name)
                        .getStatus())
                .isEqualTo("RUNNING");
    }

    private void assertGone(String name) {
        try {
            gcp.instances().get(FakeComputeEngine.PROJECT, "us-central1-a", name);
            fail("instance " + name + " still exists");
        } catch (NotFoundException expected) {
            // deleted
        }
    }

    private Map<String, String> env() {
        return Map.of(
                "JCLOUD_GCE_METADATA",
                "http://127.0.0.1:" + metadata.getAddress().getPort(),
                "JCLOUD_GCE_API",
                GCE.endpoint());
    }

    private Path write(String name, String content) throws IOException {
        Path f = dir.resolve(name + ".sh");
        Files.writeString(f, content);
        return f;
    }

    private record Result(int exit, String out, String err) {}

    private Result run(List<String> command, Map<String, String> extraEnv) throws Exception {
        for (String tool : List.of("bash", "curl")) {
            if (new ProcessBuilder("sh", "-c", "command -v " + tool).start().waitFor() != 0) {
                fail(tool + " is needed to run the GCE boot scripts in this test: install it (apt-get install " + tool
                        + ")");
            }
        }
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env());
        pb.environment().putAll(extraEnv);
        pb.redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile());
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("the script did not end within 60 s");
        }
        return new Result(
                p.exitValue(), Files.readString(dir.resolve("out.txt")), Files.readString(dir.resolve("err.txt")));
    }
}
