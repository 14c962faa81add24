package dev.jcloud.providers.gcp;

import dev.jcloud.provisioner.ClusterContext;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The labels every labelled resource of a cluster carries (instances and their boot disks), so that
 * any process finds them again with a label filter.
 *
 * <p>GCP label keys allow only lower-case letters, digits, {@code _} and {@code -} (and must start
 * with a letter), so the keys of {@link ClusterContext} are mapped by replacing {@code .} with
 * {@code -}: {@code jcloud.cluster} becomes {@value #CLUSTER}, {@code jcloud.cluster-id}
 * {@value #CLUSTER_ID}, {@code jcloud.role} {@value #ROLE}, {@code jcloud.node} {@value #NODE}.
 * Values get the same treatment ({@link #value}): cluster names, ids, roles and node names already
 * fit; the creator's email and the version are lower-cased with other characters turned into
 * {@code _}. Firewall rules and service accounts have no labels in GCP: they are found by name
 * ({@link GceNames}) and carry the cluster's name and id in their description.
 */
final class Labels {

    /** Reserved prefix of jcloud's own label keys. */
    static final String PREFIX = "jcloud-";

    static final String CLUSTER = key(ClusterContext.NAME_TAG);
    static final String CLUSTER_ID = key(ClusterContext.ID_TAG);
    static final String ROLE = key(ClusterContext.ROLE_TAG);
    static final String NODE = key(ClusterContext.NODE_TAG);
    static final String CREATOR = "jcloud-creator";
    static final String VERSION = "jcloud-version";
    /** Room left for user labels: GCP allows 64 per resource. */
    static final int MAX_USER_LABELS = 64 - 6;

    static final String JCLOUD_VERSION = readVersion();

    private Labels() {}

    /** A {@link ClusterContext} tag key as a GCP label key: {@code .} becomes {@code -}. */
    static String key(String tagKey) {
        return tagKey.toLowerCase(Locale.ROOT).replace('.', '-');
    }

    /** Any text as a GCP label value: lower case, other characters than [a-z0-9_-] as {@code _}, at most 63. */
    static String value(String text) {
        String v = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "_");
        return v.length() > 63 ? v.substring(0, 63) : v;
    }

    /** The cluster's labels, user labels first so that ours win on a clash. */
    static Map<String, String> of(ClusterContext cluster, GcpOptions options, String creator) {
        Map<String, String> labels = new LinkedHashMap<>(options.userLabels());
        labels.put(CLUSTER, value(cluster.name()));
        labels.put(CLUSTER_ID, value(cluster.id()));
        labels.put(CREATOR, value(creator));
        labels.put(VERSION, value(JCLOUD_VERSION));
        return labels;
    }

    /** The list filter selecting one cluster's labelled resources. */
    static String clusterFilter(ClusterContext cluster) {
        return "labels." + CLUSTER_ID + " = \"" + cluster.id() + "\"";
    }

    /** The list filter selecting every jcloud-labelled resource. */
    static String anyClusterFilter() {
        return "labels." + CLUSTER_ID + ":*";
    }

    private static String readVersion() {
        try (InputStream in = Labels.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            String v = p.getProperty("version", "dev");
            return v.contains("${") ? "dev" : v;
        } catch (IOException e) {
            return "dev";
        }
    }
}
