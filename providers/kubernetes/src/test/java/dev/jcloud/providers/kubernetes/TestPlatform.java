package dev.jcloud.providers.kubernetes;

import dev.jcloud.provisioner.tls.ClusterTrust;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A Kubernetes for tests, on this machine: the {@link MockApiServer}, its {@link GarbageCollector}
 * and a {@link FakeKubelet} running the pods of one namespace as engine processes.
 */
final class TestPlatform implements AutoCloseable {

    static final String NAMESPACE = "data";

    final MockApiServer api;
    final NamespacedKubernetesClient admin;
    final GarbageCollector gc;
    final FakeKubelet kubelet;

    TestPlatform(Path dir) {
        api = new MockApiServer(dir.resolve("api"));
        admin = api.client();
        gc = new GarbageCollector(admin, NAMESPACE);
        kubelet = new FakeKubelet(admin, NAMESPACE, dir.resolve("kubelet"), api.podKubeconfig());
        api.logsFrom(kubelet::log);
    }

    /** What every cluster of the tests is created with: the mock's kubeconfig, the namespace, the test image, TLS. */
    Map<String, String> options() {
        return Map.of(
                KubernetesSettings.KUBECONFIG.path(),
                api.kubeconfig().toString(),
                KubernetesSettings.NAMESPACE.path(),
                NAMESPACE,
                KubernetesSettings.IMAGE.path(),
                FakeKubelet.IMAGE,
                ClusterTrust.OPTION,
                "true");
    }

    /** Every object of the namespace, labelled or not. */
    List<HasMetadata> objects() {
        return ClusterResources.list(admin, NAMESPACE, Map.of());
    }

    @Override
    public void close() {
        kubelet.close();
        gc.close();
        admin.close();
        api.close();
    }
}
