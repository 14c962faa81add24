package dev.jcloud.providers.aws;

import static dev.jcloud.terraform.HostileValues.ENGINE;
import static dev.jcloud.terraform.HostileValues.HOSTILE;
import static dev.jcloud.terraform.HostileValues.assertHostileTags;
import static dev.jcloud.terraform.HostileValues.console;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jcloud.terraform.HostileValues;
import dev.jcloud.terraform.Terraform;
import dev.jcloud.terraform.TerraformExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values that would break or inject into naively generated HCL ({@link HostileValues}) pass
 * {@code terraform fmt -check} in the EC2 and Fargate module, and real Terraform reads them back verbatim. Their Terraform provider is in the offline mirror, so they also pass {@code terraform validate}.
 */
class AwsHostileValuesIT {

    @TempDir
    Path tmp;

    @Test
    void aws() throws Exception {
        Path module = tmp.resolve("aws");
        new TerraformExporter()
                .export(
                        AwsSpec.of(HOSTILE, 3, ENGINE)
                                .withCluster(HostileValues::hostile)
                                .withAmi("ami-0123456789abcdef0"),
                        module);
        Terraform tf = HostileValues.validated(tmp, module);
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
                .export(
                        FargateSpec.of(HOSTILE, 3)
                                .withCluster(HostileValues::hostile)
                                .withImage(HOSTILE),
                        module);
        Terraform tf = HostileValues.validated(tmp, module);
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
}
