package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.api.ProvisionedCluster;
import java.time.Duration;

/**
 * A cluster on AWS EC2 virtual machines: a scheduler and N workers, each booted by the same
 * rendered boot script, in the region's default VPC (or the given subnet/VPC), behind a security
 * group that lets only {@link Builder#allowFrom allow-from} reach the scheduler.
 *
 * <pre>{@code
 * try (EC2Cluster cluster = EC2Cluster.builder()
 *         .region("us-east-1").workers(10).workerType("m6i.large").spot(true).build();
 *      Client client = cluster.connect()) {
 *     long answer = client.submit(() -> 6L * 7).get();
 * }   // close() terminates every instance and removes every resource the cluster created
 * }</pre>
 *
 * <p>By default the machines run Amazon Linux 2023 and download this program's own engine, which
 * the provider publishes to S3 (see {@link Ec2Provider}). Credentials come from the AWS SDK's
 * default chain. A cluster built here also appears in {@code jcloud cluster list} and can be
 * removed with {@code jcloud cluster down NAME} from any machine; if this program dies without
 * closing it, the scheduler removes its cluster after its idle timeout, and
 * {@code jcloud cluster gc --provider aws} finds what is left.
 */
public final class EC2Cluster extends ProvisionedCluster {

    private static final Duration GRACE = Duration.ofSeconds(30);
    private static final Duration SCALE_TIMEOUT = Duration.ofMinutes(10);

    private EC2Cluster(Provisioner provisioner, ClusterRecord record, boolean owned) {
        super(provisioner, record, owned, SCALE_TIMEOUT, GRACE);
    }

    /** Options for a new EC2 cluster. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A handle on the running EC2 cluster {@code name} (for example one started with
     * {@code jcloud cluster up --provider aws}); {@link #close()} leaves it running.
     */
    public static EC2Cluster attach(String name) {
        return attach(name, ClusterStateStore.forUser(), new Ec2Provider());
    }

    static EC2Cluster attach(String name, ClusterStateStore store, Ec2Provider provider) {
        Provisioner provisioner = new Provisioner(CloudProviders.of(provider), store);
        return new EC2Cluster(provisioner, running(provisioner, name, provider.name(), "EC2"), false);
    }

    /**
     * Options of an {@link EC2Cluster}; {@link #build()} creates it and validates them first.
     * Defaults: name {@code ec2-xxxx}, 4 worker machines, 1 task thread each, memory a worker may use for results:
     * its JVM's maximum heap, idle timeout 20m (the cluster removes its workers after no tasks and no clients this
     * long; zero = never), death timeout 60s, start timeout 10 minutes (machines take minutes to boot), state in the
     * user's jcloud state directory.
     */
    public static final class Builder extends ProvisionedCluster.ProviderBuilder<Builder, Ec2Provider> {

        private Builder() {
            super(Defaults.remote("ec2"));
        }

        /** AWS region (default us-east-1). */
        public Builder region(String region) {
            return option(AwsOptions.REGION, region);
        }

        /** Instance type of the workers (default m6i.large); checked against the region's offerings. */
        public Builder workerType(String type) {
            return option(AwsOptions.WORKER_TYPE, type);
        }

        /** Instance type of the scheduler (default m6i.large). */
        public Builder schedulerType(String type) {
            return option(AwsOptions.SCHEDULER_TYPE, type);
        }

        /** Machine image (default: the region's latest Amazon Linux 2023); needs bash and curl. */
        public Builder ami(String amiId) {
            return option(AwsOptions.AMI, amiId);
        }

        /** Workers on the spot market, falling back to on-demand when spot capacity is refused (default false). */
        public Builder spot(boolean spot) {
            return option(AwsOptions.SPOT, Boolean.toString(spot));
        }

        /** Size of each machine's encrypted root volume in GiB (default 20). */
        public Builder rootVolumeGiB(int gib) {
            return option(AwsOptions.ROOT_VOLUME_GIB, Integer.toString(gib));
        }

        /**
         * Where machines download the engine, and its SHA-256 (default: this program's own engine,
         * published to S3 and fetched over a short-lived presigned URL).
         */
        public Builder engine(java.net.URI url, String sha256) {
            option(AwsOptions.ENGINE_URL, url.toString());
            return option(AwsOptions.ENGINE_SHA256, sha256);
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

        /** Hard limit on the number of workers, enforced where machines are started (default 1000). */
        public Builder maxWorkers(int max) {
            return option(AwsOptions.MAX_WORKERS, Integer.toString(max));
        }

        /** A tag on every resource of the cluster, besides jcloud's own. */
        public Builder tag(String key, String value) {
            return option(AwsOptions.TAG_PREFIX + key, value);
        }

        /** The provider to use (tests: one pointed at an emulator). */
        Builder provider(Ec2Provider provider) {
            return useProvider(provider);
        }

        /**
         * Creates the cluster and returns once every worker is registered. Bad settings fail before
         * anything is created; any other failure removes what was created before it is thrown.
         */
        public EC2Cluster build() {
            Started s = start(new Ec2Provider());
            return new EC2Cluster(s.provisioner(), s.record(), owned());
        }
    }
}
