package dev.jcloud.providers.aws;

import static java.util.Objects.requireNonNull;

import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.api.ProvisionedCluster;
import java.time.Duration;

/**
 * A cluster on AWS Fargate: the scheduler and each worker are ECS tasks running the engine's
 * container image, in the region's default VPC (or the given subnet/VPC), behind a security group
 * that lets only {@link Builder#allowFrom allow-from} reach the scheduler.
 *
 * <pre>{@code
 * try (FargateCluster cluster = FargateCluster.builder()
 *         .region("us-east-1").workers(10).workerCpu(1024).workerMemoryMiB(4096)
 *         .image("123456789012.dkr.ecr.us-east-1.amazonaws.com/jcloud-engine:0.1.0")
 *         .spot(true).build();
 *      Client client = cluster.connect()) {
 *     long answer = client.submit(() -> 6L * 7).get();
 * }   // close() removes every task and every resource the cluster created
 * }</pre>
 *
 * <p>Without {@code image(...)} the cluster runs this process's engine: {@code up} builds its image
 * with Jib (no Docker) and pushes it to the account's ECR repository once per engine version.
 * Credentials come from the AWS SDK's default chain. A cluster built here also appears in
 * {@code jcloud cluster list} and can be removed with {@code jcloud cluster down NAME} from any
 * machine; if this program dies without closing it, the scheduler removes its workers after its
 * idle timeout, and {@code jcloud cluster gc --provider fargate} finds what is left.
 */
public final class FargateCluster extends ProvisionedCluster {

    private static final Duration GRACE = Duration.ofSeconds(30);
    private static final Duration SCALE_TIMEOUT = Duration.ofMinutes(10);

    private FargateCluster(Provisioner provisioner, ClusterRecord record, boolean owned) {
        super(provisioner, record, owned, SCALE_TIMEOUT, GRACE);
    }

    /** Options for a new Fargate cluster. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A handle on the running Fargate cluster {@code name} (for example one started with
     * {@code jcloud cluster up --provider fargate}); {@link #close()} leaves it running.
     */
    public static FargateCluster attach(String name) {
        return attach(name, ClusterStateStore.forUser(), new FargateProvider());
    }

    static FargateCluster attach(String name, ClusterStateStore store, FargateProvider provider) {
        Provisioner provisioner = new Provisioner(CloudProviders.of(provider), store);
        return new FargateCluster(provisioner, running(provisioner, name, provider.name(), "Fargate"), false);
    }

    /**
     * Options of a {@link FargateCluster}; {@link #build()} creates it. Sizes are validated by {@link #build()}.
     * Defaults: name {@code fargate-xxxx}, 4 worker tasks, 1 task thread each, memory a worker may use for results:
     * its JVM's maximum heap (75 % of the task's memory), idle timeout 20m (the cluster removes its workers after no tasks
     * and no clients this long; zero = never), death timeout 60s, start timeout 10 minutes (images take a while to
     * pull), state in the user's jcloud state directory.
     */
    public static final class Builder extends ProvisionedCluster.ProviderBuilder<Builder, FargateProvider> {

        private Builder() {
            super(Defaults.remote("fargate"));
        }

        /** AWS region (default us-east-1). */
        public Builder region(String region) {
            return option(AwsOptions.REGION, region);
        }

        /** CPU units of each worker task (1024 = one vCPU; 256 to 16384; default 1024). */
        public Builder workerCpu(int cpu) {
            return option(FargateOptions.WORKER_CPU, Integer.toString(cpu));
        }

        /** Memory of each worker task in MiB, a size Fargate offers with its CPU (default 4096). */
        public Builder workerMemoryMiB(int memory) {
            return option(FargateOptions.WORKER_MEMORY, Integer.toString(memory));
        }

        /** CPU units of the scheduler task (default 1024). */
        public Builder schedulerCpu(int cpu) {
            return option(FargateOptions.SCHEDULER_CPU, Integer.toString(cpu));
        }

        /** Memory of the scheduler task in MiB (default 4096). */
        public Builder schedulerMemoryMiB(int memory) {
            return option(FargateOptions.SCHEDULER_MEMORY, Integer.toString(memory));
        }

        /**
         * An engine container image of your own, e.g. {@code 123456789012.dkr.ecr.us-east-1.amazonaws.com/jcloud-engine:0.1.0}.
         * Without one, the cluster runs the image of this process's engine, built and pushed to the
         * account's ECR repository {@code jcloud-engine} once per engine version.
         */
        public Builder image(String image) {
            return option(FargateOptions.IMAGE, requireNonNull(image, "image is null"));
        }

        /**
         * The base of the engine image built when no {@link #image} is given: an image with
         * {@code java} 17 or newer on its {@code PATH} (default
         * {@value FargateOptions#DEFAULT_BASE_IMAGE}).
         */
        public Builder baseImage(String image) {
            return option(FargateOptions.BASE_IMAGE, requireNonNull(image, "image is null"));
        }

        /** Workers on FARGATE_SPOT, falling back to FARGATE when spot capacity is refused (default false). */
        public Builder spot(boolean spot) {
            return option(FargateOptions.SPOT, Boolean.toString(spot));
        }

        /** Run in this subnet (default: the default VPC, or a dedicated VPC when there is none). */
        public Builder subnet(String subnetId) {
            return option(AwsOptions.SUBNET, subnetId);
        }

        /** Run in this VPC, or {@code new} for a dedicated one that is deleted with the cluster. */
        public Builder vpc(String vpcId) {
            return option(AwsOptions.VPC, vpcId);
        }

        /** Who may reach the scheduler and dashboard ports, as CIDR blocks (default: this machine's public address). */
        public Builder allowFrom(String... cidrs) {
            return option(AwsOptions.ALLOW_FROM, String.join(",", cidrs));
        }

        /** Hard limit on the number of workers, enforced where tasks are started (default 1000). */
        public Builder maxWorkers(int max) {
            return option(AwsOptions.MAX_WORKERS, Integer.toString(max));
        }

        /** Days CloudWatch Logs keeps the tasks' output (default 7). */
        public Builder logRetentionDays(int days) {
            return option(FargateOptions.LOG_RETENTION_DAYS, Integer.toString(days));
        }

        /** A tag on every resource of the cluster, besides jcloud's own. */
        public Builder tag(String key, String value) {
            return option(AwsOptions.TAG_PREFIX + key, value);
        }

        /** The provider to use (tests: one pointed at an emulator). */
        Builder provider(FargateProvider provider) {
            return useProvider(provider);
        }

        /**
         * Creates the cluster and returns once every worker is registered. Bad settings fail before
         * anything is created; any other failure removes what was created before it is thrown.
         */
        public FargateCluster build() {
            Started s = start(new FargateProvider());
            return new FargateCluster(s.provisioner(), s.record(), owned());
        }
    }
}
