package dev.jcloud.providers.azure;

import java.util.List;

/**
 * What {@link AzureProvider#gc} found: resource groups jcloud created whose cluster has no running
 * scheduler.
 *
 * @param items   one line per leftover
 * @param deleted whether they were deleted (false for a dry run)
 */
public record GcReport(List<Item> items, boolean deleted) {

    public GcReport {
        items = List.copyOf(items);
    }

    /**
     * One leftover: {@code kind} is {@code resource-group} (deleting it removes everything in it),
     * {@code id} its name, {@code vms} how many VMs are still in it.
     */
    public record Item(String clusterName, String clusterId, String kind, String id, int vms) {
    }

    /** The ids of the clusters found. */
    public List<String> clusterIds() {
        return items.stream().map(Item::clusterId).distinct().toList();
    }
}
