package dev.jcloud.terraform;

import static java.util.Objects.requireNonNull;

import dev.jcloud.provisioner.boot.EngineArtifact;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * What to export for AWS EC2.
 *
 * @param cluster       name, id, size, allow-from, tags
 * @param region        AWS region
 * @param schedulerType scheduler instance type
 * @param workerType    worker instance type
 * @param ami           the machine image, or empty to leave the variable to the operator
 * @param rootVolumeGiB size of the encrypted root volume
 * @param network       where the machines live (default VPC, given subnet/VPC, or a new VPC)
 * @param engine        where machines download the engine and its SHA-256
 */
public record AwsSpec(
        FixedCluster cluster,
        String region,
        String schedulerType,
        String workerType,
        Optional<String> ami,
        int rootVolumeGiB,
        AwsNetwork network,
        EngineArtifact engine)
        implements ModuleSpec {

    public AwsSpec {
        requireNonNull(cluster, "cluster is null");
        requireNonNull(region, "region is null");
        requireNonNull(schedulerType, "schedulerType is null");
        requireNonNull(workerType, "workerType is null");
        requireNonNull(ami, "ami is null");
        requireNonNull(network, "network is null");
        requireNonNull(engine, "engine is null");
        if (rootVolumeGiB < 8) {
            throw new IllegalArgumentException("the root volume must be at least 8 GiB (was " + rootVolumeGiB + ")");
        }
    }

    /** The defaults of {@code cluster up} on AWS: us-east-1, m6i.large, 30 GiB, the default VPC, a fresh id. */
    public static AwsSpec of(String name, int workers, EngineArtifact engine) {
        return new AwsSpec(
                FixedCluster.of(name, workers),
                "us-east-1",
                "m6i.large",
                "m6i.large",
                Optional.empty(),
                30,
                AwsNetwork.defaultVpc(),
                engine);
    }

    @Override
    public String provider() {
        return "aws";
    }

    @Override
    public String where() {
        return region;
    }

    public String name() {
        return cluster.name();
    }

    public String clusterId() {
        return cluster.clusterId();
    }

    public AwsSpec withCluster(UnaryOperator<FixedCluster> change) {
        return new AwsSpec(
                change.apply(cluster), region, schedulerType, workerType, ami, rootVolumeGiB, network, engine);
    }

    public AwsSpec withAllowFrom(List<String> cidrs) {
        return withCluster(c -> c.withAllowFrom(cidrs));
    }

    public AwsSpec withTags(Map<String, String> tags) {
        return withCluster(c -> c.withTags(tags));
    }

    public AwsSpec withRegion(String r) {
        return new AwsSpec(cluster, r, schedulerType, workerType, ami, rootVolumeGiB, network, engine);
    }

    public AwsSpec withSchedulerType(String t) {
        return new AwsSpec(cluster, region, t, workerType, ami, rootVolumeGiB, network, engine);
    }

    public AwsSpec withWorkerType(String t) {
        return new AwsSpec(cluster, region, schedulerType, t, ami, rootVolumeGiB, network, engine);
    }

    public AwsSpec withAmi(String a) {
        return new AwsSpec(cluster, region, schedulerType, workerType, Optional.of(a), rootVolumeGiB, network, engine);
    }

    public AwsSpec withRootVolumeGiB(int gib) {
        return new AwsSpec(cluster, region, schedulerType, workerType, ami, gib, network, engine);
    }

    public AwsSpec withNetwork(AwsNetwork n) {
        return new AwsSpec(cluster, region, schedulerType, workerType, ami, rootVolumeGiB, n, engine);
    }
}
