package dev.jcloud.provisioner;

import dev.jcloud.provisioner.contract.CloudProviderContract;
import dev.jcloud.provisioner.contract.PlatformResource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The contract against the in-memory {@link TestingCloudProvider}: the contract's own check, and
 * the shape of the smallest provider that passes it (no discovery, no gc, no worker maximum).
 */
class TestingCloudProviderContractTest extends CloudProviderContract {

    private final TestingCloudProvider provider = new TestingCloudProvider("testing");

    @Override
    protected CloudProvider newProvider() {
        return provider; // its "cloud" is the instance
    }

    @Override
    protected Map<String, String> options() {
        return Map.of(); // the provider's own defaults: its settings declare them
    }

    @Override
    protected Set<Capability> capabilities() {
        return Set.of();
    }

    @Override
    protected boolean nodesRunTheEngine() {
        return false;
    }

    @Override
    protected List<PlatformResource> platformResources() {
        synchronized (provider) {
            List<PlatformResource> out = new ArrayList<>();
            provider.sharedResources.forEach(id -> out.add(PlatformResource.of("shared", id, id)));
            provider.running.forEach(
                    n -> out.add(PlatformResource.of("node", n.id(), n.id().substring(0, n.id().indexOf('/')))));
            return out;
        }
    }

    @Override
    protected long platformRequests() {
        synchronized (provider) {
            return provider.launches.size() + provider.sharedResources.size() + provider.terminated.size();
        }
    }
}
