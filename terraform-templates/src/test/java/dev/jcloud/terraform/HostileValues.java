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

/**
 * Values that would break or inject into naively generated HCL (quotes, {@code ${}, {@code %{},
 * newlines, backslashes, non-ASCII, a very long value), and the checks the providers' hostile
 * value ITs share: a module passes {@code terraform fmt -check}, and real Terraform reads the
 * values back verbatim ({@code terraform console}). The exporter does not validate names itself
 * (the CLI does, with {@code cluster up}'s rules), so this is its last line.
 *
 * <p>Modules whose Terraform provider is in the offline mirror pass {@code terraform validate}
 * ({@link #validated}); for the others the round trip is checked on a copy of the module's
 * {@code variables.tf}, which needs no provider ({@link #roundTripVariables}).
 */
public final class HostileValues {

    public static final EngineArtifact ENGINE =
            EngineArtifact.of(URI.create("https://example.invalid/jcloud-engine.jar"), "0".repeat(64));
    public static final String HOSTILE =
            "ev\"il ${var.region} %{ if true }x%{ endif } $${y} \\\" \\n\nline2\r\ttab Zürich 東京 😀 ' `id` $(id)";
    public static final String LONG = "x${".repeat(1500) + "\"";
    public static final String TOKEN = "hostile-values-it-" + "0123456789abcdef".repeat(2);

    public static Map<String, String> hostileTags() {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("owner\"${x}", HOSTILE);
        tags.put("plain", "%{for x in y}");
        tags.put("long", LONG);
        return tags;
    }

    public static FixedCluster hostile(FixedCluster c) {
        return c.withTags(hostileTags()).withAllowFrom(List.of("203.0.113.7/32"));
    }

    private HostileValues() {}

    /** fmt, init (offline mirror), validate: real Terraform with the real aws provider. */
    public static Terraform validated(Path tmp, Path module) throws Exception {
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
    public static String roundTripVariables(Path tmp, Path module, String expression) throws Exception {
        Terraform tf = Terraform.withoutProviders(tmp);
        tf.run(module, "fmt", "-check", "-diff", "-recursive");
        System.out.println(module.getFileName() + ": terraform fmt -check passed; validate/plan NOT run: the provider"
                + " is not available offline here");
        Path vars = Files.createDirectories(tmp.resolve(module.getFileName() + "-variables"));
        Files.copy(module.resolve("variables.tf"), vars.resolve("variables.tf"));
        return tf.withEnv("TF_VAR_admin_ssh_public_key", "ssh-ed25519 AAAA test")
                .console(vars, "base64encode(jsonencode(" + expression + "))");
    }

    public static JsonNode console(Terraform tf, Path module, String expression) throws Exception {
        return decode(tf.console(module, "base64encode(jsonencode(" + expression + "))"));
    }

    public static JsonNode decode(String consoleOutput) throws Exception {
        Matcher m = Pattern.compile("\"([A-Za-z0-9+/=]{16,})\"").matcher(consoleOutput);
        assertThat(m.find()).as("console output: %s", consoleOutput).isTrue();
        return new ObjectMapper().readTree(new String(Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8));
    }

    public static void assertHostileTags(JsonNode tags) {
        assertThat(tags.get("owner\"${x}").asText()).isEqualTo(HOSTILE);
        assertThat(tags.get("plain").asText()).isEqualTo("%{for x in y}");
        assertThat(tags.get("long").asText()).isEqualTo(LONG);
    }
}
