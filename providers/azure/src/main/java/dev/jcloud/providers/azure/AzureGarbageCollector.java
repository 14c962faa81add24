package dev.jcloud.providers.azure;

import com.azure.core.util.Context;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.resources.fluent.models.ResourceGroupInner;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.GcReport;
import dev.jcloud.provisioner.NodeRole;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds what jcloud left behind in a subscription: resource groups tagged with a cluster id whose
 * cluster has no running scheduler VM (a crashed {@code up}, a laptop that died, a scheduler that was
 * stopped or evicted), and deletes them. A group holds everything of its cluster, so one delete per
 * cluster removes all of it, except its controller's grants on the shared engine cache, which
 * {@link EngineCacheGrants#collectOrphans} finds and removes afterwards.
 */
final class AzureGarbageCollector {

    private static final Logger LOG = LoggerFactory.getLogger(AzureGarbageCollector.class);
    /** ARM's filter for resource groups carrying a tag, whatever its value. */
    static final String JCLOUD_TAGGED = "tagName eq '" + ClusterContext.ID_TAG + "'";

    private final AzureProvider provider;

    AzureGarbageCollector(AzureProvider provider) {
        this.provider = provider;
    }

    GcReport collect(Map<String, String> settings, boolean dryRun, Duration minAge) {
        AzureOptions options = AzureOptions.of(settings);
        AzureClients azure = provider.clients(options);
        Instant youngest = Instant.now().minus(minAge);
        List<GcReport.Item> items = new ArrayList<>();
        Map<String, String> locations = new java.util.HashMap<>();
        ClusterVms clusterVms = new ClusterVms(azure);
        for (ResourceGroupInner group : azure.resources().getResourceGroups().list(JCLOUD_TAGGED, null, Context.NONE)) {
            String id = AzureTags.get(group.tags(), ClusterContext.ID_TAG);
            String name = AzureTags.get(group.tags(), ClusterContext.NAME_TAG);
            // Only groups jcloud named itself: a tag copied by hand onto another group must not get it deleted.
            if (id == null
                    || !group.name().equalsIgnoreCase("jcloud-" + name + "-" + id)
                    || Instant.ofEpochSecond(parse(AzureTags.get(group.tags(), AzureTags.CREATED)))
                            .isAfter(youngest)) {
                continue;
            }
            List<VirtualMachineInner> vms = clusterVms.find(group.name(), id);
            // The scheduler's power state needs its instance view: a stopped scheduler serves nobody.
            boolean alive = vms.stream()
                    .filter(vm -> ClusterVms.node(vm).role() == NodeRole.SCHEDULER)
                    .map(vm -> clusterVms.get(group.name(), vm.name()))
                    .anyMatch(vm -> vm != null && ClusterVms.alive(vm));
            if (!alive) {
                items.add(new GcReport.Item(name, id, "resource-group", group.name(), vms.size()));
                locations.put(group.name(), group.location());
            }
        }
        // Grants on the shared engine cache lie outside any cluster's group: collected on their own.
        EngineCacheGrants grants = new EngineCacheGrants(azure, options);
        java.util.Set<String> doomed = new java.util.HashSet<>(
                items.stream().map(GcReport.Item::clusterId).toList());
        if (dryRun) {
            items.addAll(grants.collectOrphans(doomed, true));
            return new GcReport(items, false);
        }
        ClusterResourceGroup groups = new ClusterResourceGroup(azure);
        for (GcReport.Item item : items) {
            LOG.info(
                    "gc: deleting resource group {} of cluster {} ({}), {} VM(s) in it",
                    item.id(),
                    item.clusterName(),
                    item.clusterId(),
                    item.contains());
            Instant deadline = Instant.now().plus(options.deleteTimeout());
            groups.delete(String.valueOf(item.clusterName()), item.id(), deadline);
            // A cluster with TLS had Key Vaults in its group: soft-deleted with it, purged here.
            new ClusterVaults(azure)
                    .purgeDeleted(
                            String.valueOf(item.clusterName()), item.clusterId(), locations.get(item.id()), deadline);
        }
        items.addAll(grants.collectOrphans(doomed, false));
        return new GcReport(items, true);
    }

    private static long parse(String epochSeconds) {
        try {
            return epochSeconds == null ? 0 : Long.parseLong(epochSeconds);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
