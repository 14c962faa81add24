package dev.jcloud.providers.gcp;

import static dev.jcloud.terraform.HostileValues.ENGINE;
import static dev.jcloud.terraform.HostileValues.HOSTILE;
import static dev.jcloud.terraform.HostileValues.assertHostileTags;
import static dev.jcloud.terraform.HostileValues.decode;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jcloud.terraform.HostileValues;
import dev.jcloud.terraform.TerraformExporter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values that would break or inject into naively generated HCL ({@link HostileValues}) pass
 * {@code terraform fmt -check} in the GCP module, and real Terraform reads them back verbatim. The google provider is not in the offline mirror: the round trip is checked on a copy of {@code variables.tf}, and the module's own validation refuses the hostile name, as GCP would.
 */
class GcpHostileValuesIT {

    @TempDir
    Path tmp;

    @Test
    void gcp() throws Exception {
        Path module = tmp.resolve("gcp");
        new TerraformExporter()
                .export(
                        GcpSpec.of(HOSTILE, 3, ENGINE)
                                .withCluster(HostileValues::hostile)
                                .withProject(HOSTILE),
                        module);
        String out = HostileValues.roundTripVariables(
                tmp, module, "{ name = var.name, project = var.project, labels = var.labels }");
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
}
