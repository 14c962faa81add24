package dev.jcloud.providers.local;

import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.contract.CloudProviderContract;
import dev.jcloud.provisioner.contract.PlatformResource;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The local provider passes the provider contract with real scheduler and worker JVMs. It declares
 * no discovery (a cluster is known through the state directory of the machine that started it), no
 * gc (a local cluster's processes stop with its scheduler) and no worker maximum.
 */
class LocalProviderContractIT extends CloudProviderContract {

    private static final String ID_PREFIX = "-D" + ClusterContext.ID_TAG + "=";

    @Override
    protected CloudProvider newProvider() {
        return new LocalProvider();
    }

    @Override
    protected Map<String, String> options() {
        return Map.of();
    }

    @Override
    protected Set<Capability> capabilities() {
        return Set.of();
    }

    @Override
    protected boolean nodesRunTheEngine() {
        return true;
    }

    /** The engine processes this JVM started, with the cluster id their command lines carry. */
    @Override
    protected List<PlatformResource> platformResources() {
        return ProcessHandle.current()
                .children()
                .filter(ProcessHandle::isAlive)
                .map(ph -> PlatformResource.of("process", Long.toString(ph.pid()), clusterId(ph)))
                .toList();
    }

    /** Processes started so far: a dry run starts none. */
    @Override
    protected long platformRequests() {
        return ProcessHandle.current().descendants().count();
    }

    private static String clusterId(ProcessHandle ph) {
        return CommandLines.arguments(ph).orElse(List.of()).stream()
                .filter(a -> a.startsWith(ID_PREFIX))
                .map(a -> a.substring(ID_PREFIX.length()))
                .findFirst()
                .orElse(null);
    }
}
