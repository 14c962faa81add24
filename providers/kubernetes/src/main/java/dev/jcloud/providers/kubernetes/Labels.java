package dev.jcloud.providers.kubernetes;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.NodeRole;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The labels every object of a cluster carries, and the names of its objects. The labels find a
 * cluster's objects from any machine ({@code kubectl get all,cm,secret,sa,role,rolebinding,netpol
 * -l jcloud.dev/cluster-id=ID}); names are derived from the cluster's name, which is unique in
 * its namespace.
 */
public final class Labels {

    public static final String PREFIX = "jcloud.dev/";
    /** The cluster's name. */
    public static final String CLUSTER = PREFIX + "cluster";
    /** The cluster's unique id. */
    public static final String CLUSTER_ID = PREFIX + "cluster-id";
    /** {@code scheduler} or {@code worker} on pods; {@code cluster} on shared objects. */
    public static final String ROLE = PREFIX + "role";
    /** The node's name, on pods. */
    public static final String NODE = PREFIX + "node";
    /** Annotation on the cluster object: when it was created (gc leaves younger clusters alone). */
    public static final String CREATED = PREFIX + "created";

    static final String SHARED_ROLE = "cluster";

    private Labels() {}

    /** The labels of a shared object of {@code cluster}. */
    public static Map<String, String> shared(ClusterContext cluster) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(CLUSTER, cluster.name());
        labels.put(CLUSTER_ID, cluster.id());
        labels.put(ROLE, SHARED_ROLE);
        return labels;
    }

    /** The labels of pod {@code node} of {@code cluster}. */
    public static Map<String, String> pod(ClusterContext cluster, String node, NodeRole role) {
        Map<String, String> labels = shared(cluster);
        labels.put(ROLE, role.label());
        labels.put(NODE, node);
        return labels;
    }

    /** The selector of every object of {@code cluster}. */
    public static Map<String, String> ofCluster(ClusterContext cluster) {
        return Map.of(CLUSTER_ID, cluster.id());
    }

    /** The cluster object: the owner of every other object; deleting it deletes the cluster. */
    public static String clusterObject(String cluster) {
        return "jcloud-" + cluster;
    }

    /** The service account, role and role binding of the scheduler. */
    public static String schedulerIdentity(String cluster) {
        return "jcloud-" + cluster + "-scheduler";
    }

    /** The Secret holding the pods' TLS material. */
    public static String tlsSecret(String cluster) {
        return "jcloud-" + cluster + "-tls";
    }

    /** The scheduler's Service: the engine and dashboard ports. */
    public static String service(String cluster) {
        return "jcloud-" + cluster;
    }

    /** The NetworkPolicy limiting who reaches the cluster's ports. */
    public static String networkPolicy(String cluster) {
        return "jcloud-" + cluster;
    }
}
