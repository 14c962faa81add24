package dev.jcloud.provisioner;

import java.util.List;

/**
 * What {@link CloudProvider#gc} found: resources carrying jcloud's cluster tags or labels whose
 * cluster has no live scheduler (a laptop that died during {@code up}, a {@code down} that was
 * interrupted, what a scheduler could not delete about itself at idle teardown).
 *
 * @param items   one line per resource
 * @param deleted whether they were deleted (false for a dry run)
 */
public record GcReport(List<Item> items, boolean deleted) {

    public GcReport {
        items = List.copyOf(items);
    }

    /**
     * One orphaned resource.
     *
     * @param kind     instance, security-group, iam-role, vpc, ecs-cluster, firewall, resource-group...
     * @param contains how many machines it holds (a resource group), 0 otherwise
     */
    public record Item(String clusterName, String clusterId, String kind, String id, int contains) {

        public Item(String clusterName, String clusterId, String kind, String id) {
            this(clusterName, clusterId, kind, id, 0);
        }
    }

    /** The ids of the clusters the orphaned resources belong to. */
    public List<String> clusterIds() {
        return items.stream().map(Item::clusterId).distinct().toList();
    }
}
