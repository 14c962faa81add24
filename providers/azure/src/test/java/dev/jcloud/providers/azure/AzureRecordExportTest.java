package dev.jcloud.providers.azure;

import static dev.jcloud.terraform.Records.SHA;
import static dev.jcloud.terraform.Records.record;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.terraform.FixedCluster;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A running Azure cluster's record becomes the same spec, with a fresh cluster id. */
class AzureRecordExportTest {

    private static AzureSpec spec(ClusterRecord r, Optional<EngineArtifact> engine) {
        return (AzureSpec) new AzureTerraformExport().spec(FixedCluster.of(r), r.options(), engine);
    }

    @Test
    void azure() {
        AzureSpec a = spec(
                record(
                        "azure",
                        1,
                        Map.of(
                                "azure.location",
                                "westeurope",
                                "azure.vm-size",
                                "Standard_D8s_v5",
                                "azure.engine-url",
                                "https://example.invalid/e.jar",
                                "azure.engine-sha256",
                                SHA)),
                Optional.empty());
        assertThat(a.location()).isEqualTo("westeurope");
        assertThat(a.workerSize()).isEqualTo("Standard_D8s_v5");
        assertThat(a.spot()).isFalse();
    }
}
