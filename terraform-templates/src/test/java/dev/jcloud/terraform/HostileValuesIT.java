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
 * newlines, backslashes, non-ASCII) pass {@code terraform fmt -check} and {@code validate}, and
 * real Terraform reads them back verbatim ({@code terraform console}). The exporter does not
 * validate names itself (the CLI does, with {@code cluster up}'s rules), so this is its last line.
 */
class HostileValuesIT {

    static final EngineArtifact ENGINE = EngineArtifact.of(URI.create("https://example.invalid/jcloud-engine.jar"),
            "0".repeat(64));
    static final String HOSTILE = "ev\"il ${var.region} %{ if true }x%{ endif } $${y} \\\" \\n\nline2\r\ttab Zürich 東京 😀 ' `id` $(id)";

    @TempDir
    Path tmp;

    @Test
    void hostileNameAndTagsComeOutVerbatim() throws Exception {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("owner\"${x}", HOSTILE);
        tags.put("plain", "%{for x in y}");
        Path module = tmp.resolve("module");
        new TerraformExporter().exportAws(TerraformExporter.AwsSpec.of(HOSTILE, 3, ENGINE).withTags(tags)
                .withAllowFrom(List.of("203.0.113.7/32")).withAmi("ami-0123456789abcdef0"), module);

        Terraform tf = Terraform.offline(tmp);
        tf.run(module, "fmt", "-check", "-diff", "-recursive");
        tf.run(module, "init", "-backend=false");
        tf.run(module, "validate");

        String out = tf.console(module, "base64encode(jsonencode({ name = var.name, tags = local.tags }))");
        Matcher m = Pattern.compile("\"([A-Za-z0-9+/=]+)\"").matcher(out);
        assertThat(m.find()).as("console output: %s", out).isTrue();
        JsonNode json = new ObjectMapper().readTree(new String(Base64.getDecoder().decode(m.group(1)), StandardCharsets.UTF_8));
        assertThat(json.get("name").asText()).isEqualTo(HOSTILE);
        assertThat(json.get("tags").get("owner\"${x}").asText()).isEqualTo(HOSTILE);
        assertThat(json.get("tags").get("plain").asText()).isEqualTo("%{for x in y}");
        assertThat(json.get("tags").get("jcloud.cluster").asText()).isEqualTo(HOSTILE);

        // The same renderer's scripts carry the name single-quoted, whatever it contains.
        assertThat(Files.readString(module.resolve("boot/scheduler.sh"))).contains("export JCLOUD_CLUSTER='ev\"il");
    }
}
