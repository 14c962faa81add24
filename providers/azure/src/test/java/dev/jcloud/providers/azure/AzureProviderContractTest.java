package dev.jcloud.providers.azure;

import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.contract.CloudProviderContract;
import dev.jcloud.provisioner.contract.PlatformResource;
import dev.jcloud.provisioner.net.CallerAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Azure provider passes the provider contract against {@link FakeAzureResourceManager} (one
 * fake per class, reset before each test). The fake boots nothing, so the contract runs the engine
 * the VMs would run.
 */
class AzureProviderContractTest extends CloudProviderContract {

    @RegisterExtension
    static final FakeAzureResourceManager ARM = new FakeAzureResourceManager();

    private AzureClients azure;

    @BeforeEach
    void connect() {
        azure = ARM.clients().create(AzureOptions.of(ARM.options(Map.of())));
    }

    @Override
    protected CloudProvider newProvider() {
        return new AzureProvider(
                ARM.clients(), CallerAddress.fixed(AzureOptions.ALLOW_FROM, "203.0.113.7/32"), host -> false);
    }

    @Override
    protected Map<String, String> options() {
        return ARM.options(Map.of());
    }

    @Override
    protected Set<Capability> capabilities() {
        return Set.of(Capability.DISCOVERY, Capability.GC, Capability.WORKER_MAXIMUM);
    }

    @Override
    protected boolean nodesRunTheEngine() {
        return false;
    }

    @Override
    protected Map<String, String> workerMaximum(int max) {
        return Map.of(AzureOptions.MAX_WORKERS, Integer.toString(max));
    }

    /** Resource groups and the VMs in them, each with the cluster id its tags carry. */
    @Override
    protected List<PlatformResource> platformResources() {
        List<PlatformResource> out = new ArrayList<>();
        azure.resources().getResourceGroups().list().forEach(g -> {
            out.add(PlatformResource.of("resource-group", g.name(), clusterId(g.tags())));
            azure.compute()
                    .getVirtualMachines()
                    .listByResourceGroup(g.name())
                    .forEach(vm -> out.add(PlatformResource.of("vm", vm.name(), clusterId(vm.tags()))));
        });
        return out;
    }

    /** The VM stops, as a scheduler stopped from inside does: it still exists and bills, with no engine. */
    @Override
    protected void crash(ClusterContext cluster, Node node) {
        ARM.stopVm("jcloud-" + cluster.name() + "-" + cluster.id(), node.name());
    }

    @Override
    protected long platformRequests() {
        return ARM.requests().size();
    }

    private static String clusterId(Map<String, String> tags) {
        return tags == null ? null : tags.get(ClusterContext.ID_TAG);
    }
}
