package dev.jcloud.providers.azure;

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
 * {@code terraform fmt -check} in the Azure module, and real Terraform reads them back verbatim. The azurerm provider is not in the offline mirror: the round trip is checked on a copy of {@code variables.tf}, and the module's own validation refuses the hostile name, as Azure would.
 */
class AzureHostileValuesIT {

    @TempDir
    Path tmp;

    @Test
    void azure() throws Exception {
        Path module = tmp.resolve("azure");
        new TerraformExporter()
                .export(
                        AzureSpec.of(HOSTILE, 3, ENGINE)
                                .withCluster(HostileValues::hostile)
                                .withLocation(HOSTILE),
                        module);
        String out = HostileValues.roundTripVariables(
                tmp, module, "{ name = var.name, location = var.location, tags = var.tags }");
        JsonNode json = decode(out);
        assertThat(json.get("name").asText()).isEqualTo(HOSTILE);
        assertThat(json.get("location").asText()).isEqualTo(HOSTILE);
        assertHostileTags(json.get("tags"));
        assertThat(out).contains("name must be 2 to 40 lower-case letters");
    }
}
