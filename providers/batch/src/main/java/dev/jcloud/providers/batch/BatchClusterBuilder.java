package dev.jcloud.providers.batch;

import dev.jcloud.config.Durations;
import dev.jcloud.provisioner.api.ProvisionedCluster;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What the builders of {@link SlurmCluster}, {@link SgeCluster} and {@link PbsCluster} share:
 * walltime, cores, memory, further job options, where the scheduler runs, the shared directory
 * and the caps on worker jobs, each set as the system's option ({@code slurm.*}, {@code sge.*},
 * {@code pbs.*}). Defaults: 4 workers of 1 core and 1 task thread, walltime 1h retiring 2m before
 * it, idle timeout 20m, death timeout 60s, and 30 minutes for the workers to start, since jobs
 * wait in a queue; TLS on.
 *
 * @param <B> the builder itself, so that every setter returns it
 * @param <P> the system's provider
 */
public abstract class BatchClusterBuilder<B extends BatchClusterBuilder<B, P>, P extends BatchProvider>
        extends ProvisionedCluster.ProviderBuilder<B, P> {

    final BatchSettings s;

    BatchClusterBuilder(BatchSettings settings) {
        super(ProvisionedCluster.Defaults.remote(settings.system).withStartTimeout(Duration.ofMinutes(30)));
        this.s = settings;
        option(ClusterTrust.OPTION, "true");
    }

    /** Every job's walltime limit, whole minutes (default 1h). */
    public B walltime(Duration walltime) {
        return option(s.walltime.path(), Durations.format(walltime));
    }

    /** How long before its walltime a worker retires, its results moving to others (default 2m). */
    public B walltimeMargin(Duration margin) {
        return option(s.walltimeMargin.path(), Durations.format(margin));
    }

    /** Cores of each worker job (default 1). */
    public B cores(int cores) {
        return option(s.cores.path(), Integer.toString(cores));
    }

    /** Memory of each worker job, e.g. {@code 32GiB} (default: the system's default). */
    public B memory(String memory) {
        return option(s.memory.path(), memory);
    }

    /** Further submit options for every job, as the submit command takes them. */
    public B jobExtra(String options) {
        return option(s.jobExtra.path(), options);
    }

    /** Run the scheduler in a job of its own instead of on this (login) node. */
    public B schedulerInJob(boolean inJob) {
        return option(s.schedulerInJob.path(), Boolean.toString(inJob));
    }

    /** The directory the login and compute nodes share (default {@code ~/.jcloud/batch}). */
    public B sharedDirectory(Path dir) {
        return option(s.sharedDir.path(), dir.toAbsolutePath().toString());
    }

    /** The hard maximum of worker jobs, pending and running (default 1000). */
    public B maxWorkers(int max) {
        return option(s.maxWorkers.path(), Integer.toString(max));
    }

    /** The most worker jobs pending in the queue at once (default 1000): sites cap a user's queued jobs. */
    public B maxQueuedJobs(int max) {
        return option(s.maxQueuedJobs.path(), Integer.toString(max));
    }

    /** The most worker jobs running at once, pending ones counted since they may start (default 1000). */
    public B maxRunningJobs(int max) {
        return option(s.maxRunningJobs.path(), Integer.toString(max));
    }

    /** TLS between the client, the scheduler and the workers (default true). */
    public B tls(boolean tls) {
        return option(ClusterTrust.OPTION, Boolean.toString(tls));
    }
}
