package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
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
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.Vpc;
import software.amazon.awssdk.services.ecs.model.Cluster;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.iam.model.Role;

/**
 * Finds what jcloud's Fargate provider left behind in a region: resources tagged with a cluster id
 * whose cluster has no running scheduler task (a crashed {@code up}, a laptop that died, a
 * half-finished {@code down}), and removes them cluster by cluster with the provider's own
 * teardown. Only resources the Fargate provider made are considered (its ECS clusters, its role
 * path and log group prefix, and network pieces tagged {@code jcloud.provider=fargate}), so EC2
 * clusters are never touched from here.
 */
final class FargateGarbageCollector {

    private static final Logger LOG = LoggerFactory.getLogger(FargateGarbageCollector.class);
    private static final Filter FARGATE_TAGGED = Filter.builder()
            .name("tag:" + FargateNames.PROVIDER_TAG)
            .values(FargateNames.PROVIDER)
            .build();

    private final FargateProvider provider;

    FargateGarbageCollector(FargateProvider provider) {
        this.provider = provider;
    }

    GcReport collect(Map<String, String> settings, boolean dryRun, Duration minAge) {
        ClusterContext probe = new ClusterContext("gc", "gc", Path.of("."), settings);
        FargateOptions options = FargateOptions.of(probe);
        AwsClients aws = provider.clients(options);
        Instant youngest = Instant.now().minus(minAge);
        EcsTasks tasks = new EcsTasks(aws.ecs());

        Set<String> alive = new HashSet<>();
        Map<String, String> names = new LinkedHashMap<>();
        List<GcReport.Item> items = new ArrayList<>();
        List<Cluster> ecsClusters = new EcsClusters(aws.ecs())
                .all().stream()
                        .filter(c -> EcsTags.toMap(c.tags()).containsKey(ClusterContext.ID_TAG))
                        .toList();
        Map<Cluster, List<Task>> running = new LinkedHashMap<>();
        for (Cluster c : ecsClusters) {
            Map<String, String> tags = EcsTags.toMap(c.tags());
            ClusterContext owner = new ClusterContext(
                    validName(tags.get(ClusterContext.NAME_TAG)),
                    tags.get(ClusterContext.ID_TAG),
                    Path.of("."),
                    settings);
            List<Task> live = tasks.alive(c.clusterName());
            running.put(c, live);
            if (live.stream().anyMatch(t -> EcsTasks.node(owner, t).role() == NodeRole.SCHEDULER)) {
                alive.add(tags.get(ClusterContext.ID_TAG));
            }
        }
        for (Map.Entry<Cluster, List<Task>> e : running.entrySet()) {
            Map<String, String> tags = EcsTags.toMap(e.getKey().tags());
            if (addShared(
                    items,
                    names,
                    alive,
                    youngest,
                    tags,
                    "ecs-cluster",
                    e.getKey().clusterName())) {
                for (Task t : e.getValue()) {
                    items.add(new GcReport.Item(
                            tags.get(ClusterContext.NAME_TAG), tags.get(ClusterContext.ID_TAG), "task", t.taskArn()));
                }
            }
        }
        for (SecurityGroup g :
                aws.ec2().describeSecurityGroups(r -> r.filters(FARGATE_TAGGED)).securityGroups()) {
            addShared(items, names, alive, youngest, Tags.toMap(g.tags()), "security-group", g.groupId());
        }
        for (Vpc v : aws.ec2().describeVpcs(r -> r.filters(FARGATE_TAGGED)).vpcs()) {
            addShared(items, names, alive, youngest, Tags.toMap(v.tags()), "vpc", v.vpcId());
        }
        for (Role role : aws.iam()
                .listRolesPaginator(r -> r.pathPrefix(FargateNames.ROLE_PATH))
                .roles()) {
            Map<String, String> tags = new LinkedHashMap<>();
            aws.iam().listRoleTags(r -> r.roleName(role.roleName())).tags().forEach(t -> tags.put(t.key(), t.value()));
            addShared(items, names, alive, youngest, tags, "iam-role", role.roleName());
        }
        LogGroups logGroups = new LogGroups(aws.logs());
        for (var group : logGroups.list(FargateNames.LOG_GROUP_PREFIX)) {
            addShared(
                    items,
                    names,
                    alive,
                    youngest,
                    logGroups.tags(group.logGroupName()),
                    "log-group",
                    group.logGroupName());
        }
        if (dryRun) {
            return new GcReport(items, false);
        }
        names.forEach((id, name) -> {
            if (!validName(name).equals(name)) {
                // Resource names derive from the cluster's name: without it they cannot be found again.
                LOG.warn(
                        "gc: cluster {} has no valid {} tag ('{}'); remove its resources by hand",
                        id,
                        ClusterContext.NAME_TAG,
                        name);
                return;
            }
            LOG.info("gc: removing what is left of cluster {} ({})", name, id);
            provider.deleteSharedResources(new ClusterContext(name, id, Path.of("."), settings));
        });
        return new GcReport(items, true);
    }

    /** Adds an orphaned shared resource; false if it belongs to a live or too young cluster. */
    private static boolean addShared(
            List<GcReport.Item> items,
            Map<String, String> names,
            Set<String> alive,
            Instant youngest,
            Map<String, String> tags,
            String kind,
            String resourceId) {
        String id = tags.get(ClusterContext.ID_TAG);
        if (id == null || alive.contains(id)) {
            return false;
        }
        if (Instant.ofEpochSecond(parse(tags.get(Tags.CREATED))).isAfter(youngest)) {
            return false;
        }
        names.putIfAbsent(id, tags.get(ClusterContext.NAME_TAG));
        items.add(new GcReport.Item(tags.get(ClusterContext.NAME_TAG), id, kind, resourceId));
        return true;
    }

    private static long parse(String epochSeconds) {
        try {
            return epochSeconds == null ? 0 : Long.parseLong(epochSeconds);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String validName(String name) {
        try {
            return ClusterNames.check(name);
        } catch (IllegalArgumentException e) {
            return "orphan";
        }
    }
}
