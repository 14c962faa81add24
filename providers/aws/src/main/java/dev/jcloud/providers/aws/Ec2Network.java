package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ProvisionException;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.InternetGateway;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RouteTable;
import software.amazon.awssdk.services.ec2.model.RouteTableAssociation;
import software.amazon.awssdk.services.ec2.model.Subnet;
import software.amazon.awssdk.services.ec2.model.Vpc;

/**
 * Where a cluster's machines live: the given subnet or VPC, else the region's default VPC, else
 * (or with {@code aws.vpc=new}) a dedicated VPC with one public subnet, an internet gateway and a
 * route table, all tagged with the cluster and deleted on {@code down}. Workers reach the scheduler
 * over private addresses inside it.
 */
final class Ec2Network {

    private static final Logger LOG = LoggerFactory.getLogger(Ec2Network.class);
    static final String VPC_CIDR = "10.77.0.0/16";
    static final String SUBNET_CIDR = "10.77.0.0/20";

    /**
     * The cluster's VPC, the subnet its machines start in, and the other subnets of that VPC
     * (other availability zones) to try when the first has no capacity for an instance type.
     */
    record Placement(String vpcId, String subnetId, boolean dedicated, List<String> otherSubnets) {

        Placement {
            otherSubnets = List.copyOf(otherSubnets);
        }

        Placement(String vpcId, String subnetId, boolean dedicated) {
            this(vpcId, subnetId, dedicated, List.of());
        }

        /** The subnets to launch into, in order of preference. */
        List<String> subnets() {
            List<String> all = new java.util.ArrayList<>();
            all.add(subnetId);
            all.addAll(otherSubnets);
            return all;
        }
    }

    private final Ec2Client ec2;

    Ec2Network(Ec2Client ec2) {
        this.ec2 = ec2;
    }

    /** Finds the placement, creating (the missing parts of) a dedicated VPC when one is needed. */
    Placement ensure(ClusterContext cluster, AwsOptions options, Map<String, String> tags) {
        Optional<Placement> existing = lookup(cluster, options);
        if (existing.isPresent() && !existing.get().dedicated()) {
            return existing.get();
        }
        return ensureDedicated(cluster, tags);
    }

    /** The placement of a bootstrapped cluster; nothing is created. */
    Placement find(ClusterContext cluster, AwsOptions options) {
        return lookup(cluster, options)
                .filter(p -> p.subnetId() != null)
                .orElseThrow(() -> new ProvisionException("the network of cluster " + cluster.name()
                        + " is missing: run 'jcloud cluster up' again to recreate it"));
    }

    private Optional<Placement> lookup(ClusterContext cluster, AwsOptions options) {
        if (options.subnet().isPresent()) {
            List<Subnet> s = ec2.describeSubnets(
                            r -> r.subnetIds(options.subnet().get()))
                    .subnets();
            if (s.isEmpty()) {
                throw new ProvisionException("subnet " + options.subnet().get() + " (" + AwsOptions.SUBNET
                        + ") does not exist in " + options.region());
            }
            return Optional.of(new Placement(s.get(0).vpcId(), s.get(0).subnetId(), false));
        }
        if (options.vpc().isPresent() && !options.newVpc()) {
            String vpcId = options.vpc().get();
            List<Subnet> all = subnets(
                    List.of(Filter.builder().name("vpc-id").values(vpcId).build()));
            if (all.isEmpty()) {
                throw new ProvisionException("VPC " + vpcId + " (" + AwsOptions.VPC + ") has no subnet in "
                        + options.region() + ": give a subnet with " + AwsOptions.SUBNET);
            }
            return Optional.of(placement(vpcId, all));
        }
        Optional<Vpc> dedicated = dedicatedVpc(cluster);
        if (dedicated.isPresent()) {
            String vpcId = dedicated.get().vpcId();
            String subnetId = firstSubnet(List.of(
                            Filter.builder().name("vpc-id").values(vpcId).build(), Tags.clusterFilter(cluster)))
                    .map(Subnet::subnetId)
                    .orElse(null);
            return Optional.of(new Placement(vpcId, subnetId, true));
        }
        if (!options.newVpc()) {
            List<Vpc> defaults = ec2.describeVpcs(r -> r.filters(
                            Filter.builder().name("is-default").values("true").build()))
                    .vpcs();
            if (!defaults.isEmpty()) {
                String vpcId = defaults.get(0).vpcId();
                List<Subnet> all = subnets(List.of(
                        Filter.builder().name("vpc-id").values(vpcId).build(),
                        Filter.builder().name("default-for-az").values("true").build()));
                if (!all.isEmpty()) {
                    return Optional.of(placement(vpcId, all));
                }
            }
        }
        return Optional.empty();
    }

    private Optional<Subnet> firstSubnet(List<Filter> filters) {
        return subnets(filters).stream().findFirst();
    }

    /** Sorted so that every process picks the same first one, and fails over in the same order. */
    private List<Subnet> subnets(List<Filter> filters) {
        return ec2.describeSubnets(r -> r.filters(filters)).subnets().stream()
                .sorted(Comparator.comparing(Subnet::availabilityZone).thenComparing(Subnet::subnetId))
                .toList();
    }

    /** The first subnet, and one subnet in each other availability zone to fail over to. */
    private static Placement placement(String vpcId, List<Subnet> sorted) {
        List<String> others = new java.util.ArrayList<>();
        java.util.Set<String> zones = new java.util.HashSet<>();
        zones.add(sorted.get(0).availabilityZone());
        for (Subnet s : sorted.subList(1, sorted.size())) {
            if (zones.add(s.availabilityZone())) {
                others.add(s.subnetId());
            }
        }
        return new Placement(vpcId, sorted.get(0).subnetId(), false, others);
    }

    private Optional<Vpc> dedicatedVpc(ClusterContext cluster) {
        return ec2.describeVpcs(r -> r.filters(Tags.clusterFilter(cluster))).vpcs().stream()
                .findFirst();
    }

    private Placement ensureDedicated(ClusterContext cluster, Map<String, String> tags) {
        String vpcId = dedicatedVpc(cluster).map(Vpc::vpcId).orElseGet(() -> {
            String id = ec2.createVpc(r -> r.cidrBlock(VPC_CIDR).tagSpecifications(Tags.spec(ResourceType.VPC, tags)))
                    .vpc()
                    .vpcId();
            LOG.info("{}: created VPC {}", cluster.name(), id);
            return id;
        });
        Filter inVpc = Filter.builder().name("vpc-id").values(vpcId).build();
        String subnetId = firstSubnet(List.of(inVpc, Tags.clusterFilter(cluster)))
                .map(Subnet::subnetId)
                .orElseGet(() -> {
                    String id = ec2.createSubnet(r -> r.vpcId(vpcId)
                                    .cidrBlock(SUBNET_CIDR)
                                    .tagSpecifications(Tags.spec(ResourceType.SUBNET, tags)))
                            .subnet()
                            .subnetId();
                    // Public addresses so that the machines reach the engine download and the caller reaches the
                    // scheduler.
                    ec2.modifySubnetAttribute(r -> r.subnetId(id).mapPublicIpOnLaunch(b -> b.value(true)));
                    return id;
                });
        String igwId =
                ec2.describeInternetGateways(r -> r.filters(Tags.clusterFilter(cluster))).internetGateways().stream()
                        .findFirst()
                        .map(InternetGateway::internetGatewayId)
                        .orElseGet(() -> ec2.createInternetGateway(
                                        r -> r.tagSpecifications(Tags.spec(ResourceType.INTERNET_GATEWAY, tags)))
                                .internetGateway()
                                .internetGatewayId());
        boolean attached = ec2
                .describeInternetGateways(r -> r.internetGatewayIds(igwId))
                .internetGateways()
                .get(0)
                .attachments()
                .stream()
                .anyMatch(a -> vpcId.equals(a.vpcId()));
        if (!attached) {
            ec2.attachInternetGateway(r -> r.internetGatewayId(igwId).vpcId(vpcId));
        }
        RouteTable table =
                ec2.describeRouteTables(r -> r.filters(inVpc, Tags.clusterFilter(cluster))).routeTables().stream()
                        .findFirst()
                        .orElseGet(() -> ec2.createRouteTable(r ->
                                        r.vpcId(vpcId).tagSpecifications(Tags.spec(ResourceType.ROUTE_TABLE, tags)))
                                .routeTable());
        if (table.routes().stream().noneMatch(rt -> "0.0.0.0/0".equals(rt.destinationCidrBlock()))) {
            ec2.createRoute(r -> r.routeTableId(table.routeTableId())
                    .destinationCidrBlock("0.0.0.0/0")
                    .gatewayId(igwId));
        }
        if (table.associations().stream().noneMatch(a -> subnetId.equals(a.subnetId()))) {
            ec2.associateRouteTable(r -> r.routeTableId(table.routeTableId()).subnetId(subnetId));
        }
        return new Placement(vpcId, subnetId, true);
    }

    /** Deletes the cluster's dedicated network pieces, if any; safe to call again. */
    void deleteDedicated(ClusterContext cluster, Instant deadline) {
        for (RouteTable t : ec2.describeRouteTables(r -> r.filters(Tags.clusterFilter(cluster)))
                .routeTables()) {
            for (RouteTableAssociation a : t.associations()) {
                if (!Boolean.TRUE.equals(a.main())) {
                    ec2.disassociateRouteTable(r -> r.associationId(a.routeTableAssociationId()));
                }
            }
            ignoreNotFound(() -> ec2.deleteRouteTable(r -> r.routeTableId(t.routeTableId())));
        }
        for (InternetGateway g : ec2.describeInternetGateways(r -> r.filters(Tags.clusterFilter(cluster)))
                .internetGateways()) {
            g.attachments()
                    .forEach(a -> ignoreNotFound(() -> Deadlines.retryOn(
                            "DependencyViolation",
                            deadline,
                            () -> ec2.detachInternetGateway(r ->
                                    r.internetGatewayId(g.internetGatewayId()).vpcId(a.vpcId())))));
            ignoreNotFound(() -> ec2.deleteInternetGateway(r -> r.internetGatewayId(g.internetGatewayId())));
        }
        for (Subnet s :
                ec2.describeSubnets(r -> r.filters(Tags.clusterFilter(cluster))).subnets()) {
            // Network interfaces of terminated instances linger for a while.
            ignoreNotFound(() -> Deadlines.retryOn(
                    "DependencyViolation", deadline, () -> ec2.deleteSubnet(r -> r.subnetId(s.subnetId()))));
        }
        for (Vpc v :
                ec2.describeVpcs(r -> r.filters(Tags.clusterFilter(cluster))).vpcs()) {
            ignoreNotFound(() ->
                    Deadlines.retryOn("DependencyViolation", deadline, () -> ec2.deleteVpc(r -> r.vpcId(v.vpcId()))));
            LOG.info("{}: deleted VPC {}", cluster.name(), v.vpcId());
        }
    }

    /** Runs {@code call}, ignoring "not found" errors: another process may have deleted it first. */
    static void ignoreNotFound(Runnable call) {
        try {
            call.run();
        } catch (software.amazon.awssdk.awscore.exception.AwsServiceException e) {
            String code = Deadlines.errorCode(e);
            if (!code.endsWith("NotFound")
                    && !code.endsWith(".NotFound")
                    && !code.equals("NoSuchEntity")
                    && !code.equals("Gateway.NotAttached")) {
                throw e;
            }
        }
    }
}
