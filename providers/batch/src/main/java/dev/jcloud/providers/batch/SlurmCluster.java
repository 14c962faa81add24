package dev.jcloud.providers.batch;

import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.api.ProvisionedCluster;
import java.time.Duration;

/**
 * A cluster on Slurm: the scheduler on this (login) node, or in a job of its own, and the workers
 * as one job array, each element one worker.
 *
 * <pre>{@code
 * try (SlurmCluster cluster = SlurmCluster.builder()
 *         .partition("compute").account("proj42").walltime(Duration.ofHours(2)).cores(8).workers(20).build();
 *      Client client = cluster.connect()) {
 *     long answer = client.submit(() -> 6L * 7).get();
 * }   // close() cancels every job of the cluster and stops its scheduler
 * }</pre>
 *
 * <p>The job scripts are checked with {@code sbatch --test-only} before anything is queued, so an
 * invalid partition, account or QOS, or a walltime above the partition's limit, fails
 * {@link Builder#build()} at once. A worker retires gracefully a margin before its walltime (its
 * results move to other workers) after submitting its replacement. Every job's name carries the
 * cluster id: {@code jcloud cluster list|down --provider slurm} find the cluster from any login
 * shell. Connections use TLS with a CA of the cluster's own.
 */
public final class SlurmCluster extends ProvisionedCluster {

    private static final Duration GRACE = Duration.ofSeconds(30);
    private static final Duration SCALE_TIMEOUT = Duration.ofMinutes(30);

    private SlurmCluster(Provisioner provisioner, ClusterRecord record, boolean owned) {
        super(provisioner, record, owned, SCALE_TIMEOUT, GRACE);
    }

    /** Options for a new Slurm cluster. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A handle on the running Slurm cluster {@code name} (for example one started with
     * {@code jcloud cluster up --provider slurm}); {@link #close()} leaves it running.
     */
    public static SlurmCluster attach(String name) {
        Provisioner provisioner = new Provisioner(CloudProviders.of(new SlurmProvider()), ClusterStateStore.forUser());
        return new SlurmCluster(provisioner, running(provisioner, name, "slurm", "Slurm"), false);
    }

    /**
     * Options of a {@link SlurmCluster}; {@link #build()} checks them (with Slurm itself) and
     * creates it. Defaults: name {@code slurm-xxxx}, and those of {@link BatchClusterBuilder}.
     */
    public static final class Builder extends BatchClusterBuilder<Builder, SlurmProvider> {

        private Builder() {
            super(BatchSettings.SLURM);
        }

        /** The partition jobs are submitted to (default: Slurm's default partition). */
        public Builder partition(String partition) {
            return option(s.queue.path(), partition);
        }

        /** The account charged for the jobs (default: the user's default account). */
        public Builder account(String account) {
            return option(s.account.path(), account);
        }

        /** The jobs' quality of service. */
        public Builder qos(String qos) {
            return option(s.qos.path(), qos);
        }

        /**
         * Creates the cluster and returns once every worker is registered. Bad settings fail before
         * any job is queued; any other failure cancels what was submitted before it is thrown.
         */
        public SlurmCluster build() {
            Started started = start(new SlurmProvider());
            return new SlurmCluster(started.provisioner(), started.record(), owned());
        }
    }
}
