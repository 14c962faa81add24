package dev.jcloud.providers.azure;

import com.azure.resourcemanager.network.fluent.models.SubnetInner;
import com.azure.resourcemanager.network.fluent.models.VirtualNetworkInner;
import com.azure.resourcemanager.network.models.AddressSpace;
import dev.jcloud.provisioner.ClusterContext;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the cluster's NICs go: the subnet the user named ({@code azure.vnet}/{@code azure.subnet}),
 * checked to exist in the cluster's subscription and location, or a dedicated virtual network
 * {@value AzureNames#VNET} ({@value #ADDRESS_SPACE}) with one subnet {@value AzureNames#SUBNET}
 * ({@value #SUBNET_PREFIX}) in the cluster's resource group.
 *
 * <p>The dedicated subnet keeps Azure's default outbound access switched on explicitly, because new
 * subnets become private by default and the machines download a JRE and the engine at boot. A
 * subnet given by the user must already reach those (a NAT gateway, a firewall, or default access).
 */
final class ClusterNetwork {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterNetwork.class);
    static final String ADDRESS_SPACE = "10.0.0.0/16";
    static final String SUBNET_PREFIX = "10.0.0.0/18";
    private static final Pattern SUBNET_ID = Pattern.compile(
            "/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.Network/virtualNetworks/([^/]+)/subnets/([^/]+)",
            Pattern.CASE_INSENSITIVE);

    private final AzureClients azure;

    ClusterNetwork(AzureClients azure) {
        this.azure = azure;
    }

    /** The id of the subnet the cluster's NICs use, creating the dedicated network when none was given. */
    String ensure(ClusterContext cluster, AzureOptions options, Map<String, String> tags, Instant deadline) {
        if (options.existingSubnetId().isPresent()) {
            return checkExisting(options);
        }
        String group = AzureNames.group(cluster);
        VirtualNetworkInner existing =
                Lro.orNull(() -> azure.network().getVirtualNetworks().getByResourceGroup(group, AzureNames.VNET));
        if (existing == null
                || existing.subnets() == null
                || existing.subnets().stream().noneMatch(s -> AzureNames.SUBNET.equals(s.name()))) {
            VirtualNetworkInner vnet = new VirtualNetworkInner()
                    .withLocation(options.location())
                    .withTags(tags)
                    .withAddressSpace(new AddressSpace().withAddressPrefixes(List.of(ADDRESS_SPACE)))
                    .withSubnets(List.of(new SubnetInner()
                            .withName(AzureNames.SUBNET)
                            .withAddressPrefix(SUBNET_PREFIX)
                            .withDefaultOutboundAccess(true)));
            Lro.await(
                    azure.network().getVirtualNetworks().beginCreateOrUpdate(group, AzureNames.VNET, vnet),
                    azure.pollInterval(),
                    deadline,
                    "virtual network " + AzureNames.VNET + " is created");
            LOG.info(
                    "{}: created virtual network {} ({}) with subnet {} ({})",
                    cluster.name(),
                    AzureNames.VNET,
                    ADDRESS_SPACE,
                    AzureNames.SUBNET,
                    SUBNET_PREFIX);
        }
        return subnetId(options.subscription(), group);
    }

    /** The subnet's id without calling Azure (launch, after {@link #ensure}). */
    static String subnetId(AzureOptions options, ClusterContext cluster) {
        return options.existingSubnetId().orElseGet(() -> subnetId(options.subscription(), AzureNames.group(cluster)));
    }

    private static String subnetId(String subscription, String group) {
        return AzureNames.networkId(subscription, group, "virtualNetworks", AzureNames.VNET) + "/subnets/"
                + AzureNames.SUBNET;
    }

    private String checkExisting(AzureOptions options) {
        String id = options.existingSubnetId().orElseThrow();
        String option =
                options.vnet().isPresent() ? AzureOptions.VNET + "/" + AzureOptions.SUBNET : AzureOptions.SUBNET;
        Matcher m = SUBNET_ID.matcher(id);
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid " + option + " '" + id + "': not a subnet resource id");
        }
        if (!m.group(1).equalsIgnoreCase(options.subscription())) {
            throw new IllegalArgumentException("invalid " + option + " '" + id + "': the virtual network must be in the"
                    + " cluster's subscription " + options.subscription() + " (" + AzureOptions.SUBSCRIPTION + ")");
        }
        VirtualNetworkInner vnet =
                Lro.orNull(() -> azure.network().getVirtualNetworks().getByResourceGroup(m.group(2), m.group(3)));
        if (vnet == null) {
            throw new IllegalArgumentException("invalid " + option + ": virtual network " + m.group(3)
                    + " does not exist in" + " resource group " + m.group(2));
        }
        if (!options.location()
                .equalsIgnoreCase(vnet.location().replace(" ", "").toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("invalid " + option + ": virtual network " + m.group(3) + " is in "
                    + vnet.location() + ", not in the cluster's location " + options.location() + " ("
                    + AzureOptions.LOCATION + ")");
        }
        SubnetInner subnet = vnet.subnets() == null
                ? null
                : vnet.subnets().stream()
                        .filter(s -> s.name().equalsIgnoreCase(m.group(4)))
                        .findFirst()
                        .orElse(null);
        if (subnet == null) {
            throw new IllegalArgumentException("invalid " + option + ": virtual network " + m.group(3)
                    + " has no subnet "
                    + m.group(4) + " (it has "
                    + (vnet.subnets() == null
                            ? "none"
                            : vnet.subnets().stream().map(SubnetInner::name).toList()) + ")");
        }
        return subnet.id() != null ? subnet.id() : id;
    }
}
