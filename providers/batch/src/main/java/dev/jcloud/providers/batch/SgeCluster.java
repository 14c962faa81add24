package dev.jcloud.providers.batch;

import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.api.ProvisionedCluster;
import java.time.Duration;

/**
 * A cluster on Grid Engine: the scheduler on this (login) node, or in a job of its own, and the
 * workers as one array job ({@code qsub -t}), each task one worker.
 *
 * <pre>{@code
 * try (SgeCluster cluster = SgeCluster.builder()
 *         .queue("all.q").project("proj42").pe("smp").cores(8).walltime(Duration.ofHours(2)).workers(20).build();
 *      Client client = cluster.connect()) {
 *     long answer = client.submit(() -> 6L * 7).get();
 * }   // close() deletes every job of the cluster and stops its scheduler
 * }</pre>
 *
 * <p>The job scripts are checked with {@code qsub -w v} before anything is queued, so an unknown
 * queue, project or parallel environment fails {@link Builder#build()} at once. A worker retires
 * gracefully a margin before its walltime ({@code h_rt}) after submitting its replacement. Every
 * job's name carries the cluster id: {@code jcloud cluster list|down --provider sge} find the
 * cluster from any login shell. Connections use TLS with a CA of the cluster's own.
 */
public final class SgeCluster extends ProvisionedCluster {

    private static final Duration GRACE = Duration.ofSeconds(30);
    private static final Duration SCALE_TIMEOUT = Duration.ofMinutes(30);

    private SgeCluster(Provisioner provisioner, ClusterRecord record, boolean owned) {
        super(provisioner, record, owned, SCALE_TIMEOUT, GRACE);
    }

    /** Options for a new Grid Engine cluster. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A handle on the running Grid Engine cluster {@code name} (for example one started with
     * {@code jcloud cluster up --provider sge}); {@link #close()} leaves it running.
     */
    public static SgeCluster attach(String name) {
        Provisioner provisioner = new Provisioner(CloudProviders.of(new SgeProvider()), ClusterStateStore.forUser());
        return new SgeCluster(provisioner, running(provisioner, name, "sge", "Grid Engine"), false);
    }

    /**
     * Options of an {@link SgeCluster}; {@link #build()} checks them (with Grid Engine itself) and
     * creates it. Defaults: name {@code sge-xxxx}, and those of {@link BatchClusterBuilder}.
     */
    public static final class Builder extends BatchClusterBuilder<Builder, SgeProvider> {

        private Builder() {
            super(BatchSettings.SGE);
        }

        /** The queue jobs are submitted to (default: Grid Engine's choice). */
        public Builder queue(String queue) {
            return option(s.queue.path(), queue);
        }

        /** The project charged for the jobs (default: the user's default project). */
        public Builder project(String project) {
            return option(s.account.path(), project);
        }

        /** The parallel environment that grants a worker more than one core ({@code -pe NAME N}). */
        public Builder pe(String parallelEnvironment) {
            return option(s.pe.path(), parallelEnvironment);
        }

        /**
         * Creates the cluster and returns once every worker is registered. Bad settings fail before
         * any job is queued; any other failure deletes what was submitted before it is thrown.
         */
        public SgeCluster build() {
            Started started = start(new SgeProvider());
            return new SgeCluster(started.provisioner(), started.record(), owned());
        }
    }
}
