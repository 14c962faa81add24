package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ClusterContext;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * The tags every resource of a cluster carries, so that any process finds it again by tag: the
 * keys of {@link ClusterContext} (cluster, cluster-id, role, node) plus creator and jcloud version.
 */
final class Tags {

    static final String CREATOR = "jcloud.creator";
    static final String VERSION = "jcloud.version";
    /** Epoch seconds at creation, on shared resources (which have no creation time of their own) for gc's grace period. */
    static final String CREATED = "jcloud.created";

    static final String JCLOUD_VERSION = readVersion();
    /** How an instance is billed: {@link #SPOT} or {@link #ON_DEMAND}; the cost meter reads it. */
    static final String MARKET = "jcloud.market";

    static final String SPOT = "spot";
    static final String ON_DEMAND = "on-demand";

    private Tags() {}

    /** The cluster's tags for a resource, user tags first so that ours win on a clash. */
    static Map<String, String> of(ClusterContext cluster, AwsOptions options, String creator) {
        Map<String, String> tags = new LinkedHashMap<>(options.userTags());
        tags.putAll(cluster.tags());
        tags.put(CREATOR, creator);
        tags.put(VERSION, JCLOUD_VERSION);
        return tags;
    }

    static List<Tag> ec2(Map<String, String> tags) {
        List<Tag> out = new ArrayList<>();
        tags.forEach((k, v) -> out.add(Tag.builder().key(k).value(v).build()));
        return out;
    }

    static TagSpecification spec(ResourceType type, Map<String, String> tags) {
        return TagSpecification.builder().resourceType(type).tags(ec2(tags)).build();
    }

    static List<software.amazon.awssdk.services.iam.model.Tag> iam(Map<String, String> tags) {
        List<software.amazon.awssdk.services.iam.model.Tag> out = new ArrayList<>();
        tags.forEach((k, v) -> out.add(software.amazon.awssdk.services.iam.model.Tag.builder()
                .key(k)
                .value(v)
                .build()));
        return out;
    }

    /** The filter selecting resources of one cluster. */
    static Filter clusterFilter(ClusterContext cluster) {
        return Filter.builder()
                .name("tag:" + ClusterContext.ID_TAG)
                .values(cluster.id())
                .build();
    }

    static Map<String, String> toMap(List<Tag> tags) {
        Map<String, String> m = new LinkedHashMap<>();
        for (Tag t : tags) {
            m.put(t.key(), t.value());
        }
        return m;
    }

    private static String readVersion() {
        try (InputStream in = Tags.class.getResourceAsStream("version.properties")) {
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
