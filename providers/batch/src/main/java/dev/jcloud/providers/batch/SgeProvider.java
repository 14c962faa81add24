package dev.jcloud.providers.batch;

/**
 * {@code sge}: clusters on (Son of / Open / Univa) Grid Engine. Workers are {@code qsub -t}
 * elements; the scripts are checked with {@code qsub -w v} before anything is queued; a timer in
 * the job script retires a worker a margin before its walltime {@code h_rt}.
 */
public final class SgeProvider extends BatchProvider {

    public SgeProvider() {
        super(new GridEngine(), "install Grid Engine's client commands (Debian: gridengine-client) and set SGE_ROOT");
    }

    @Override
    public String description() {
        return "A Grid Engine cluster: the scheduler on this login node (or in a job), the workers as one array job.";
    }
}
