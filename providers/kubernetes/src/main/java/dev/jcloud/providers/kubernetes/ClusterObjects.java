package dev.jcloud.providers.kubernetes;

import dev.jcloud.provisioner.ClusterContext;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shared objects of a cluster, built without calling the API server (so that {@code up}, the
 * dry-run plan and the manifest export make the same ones). Every object but the cluster object
 * is owned by it ({@code ownerReferences}), so deleting the cluster object makes the API server's
 * garbage collector remove the whole cluster.
 */
final class ClusterObjects {

    static final int SCHEDULER_PORT = 8786;
    static final int DASHBOARD_PORT = 8787;

    private ClusterObjects() {}

    /** The cluster object: a ConfigMap that owns everything else and records who the cluster is. */
    static ConfigMap clusterObject(ClusterContext cluster, String namespace) {
        return new ConfigMapBuilder()
                .withMetadata(new ObjectMetaBuilder()
                        .withName(Labels.clusterObject(cluster.name()))
                        .withNamespace(namespace)
                        .withLabels(Labels.shared(cluster))
                        .withAnnotations(Map.of(Labels.CREATED, Instant.now().toString()))
                        .build())
                .withData(Map.of("cluster", cluster.name(), "cluster-id", cluster.id()))
                .build();
    }

    /** The reference every other object of the cluster carries to the cluster object. */
    static OwnerReference ownedBy(ConfigMap clusterObject) {
        return new OwnerReferenceBuilder()
                .withApiVersion("v1")
                .withKind("ConfigMap")
                .withName(clusterObject.getMetadata().getName())
                .withUid(clusterObject.getMetadata().getUid())
                .build();
    }

    /** Metadata of a shared object named {@code name}, owned by {@code owner} (none when null: an export). */
    static ObjectMeta meta(ClusterContext cluster, String namespace, String name, OwnerReference owner) {
        ObjectMetaBuilder b =
                new ObjectMetaBuilder().withName(name).withNamespace(namespace).withLabels(Labels.shared(cluster));
        if (owner != null) {
            b.withOwnerReferences(owner);
        }
        return b.build();
    }

    static ServiceAccount serviceAccount(ClusterContext cluster, String namespace, OwnerReference owner) {
        return new ServiceAccountBuilder()
                .withMetadata(meta(cluster, namespace, Labels.schedulerIdentity(cluster.name()), owner))
                .build();
    }

    /**
     * The scheduler's only rights: create, delete, list and watch pods in its namespace (its
     * workers, by name), and read and delete its own cluster object (idle teardown deletes it).
     */
    static Role role(ClusterContext cluster, String namespace, OwnerReference owner) {
        return new RoleBuilder()
                .withMetadata(meta(cluster, namespace, Labels.schedulerIdentity(cluster.name()), owner))
                .withRules(
                        new PolicyRuleBuilder()
                                .withApiGroups("")
                                .withResources("pods")
                                .withVerbs(PODS_VERBS)
                                .build(),
                        new PolicyRuleBuilder()
                                .withApiGroups("")
                                .withResources("configmaps")
                                .withResourceNames(Labels.clusterObject(cluster.name()))
                                .withVerbs("get", "delete")
                                .build())
                .build();
    }

    /** What the scheduler may do with pods. */
    static final List<String> PODS_VERBS = List.of("create", "delete", "list", "watch");

    static RoleBinding roleBinding(
            ClusterContext cluster, String namespace, String serviceAccount, OwnerReference owner) {
        return new RoleBindingBuilder()
                .withMetadata(meta(cluster, namespace, Labels.schedulerIdentity(cluster.name()), owner))
                .withNewRoleRef()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("Role")
                .withName(Labels.schedulerIdentity(cluster.name()))
                .endRoleRef()
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName(serviceAccount)
                .withNamespace(namespace)
                .endSubject()
                .build();
    }

    /** The pods' TLS material, file name to content; mounted read-only, never in env or args. */
    static Secret tlsSecret(ClusterContext cluster, String namespace, Map<String, byte[]> files, OwnerReference owner) {
        Map<String, String> data = new LinkedHashMap<>();
        files.forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v)));
        return new SecretBuilder()
                .withMetadata(meta(cluster, namespace, Labels.tlsSecret(cluster.name()), owner))
                .withType("Opaque")
                .withData(data)
                .build();
    }

    /** The scheduler's Service: engine and dashboard ports. */
    static Service service(ClusterContext cluster, String namespace, String type, OwnerReference owner) {
        return new ServiceBuilder()
                .withMetadata(meta(cluster, namespace, Labels.service(cluster.name()), owner))
                .withNewSpec()
                .withType(type)
                .withSelector(Map.of(Labels.CLUSTER_ID, cluster.id(), Labels.ROLE, "scheduler"))
                .addNewPort()
                .withName("engine")
                .withPort(SCHEDULER_PORT)
                .withTargetPort(new IntOrString(SCHEDULER_PORT))
                .endPort()
                .addNewPort()
                .withName("dashboard")
                .withPort(DASHBOARD_PORT)
                .withTargetPort(new IntOrString(DASHBOARD_PORT))
                .endPort()
                .endSpec()
                .build();
    }

    /**
     * Who reaches the cluster's pods: the cluster's own pods on any port, and the blocks of
     * {@code allowFrom} the scheduler's engine and dashboard ports. Egress is not limited (the
     * scheduler talks to the API server, workers may read data from anywhere).
     */
    static NetworkPolicy networkPolicy(
            ClusterContext cluster, String namespace, List<String> allowFrom, OwnerReference owner) {
        NetworkPolicyPeer ownPods = new NetworkPolicyPeerBuilder()
                .withNewPodSelector()
                .withMatchLabels(Map.of(Labels.CLUSTER_ID, cluster.id()))
                .endPodSelector()
                .build();
        NetworkPolicyBuilder b = new NetworkPolicyBuilder()
                .withMetadata(meta(cluster, namespace, Labels.networkPolicy(cluster.name()), owner))
                .withNewSpec()
                .withNewPodSelector()
                .withMatchLabels(Map.of(Labels.CLUSTER_ID, cluster.id()))
                .endPodSelector()
                .withPolicyTypes("Ingress")
                .addNewIngress()
                .withFrom(ownPods)
                .endIngress()
                .endSpec();
        if (!allowFrom.isEmpty()) {
            b.editSpec()
                    .addNewIngress()
                    .withFrom(allowFrom.stream()
                            .map(cidr -> new NetworkPolicyPeerBuilder()
                                    .withNewIpBlock()
                                    .withCidr(cidr)
                                    .endIpBlock()
                                    .build())
                            .toList())
                    .addNewPort()
                    .withProtocol("TCP")
                    .withPort(new IntOrString(SCHEDULER_PORT))
                    .endPort()
                    .addNewPort()
                    .withProtocol("TCP")
                    .withPort(new IntOrString(DASHBOARD_PORT))
                    .endPort()
                    .endIngress()
                    .endSpec();
        }
        return b.build();
    }
}
