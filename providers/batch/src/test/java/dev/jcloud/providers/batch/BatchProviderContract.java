package dev.jcloud.providers.batch;

import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.contract.CloudProviderContract;
import dev.jcloud.provisioner.contract.PlatformResource;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The provider contract on a batch system: real jobs, a login scheduler as a process of this
 * machine, the job list as the platform (see {@link BatchSystems#resources}).
 */
abstract class BatchProviderContract extends CloudProviderContract {

    private final BatchProvider probe = (BatchProvider) newProvider();
    private final Path shared;

    BatchProviderContract(String prefix) {
        shared = BatchSystems.sharedDir("jcloud-" + prefix + "-contract-");
    }

    abstract String system();

    @Override
    protected Map<String, String> options() {
        return Map.of(
                system() + ".shared-dir",
                shared.toString(),
                system() + ".walltime",
                "30m",
                ClusterTrust.OPTION,
                "true");
    }

    @Override
    protected Set<Capability> capabilities() {
        return Set.of(Capability.DISCOVERY, Capability.GC, Capability.WORKER_MAXIMUM);
    }

    @Override
    protected boolean nodesRunTheEngine() {
        return true;
    }

    @Override
    protected Map<String, String> workerMaximum(int max) {
        return Map.of(system() + ".max-workers", Integer.toString(max));
    }

    @Override
    protected List<PlatformResource> platformResources() {
        return BatchSystems.resources(probe);
    }

    /** A login scheduler dies (kill -9); a job is cancelled behind the provider's back. */
    @Override
    protected void crash(ClusterContext cluster, Node node) {
        if (LoginScheduler.isLoginNode(node.id())) {
            ProcessHandle ph = ProcessHandle.of(
                            Long.parseLong(node.id().substring(node.id().lastIndexOf(':') + 1)))
                    .orElseThrow();
            ph.destroyForcibly();
            ph.onExit().join();
        } else {
            CloudProvider p = newProvider();
            p.terminate(cluster, List.of(node));
        }
    }

    @Override
    protected long platformRequests() {
        return Commands.RUN.get();
    }
}
