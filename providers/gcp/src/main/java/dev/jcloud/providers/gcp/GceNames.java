package dev.jcloud.providers.gcp;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ProvisionException;
import java.util.Optional;

/**
 * Names of a cluster's GCP resources, derived from its name and id so that any process finds them
 * without local state, and unique within a project (two users may both have a cluster named
 * {@code analytics}).
 *
 * <ul>
 *   <li>instance: {@code <node name>-<first 8 of the id>}, e.g. {@code analytics-worker-3-3f9a01bc}
 *       (at most 40 + 8 + 6 + 9 = 63 characters, GCE's limit); its boot disk gets the same name;</li>
 *   <li>firewall rules: {@code jcloud-<id>-allow-from} and {@code jcloud-<id>-internal};</li>
 *   <li>network tags: {@code jcloud-<id>} on every node, {@code jcloud-<id>-scheduler} on the scheduler;</li>
 *   <li>service account: {@code jcloud-<id>@<project>.iam.gserviceaccount.com}.</li>
 * </ul>
 */
final class GceNames {

    /** Prefix of every firewall rule and service account jcloud creates. */
    static final String PREFIX = "jcloud-";

    private GceNames() {}

    /** The suffix of every instance name of the cluster. */
    static String instanceSuffix(ClusterContext cluster) {
        return "-" + cluster.id().substring(0, Math.min(8, cluster.id().length()));
    }

    static String instanceName(ClusterContext cluster, String nodeName) {
        String name = nodeName + instanceSuffix(cluster);
        if (!GcpOptions.RESOURCE_NAME.matcher(name).matches()) {
            throw new ProvisionException(
                    "the instance name '" + name + "' for node " + nodeName + " is not a valid"
                            + " Compute Engine name (at most 63 lower-case letters, digits or '-'): use a shorter cluster name");
        }
        return name;
    }

    /** The node name an instance name was made from, if it carries the cluster's suffix. */
    static Optional<String> nodeName(ClusterContext cluster, String instanceName) {
        String suffix = instanceSuffix(cluster);
        return instanceName.endsWith(suffix)
                ? Optional.of(instanceName.substring(0, instanceName.length() - suffix.length()))
                : Optional.empty();
    }

    static String allowFromFirewall(ClusterContext cluster) {
        return PREFIX + cluster.id() + "-allow-from";
    }

    static String internalFirewall(ClusterContext cluster) {
        return PREFIX + cluster.id() + "-internal";
    }

    /** Prefix of the cluster's firewall rule names. */
    static String firewallPrefix(ClusterContext cluster) {
        return PREFIX + cluster.id() + "-";
    }

    /** Network tag of every node of the cluster. */
    static String nodeTag(ClusterContext cluster) {
        return PREFIX + cluster.id();
    }

    /** Network tag of the scheduler, the only target of the allow-from rule. */
    static String schedulerTag(ClusterContext cluster) {
        return PREFIX + cluster.id() + "-scheduler";
    }

    static String serviceAccountId(ClusterContext cluster) {
        return PREFIX + cluster.id();
    }

    /** The service account's email; domain-scoped projects ({@code example.com:p}) use {@code p.example.com}. */
    static String serviceAccountEmail(ClusterContext cluster, String project) {
        int colon = project.indexOf(':');
        String domain = colon < 0 ? project : project.substring(colon + 1) + "." + project.substring(0, colon);
        return serviceAccountId(cluster) + "@" + domain + ".iam.gserviceaccount.com";
    }

    /**
     * What the description of a firewall rule or service account says, so that {@code gc} can tell
     * whose it is (those resources have no labels): {@code jcloud cluster NAME (id ID, created EPOCH)}.
     */
    static String description(ClusterContext cluster, String what, long createdEpochSecond) {
        return "jcloud cluster " + cluster.name() + " (id " + cluster.id() + ", created " + createdEpochSecond + "): "
                + what;
    }

    /** The cluster name, id and creation time read back from a {@link #description}. */
    static Optional<Described> parseDescription(String description) {
        if (description == null) {
            return Optional.empty();
        }
        var m = java.util.regex.Pattern.compile(
                        "jcloud cluster (\\S+) \\(id ([a-z0-9]+), created ([0-9]+)\\).*",
                        java.util.regex.Pattern.DOTALL)
                .matcher(description);
        return m.matches()
                ? Optional.of(new Described(m.group(1), m.group(2), Long.parseLong(m.group(3))))
                : Optional.empty();
    }

    /** Whose a firewall rule or service account is, from its description. */
    record Described(String clusterName, String clusterId, long createdEpochSecond) {}
}
