package dev.jcloud.providers.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.GcReport;
import dev.jcloud.provisioner.TestLaunches;
import dev.jcloud.provisioner.boot.EngineBundle;
import dev.jcloud.provisioner.net.CallerAddress;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Google Cloud CLI, a client written by Google and independent of this provider and of the
 * Java SDK, pointed at {@link FakeComputeEngine} with its documented {@code api_endpoint_overrides}
 * (set through {@code CLOUDSDK_*} environment variables, in a configuration directory of its own,
 * without credentials): after {@code up}, {@code gcloud} lists the instances, firewall rules,
 * secrets, service account and engine bucket the provider created; after a crash and {@code gc}
 * from a provider that knows only the project, it lists none of them. gcloud parses every answer
 * with the APIs' own message schemas, so a list or resource shape the fake gets wrong fails here
 * even where the provider, written by the same hands as the fake, would accept it.
 */
class GcloudListsWhatUpCreatedIT {

    @RegisterExtension
    static final FakeComputeEngine GCE = new FakeComputeEngine();

    private static final String PROJECT = FakeComputeEngine.PROJECT;

    @TempDir
    Path dir;

    @Test
    void gcloudListsTheInstancesFirewallRulesSecretsAccountAndBucketOfACluster() throws Exception {
        String gcloud = gcloud();
        EngineBundle bundle = bundle();
        GcpProvider provider = new GcpProvider(
                GcpClients.withoutCredentials(),
                CallerAddress.fixed(GcpOptions.ALLOW_FROM, "203.0.113.7/32"),
                c -> bundle);
        ClusterContext c = new ClusterContext(
                "gc",
                ClusterNames.newId(),
                dir.resolve("gc"),
                Map.of(
                        GcpOptions.PROJECT,
                        PROJECT,
                        GcpOptions.ENDPOINT,
                        GCE.endpoint(),
                        GcpOptions.OPERATION_TIMEOUT,
                        "30",
                        ClusterTrust.OPTION,
                        "true"));
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 2));
        // Node ids are ZONE/NAME.
        List<String> nodes = provider.nodes(c).stream()
                .map(n -> n.id().substring(n.id().indexOf('/') + 1))
                .toList();

        JsonNode instances = run(gcloud, "compute", "instances", "list");
        assertThat(names(instances)).containsExactlyInAnyOrderElementsOf(nodes);
        for (JsonNode i : instances) {
            assertThat(i.path("labels").path("jcloud-cluster-id").asText()).isEqualTo(c.id());
            assertThat(i.path("status").asText()).isEqualTo("RUNNING");
            assertThat(i.path("zone").asText()).endsWith("/zones/us-central1-a");
            assertThat(i.path("serviceAccounts").path(0).path("email").asText())
                    .isEqualTo(GceNames.serviceAccountEmail(c, PROJECT));
            assertThat(i.path("networkInterfaces").path(0).path("networkIP").asText())
                    .matches("\\d+(\\.\\d+){3}");
        }
        String scheduler = nodes.stream()
                .filter(n -> n.startsWith(ClusterNames.scheduler(c.name())))
                .findFirst()
                .orElseThrow();
        JsonNode described = run(gcloud, "compute", "instances", "describe", scheduler, "--zone", "us-central1-a");
        assertThat(StreamSupport.stream(described.path("metadata").path("items").spliterator(), false)
                        .map(m -> m.path("key").asText()))
                .contains(BootMetadata.STARTUP_SCRIPT_KEY, BootMetadata.BOOT_SCRIPT_KEY);

        JsonNode firewalls = run(gcloud, "compute", "firewall-rules", "list");
        assertThat(names(firewalls))
                .containsExactlyInAnyOrder("jcloud-" + c.id() + "-allow-from", "jcloud-" + c.id() + "-internal");
        for (JsonNode f : firewalls) {
            assertThat(f.path("targetTags").toString()).contains("jcloud-" + c.id());
            assertThat(f.path("allowed").isArray()).isTrue();
        }

        JsonNode secrets = run(gcloud, "secrets", "list");
        assertThat(names(secrets))
                .hasSize(6)
                .allSatisfy(n -> assertThat(n).startsWith("projects/").contains("/secrets/jcloud-" + c.id() + "-"));
        for (JsonNode s : secrets) {
            assertThat(s.path("labels").path("jcloud-cluster-id").asText()).isEqualTo(c.id());
        }

        JsonNode accounts = run(gcloud, "iam", "service-accounts", "list");
        assertThat(StreamSupport.stream(accounts.spliterator(), false)
                        .map(a -> a.path("email").asText()))
                .contains(GceNames.serviceAccountEmail(c, PROJECT));

        JsonNode buckets = run(gcloud, "storage", "buckets", "list");
        assertThat(StreamSupport.stream(buckets.spliterator(), false)
                        .map(b -> b.path("name").asText()))
                .containsExactly("jcloud-engine-" + PROJECT);

        // The scheduler goes behind jcloud's back (gcloud deletes it, as a crash or a user would): another
        // machine that knows only the project finds no running cluster, and its gc removes everything left.
        run(gcloud, "compute", "instances", "delete", scheduler, "--zone", "us-central1-a");
        Map<String, String> project = Map.of(GcpOptions.PROJECT, PROJECT, GcpOptions.ENDPOINT, GCE.endpoint());
        GcpProvider other = new GcpProvider(
                GcpClients.withoutCredentials(),
                CallerAddress.fixed(GcpOptions.ALLOW_FROM, "203.0.113.7/32"),
                x -> bundle);
        assertThat(other.discover(project)).isEmpty();
        GcReport gc = other.gc(project, false, Duration.ZERO);
        assertThat(gc.clusterIds()).containsExactly(c.id());
        assertThat(gc.items())
                .extracting(GcReport.Item::kind)
                .contains("instance", "firewall", "service-account", "secret", "engine-grant");

        // gcloud then finds nothing of the cluster (empty lists: no items at all, as the APIs answer them).
        assertThat(run(gcloud, "compute", "instances", "list")).isEmpty();
        assertThat(run(gcloud, "compute", "firewall-rules", "list")).isEmpty();
        assertThat(run(gcloud, "secrets", "list")).isEmpty();
        assertThat(StreamSupport.stream(
                                run(gcloud, "iam", "service-accounts", "list").spliterator(), false)
                        .map(a -> a.path("email").asText()))
                .noneMatch(e -> e.contains(c.id()));
        assertThat(run(gcloud, "storage", "buckets", "get-iam-policy", "gs://jcloud-engine-" + PROJECT)
                        .toString())
                .doesNotContain(c.id());
    }

    /** gcloud on the PATH, or a failure naming what to install. */
    private static String gcloud() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d, "gcloud");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return fail("gcloud is not on the PATH: install the Google Cloud CLI (Debian package google-cloud-cli from"
                + " packages.cloud.google.com, or https://cloud.google.com/sdk/docs/install); this test uses it as a"
                + " second, independent client of the GCP fake");
    }

    /** Runs {@code gcloud ARGS --format=json} against the fake, with a configuration of its own and no credentials. */
    private JsonNode run(String gcloud, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(gcloud));
        command.addAll(List.of(args));
        command.addAll(List.of("--format=json", "--project=" + PROJECT, "--quiet"));
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("CLOUDSDK_") || k.startsWith("GOOGLE_"));
        env.put(
                "CLOUDSDK_CONFIG",
                Files.createDirectories(dir.resolve("gcloud-config")).toString());
        env.put("CLOUDSDK_AUTH_DISABLE_CREDENTIALS", "true");
        env.put("CLOUDSDK_CORE_DISABLE_USAGE_REPORTING", "true");
        env.put("CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK", "true");
        env.put("CLOUDSDK_CORE_DISABLE_PROMPTS", "1");
        String root = GCE.endpoint() + "/";
        env.put("CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE", root + "compute/v1/");
        env.put("CLOUDSDK_API_ENDPOINT_OVERRIDES_IAM", root);
        env.put("CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER", root);
        env.put("CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER", root);
        env.put("CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE", root + "storage/v1/");
        Path out = dir.resolve("gcloud.out");
        Path err = dir.resolve("gcloud.err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("gcloud " + String.join(" ", args) + " did not finish in 120 s: " + Files.readString(err));
        }
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertThat(p.exitValue())
                .as("gcloud %s failed: %s", String.join(" ", args), stderr)
                .isZero();
        return GoogleRest.JSON.readTree(Files.readString(out, StandardCharsets.UTF_8));
    }

    private static List<String> names(JsonNode list) {
        return StreamSupport.stream(list.spliterator(), false)
                .map(n -> n.path("name").asText())
                .toList();
    }

    private EngineBundle bundle() throws Exception {
        byte[] bytes = new byte[4096];
        new Random(7).nextBytes(bytes);
        Path file = Files.write(dir.resolve("engine.tar.gz"), bytes);
        return new EngineBundle(
                file,
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    }
}
