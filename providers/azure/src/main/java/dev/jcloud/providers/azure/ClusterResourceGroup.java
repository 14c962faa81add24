package dev.jcloud.providers.azure;

import com.azure.core.management.exception.ManagementException;
import com.azure.core.util.Context;
import com.azure.resourcemanager.resources.fluent.ResourceGroupsClient;
import com.azure.resourcemanager.resources.fluent.models.ResourceGroupInner;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ProvisionException;
import java.time.Instant;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's resource group: everything the cluster creates lives in it, so deleting it removes
 * everything (VMs, disks, NICs, addresses, network, identity and the role assignment scoped to it)
 * and cannot leave an orphan behind.
 */
final class ClusterResourceGroup {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterResourceGroup.class);
    /** Asks Azure to force-delete the group's VMs, which skips the guest's graceful shutdown. */
    private static final String FORCE_DELETE_TYPES = "Microsoft.Compute/virtualMachines";

    private final AzureClients azure;

    ClusterResourceGroup(AzureClients azure) {
        this.azure = azure;
    }

    /** Creates the group, or checks that an existing one of that name belongs to this cluster. */
    void ensure(ClusterContext cluster, String location, Map<String, String> tags) {
        String name = AzureNames.group(cluster);
        ResourceGroupsClient groups = azure.resources().getResourceGroups();
        ResourceGroupInner existing = Lro.orNull(() -> groups.get(name));
        if (existing != null) {
            if (!AzureTags.ofCluster(existing.tags(), cluster.id())) {
                throw new ProvisionException("resource group " + name + " exists but is not tagged "
                        + ClusterContext.ID_TAG + "=" + cluster.id() + ": it belongs to something else; choose another"
                        + " cluster name");
            }
            if ("Deleting"
                    .equalsIgnoreCase(
                            existing.properties() == null
                                    ? null
                                    : existing.properties().provisioningState())) {
                throw new ProvisionException("resource group " + name + " is being deleted: wait until it is gone");
            }
            return;
        }
        groups.createOrUpdate(
                name, new ResourceGroupInner().withLocation(location).withTags(tags));
        LOG.info("{}: created resource group {} in {}", cluster.name(), name, location);
    }

    /** The group, or null when it does not exist. */
    ResourceGroupInner find(ClusterContext cluster) {
        return Lro.orNull(() -> azure.resources().getResourceGroups().get(AzureNames.group(cluster)));
    }

    /**
     * Deletes the group and waits, until {@code deadline}, until Azure reports it gone. A group that
     * does not exist (already deleted, never created) is fine.
     */
    void delete(ClusterContext cluster, Instant deadline) {
        String name = AzureNames.group(cluster);
        delete(cluster.name(), name, deadline);
    }

    void delete(String clusterName, String group, Instant deadline) {
        try {
            Lro.await(
                    azure.resources().getResourceGroups().beginDelete(group, FORCE_DELETE_TYPES, Context.NONE),
                    azure.pollInterval(),
                    deadline,
                    "resource group " + group + " is deleted");
            LOG.info("{}: deleted resource group {} and everything in it", clusterName, group);
        } catch (ManagementException e) {
            if (!Lro.notFound(e)) {
                throw e;
            }
        } catch (Lro.Failed e) {
            if (!Lro.notFound(e)) {
                throw new ProvisionException(
                        "could not delete resource group " + group + " of cluster " + clusterName
                                + ": " + e.getMessage() + "; run 'jcloud cluster down " + clusterName
                                + "' again, or delete it"
                                + " with 'az group delete -n " + group + "'",
                        e);
            }
        }
    }
}
