package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.net.Cidrs;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.UserIdGroupPair;

/**
 * The cluster's security group: the scheduler port ({@value #SCHEDULER_PORT}) and dashboard port
 * ({@value #DASHBOARD_PORT}) open only to the allow-from CIDRs, and all traffic between members of
 * the group (a rule that references the group itself), so workers and scheduler talk freely and
 * nobody else does. Outbound traffic keeps the AWS default (all), for the engine download.
 */
final class ClusterSecurityGroup {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterSecurityGroup.class);
    static final int SCHEDULER_PORT = 8786;
    static final int DASHBOARD_PORT = 8787;

    private final Ec2Client ec2;

    ClusterSecurityGroup(Ec2Client ec2) {
        this.ec2 = ec2;
    }

    static String groupName(ClusterContext cluster) {
        return "jcloud-" + cluster.name() + "-" + cluster.id();
    }

    /** The group's id, creating it and any missing rule. */
    String ensure(ClusterContext cluster, String vpcId, List<String> allowFrom, Map<String, String> tags) {
        if (allowFrom.contains(Cidrs.ANYWHERE)) {
            LOG.warn(
                    "{}: the scheduler and dashboard ports are open to the whole internet ({}) because it was asked"
                            + " for explicitly",
                    cluster.name(),
                    Cidrs.ANYWHERE);
        }
        SecurityGroup existing = find(cluster).orElse(null);
        String id;
        if (existing == null) {
            id = ec2.createSecurityGroup(r -> r.groupName(groupName(cluster))
                            .vpcId(vpcId)
                            .description("jcloud cluster " + cluster.name() + ": engine ports")
                            .tagSpecifications(Tags.spec(ResourceType.SECURITY_GROUP, tags)))
                    .groupId();
            LOG.info(
                    "{}: created security group {} (ports {},{} open to {})",
                    cluster.name(),
                    id,
                    SCHEDULER_PORT,
                    DASHBOARD_PORT,
                    String.join(", ", allowFrom));
        } else {
            id = existing.groupId();
        }
        List<IpPermission> missing = new ArrayList<>();
        for (IpPermission wanted : rules(id, allowFrom)) {
            if (existing == null || !covered(existing.ipPermissions(), wanted)) {
                missing.add(wanted);
            }
        }
        if (!missing.isEmpty()) {
            ec2.authorizeSecurityGroupIngress(r -> r.groupId(id).ipPermissions(missing));
        }
        return id;
    }

    Optional<SecurityGroup> find(ClusterContext cluster) {
        return ec2.describeSecurityGroups(r -> r.filters(Tags.clusterFilter(cluster))).securityGroups().stream()
                .findFirst();
    }

    /** Deletes the group; retries while network interfaces of terminated instances still use it. */
    void delete(ClusterContext cluster, Instant deadline) {
        for (SecurityGroup g : ec2.describeSecurityGroups(r -> r.filters(Tags.clusterFilter(cluster)))
                .securityGroups()) {
            Ec2Network.ignoreNotFound(() -> Deadlines.retryOn(
                    "DependencyViolation", deadline, () -> ec2.deleteSecurityGroup(r -> r.groupId(g.groupId()))));
            LOG.info("{}: deleted security group {}", cluster.name(), g.groupId());
        }
    }

    static List<IpPermission> rules(String groupId, List<String> allowFrom) {
        List<IpRange> ranges = allowFrom.stream()
                .map(c -> IpRange.builder()
                        .cidrIp(c)
                        .description("jcloud allow-from")
                        .build())
                .toList();
        List<IpPermission> rules = new ArrayList<>();
        for (int port : new int[] {SCHEDULER_PORT, DASHBOARD_PORT}) {
            if (!ranges.isEmpty()) {
                rules.add(IpPermission.builder()
                        .ipProtocol("tcp")
                        .fromPort(port)
                        .toPort(port)
                        .ipRanges(ranges)
                        .build());
            }
        }
        rules.add(IpPermission.builder()
                .ipProtocol("-1")
                .userIdGroupPairs(UserIdGroupPair.builder()
                        .groupId(groupId)
                        .description("members of the cluster")
                        .build())
                .build());
        return rules;
    }

    private static boolean covered(List<IpPermission> have, IpPermission wanted) {
        return have.stream()
                .anyMatch(h -> h.ipProtocol().equals(wanted.ipProtocol())
                        && java.util.Objects.equals(h.fromPort(), wanted.fromPort())
                        && cidrs(h).containsAll(cidrs(wanted))
                        && groups(h).containsAll(groups(wanted)));
    }

    private static List<String> cidrs(IpPermission p) {
        return p.ipRanges().stream().map(IpRange::cidrIp).toList();
    }

    private static List<String> groups(IpPermission p) {
        return p.userIdGroupPairs().stream().map(UserIdGroupPair::groupId).toList();
    }

    static Filter groupNameFilter(ClusterContext cluster) {
        return Filter.builder().name("group-name").values(groupName(cluster)).build();
    }
}
