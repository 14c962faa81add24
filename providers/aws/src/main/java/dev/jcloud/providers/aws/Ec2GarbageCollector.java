package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.GcReport;
import dev.jcloud.provisioner.NodeRole;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.Vpc;
import software.amazon.awssdk.services.iam.model.Role;

/**
 * Finds what jcloud left behind in a region: resources tagged with a cluster id whose cluster has
 * no pending or running scheduler (a crashed {@code up}, a laptop that died, a half-finished
 * {@code down}), and removes them cluster by cluster with the provider's own teardown.
 */
final class Ec2GarbageCollector {

    private static final Logger LOG = LoggerFactory.getLogger(Ec2GarbageCollector.class);
    private static final Filter JCLOUD_TAGGED =
            Filter.builder().name("tag-key").values(ClusterContext.ID_TAG).build();

    private final Ec2Provider provider;

    Ec2GarbageCollector(Ec2Provider provider) {
        this.provider = provider;
    }

    GcReport collect(Map<String, String> settings, boolean dryRun, Duration minAge) {
        ClusterContext probe = new ClusterContext("gc", "gc", Path.of("."), settings);
        AwsOptions options = AwsOptions.of(probe);
        AwsClients aws = provider.clients(options);
        Instant youngest = Instant.now().minus(minAge);
        Ec2Instances instances = new Ec2Instances(aws.ec2());

        Set<String> alive = new HashSet<>();
        List<GcReport.Item> items = new ArrayList<>();
        Map<String, String> names = new LinkedHashMap<>();
        List<Instance> tagged = instances.find(List.of(
                JCLOUD_TAGGED,
                Filter.builder()
                        .name("instance-state-name")
                        .values(Ec2Instances.NOT_TERMINATED)
                        .build()));
        for (Instance i : tagged) {
            Map<String, String> tags = Tags.toMap(i.tags());
            boolean scheduler = NodeRole.SCHEDULER.label().equals(tags.get(ClusterContext.ROLE_TAG));
            if (scheduler && Ec2Instances.ALIVE.contains(i.state().nameAsString())) {
                alive.add(tags.get(ClusterContext.ID_TAG));
            }
        }
        for (Instance i : tagged) {
            Map<String, String> tags = Tags.toMap(i.tags());
            String id = tags.get(ClusterContext.ID_TAG);
            if (!alive.contains(id) && i.launchTime().isBefore(youngest) && ours(tags)) {
                names.putIfAbsent(id, tags.get(ClusterContext.NAME_TAG));
                items.add(new GcReport.Item(tags.get(ClusterContext.NAME_TAG), id, "instance", i.instanceId()));
            }
        }
        for (SecurityGroup g :
                aws.ec2().describeSecurityGroups(r -> r.filters(JCLOUD_TAGGED)).securityGroups()) {
            addShared(items, names, alive, youngest, Tags.toMap(g.tags()), "security-group", g.groupId());
        }
        for (Vpc v : aws.ec2().describeVpcs(r -> r.filters(JCLOUD_TAGGED)).vpcs()) {
            addShared(items, names, alive, youngest, Tags.toMap(v.tags()), "vpc", v.vpcId());
        }
        for (Role role : aws.iam()
                .listRolesPaginator(r -> r.pathPrefix(InstanceIdentity.PATH))
                .roles()) {
            Map<String, String> tags = new LinkedHashMap<>();
            aws.iam().listRoleTags(r -> r.roleName(role.roleName())).tags().forEach(t -> tags.put(t.key(), t.value()));
            addShared(items, names, alive, youngest, tags, "iam-role", role.roleName());
        }
        if (dryRun) {
            return new GcReport(items, false);
        }
        names.forEach((id, name) -> {
            LOG.info("gc: removing what is left of cluster {} ({})", name, id);
            ClusterContext cluster = new ClusterContext(validName(name), id, Path.of("."), settings);
            provider.deleteSharedResources(cluster);
        });
        return new GcReport(items, true);
    }

    /**
     * Whether an EC2 cluster made by {@code cluster up} owns the resource: Fargate clusters share the
     * network pieces and tag keys ({@code jcloud.provider=fargate}, with their own gc), and a
     * Terraform-exported cluster ({@code jcloud.creator=terraform}) is Terraform's to remove.
     */
    static boolean ours(Map<String, String> tags) {
        String provider = tags.get(FargateNames.PROVIDER_TAG);
        return (provider == null || provider.equals("aws")) && !"terraform".equals(tags.get(Tags.CREATOR));
    }

    private static void addShared(
            List<GcReport.Item> items,
            Map<String, String> names,
            Set<String> alive,
            Instant youngest,
            Map<String, String> tags,
            String kind,
            String resourceId) {
        String id = tags.get(ClusterContext.ID_TAG);
        if (id == null || alive.contains(id) || !ours(tags)) {
            return;
        }
        long created = parse(tags.get(Tags.CREATED));
        if (Instant.ofEpochSecond(created).isAfter(youngest)) {
            return;
        }
        names.putIfAbsent(id, tags.get(ClusterContext.NAME_TAG));
        items.add(new GcReport.Item(tags.get(ClusterContext.NAME_TAG), id, kind, resourceId));
    }

    private static long parse(String epochSeconds) {
        try {
            return epochSeconds == null ? 0 : Long.parseLong(epochSeconds);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Teardown only needs the id; a name tag edited by hand must not stop the clean-up. */
    private static String validName(String name) {
        return name != null && name.matches("[a-z][a-z0-9-]{0,38}[a-z0-9]") ? name : "orphan";
    }
}
