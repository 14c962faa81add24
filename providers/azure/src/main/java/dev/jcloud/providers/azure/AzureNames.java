package dev.jcloud.providers.azure;

import dev.jcloud.provisioner.ClusterContext;

/**
 * Names of a cluster's Azure resources. Everything lives in one resource group named after the
 * cluster and its id, so names inside it are fixed or derived from the node's name, and any process
 * finds them without state.
 */
final class AzureNames {

    static final int SCHEDULER_PORT = 8786;
    static final int DASHBOARD_PORT = 8787;
    static final String VNET = "jcloud-vnet";
    static final String SUBNET = "jcloud-nodes";
    static final String NSG = "jcloud-nsg";
    /** The application security group every node's NIC joins: "members of the cluster" in NSG rules. */
    static final String MEMBERS = "jcloud-members";

    static final String CONTROLLER_IDENTITY = "jcloud-controller";
    /** The workers' identity: no Azure role at all, only read access to the workers' vault. */
    static final String WORKER_IDENTITY = "jcloud-worker";

    static final String ADMIN_USER = "jcloud";

    private AzureNames() {}

    /** {@code jcloud-<name>-<id>}: at most 7 + 40 + 1 + 12 = 60 characters, under Azure's 90. */
    static String group(ClusterContext cluster) {
        return "jcloud-" + cluster.name() + "-" + cluster.id();
    }

    static String nic(String node) {
        return node + "-nic";
    }

    static String publicIp(String node) {
        return node + "-pip";
    }

    static String osDisk(String node) {
        return node + "-osdisk";
    }

    static String groupId(String subscription, String group) {
        return "/subscriptions/" + subscription + "/resourceGroups/" + group;
    }

    static String networkId(String subscription, String group, String type, String name) {
        return groupId(subscription, group) + "/providers/Microsoft.Network/" + type + "/" + name;
    }

    /** The last segment of a resource id. */
    static String lastSegment(String id) {
        return id.substring(id.lastIndexOf('/') + 1);
    }
}
