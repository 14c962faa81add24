package dev.jcloud.providers.gcp;

import java.util.List;

/**
 * What {@link GcpProvider#gc} found: resources made by jcloud whose cluster has no live scheduler.
 *
 * @param items   one line per resource
 * @param deleted whether they were deleted (false for a dry run)
 */
public record GcReport(List<Item> items, boolean deleted) {

    public GcReport {
        items = List.copyOf(items);
    }

    /** One orphaned resource: {@code kind} is instance, disk, firewall, secret or service-account. */
    public record Item(String clusterName, String clusterId, String kind, String id) {
    }

    /** The ids of the clusters with orphaned resources. */
    public List<String> clusterIds() {
        return items.stream().map(Item::clusterId).distinct().toList();
    }
}
