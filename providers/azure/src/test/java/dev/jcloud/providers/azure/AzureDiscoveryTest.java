package dev.jcloud.providers.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.resources.fluent.models.ResourceGroupInner;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.TestLaunches;
import dev.jcloud.provisioner.net.CallerAddress;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another machine finds an Azure cluster with nothing but the subscription, and takes it down: the
 * cluster's context is rebuilt from its resource group (tags, location) and its scheduler VM (the
 * recorded options, the user's tags), against {@link FakeAzureResourceManager} through the SDK. The
 * cluster is made with what a bare {@code --subscription} would get wrong: another location (where
 * its soft-deleted Key Vaults must be purged), TLS, its own VM size, Spot workers and a tag.
 */
class AzureDiscoveryTest {

    @RegisterExtension
    static final FakeAzureResourceManager ARM = new FakeAzureResourceManager();

    @TempDir
    Path dir;

    private AzureClients azure;

    @BeforeEach
    void connect() {
        azure = ARM.clients().create(AzureOptions.of(ARM.options(Map.of())));
    }

    @Test
    void anotherMachineWithOnlyTheSubscriptionFindsScalesAndRemovesEverythingOfTheCluster() {
        Map<String, String> made = new HashMap<>(ARM.options(Map.of()));
        made.put(AzureOptions.LOCATION, "westeurope");
        made.put(AzureOptions.VM_SIZE, "Standard_D2s_v5");
        made.put(AzureOptions.SPOT, "true");
        made.put(AzureOptions.TAG_PREFIX + "cost-center", "data eng/42");
        made.put(ClusterTrust.OPTION, "true");
        ClusterContext c = new ClusterContext("disco", ClusterNames.newId(), dir.resolve("disco"), made);
        AzureProvider first = provider();
        first.bootstrap(c);
        first.launch(c, TestLaunches.scheduler(c));
        first.launch(c, TestLaunches.workers(c, "pending:8786", 0, 1));
        // A cluster whose scheduler VM is stopped is no running cluster: not found, left to gc.
        Map<String, String> plain = new HashMap<>(made);
        plain.remove(ClusterTrust.OPTION);
        ClusterContext halted = new ClusterContext("halted", ClusterNames.newId(), dir.resolve("halted"), plain);
        first.bootstrap(halted);
        first.launch(halted, TestLaunches.scheduler(halted));
        ARM.stopVm(AzureNames.group(halted), ClusterNames.scheduler("halted"));
        // A group carrying a cluster id tag by hand, under a name jcloud did not give it, names no cluster.
        azure.resources()
                .getResourceGroups()
                .createOrUpdate(
                        "team-rg",
                        new ResourceGroupInner()
                                .withLocation("eastus")
                                .withTags(Map.of(ClusterContext.ID_TAG, c.id(), ClusterContext.NAME_TAG, "disco")));

        List<ClusterContext> found = provider().discover(where());

        assertThat(found).extracting(ClusterContext::name, ClusterContext::id).containsExactly(tuple("disco", c.id()));
        assertThat(found.get(0).options())
                .containsEntry(AzureOptions.SUBSCRIPTION, FakeAzureResourceManager.SUBSCRIPTION)
                .containsEntry(AzureOptions.LOCATION, "westeurope")
                .containsEntry(AzureOptions.VM_SIZE, "Standard_D2s_v5")
                .containsEntry(AzureOptions.SPOT, "true")
                .containsEntry(AzureOptions.TAG_PREFIX + "cost-center", "data eng/42")
                .containsEntry(ClusterTrust.OPTION, "true")
                .doesNotContainKey(AzureOptions.ENGINE_URL);

        // Scaling from the other machine (which gives its engine, as the cluster was made with one).
        Map<String, String> scaling = new HashMap<>(found.get(0).options());
        scaling.putAll(ARM.options(Map.of()));
        ClusterContext other = new ClusterContext(c.name(), c.id(), dir.resolve("other"), scaling);
        Node added = provider()
                .launch(other, TestLaunches.workers(other, "pending:8786", 1, 1))
                .get(0);
        VirtualMachineInner vm =
                azure.compute().getVirtualMachines().getByResourceGroup(AzureNames.group(c), added.name());
        assertThat(vm.location()).isEqualTo("westeurope");
        assertThat(vm.hardwareProfile().vmSize().toString()).isEqualTo("Standard_D2s_v5");
        assertThat(vm.priority().toString()).isEqualTo("Spot");
        assertThat(vm.tags()).containsEntry("cost-center", "data eng/42");

        // Down from the other machine with what it found (the contract test drives the same through the
        // provisioner): everything of the cluster goes, its Key Vaults purged in the cluster's location.
        ClusterContext down = new ClusterContext(
                c.name(), c.id(), dir.resolve("down"), found.get(0).options());
        AzureProvider second = provider();
        second.terminate(down, second.nodes(down));
        second.deleteSharedResources(down);

        assertThat(groups()).doesNotContain(AzureNames.group(c).toLowerCase(java.util.Locale.ROOT));
        assertThat(ARM.deletedVaults()).noneMatch(v -> v.contains(c.id()));
        assertThat(provider().discover(where())).isEmpty();
        assertThat(groups()).contains(AzureNames.group(halted).toLowerCase(java.util.Locale.ROOT), "team-rg");
    }

    @Test
    void recordedOptionsLeaveOutWhereTheClusterIsWhatMayBeSecretAndDefaultsAndFitInOneTag() {
        Map<String, String> options = new HashMap<>(ARM.options(Map.of()));
        options.put(AzureOptions.ENGINE_URL, "https://acct.blob.core.windows.net/e/x.tar.gz?sv=2024&sig=SECRET");
        options.put(AzureOptions.VM_SIZE, "Standard_D2s_v5");
        options.put(AzureOptions.ALLOW_FROM, "198.51.100.0/24,203.0.113.7/32");
        options.put(AzureOptions.TAG_PREFIX + "team", "x");
        options.put(AzureOptions.IMAGE, AzureOptions.DEFAULT_IMAGE); // a default: any machine has it
        options.put(AzureOptions.MAX_WORKERS, "1000");
        options.put(ClusterTrust.OPTION, "false");
        options.put("cluster.idle-timeout", "10m");

        String tag = AzureDiscovery.recorded(options).orElseThrow();

        assertThat(tag).doesNotContain("SECRET").doesNotContain(FakeAzureResourceManager.SUBSCRIPTION);
        assertThat(AzureDiscovery.parse(tag))
                .containsOnly(
                        Map.entry(AzureOptions.VM_SIZE, "Standard_D2s_v5"),
                        Map.entry(AzureOptions.ALLOW_FROM, "198.51.100.0/24,203.0.113.7/32"),
                        Map.entry(ClusterTrust.OPTION, "false"));
        options.put(AzureOptions.SUBNET, "/subscriptions/x/resourceGroups/y/" + "z".repeat(300));
        assertThat(AzureDiscovery.recorded(options))
                .as("longer than a tag value")
                .isEmpty();
    }

    private static AzureProvider provider() {
        return new AzureProvider(
                ARM.clients(), CallerAddress.fixed(AzureOptions.ALLOW_FROM, "203.0.113.7/32"), host -> false);
    }

    /** What the other machine knows: the subscription (and the fake's endpoint). */
    private static Map<String, String> where() {
        return Map.of(
                AzureOptions.SUBSCRIPTION,
                FakeAzureResourceManager.SUBSCRIPTION,
                AzureOptions.ENDPOINT,
                ARM.endpoint());
    }

    private List<String> groups() {
        return azure.resources().getResourceGroups().list().stream()
                .map(g -> g.name().toLowerCase(java.util.Locale.ROOT))
                .toList();
    }
}
