package dev.jcloud.providers.batch;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What differs between batch systems: the directives of a job script, the commands that submit,
 * verify, list and cancel jobs, and how their output reads. Everything else — scripts, arrays,
 * walltime handling, finding a cluster's jobs — is shared ({@link JobScripts}, {@link BatchProvider}).
 */
interface BatchSystem {

    /** The provider name: {@code slurm}, {@code sge}, {@code pbs}. */
    String name();

    /** The settings section of this system. */
    BatchSettings settings();

    /** The command whose answer shows that the system's client can reach it, e.g. {@code sinfo}. */
    List<String> ping();

    /** What a job script is, for its directives. */
    record JobSpec(String jobName, String comment, Path logDir, boolean array, boolean worker) {}

    /** The directive lines of a job script (each starting with the system's prefix). */
    List<String> directives(JobSpec job, BatchOptions options);

    /** The shell expression of the array element's number inside a job. */
    String taskIdExpression();

    /** The shell expression of the job's id inside a job (the array's id for an element). */
    String jobIdExpression();

    /**
     * The command that submits {@code script}; as one job array of elements {@code first..last}
     * when {@code array} is present. The variable {@code JCLOUD_SUBMITTED} of the submitting
     * environment must reach the job.
     */
    List<String> submit(Path script, Optional<int[]> array);

    /**
     * The same submission as a shell command, for one element given as a shell expression; a
     * system without one-element arrays submits a plain job named {@code elementJobName} (see
     * {@link JobNames#ofElement}) with {@code JCLOUD_ELEMENT} in its environment.
     */
    String submitOneShell(String scriptExpression, String elementExpression, String elementJobName);

    /** The job id in what {@link #submit} printed. */
    String submittedId(String output);

    /**
     * The job id {@code command} printed first (Grid Engine's {@code qsub -terse} prints "123" or
     * "123.1-4:1", PBS's "123.server"): its leading digits.
     */
    static String leadingJobId(String output, String command) {
        Matcher m = Pattern.compile("^(\\d+)").matcher(output.strip());
        if (!m.find()) {
            throw new IllegalStateException(command + " printed no job id: " + output.strip());
        }
        return m.group(1);
    }

    /** The command that checks {@code script} against the system without queueing it, if there is one. */
    Optional<List<String>> verify(Path script, Optional<int[]> array);

    /** The command that lists the user's jobs, one entry per array element. */
    List<String> list(String user);

    /** The jobs in what {@link #list} printed. */
    List<Job> parse(String output);

    /** One job as the system's accounting records it: elapsed seconds and the cores it held. */
    record Accounted(String jobName, long elapsedSeconds, int cores, boolean running) {}

    /**
     * The command that lists the user's jobs from the system's accounting, ended ones included,
     * when the system keeps one jcloud reads ({@code sacct}); empty otherwise. It may fail at a
     * site where accounting is off: the job list is used then.
     */
    default Optional<List<String>> accounting(String user) {
        return Optional.empty();
    }

    /** The jobs in what {@link #accounting} printed. */
    default List<Accounted> parseAccounting(String output) {
        return List.of();
    }

    /** The commands that cancel {@code jobs} (ids as {@link Job#id}). */
    List<List<String>> cancel(Collection<String> jobIds);
}
