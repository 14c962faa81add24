package dev.jcloud.providers.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.compute.v1.AggregatedListInstancesRequest;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.net.CallerAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The public Java API against the fake: options checked first, and a failed start leaves nothing behind. */
class GCPClusterTest {

    @RegisterExtension
    static final FakeComputeEngine GCE = new FakeComputeEngine();

    @TempDir
    Path dir;

    private GCPCluster.Builder builder() {
        return GCPCluster.builder()
                .project(FakeComputeEngine.PROJECT)
                .zone("us-central1-a")
                .workers(3)
                .machineType("e2-standard-4")
                .allowFrom("203.0.113.7/32")
                .engine(URI.create("https://engine.example/e.jar"), "0".repeat(64))
                .label("team", "data")
                .option(GcpOptions.ENDPOINT, GCE.endpoint())
                .option(GcpOptions.OPERATION_TIMEOUT, "30")
                .stateDirectory(dir)
                .provider(new GcpProvider(
                        GcpClients.withoutCredentials(),
                        CallerAddress.fixed(GcpOptions.ALLOW_FROM, "198.51.100.1/32")));
    }

    @Test
    void badOptionsFailInBuildBeforeAnyRequest() {
        assertThatThrownBy(() -> builder().zone("moon-1").build()).hasMessageContaining("invalid gcp.zone 'moon-1'");
        assertThatThrownBy(() -> builder().label("Team", "x").build()).hasMessageContaining("gcp.label.Team");
        assertThatThrownBy(() -> builder().option("aws.region", "x")).hasMessageContaining("keys start with gcp.");
        assertThatThrownBy(() -> builder().workers(-1)).hasMessageContaining("workers must be >= 0");
        assertThat(GCE.calls()).isEmpty();
    }

    @Test
    void aStartThatNeverGetsAnEngineFailsWithTheBootLogAndRemovesEverything() {
        assertThatThrownBy(() -> builder()
                        .name("pi")
                        .startTimeout(Duration.ofMillis(300))
                        .build())
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("did not listen on")
                .hasMessageContaining("fake-gce: pi-scheduler-");
        // It got as far as creating everything: one bulkInsert for the scheduler, one for the three workers.
        assertThat(GCE.calls("POST", ".*/instances/bulkInsert")).hasSize(2);
        assertThat(GCE.calls("POST", ".*/global/firewalls")).hasSize(2);
        try (GcpClients gcp = GcpClients.withoutCredentials().create(Optional.of(GCE.uri()))) {
            List<Object> left = new ArrayList<>();
            gcp.instances()
                    .aggregatedList(AggregatedListInstancesRequest.newBuilder()
                            .setProject(FakeComputeEngine.PROJECT)
                            .build())
                    .iterateAll()
                    .forEach(e -> left.addAll(e.getValue().getInstancesList()));
            assertThat(left).isEmpty();
            assertThat(gcp.firewalls().list(FakeComputeEngine.PROJECT).iterateAll())
                    .isEmpty();
        }
        assertThat(GCE.serviceAccounts()).isEmpty();
        assertThat(dir.resolve("pi")).doesNotExist();
    }
}
