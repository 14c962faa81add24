package dev.jcloud.providers.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.contract.CloudProviderContract;
import dev.jcloud.provisioner.contract.PlatformResource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The procs provider passes the provider contract with real processes, and is found the way the
 * CLI finds providers: by {@link java.util.ServiceLoader}, from its services file alone.
 */
class ProcsProviderContractIT extends CloudProviderContract {

    @Override
    protected CloudProvider newProvider() {
        return new ProcsProvider();
    }

    @Override
    protected Map<String, String> options() {
        return Map.of(); // the provider's own defaults: its settings declare them
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
        return Map.of(ProcsSettings.MAX_WORKERS, Integer.toString(max));
    }

    /** The engine processes this JVM started, with the cluster id on their command lines. */
    @Override
    protected List<PlatformResource> platformResources() {
        return ProcessHandle.current()
                .children()
                .filter(ProcessHandle::isAlive)
                .map(ph -> PlatformResource.of("process", Long.toString(ph.pid()), clusterId(ph)))
                .toList();
    }

    @Override
    protected void crash(ClusterContext cluster, Node node) {
        ProcessHandle ph = ProcessHandle.of(Long.parseLong(node.id())).orElseThrow();
        ph.destroyForcibly();
        ph.onExit().join();
    }

    @Override
    protected long platformRequests() {
        return ProcessHandle.current().descendants().count();
    }

    @Test
    void isFoundByServiceLoaderUnderItsName() {
        assertThat(CloudProviders.load().available()).contains("procs");
        assertThat(CloudProviders.load().require("procs")).isInstanceOf(ProcsProvider.class);
    }

    @Test
    void aBadSettingIsRefusedNamingItsKey() {
        assertThatThrownBy(() -> ProcsSettings.of(Map.of(ProcsSettings.MAX_WORKERS, "many")))
                .hasMessage("procs.max-workers must be a whole number (was 'many')");
        assertThat(ProcsSettings.of(Map.of()).maxWorkers()).isEqualTo(ProcsSettings.DEFAULT_MAX_WORKERS);
    }

    private static String clusterId(ProcessHandle ph) {
        return ProcsProvider.tags(ph).get(ClusterContext.ID_TAG);
    }
}
