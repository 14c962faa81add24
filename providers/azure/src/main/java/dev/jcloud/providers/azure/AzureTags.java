package dev.jcloud.providers.azure;

import dev.jcloud.provisioner.ClusterContext;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The tags every Azure resource of a cluster carries, so that any process finds it again: the keys
 * of {@link ClusterContext} ({@code jcloud.cluster}, {@code jcloud.cluster-id}, {@code jcloud.role},
 * {@code jcloud.node}) plus creator, jcloud version and creation time.
 *
 * <p>Azure tag names may not contain {@code < > % & \ ? /}, may not start with {@code microsoft},
 * {@code azure} or {@code windows}, and are at most 512 characters; values at most 256; a resource
 * holds at most 50 tags. jcloud's keys use only letters, '.' and '-', so they are used unchanged.
 * Tag names are case-insensitive in Azure (values are not): lookups here compare names ignoring case.
 */
final class AzureTags {

    static final String CREATOR = "jcloud.creator";
    static final String VERSION = "jcloud.version";
    /** Epoch seconds at creation, for gc's grace period (resource groups carry no creation time). */
    static final String CREATED = "jcloud.created";
    /**
     * Tags jcloud itself puts on a resource (at most 8, on a scheduler VM: cluster, id, role, node,
     * creator, version, engine, options); the rest of Azure's 50 are the user's.
     */
    static final int MAX_USER_TAGS = 50 - 8;

    static final String JCLOUD_VERSION = readVersion();

    private static final String FORBIDDEN = "<>%&\\?/";

    private AzureTags() {}

    /** The cluster's tags, user tags first so that jcloud's win on a clash. */
    static Map<String, String> of(ClusterContext cluster, AzureOptions options, String creator) {
        Map<String, String> tags = new LinkedHashMap<>(options.userTags());
        tags.putAll(cluster.tags());
        tags.put(CREATOR, truncate(creator));
        tags.put(VERSION, JCLOUD_VERSION);
        return tags;
    }

    /** The cluster's tags plus the creation time: for the resource group, which gc ages by it. */
    static Map<String, String> forGroup(ClusterContext cluster, AzureOptions options, String creator) {
        Map<String, String> tags = of(cluster, options, creator);
        tags.put(CREATED, Long.toString(Instant.now().getEpochSecond()));
        return tags;
    }

    /** {@code tags} plus a node's role and name. */
    static Map<String, String> node(Map<String, String> tags, String role, String name) {
        Map<String, String> out = new LinkedHashMap<>(tags);
        out.put(ClusterContext.ROLE_TAG, role);
        out.put(ClusterContext.NODE_TAG, name);
        return out;
    }

    /** The value of tag {@code name} (compared ignoring case, as Azure does), or null. */
    static String get(Map<String, String> tags, String name) {
        if (tags == null) {
            return null;
        }
        String exact = tags.get(name);
        if (exact != null) {
            return exact;
        }
        for (Map.Entry<String, String> e : tags.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    /** Whether {@code tags} mark a resource of the cluster with id {@code clusterId}. */
    static boolean ofCluster(Map<String, String> tags, String clusterId) {
        return clusterId.equals(get(tags, ClusterContext.ID_TAG));
    }

    /** Rejects a user tag Azure would refuse, naming the option. */
    static void checkUserTag(String option, String name, String value) {
        String lower = name.toLowerCase(Locale.ROOT);
        boolean badChar = name.chars().anyMatch(c -> FORBIDDEN.indexOf(c) >= 0 || Character.isISOControl(c));
        if (name.isBlank()
                || name.length() > 512
                || badChar
                || lower.startsWith("microsoft")
                || lower.startsWith("azure")
                || lower.startsWith("windows")
                || lower.startsWith("jcloud.")) {
            throw AzureOptions.invalid(
                    option,
                    name,
                    "a tag name of 1-512 characters without < > % & \\ ? / and not"
                            + " starting with microsoft, azure, windows or jcloud.");
        }
        if (value.length() > 256 || value.chars().anyMatch(Character::isISOControl)) {
            throw AzureOptions.invalid(
                    option, value, "a tag value of at most 256 characters without control characters");
        }
    }

    private static String truncate(String value) {
        return value.length() <= 256 ? value : value.substring(0, 256);
    }

    private static String readVersion() {
        try (InputStream in = AzureTags.class.getResourceAsStream("version.properties")) {
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
