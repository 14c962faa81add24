package dev.jcloud.providers.gcp;

import static dev.jcloud.terraform.Records.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.terraform.FixedCluster;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A running GCP cluster's record becomes the same spec, with a fresh cluster id. */
class GcpRecordExportTest {

    private static GcpSpec spec(ClusterRecord r, Optional<EngineArtifact> engine) {
        return (GcpSpec) new GcpTerraformExport().spec(FixedCluster.of(r), r.options(), engine);
    }

    @Test
    void anEngineGivenNowWinsOverTheRecordedOne() {
        EngineArtifact given = EngineArtifact.of(URI.create("https://example.invalid/other.tar.gz"), "f".repeat(64));
        GcpSpec s = spec(
                record(
                        "gcp",
                        2,
                        Map.of(
                                "gcp.project",
                                "p-123456",
                                "gcp.zone",
                                "europe-west4-b",
                                "gcp.machine-type",
                                "n2-standard-8",
                                "gcp.spot",
                                "true",
                                "gcp.label.team",
                                "data")),
                Optional.of(given));
        assertThat(s.engine()).isEqualTo(given);
        assertThat(s.project()).contains("p-123456");
        assertThat(s.zone()).isEqualTo("europe-west4-b");
        assertThat(s.workerMachineType()).isEqualTo("n2-standard-8");
        // As the running cluster: the scheduler's own key, absent here, has its default.
        assertThat(s.schedulerMachineType()).isEqualTo("e2-standard-2");
        assertThat(s.spot()).isTrue();
        assertThat(s.cluster().tags()).containsEntry("team", "data");
    }

    @Test
    void aBadOptionIsNamed() {
        assertThatThrownBy(() -> spec(record("gcp", 2, Map.of("gcp.spot", "yes")), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gcp.spot");
    }
}
