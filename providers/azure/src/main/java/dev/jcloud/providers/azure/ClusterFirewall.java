package dev.jcloud.providers.azure;

import com.azure.resourcemanager.network.fluent.models.ApplicationSecurityGroupInner;
import com.azure.resourcemanager.network.fluent.models.NetworkSecurityGroupInner;
import com.azure.resourcemanager.network.fluent.models.SecurityRuleInner;
import com.azure.resourcemanager.network.models.SecurityRuleAccess;
import com.azure.resourcemanager.network.models.SecurityRuleDirection;
import com.azure.resourcemanager.network.models.SecurityRuleProtocol;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.net.Cidrs;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's network security group, attached to every node's NIC, with the same narrow rules as
 * the EC2 security group:
 *
 * <ul>
 *   <li>the scheduler port ({@value AzureNames#SCHEDULER_PORT}) and the dashboard port
 *       ({@value AzureNames#DASHBOARD_PORT}) open only to the allow-from CIDRs;</li>
 *   <li>all traffic between members of the cluster, expressed with an application security group
 *       ({@value AzureNames#MEMBERS}) that every node's NIC joins (the Azure form of a security group
 *       that references itself);</li>
 *   <li>everything else from the virtual network denied, overriding Azure's default rule
 *       {@code AllowVnetInBound} that would let any machine of a shared network in.</li>
 * </ul>
 *
 * Outbound keeps Azure's defaults (the boot script downloads a JRE and the engine). Nothing is open
 * to the internet unless {@code 0.0.0.0/0} is given explicitly, and then a warning is logged.
 */
final class ClusterFirewall {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterFirewall.class);
    static final String SCHEDULER_RULE = "jcloud-scheduler-from-allowed";
    static final String DASHBOARD_RULE = "jcloud-dashboard-from-allowed";
    static final String MEMBERS_RULE = "jcloud-cluster-members";
    static final String DENY_VNET_RULE = "jcloud-deny-other-vnet";

    private final AzureClients azure;

    ClusterFirewall(AzureClients azure) {
        this.azure = azure;
    }

    /** Creates (or brings back to the wanted rules) the application security group and the NSG. */
    void ensure(
            ClusterContext cluster,
            AzureOptions options,
            List<String> allowFrom,
            Map<String, String> tags,
            Instant deadline) {
        if (allowFrom.contains(Cidrs.ANYWHERE)) {
            LOG.warn(
                    "{}: the scheduler and dashboard ports are open to the whole internet ({}) because it was asked"
                            + " for explicitly",
                    cluster.name(),
                    Cidrs.ANYWHERE);
        }
        String group = AzureNames.group(cluster);
        ApplicationSecurityGroupInner members = Lro.await(
                azure.network()
                        .getApplicationSecurityGroups()
                        .beginCreateOrUpdate(
                                group,
                                AzureNames.MEMBERS,
                                new ApplicationSecurityGroupInner()
                                        .withLocation(options.location())
                                        .withTags(tags)),
                azure.pollInterval(),
                deadline,
                "application security group " + AzureNames.MEMBERS + " is created");
        NetworkSecurityGroupInner nsg = new NetworkSecurityGroupInner()
                .withLocation(options.location())
                .withTags(tags)
                .withSecurityRules(rules(members.id(), allowFrom));
        // A PUT with the whole rule set: a re-run reconciles rules changed or removed by hand.
        Lro.await(
                azure.network().getNetworkSecurityGroups().beginCreateOrUpdate(group, AzureNames.NSG, nsg),
                azure.pollInterval(),
                deadline,
                "network security group " + AzureNames.NSG + " is created");
        LOG.info(
                "{}: network security group {}: ports {},{} open to {}, all traffic between the cluster's nodes",
                cluster.name(),
                AzureNames.NSG,
                AzureNames.SCHEDULER_PORT,
                AzureNames.DASHBOARD_PORT,
                String.join(", ", allowFrom));
    }

    static String nsgId(AzureOptions options, ClusterContext cluster) {
        return AzureNames.networkId(
                options.subscription(), AzureNames.group(cluster), "networkSecurityGroups", AzureNames.NSG);
    }

    static String membersId(AzureOptions options, ClusterContext cluster) {
        return AzureNames.networkId(
                options.subscription(), AzureNames.group(cluster), "applicationSecurityGroups", AzureNames.MEMBERS);
    }

    static List<SecurityRuleInner> rules(String membersId, List<String> allowFrom) {
        List<ApplicationSecurityGroupInner> members = List.of(new ApplicationSecurityGroupInner().withId(membersId));
        List<SecurityRuleInner> rules = new ArrayList<>();
        if (!allowFrom.isEmpty()) {
            rules.add(inboundTcp(
                    SCHEDULER_RULE, 100, AzureNames.SCHEDULER_PORT, allowFrom, "jcloud scheduler from allow-from"));
            rules.add(inboundTcp(
                    DASHBOARD_RULE, 110, AzureNames.DASHBOARD_PORT, allowFrom, "jcloud dashboard from allow-from"));
        }
        rules.add(new SecurityRuleInner()
                .withName(MEMBERS_RULE)
                .withPriority(120)
                .withDescription("members of the cluster")
                .withDirection(SecurityRuleDirection.INBOUND)
                .withAccess(SecurityRuleAccess.ALLOW)
                .withProtocol(SecurityRuleProtocol.ASTERISK)
                .withSourceApplicationSecurityGroups(members)
                .withSourcePortRange("*")
                .withDestinationApplicationSecurityGroups(members)
                .withDestinationPortRange("*"));
        rules.add(new SecurityRuleInner()
                .withName(DENY_VNET_RULE)
                .withPriority(4000)
                .withDescription("nothing else from the virtual network (overrides AllowVnetInBound)")
                .withDirection(SecurityRuleDirection.INBOUND)
                .withAccess(SecurityRuleAccess.DENY)
                .withProtocol(SecurityRuleProtocol.ASTERISK)
                .withSourceAddressPrefix("VirtualNetwork")
                .withSourcePortRange("*")
                .withDestinationAddressPrefix("*")
                .withDestinationPortRange("*"));
        return rules;
    }

    private static SecurityRuleInner inboundTcp(String name, int priority, int port, List<String> from, String why) {
        return new SecurityRuleInner()
                .withName(name)
                .withPriority(priority)
                .withDescription(why)
                .withDirection(SecurityRuleDirection.INBOUND)
                .withAccess(SecurityRuleAccess.ALLOW)
                .withProtocol(SecurityRuleProtocol.TCP)
                .withSourceAddressPrefixes(List.copyOf(from))
                .withSourcePortRange("*")
                .withDestinationAddressPrefix("*")
                .withDestinationPortRange(Integer.toString(port));
    }
}
