package dev.jcloud.providers.azure;

import com.azure.resourcemanager.msi.fluent.models.IdentityInner;
import dev.jcloud.provisioner.ClusterContext;
import java.util.Map;

/**
 * The workers' cloud identity, only with TLS: a user-assigned managed identity
 * {@value AzureNames#WORKER_IDENTITY} in the cluster's resource group, attached to worker VMs, with
 * no Azure role at all. Its one use is reading the workers' TLS files from the workers' Key Vault
 * ({@link ClusterVaults}) at boot; the controller's identity, which may manage the whole group,
 * stays on the scheduler.
 */
final class WorkerIdentity {

    private final AzureClients azure;

    WorkerIdentity(AzureClients azure) {
        this.azure = azure;
    }

    /** Creates the identity where missing and returns it (principal id and client id included). */
    IdentityInner ensure(ClusterContext cluster, AzureOptions options, Map<String, String> tags) {
        return azure.msi()
                .getUserAssignedIdentities()
                .createOrUpdate(
                        AzureNames.group(cluster),
                        AzureNames.WORKER_IDENTITY,
                        new IdentityInner().withLocation(options.location()).withTags(tags));
    }

    /** The identity's client id, which the boot-time fetcher names to the instance metadata service; not a secret. */
    String clientId(ClusterContext cluster) {
        return azure.msi()
                .getUserAssignedIdentities()
                .getByResourceGroup(AzureNames.group(cluster), AzureNames.WORKER_IDENTITY)
                .clientId()
                .toString();
    }

    static String id(AzureOptions options, ClusterContext cluster) {
        return AzureNames.groupId(options.subscription(), AzureNames.group(cluster))
                + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + AzureNames.WORKER_IDENTITY;
    }
}
