package dev.jcloud.providers.batch;

/**
 * {@code pbs}: clusters on PBS Professional / OpenPBS. Workers are {@code qsub -J} elements;
 * PBS has no test submission, so its own checks run at {@code qsub}. Verified against a stateful
 * fake of {@code qsub}/{@code qstat}/{@code qdel} only: no PBS server runs in the tests.
 */
public final class PbsProvider extends BatchProvider {

    public PbsProvider() {
        super(new Pbs(), "install the PBS client commands (qsub, qstat, qdel) and run on a node of the cluster");
    }

    @Override
    public String description() {
        return "A PBS Professional / OpenPBS cluster: the scheduler on this login node (or in a job), the workers as"
                + " one array job.";
    }
}
