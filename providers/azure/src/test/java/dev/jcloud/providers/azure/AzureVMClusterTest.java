package dev.jcloud.providers.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.util.Context;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.net.CallerAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The Java API: settings checked before Azure is called; a failed build leaves nothing behind. */
class AzureVMClusterTest {

    @RegisterExtension
    static final FakeAzureResourceManager ARM = new FakeAzureResourceManager();

    @TempDir
    Path dir;

    private AzureVMCluster.Builder builder() {
        AzureVMCluster.Builder b = AzureVMCluster.builder()
                .name("java-api")
                .workers(2)
                .stateDirectory(dir)
                .provider(new AzureProvider(
                        ARM.clients(), CallerAddress.fixed(AzureOptions.ALLOW_FROM, "203.0.113.7/32"), host -> false))
                .startTimeout(Duration.ofSeconds(20));
        ARM.options(Map.of()).forEach(b::option);
        return b;
    }

    @Test
    void settingsMapToOptions() {
        Map<String, String> o = builder()
                .location("westeurope")
                .vmSize("Standard_D4s_v5")
                .spot(true)
                .allowFrom("198.51.100.0/24")
                .maxWorkers(50)
                .tag("team", "ml")
                .options();
        assertThat(o)
                .containsEntry("azure.location", "westeurope")
                .containsEntry("azure.vm-size", "Standard_D4s_v5")
                .containsEntry("azure.spot", "true")
                .containsEntry("azure.allow-from", "198.51.100.0/24")
                .containsEntry("azure.max-workers", "50")
                .containsEntry("azure.tag.team", "ml")
                .containsEntry("azure.subscription", FakeAzureResourceManager.SUBSCRIPTION);
        assertThatThrownBy(() -> builder().option("aws.region", "x")).hasMessageContaining("start with 'azure.'");
    }

    @Test
    void badSettingsFailBeforeAzureIsCalled() {
        assertThatThrownBy(() -> builder().location("East US").build())
                .hasMessageStartingWith("invalid azure.location");
        assertThatThrownBy(() -> builder()
                        .option(AzureOptions.ENGINE_URL, "ftp://x/engine.jar")
                        .build())
                .hasMessageContaining("azure.engine-url");
        assertThatThrownBy(() ->
                        AzureVMCluster.builder().workers(1).stateDirectory(dir).build())
                .hasMessageContaining("azure.subscription");
        assertThat(ARM.requests()).isEmpty();
    }

    @Test
    void aFailedBuildRemovesEverythingItCreated() {
        ARM.fail("PUT", ".*/virtualMachines/java-api-scheduler")
                .respond(
                        409,
                        "OperationNotAllowed",
                        "Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota.");

        assertThatThrownBy(() -> builder().build())
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("OperationNotAllowed")
                .hasMessageContaining("quota");

        AzureClients azure = ARM.clients().create(AzureOptions.of(ARM.options(Map.of())));
        List<String> groups = new ArrayList<>();
        azure.resources()
                .getResourceGroups()
                .list(AzureGarbageCollector.JCLOUD_TAGGED, null, Context.NONE)
                .forEach(g -> groups.add(g.name()));
        assertThat(groups).isEmpty();
        assertThat(new ClusterStateStore(dir).list()).isEmpty();
    }
}
