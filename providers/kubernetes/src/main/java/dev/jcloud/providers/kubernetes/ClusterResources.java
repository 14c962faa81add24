package dev.jcloud.providers.kubernetes;

import dev.jcloud.provisioner.GcReport;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Every labelled object of jcloud's clusters in a namespace: listed, collected and deleted by label. */
final class ClusterResources {

    private ClusterResources() {}

    /** The kinds a cluster is made of, the cluster object last (deleting it first would race the API's gc). */
    static List<HasMetadata> list(KubernetesClient client, String namespace, Map<String, String> labels) {
        List<HasMetadata> out = new ArrayList<>();
        out.addAll(
                client.pods().inNamespace(namespace).withLabels(labels).list().getItems());
        out.addAll(client.services()
                .inNamespace(namespace)
                .withLabels(labels)
                .list()
                .getItems());
        out.addAll(client.apps()
                .deployments()
                .inNamespace(namespace)
                .withLabels(labels)
                .list()
                .getItems());
        out.addAll(client.network()
                .v1()
                .networkPolicies()
                .inNamespace(namespace)
                .withLabels(labels)
                .list()
                .getItems());
        out.addAll(client.secrets()
                .inNamespace(namespace)
                .withLabels(labels)
                .list()
                .getItems());
        out.addAll(client.rbac()
                .roleBindings()
                .inNamespace(namespace)
                .withLabels(labels)
                .list()
                .getItems());
        out.addAll(client.rbac()
                .roles()
                .inNamespace(namespace)
                .withLabels(labels)
                .list()
                .getItems());
        out.addAll(client.serviceAccounts()
                .inNamespace(namespace)
                .withLabels(labels)
                .list()
                .getItems());
        out.addAll(client.configMaps()
                .inNamespace(namespace)
                .withLabels(labels)
                .list()
                .getItems());
        return out;
    }

    /** Deletes every object with {@code labels}, pods first and the cluster object last. */
    static void deleteAll(KubernetesClient client, String namespace, Map<String, String> labels) {
        for (HasMetadata m : list(client, namespace, labels)) {
            client.resource(m).inNamespace(namespace).delete();
        }
    }

    /**
     * Objects of clusters without a live scheduler pod, older than {@code minAge} (by their
     * cluster object, else by themselves), deleted unless {@code dryRun}.
     */
    static GcReport gc(KubernetesClient client, String namespace, boolean dryRun, Duration minAge) {
        List<HasMetadata> all = list(client, namespace, Map.of());
        Set<String> live = new HashSet<>();
        Map<String, Instant> born = new LinkedHashMap<>();
        for (HasMetadata m : all) {
            String id = m.getMetadata().getLabels() == null
                    ? null
                    : m.getMetadata().getLabels().get(Labels.CLUSTER_ID);
            if (id == null) {
                continue;
            }
            if (m instanceof Pod p
                    && "scheduler".equals(p.getMetadata().getLabels().get(Labels.ROLE))
                    && !PodStates.gone(p)) {
                live.add(id);
            }
            Instant created = created(m);
            born.merge(id, created, (a, b) -> a.isBefore(b) ? a : b);
        }
        Instant youngest = Instant.now().minus(minAge);
        List<GcReport.Item> items = new ArrayList<>();
        Set<String> doomed = new HashSet<>();
        for (HasMetadata m : all) {
            Map<String, String> l = m.getMetadata().getLabels();
            String id = l == null ? null : l.get(Labels.CLUSTER_ID);
            if (id == null || live.contains(id) || born.get(id).isAfter(youngest)) {
                continue;
            }
            items.add(new GcReport.Item(
                    l.getOrDefault(Labels.CLUSTER, "?"),
                    id,
                    m.getKind().toLowerCase(java.util.Locale.ROOT),
                    m.getMetadata().getName()));
            doomed.add(id);
        }
        if (!dryRun) {
            for (String id : doomed) {
                deleteAll(client, namespace, Map.of(Labels.CLUSTER_ID, id));
            }
        }
        return new GcReport(items, !dryRun);
    }

    private static Instant created(HasMetadata m) {
        String annotated = m.getMetadata().getAnnotations() == null
                ? null
                : m.getMetadata().getAnnotations().get(Labels.CREATED);
        String ts = annotated != null ? annotated : m.getMetadata().getCreationTimestamp();
        try {
            return ts == null ? Instant.EPOCH : Instant.parse(ts);
        } catch (RuntimeException e) {
            return Instant.EPOCH;
        }
    }
}
