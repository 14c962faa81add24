package dev.jcloud.providers.batch;

import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.api.ProvisionedCluster;
import java.time.Duration;

/**
 * A cluster on PBS (PBS Pro, OpenPBS): the scheduler on this (login) node, or in a job of its own,
 * and the workers as one array job ({@code #PBS -J}), each subjob one worker.
 *
 * <pre>{@code
 * try (PbsCluster cluster = PbsCluster.builder()
 *         .queue("workq").account("proj42").cores(8).memory("32GiB").walltime(Duration.ofHours(2)).workers(20).build();
 *      Client client = cluster.connect()) {
 *     long answer = client.submit(() -> 6L * 7).get();
 * }   // close() deletes every job of the cluster and stops its scheduler
 * }</pre>
 *
 * <p>PBS has no test submission: bad settings fail at {@code qsub}, before any job waits. A worker
 * retires gracefully a margin before its walltime after submitting its replacement. Every job's
 * name carries the cluster id: {@code jcloud cluster list|down --provider pbs} find the cluster
 * from any login shell. Connections use TLS with a CA of the cluster's own.
 */
public final class PbsCluster extends ProvisionedCluster {

    private static final Duration GRACE = Duration.ofSeconds(30);
    private static final Duration SCALE_TIMEOUT = Duration.ofMinutes(30);

    private PbsCluster(Provisioner provisioner, ClusterRecord record, boolean owned) {
        super(provisioner, record, owned, SCALE_TIMEOUT, GRACE);
    }

    /** Options for a new PBS cluster. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A handle on the running PBS cluster {@code name} (for example one started with
     * {@code jcloud cluster up --provider pbs}); {@link #close()} leaves it running.
     */
    public static PbsCluster attach(String name) {
        Provisioner provisioner = new Provisioner(CloudProviders.of(new PbsProvider()), ClusterStateStore.forUser());
        return new PbsCluster(provisioner, running(provisioner, name, "pbs", "PBS"), false);
    }

    /**
     * Options of a {@link PbsCluster}; {@link #build()} checks them and creates it. Defaults: name
     * {@code pbs-xxxx}, and those of {@link BatchClusterBuilder}.
     */
    public static final class Builder extends BatchClusterBuilder<Builder, PbsProvider> {

        private Builder() {
            super(BatchSettings.PBS);
        }

        /** The queue jobs are submitted to (default: the server's default queue). */
        public Builder queue(String queue) {
            return option(s.queue.path(), queue);
        }

        /** The account charged for the jobs. */
        public Builder account(String account) {
            return option(s.account.path(), account);
        }

        /** The select statement of a worker job, e.g. {@code 1:ncpus=8:mem=32gb} (default: from cores and memory). */
        public Builder select(String select) {
            return option(s.select.path(), select);
        }

        /**
         * Creates the cluster and returns once every worker is registered; any failure deletes
         * what was submitted before it is thrown.
         */
        public PbsCluster build() {
            Started started = start(new PbsProvider());
            return new PbsCluster(started.provisioner(), started.record(), owned());
        }
    }
}
