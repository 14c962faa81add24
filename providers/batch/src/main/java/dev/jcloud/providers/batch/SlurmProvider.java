package dev.jcloud.providers.batch;

/**
 * {@code slurm}: clusters on a Slurm cluster. Workers are {@code sbatch --array} elements; the
 * scripts are checked with {@code sbatch --test-only} before anything is queued; a worker gets
 * USR1 ({@code --signal=B:USR1@margin}) and a timer a margin before its walltime, and retires.
 */
public final class SlurmProvider extends BatchProvider {

    public SlurmProvider() {
        super(new Slurm(), "install Slurm's client commands (Debian: slurm-client) and run on a node of the cluster");
    }

    @Override
    public String description() {
        return "A Slurm cluster: the scheduler on this login node (or in a job), the workers as one job array.";
    }
}
