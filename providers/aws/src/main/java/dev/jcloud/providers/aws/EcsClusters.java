package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ClusterContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.CapacityProviderStrategyItem;
import software.amazon.awssdk.services.ecs.model.Cluster;
import software.amazon.awssdk.services.ecs.model.ClusterField;
import software.amazon.awssdk.services.ecs.model.ClusterNotFoundException;

/**
 * The ECS cluster of a jcloud cluster (one each, named {@link FargateNames#ecsCluster}), with the
 * FARGATE and FARGATE_SPOT capacity providers attached so that workers can run on spot capacity;
 * plain FARGATE is the default strategy.
 */
final class EcsClusters {

    private static final Logger LOG = LoggerFactory.getLogger(EcsClusters.class);
    static final String FARGATE = "FARGATE";
    static final String FARGATE_SPOT = "FARGATE_SPOT";
    /** DescribeClusters takes at most 100 clusters per call. */
    private static final int DESCRIBE_LIMIT = 100;

    private final EcsClient ecs;

    EcsClusters(EcsClient ecs) {
        this.ecs = ecs;
    }

    /** The cluster's ARN, creating it (tagged) or attaching missing capacity providers. */
    String ensure(ClusterContext cluster, Map<String, String> tags) {
        String name = FargateNames.ecsCluster(cluster);
        CapacityProviderStrategyItem onDemand = CapacityProviderStrategyItem.builder()
                .capacityProvider(FARGATE)
                .weight(1)
                .build();
        Optional<Cluster> existing = find(cluster);
        if (existing.isEmpty()) {
            Cluster created = ecs.createCluster(r -> r.clusterName(name)
                            .tags(EcsTags.of(tags))
                            .capacityProviders(FARGATE, FARGATE_SPOT)
                            .defaultCapacityProviderStrategy(onDemand))
                    .cluster();
            LOG.info("{}: created ECS cluster {}", cluster.name(), name);
            return created.clusterArn();
        }
        Cluster c = existing.get();
        if (!c.capacityProviders().containsAll(List.of(FARGATE, FARGATE_SPOT))) {
            ecs.putClusterCapacityProviders(r ->
                    r.cluster(name).capacityProviders(FARGATE, FARGATE_SPOT).defaultCapacityProviderStrategy(onDemand));
        }
        return c.clusterArn();
    }

    /** The cluster if it exists and is active (a deleted cluster stays visible as INACTIVE for a while). */
    Optional<Cluster> find(ClusterContext cluster) {
        return describe(List.of(FargateNames.ecsCluster(cluster))).stream().findFirst();
    }

    /** The active clusters among {@code namesOrArns}, with their tags. */
    List<Cluster> describe(List<String> namesOrArns) {
        List<Cluster> out = new ArrayList<>();
        for (int i = 0; i < namesOrArns.size(); i += DESCRIBE_LIMIT) {
            List<String> chunk = namesOrArns.subList(i, Math.min(namesOrArns.size(), i + DESCRIBE_LIMIT));
            ecs.describeClusters(r -> r.clusters(chunk).include(ClusterField.TAGS)).clusters().stream()
                    .filter(c -> "ACTIVE".equals(c.status()))
                    .forEach(out::add);
        }
        return out;
    }

    /** Every active cluster of the region, with tags (for gc). */
    List<Cluster> all() {
        List<String> arns = new ArrayList<>();
        ecs.listClustersPaginator().clusterArns().forEach(arns::add);
        return describe(arns);
    }

    /**
     * Deletes the cluster, retrying while ECS still counts stopping tasks in it, until
     * {@code deadline}. A cluster already gone is fine.
     */
    void delete(ClusterContext cluster, Instant deadline) {
        if (find(cluster).isEmpty()) {
            return;
        }
        try {
            Deadlines.retryOn(
                    "ClusterContainsTasksException",
                    deadline,
                    () -> ecs.deleteCluster(r -> r.cluster(FargateNames.ecsCluster(cluster))));
            LOG.info("{}: deleted ECS cluster {}", cluster.name(), FargateNames.ecsCluster(cluster));
        } catch (ClusterNotFoundException e) {
            // deleted by another process in the meantime
        }
    }
}
