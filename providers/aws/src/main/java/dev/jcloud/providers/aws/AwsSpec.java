package dev.jcloud.providers.aws;

import static java.util.Objects.requireNonNull;

import dev.jcloud.provisioner.boot.BootScript;
import dev.jcloud.provisioner.boot.BootStep;
import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.provisioner.boot.ShellQuote;
import dev.jcloud.terraform.BootScripts;
import dev.jcloud.terraform.FixedCluster;
import dev.jcloud.terraform.Hcl;
import dev.jcloud.terraform.ModuleSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
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
        return (AwsSpec) new Ec2TerraformExport().spec(FixedCluster.of(name, workers), Map.of(), Optional.of(engine));
    }

    @Override
    public String templates() {
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

    @Override
    public Map<String, String> values() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("region", Hcl.string(region));
        values.put("scheduler_type", Hcl.string(schedulerType));
        values.put("worker_type", Hcl.string(workerType));
        values.put("ami_id", Hcl.string(ami.orElse("")));
        values.put("root_volume_gib", Integer.toString(rootVolumeGiB));
        values.putAll(network.values());
        return values;
    }

    /** The shared network piece and the boot scripts, which read the join token from SSM. */
    @Override
    public Map<String, String> files() {
        Consumer<BootScript.Builder> token = joinToken(cluster);
        Map<String, String> files = new LinkedHashMap<>();
        files.put("network.tf", AwsNetwork.template());
        files.put("boot/scheduler.sh", BootScripts.scheduler(cluster, engine, token));
        files.put("boot/worker.sh", BootScripts.worker(cluster, engine, token));
        return files;
    }

    /**
     * The SSM SecureString parameter holding the cluster's join token. {@code main.tf} creates
     * it under the same name ({@code /jcloud/<cluster id>/join-token}); the AWS CLI reads it at boot.
     */
    static String joinTokenParameter(FixedCluster cluster) {
        return "/jcloud/" + cluster.clusterId() + "/" + BootScripts.JOIN_TOKEN_FILE;
    }

    /** A machine reads that parameter with the AWS CLI, as its instance profile. */
    static Consumer<BootScript.Builder> joinToken(FixedCluster cluster) {
        BootStep step = BootStep.shell("aws ssm get-parameter --with-decryption --name "
                + ShellQuote.quote(joinTokenParameter(cluster))
                + " --query Parameter.Value --output text > \"$1/" + BootScripts.JOIN_TOKEN_FILE + "\"");
        return b -> b.joinToken(step, BootScripts.JOIN_TOKEN_FILE);
    }
}
