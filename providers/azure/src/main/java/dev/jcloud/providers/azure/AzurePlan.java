package dev.jcloud.providers.azure;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.UpPlan;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.util.List;

/**
 * What {@code cluster up --provider azure --dry-run} shows: the steps of
 * {@link AzureProvider#bootstrap} and its launches, from the options alone.
 */
final class AzurePlan {

    private AzurePlan() {}

    static List<UpPlan.Step> of(ClusterContext cluster, AzureOptions options, int workers) {
        boolean tls = ClusterTrust.enabled(cluster.options());
        UpPlan.Builder plan = new UpPlan.Builder();
        plan.check(
                "your Azure identity, subscription " + options.subscription() + ", location " + options.location(),
                "DefaultAzureCredential",
                "the identity is logged, never stored");
        plan.create(
                "resource group " + AzureNames.group(cluster),
                "Microsoft.Resources/resourceGroups write",
                "everything below lives in it; 'down' deletes the group");
        if (options.existingSubnetId().isPresent()) {
            plan.check(
                    "subnet " + options.existingSubnetId().get(), "Microsoft.Network/virtualNetworks/subnets read", "");
        } else {
            plan.create(
                    "virtual network " + AzureNames.VNET + " (" + ClusterNetwork.ADDRESS_SPACE + ") and subnet "
                            + AzureNames.SUBNET,
                    "Microsoft.Network/virtualNetworks write",
                    "");
        }
        String from = options.allowFrom().isEmpty()
                ? "your public address /32 (looked up at up)"
                : String.join(", ", options.allowFrom());
        plan.create(
                "network security group " + AzureNames.NSG + " and application security group " + AzureNames.MEMBERS,
                "Microsoft.Network/networkSecurityGroups write, Microsoft.Network/applicationSecurityGroups write",
                "tcp " + AzureNames.SCHEDULER_PORT + "," + AzureNames.DASHBOARD_PORT + " from " + from
                        + "; all traffic between members; the rest of the VNet denied");
        plan.create(
                "managed identity " + AzureNames.CONTROLLER_IDENTITY + " for the scheduler",
                "Microsoft.ManagedIdentity/userAssignedIdentities write, Microsoft.Authorization/roleAssignments write",
                "Contributor on the cluster's resource group only");
        if (options.engineUrl().isPresent()) {
            plan.check(
                    "engine " + options.engineUrl().get(),
                    "none (downloaded by the machines)",
                    "SHA-256 " + options.engineSha256().orElse("?"));
        } else {
            plan.upload(
                    "engine bundle to storage account "
                            + EngineUploads.account(options.subscription(), options.location()) + " in "
                            + EngineUploads.group(options.location())
                            + ", container engines (once per version)",
                    "Microsoft.Storage/storageAccounts write, listKeys, Put Blob / Put Block List,"
                            + " Microsoft.Authorization/roleAssignments write",
                    "private; machines fetch over a 1-hour read-only SAS for that blob and check its SHA-256; the"
                            + " controller may only read the container (Storage Blob Data Reader) and sign user"
                            + " delegation SAS (Storage Blob Delegator on the account), never list keys");
        }
        if (tls) {
            plan.create(
                    "managed identity " + AzureNames.WORKER_IDENTITY + " for the workers",
                    "Microsoft.ManagedIdentity/userAssignedIdentities write",
                    "no Azure role; reads the workers' vault only");
            plan.create(
                    "the cluster's CA, certificates and dashboard token (on this machine, 0600)",
                    "none (local)",
                    "the CA's and the client's keys never leave this machine");
            plan.store(
                    "Key Vaults " + ClusterVaults.vaultName(cluster, NodeRole.SCHEDULER) + " (scheduler's files) and "
                            + ClusterVaults.vaultName(cluster, NodeRole.WORKER) + " (workers' files)",
                    "Microsoft.KeyVault/vaults write, accessPolicies write, secrets set",
                    "each readable only by its role's identity; fetched at boot into 0600 files");
        }
        plan.launch(
                "scheduler VM " + ClusterNames.scheduler(cluster.name()) + " (" + options.schedulerVmSize()
                        + (options.publicIp() ? ", with a public IP" : ", private") + ")",
                "Microsoft.Network/networkInterfaces write, Microsoft.Compute/virtualMachines write",
                "boot script as custom data, no secret in it");
        plan.launch(
                workers + " worker VM(s) (" + options.vmSize()
                        + (options.spot()
                                ? ", Spot with eviction Delete; regular priority when Spot is refused)"
                                : ")"),
                "Microsoft.Network/networkInterfaces write, Microsoft.Compute/virtualMachines write",
                "no public IP; at most " + options.maxWorkers() + " workers");
        return plan.steps();
    }
}
