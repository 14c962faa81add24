package dev.jcloud.providers.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The part of the API server's garbage collector jcloud relies on, which the mock lacks: an
 * object whose every owner (by {@code ownerReferences} uid) is gone is deleted, in the background
 * (foreground deletion and finalizers are not modelled). It looks at the namespace's objects
 * every 100 ms, as the real collector reacts to deletions it watches.
 */
final class GarbageCollector implements AutoCloseable {

    private final KubernetesClient client;
    private final String namespace;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "test-api-gc");
        t.setDaemon(true);
        return t;
    });

    GarbageCollector(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
        timer.scheduleWithFixedDelay(this::collect, 100, 100, TimeUnit.MILLISECONDS);
    }

    private void collect() {
        try {
            List<HasMetadata> all = ClusterResources.list(client, namespace, Map.of());
            Set<String> uids = new HashSet<>();
            all.forEach(m -> uids.add(m.getMetadata().getUid()));
            for (HasMetadata m : all) {
                List<OwnerReference> owners = m.getMetadata().getOwnerReferences();
                if (owners != null && !owners.isEmpty() && owners.stream().noneMatch(o -> uids.contains(o.getUid()))) {
                    client.resource(m).inNamespace(namespace).delete();
                }
            }
        } catch (KubernetesClientException | IllegalStateException e) {
            // the server is shutting down, or an object went meanwhile: the next round sees
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
