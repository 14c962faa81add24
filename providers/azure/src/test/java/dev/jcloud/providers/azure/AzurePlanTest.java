package dev.jcloud.providers.azure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.CountingEndpoint;
import dev.jcloud.provisioner.UpPlan;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cluster up --dry-run}: the plan comes from the options alone; the API endpoint sees no connection. */
class AzurePlanTest {

    @Test
    void thePlanNamesTheResourcesAndCallsNoApi(@TempDir Path state) throws Exception {
        try (CountingEndpoint cloud = new CountingEndpoint()) {
            ClusterContext cluster = new ClusterContext(
                    "plan",
                    "0123456789ab",
                    state.resolve("plan"),
                    Map.of(
                            AzureOptions.SUBSCRIPTION,
                            "00000000-0000-0000-0000-000000000001",
                            AzureOptions.LOCATION,
                            "eastus",
                            AzureOptions.ENDPOINT,
                            cloud.url().replace("http:", "https:") + "/",
                            ClusterTrust.OPTION,
                            "true"));
            AzureProvider provider = new AzureProvider();
            provider.validate(cluster);
            List<UpPlan.Step> steps = provider.plan(cluster, 3);

            assertThat(steps)
                    .extracting(UpPlan.Step::calls)
                    .anyMatch(c -> c.contains("Microsoft.Compute/virtualMachines write"));
            assertThat(steps).extracting(UpPlan.Step::action).contains("create", "store", "upload", "launch");
            assertThat(cloud.connections()).isZero();
            assertThat(Files.exists(state.resolve("plan"))).as("state written").isFalse();
        }
    }
}
