package dev.jcloud.provisioner;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a provider needs to know about the cluster it works on.
 *
 * @param name    the user's name for the cluster
 * @param id      a unique id given at {@code up}; every node carries it as a tag so that the
 *                cluster's nodes can be found again from any process (the provider's view is the
 *                truth, local state only a cache)
 * @param workDir a directory on this machine for the cluster's local files (logs, address files)
 * @param options provider-specific settings, kept with the cluster's state so that later commands
 *                (scale, down) use the same ones
 */
public record ClusterContext(String name, String id, Path workDir, Map<String, String> options) {

    /** Tag key carrying the cluster's name. */
    public static final String NAME_TAG = "jcloud.cluster";
    /** Tag key carrying the cluster's unique id. */
    public static final String ID_TAG = "jcloud.cluster-id";
    /** Tag key carrying the node's name. */
    public static final String NODE_TAG = "jcloud.node";
    /** Tag key carrying the node's role. */
    public static final String ROLE_TAG = "jcloud.role";

    public ClusterContext {
        requireNonNull(name, "name is null");
        requireNonNull(id, "id is null");
        requireNonNull(workDir, "workDir is null");
        options = Map.copyOf(options);
    }

    /** The option {@code key}, or {@code fallback} when unset. */
    public String option(String key, String fallback) {
        return options.getOrDefault(key, fallback);
    }

    /** The tags every node of this cluster carries. */
    public Map<String, String> tags() {
        return Map.of(NAME_TAG, name, ID_TAG, id);
    }
}
