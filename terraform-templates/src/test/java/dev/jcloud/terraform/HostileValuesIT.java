package dev.jcloud.terraform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.provisioner.boot.EngineArtifact;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values that would break or inject into naively generated HCL (quotes, {@code ${}, {@code %{},
 * newlines, backslashes, non-ASCII, a very long value) pass {@code terraform fmt -check}, and real
 * Terraform reads them back verbatim ({@code terraform console}), for every provider. The exporter
 * does not validate names itself (the CLI does, with {@code cluster up}'s rules), so this is its
 * last line.
 *
 * <p>AWS EC2 and Fargate also pass {@code terraform validate} (their provider is in the offline
 * mirror). The google and azurerm providers are not, so for GCP and Azure the round trip is
 * checked on a copy of the module's {@code variables.tf} (which needs no provider), and the test
 * checks that the module's own validation refuses the hostile name, as GCP and Azure would.
 */
class HostileValuesIT {

    static final EngineArtifact ENGINE =
            EngineArtifact.of(URI.create("https://example.invalid/jcloud-engine.jar"), "0".repeat(64));
    static final String HOSTILE =
            "ev\"il ${var.region} %{ if true }x%{ endif } $${y} \\\" \\n\nline2\r\ttab Zürich 東京 😀 ' `id` $(id)";
    static final String LONG = "x${".repeat(1500) + "\"";
    static final String TOKEN = "hostile-values-it-" + "0123456789abcdef".repeat(2);

    @TempDir
    Path tmp;

    private static Map<String, String> hostileTags() {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("owner\"${x}", HOSTILE);
        tags.put("plain", "%{for x in y}");
        tags.put("long", LONG);
        return tags;
    }

    private static FixedCluster hostile(FixedCluster c) {
        return c.withTags(hostileTags()).withAllowFrom(List.of("203.0.113.7/32"));
    }

    @Test
    void aws() throws Exception {
        Path module = tmp.resolve("aws");
        new TerraformExporter()
                .exportAws(
                        AwsSpec.of(HOSTILE, 3, ENGINE)
                                .withCluster(HostileValuesIT::hostile)
                                .withAmi("ami-0123456789abcdef0"),
                        module);
        Terraform tf = validated(module);
        JsonNode json = console(tf, module, "{ name = var.name, tags = local.tags }");
        assertThat(json.get("name").asText()).isEqualTo(HOSTILE);
        assertHostileTags(json.get("tags"));
        assertThat(json.get("tags").get("jcloud.cluster").asText()).isEqualTo(HOSTILE);
        // The same renderer's scripts carry the name single-quoted, whatever it contains.
        assertThat(Files.readString(module.resolve("boot/scheduler.sh"))).contains("export JCLOUD_CLUSTER='ev\"il");
    }

    @Test
    void fargate() throws Exception {
        Path module = tmp.resolve("fargate");
        new TerraformExporter()
                .exportFargate(
                        FargateSpec.of(HOSTILE, 3)
                                .withCluster(HostileValuesIT::hostile)
                                .withImage(HOSTILE),
                        module);
        Terraform tf = validated(module);
        JsonNode json = console(
                tf,
                module,
                "{ name = var.name, image = var.engine_image, tags = local.tags,"
                        + " scheduler = local.scheduler_command, worker = local.worker_command }");
        assertThat(json.get("name").asText()).isEqualTo(HOSTILE);
        assertThat(json.get("image").asText()).isEqualTo(HOSTILE);
        assertHostileTags(json.get("tags"));
        assertThat(json.get("tags").get("jcloud.cluster").asText()).isEqualTo(HOSTILE);
        // The engine commands are real lists of the renderer's arguments, not text.
        assertThat(json.get("scheduler").get(0).asText()).isEqualTo("scheduler");
        assertThat(json.get("worker").get(1).asText()).matches("scheduler\\.[0-9a-f]+\\.jcloud\\.internal:8786");
    }

    @Test
    void gcp() throws Exception {
        Path module = tmp.resolve("gcp");
        new TerraformExporter()
                .exportGcp(
                        GcpSpec.of(HOSTILE, 3, ENGINE)
                                .withCluster(HostileValuesIT::hostile)
                                .withProject(HOSTILE),
                        module);
        String out = roundTripVariables(module, "{ name = var.name, project = var.project, labels = var.labels }");
        JsonNode json = decode(out);
        assertThat(json.get("name").asText()).isEqualTo(HOSTILE);
        assertThat(json.get("project").asText()).isEqualTo(HOSTILE);
        assertHostileTags(json.get("labels"));
        // GCP would refuse such a name and such labels; the module says so before anything is created.
        assertThat(out)
                .contains(
                        "name must be 2 to 40 lower-case letters",
                        "Every label key must start with a lower-case letter");
    }

    @Test
    void azure() throws Exception {
        Path module = tmp.resolve("azure");
        new TerraformExporter()
                .exportAzure(
                        AzureSpec.of(HOSTILE, 3, ENGINE)
                                .withCluster(HostileValuesIT::hostile)
                                .withLocation(HOSTILE),
                        module);
        String out = roundTripVariables(module, "{ name = var.name, location = var.location, tags = var.tags }");
        JsonNode json = decode(out);
        assertThat(json.get("name").asText()).isEqualTo(HOSTILE);
        assertThat(json.get("location").asText()).isEqualTo(HOSTILE);
        assertHostileTags(json.get("tags"));
        assertThat(out).contains("name must be 2 to 40 lower-case letters");
    }

    /** fmt, init (offline mirror), validate: real Terraform with the real aws provider. */
    private Terraform validated(Path module) throws Exception {
        Terraform tf = Terraform.offline(tmp).withEnv("TF_VAR_join_token", TOKEN);
        tf.run(module, "fmt", "-check", "-diff", "-recursive");
        tf.run(module, "init", "-backend=false", "-input=false");
        tf.run(module, "validate");
        return tf;
    }

    /**
     * fmt -check on the whole module, then {@code terraform console} on a copy of its
     * variables.tf, the file that holds every exported value (no provider needed).
     */
    private String roundTripVariables(Path module, String expression) throws Exception {
        Terraform tf = Terraform.withoutProviders(tmp);
        tf.run(module, "fmt", "-check", "-diff", "-recursive");
        System.out.println(module.getFileName() + ": terraform fmt -check passed; validate/plan NOT run: the provider"
                + " is not available offline here");
        Path vars = Files.createDirectories(tmp.resolve(module.getFileName() + "-variables"));
        Files.copy(module.resolve("variables.tf"), vars.resolve("variables.tf"));
        return tf.withEnv("TF_VAR_admin_ssh_public_key", "ssh-ed25519 AAAA test")
                .console(vars, "base64encode(jsonencode(" + expression + "))");
    }

    private static JsonNode console(Terraform tf, Path module, String expression) throws Exception {
        return decode(tf.console(module, "base64encode(jsonencode(" + expression + "))"));
    }

    private static JsonNode decode(String consoleOutput) throws Exception {
        Matcher m = Pattern.compile("\"([A-Za-z0-9+/=]{16,})\"").matcher(consoleOutput);
        assertThat(m.find()).as("console output: %s", consoleOutput).isTrue();
        return new ObjectMapper().readTree(new String(Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8));
    }

    private static void assertHostileTags(JsonNode tags) {
        assertThat(tags.get("owner\"${x}").asText()).isEqualTo(HOSTILE);
        assertThat(tags.get("plain").asText()).isEqualTo("%{for x in y}");
        assertThat(tags.get("long").asText()).isEqualTo(LONG);
    }
}
