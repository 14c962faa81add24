package dev.jcloud.providers.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.contract.CloudProviderContract;
import dev.jcloud.provisioner.contract.PlatformResource;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kubernetes provider passes the provider contract on the test platform: fabric8's mock API
 * server in CRUD mode, a garbage collector for ownerReferences and a kubelet running every pod as
 * a real engine JVM on its own loopback address, with TLS between them.
 */
class KubernetesProviderContractIT extends CloudProviderContract {

    private static TestPlatform platform;

    @BeforeAll
    static void startPlatform() throws Exception {
        platform = new TestPlatform(Files.createTempDirectory("jcloud-k8s-contract"));
    }

    @AfterAll
    static void stopPlatform() {
        if (platform != null) {
            platform.close();
        }
    }

    @Override
    protected CloudProvider newProvider() {
        return new KubernetesProvider();
    }

    @Override
    protected Map<String, String> options() {
        return platform.options();
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
        return Map.of(KubernetesSettings.MAX_WORKERS.path(), Integer.toString(max));
    }

    /** Every object of the namespace, of every kind a cluster makes, whatever its labels. */
    @Override
    protected List<PlatformResource> platformResources() {
        return platform.objects().stream()
                .map(o -> new PlatformResource(
                        o.getKind(),
                        o.getMetadata().getName(),
                        Optional.ofNullable(o.getMetadata().getLabels()).map(l -> l.get(Labels.CLUSTER_ID))))
                .toList();
    }

    /** The scheduler's container dies (a node failure): the pod ends Failed, its cluster has no scheduler. */
    @Override
    protected void crash(ClusterContext cluster, Node node) {
        platform.kubelet.kill(node.name());
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(10))
                .until(() -> newProvider().nodes(cluster).stream()
                        .noneMatch(n -> n.name().equals(node.name())));
    }

    @Override
    protected long platformRequests() {
        return platform.api.userRequests();
    }

    @Test
    void isFoundByServiceLoaderUnderItsName() {
        assertThat(CloudProviders.load().available()).contains("kubernetes");
        assertThat(CloudProviders.load().require("kubernetes")).isInstanceOf(KubernetesProvider.class);
    }
}
