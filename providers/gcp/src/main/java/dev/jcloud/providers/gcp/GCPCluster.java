package dev.jcloud.providers.gcp;

import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.api.ProvisionedCluster;
import java.net.URI;
import java.time.Duration;

/**
 * A cluster on Compute Engine: a scheduler VM and N worker VMs in one project and region, with
 * the cluster's own firewall rules and service account, all labelled so that any machine finds
 * and removes them.
 *
 * <pre>{@code
 * try (GCPCluster cluster = GCPCluster.builder()
 *         .project("my-project").zone("us-central1-a").workers(10)
 *         .machineType("e2-standard-4").spot(true)
 *         .build();
 *      Client client = cluster.connect()) {
 *     long answer = client.submit(() -> 6L * 7).get();
 * }   // close() deletes the VMs, firewall rules and service account
 * }</pre>
 *
 * <p>Credentials are Application Default Credentials ({@code gcloud auth application-default
 * login}, {@code GOOGLE_APPLICATION_CREDENTIALS}, or the machine's own service account). Settings
 * not covered by a builder method can be given with {@link Builder#option}; see {@link GcpOptions}
 * for every key. The engine (this program's class path) is uploaded once per version to the
 * project's private engine bucket ({@code gcp.engine-bucket}) unless {@link Builder#engine} names
 * one. If this program dies without closing the cluster, its machines delete themselves
 * once the scheduler's idle timeout (default 30 minutes) has passed; {@code jcloud cluster gc
 * --provider gcp} removes what is left.
 */
public final class GCPCluster extends ProvisionedCluster {

    private static final Duration GRACE = Duration.ofSeconds(30);
    private static final Duration SCALE_TIMEOUT = Duration.ofMinutes(10);

    private GCPCluster(Provisioner provisioner, ClusterRecord record, boolean owned) {
        super(provisioner, record, owned, SCALE_TIMEOUT, GRACE);
    }

    /** Options for a new cluster. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Options of a {@link GCPCluster}; {@link #build()} starts it. Defaults ({@link Defaults#remote}): name
     * {@code gcp-xxxx}, 4 worker VMs of 1 task thread, memory per worker the JVM's default on the machine, idle
     * timeout 20m (the scheduler stops the whole cluster after being idle this long; zero = never), death timeout 60s
     * (a worker stops, and its VM deletes itself, after failing to reach its scheduler this long), start timeout 10m,
     * state in the user's jcloud state directory.
     */
    public static final class Builder extends ProvisionedCluster.ProviderBuilder<Builder, GcpProvider> {

        private Builder() {
            super(Defaults.remote("gcp"));
        }

        /** The Google Cloud project (required). */
        public Builder project(String project) {
            return option(GcpOptions.PROJECT, project);
        }

        /** Zone of the scheduler and first choice for workers (default us-central1-a). */
        public Builder zone(String zone) {
            return option(GcpOptions.ZONE, zone);
        }

        /** Other zones of the same region to use when the first has no capacity. */
        public Builder fallbackZones(String... zones) {
            return option(GcpOptions.ZONES, String.join(",", zones));
        }

        /** Machine type of the workers (default {@value GcpSettings#DEFAULT_WORKER_TYPE}). */
        public Builder machineType(String machineType) {
            return option(GcpOptions.MACHINE_TYPE, machineType);
        }

        /** Machine type of the scheduler (default {@value GcpSettings#DEFAULT_SCHEDULER_TYPE}). */
        public Builder schedulerMachineType(String machineType) {
            return option(GcpOptions.SCHEDULER_MACHINE_TYPE, machineType);
        }

        /** Workers as Spot VMs, deleted on preemption; on-demand where Spot is refused (default false). */
        public Builder spot(boolean spot) {
            return option(GcpOptions.SPOT, Boolean.toString(spot));
        }

        /** VPC network (default {@code default}). */
        public Builder network(String network) {
            return option(GcpOptions.NETWORK, network);
        }

        /** Subnetwork of the zone's region; needs {@link #network}. */
        public Builder subnetwork(String subnetwork) {
            return option(GcpOptions.SUBNETWORK, subnetwork);
        }

        /** CIDRs allowed to reach the scheduler and dashboard (default: this machine's public address /32). */
        public Builder allowFrom(String... cidrs) {
            return option(GcpOptions.ALLOW_FROM, String.join(",", cidrs));
        }

        /**
         * Where machines download the engine, and its SHA-256, instead of uploading this program's
         * class path to the project's engine bucket (the default).
         */
        public Builder engine(URI url, String sha256) {
            option(GcpOptions.ENGINE_URL, url.toString());
            return option(GcpOptions.ENGINE_SHA256, sha256);
        }

        /** Hard limit on workers, enforced where VMs are created (default 1000). */
        public Builder maxWorkers(int maxWorkers) {
            return option(GcpOptions.MAX_WORKERS, Integer.toString(maxWorkers));
        }

        /** A label on every VM and disk (GCP label rules: lower-case letters, digits, '_' and '-'). */
        public Builder label(String key, String value) {
            return option(GcpOptions.LABEL_PREFIX + key, value);
        }

        /** Any {@link GcpOptions} key, e.g. {@code gcp.service-account} or {@code gcp.boot-disk-gb}. */
        @Override
        public Builder option(String key, String value) {
            if (!key.startsWith("gcp.")) {
                throw new IllegalArgumentException("'" + key + "' is not a GCP option: keys start with gcp.");
            }
            return super.option(key, value);
        }

        /** Tests: a provider wired to a fake. */
        Builder provider(GcpProvider provider) {
            return useProvider(provider);
        }

        /**
         * Creates the cluster and returns once every worker is registered. Options are checked
         * before anything is created; if anything fails later, everything created is removed
         * again before the exception is thrown.
         */
        public GCPCluster build() {
            Started s = start(new GcpProvider());
            return new GCPCluster(s.provisioner(), s.record(), owned());
        }
    }
}
