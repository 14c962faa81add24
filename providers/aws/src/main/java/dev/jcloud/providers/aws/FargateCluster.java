package dev.jcloud.providers.aws;

import static java.util.Objects.requireNonNull;

import dev.jcloud.config.ByteSize;
import dev.jcloud.config.Durations;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterRequest;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.ControllerSpecs;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.api.ProvisionedCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

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
 * <p>The image is built and pushed with {@code mvn -Pimage -pl cli -am package -Djcloud.image=...}.
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

    /** Options of a {@link FargateCluster}; {@link #build()} creates it. Sizes are validated by {@link #build()}. */
    public static final class Builder {
        private final Map<String, String> options = new LinkedHashMap<>();
        private String name;
        private int workers = 4;
        private int nthreads = 1;
        private ByteSize memoryLimit;
        private Duration idleTimeout = Duration.ofMinutes(20);
        private Duration deathTimeout = Duration.ofSeconds(60);
        private Duration startTimeout = Duration.ofMinutes(10);
        private int adaptMin;
        private int adaptMax;
        private Duration adaptTarget;
        private Path stateDirectory;
        private boolean detached;
        private FargateProvider provider;

        private Builder() {
        }

        /** Cluster name (default {@code fargate-xxxx}); lower-case letters, digits and '-'. */
        public Builder name(String name) {
            this.name = ClusterNames.check(name);
            return this;
        }

        /** AWS region (default us-east-1). */
        public Builder region(String region) {
            return option(AwsOptions.REGION, region);
        }

        /** Number of worker tasks (default 4). */
        public Builder workers(int workers) {
            if (workers < 0) {
                throw new IllegalArgumentException("workers must be >= 0 (was " + workers + ")");
            }
            this.workers = workers;
            return this;
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

        /** The engine container image (required), e.g. {@code 123456789012.dkr.ecr.us-east-1.amazonaws.com/jcloud-engine:0.1.0}. */
        public Builder image(String image) {
            return option(FargateOptions.IMAGE, requireNonNull(image, "image is null"));
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

        /** Task threads per worker (default 1). */
        public Builder nthreads(int nthreads) {
            if (nthreads < 1) {
                throw new IllegalArgumentException("nthreads must be >= 1 (was " + nthreads + ")");
            }
            this.nthreads = nthreads;
            return this;
        }

        /** Memory a worker may use for results (default: its JVM's maximum heap, 75 % of the task's memory). */
        public Builder memoryLimit(String memoryLimit) {
            this.memoryLimit = ByteSize.parse(memoryLimit);
            return this;
        }

        /** The cluster removes its workers after no tasks and no clients for this long (default 20m; zero = never). */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = requireNonNull(idleTimeout, "idleTimeout is null");
            return this;
        }

        /** A worker exits after failing to reach its scheduler this long (default 60s). */
        public Builder deathTimeout(Duration deathTimeout) {
            this.deathTimeout = requireNonNull(deathTimeout, "deathTimeout is null");
            return this;
        }

        /** Deadline for the scheduler and all workers to be registered (default 10 minutes: images take a while to pull). */
        public Builder startTimeout(Duration startTimeout) {
            this.startTimeout = requireNonNull(startTimeout, "startTimeout is null");
            return this;
        }

        /** Adaptive scaling between {@code min} and {@code max} workers (a hard limit) by the in-cluster controller. */
        public Builder adapt(int min, int max) {
            this.adaptMin = min;
            this.adaptMax = max;
            return this;
        }

        /** Seconds of queued work per worker the controller aims for (default 5 s). */
        public Builder adaptTargetDuration(Duration target) {
            this.adaptTarget = requireNonNull(target, "target is null");
            return this;
        }

        /** Where cluster state goes (default: the user's jcloud state directory). */
        public Builder stateDirectory(Path stateDirectory) {
            this.stateDirectory = requireNonNull(stateDirectory, "stateDirectory is null");
            return this;
        }

        /**
         * A cluster that outlives this program (what {@code jcloud cluster up} does): {@link #close()}
         * then leaves it running; remove it with {@code jcloud cluster down NAME}.
         */
        public Builder detached(boolean detached) {
            this.detached = detached;
            return this;
        }

        /** The provider to use (tests: one pointed at an emulator). */
        Builder provider(FargateProvider provider) {
            this.provider = requireNonNull(provider, "provider is null");
            return this;
        }

        private Builder option(String key, String value) {
            options.put(key, requireNonNull(value, key + " is null"));
            return this;
        }

        /**
         * Creates the cluster and returns once every worker is registered. Bad settings fail before
         * anything is created; any other failure removes what was created before it is thrown.
         */
        public FargateCluster build() {
            ClusterRequest request = ClusterRequest.named(name != null ? name : ClusterNames.generate("fargate"))
                    .withWorkers(workers)
                    .withNthreads(nthreads)
                    .withMemoryLimit(memoryLimit)
                    .withIdleTimeout(idleTimeout)
                    .withDeathTimeout(deathTimeout)
                    .withStartTimeout(startTimeout);
            for (Map.Entry<String, String> e : options.entrySet()) {
                request = request.withOption(e.getKey(), e.getValue());
            }
            if (adaptMax > 0) {
                request = request.withOption(ControllerSpecs.MIN, Integer.toString(adaptMin))
                        .withOption(ControllerSpecs.MAX, Integer.toString(adaptMax));
                if (adaptTarget != null) {
                    request = request.withOption(ControllerSpecs.TARGET, Durations.format(adaptTarget));
                }
            }
            // Bad settings fail here, before the provisioner would start (and then undo) anything.
            FargateOptions.of(new ClusterContext(request.name(), "unchecked", Path.of("."), request.options())).requireImage();
            ClusterStateStore store = stateDirectory != null ? new ClusterStateStore(stateDirectory)
                    : ClusterStateStore.forUser();
            FargateProvider p = provider != null ? provider : new FargateProvider();
            Provisioner provisioner = new Provisioner(CloudProviders.of(p), store);
            long owner = detached ? 0 : ProcessHandle.current().pid();
            ClusterRecord r = provisioner.up(p.name(), request, owner);
            return new FargateCluster(provisioner, r, !detached);
        }
    }
}
