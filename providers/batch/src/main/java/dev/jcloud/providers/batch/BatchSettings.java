package dev.jcloud.providers.batch;

import dev.jcloud.config.SettingKey;
import dev.jcloud.config.SettingsSection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The settings section of one batch system ({@code slurm.*}, {@code sge.*} or {@code pbs.*}): the
 * same shape for each, with the system's own words for where jobs go (partition or queue), who
 * pays (account or project) and how cores are asked for (a parallel environment on Grid Engine, a
 * select statement on PBS). Flags shared by several systems ({@code --walltime}, {@code --cores})
 * are one option of the command line whose help names each provider.
 */
final class BatchSettings {

    /** A size such as {@code 32GiB}, {@code 4000MiB} or {@code 2G}. */
    static final Pattern SIZE = Pattern.compile("[1-9][0-9]*(\\.[0-9]+)?\\s*([KMGT]i?B?|B)?", Pattern.CASE_INSENSITIVE);

    private static final Duration MAX_WALLTIME = Duration.ofDays(365);

    final String system;
    final SettingKey<Optional<String>> queue;
    final SettingKey<Optional<String>> account;
    final SettingKey<Optional<String>> qos; // slurm only
    final SettingKey<Optional<String>> pe; // sge only
    final SettingKey<Optional<String>> select; // pbs only
    final SettingKey<Duration> walltime;
    final SettingKey<Duration> walltimeMargin;
    final SettingKey<Integer> cores;
    final SettingKey<Optional<String>> memory;
    final SettingKey<Optional<String>> jobExtra;
    final SettingKey<Boolean> schedulerInJob;
    final SettingKey<Boolean> noReplacement;
    final SettingKey<Integer> maxWorkers;
    final SettingKey<Integer> maxQueuedJobs;
    final SettingKey<Integer> maxRunningJobs;
    final SettingKey<Duration> pendingLimit;
    final SettingKey<Optional<String>> sharedDir;
    final SettingKey<Optional<String>> java;
    final SettingKey<Optional<String>> classpath;
    final SettingsSection section;

    private BatchSettings(String system, String queueWord, String queueFlag, String accountWord, String accountFlag) {
        this.system = system;
        queue = SettingKey.optionalText(system + "." + queueWord)
                .describedAs("The " + queueWord + " jobs are submitted to (default: the system's default).")
                .flag(queueFlag, queueWord.toUpperCase(Locale.ROOT));
        account = SettingKey.optionalText(system + "." + accountWord)
                .describedAs("The " + accountWord + " whose allocation the jobs are charged to (default: the user's"
                        + " default).")
                .flag(accountFlag, accountWord.toUpperCase(Locale.ROOT));
        qos = system.equals("slurm")
                ? SettingKey.optionalText("slurm.qos")
                        .describedAs("The quality of service of the jobs (default: the account's default).")
                        .flag("--qos", "QOS")
                : null;
        pe = system.equals("sge")
                ? SettingKey.optionalText("sge.pe")
                        .describedAs("The parallel environment that grants a worker more than one core (-pe NAME N);"
                                + " needed with --cores above 1.")
                        .flag("--pe", "NAME")
                : null;
        select = system.equals("pbs")
                ? SettingKey.optionalText("pbs.select")
                        .describedAs("The select statement of a worker job, e.g. 1:ncpus=8:mem=32gb (default: from"
                                + " --cores and --memory).")
                        .flag("--select", "SPEC")
                : null;
        walltime = SettingKey.duration(system + ".walltime", "1h", MAX_WALLTIME)
                .describedAs("The walltime limit of every job, e.g. 2h; a worker retires before it and its"
                        + " replacement is submitted ahead (default: 1h).")
                .flag("--walltime", "DURATION");
        walltimeMargin = SettingKey.duration(system + ".walltime-margin", "2m", MAX_WALLTIME)
                .describedAs("How long before its walltime a worker retires, moving its results (default: 2m).")
                .flag("--walltime-margin", "DURATION");
        cores = SettingKey.wholeNumber(system + ".cores", 1, 1, 4096)
                .describedAs("Cores of each worker job (default: 1).")
                .flag("--cores", "N");
        memory = SettingKey.optionalMatching(system + ".memory", SIZE, "a size such as 32GiB or 4000MiB")
                .describedAs("Memory of each worker job, e.g. 32GiB (default: the system's default).")
                .flag("--memory", "SIZE");
        jobExtra = SettingKey.optionalText(system + ".job-extra")
                .describedAs("Further options for every job, as the submit command takes them, e.g. '--qos=long"
                        + " --constraint=haswell'; each option becomes one directive line of the job scripts.")
                .flag("--job-extra", "OPTIONS");
        schedulerInJob = SettingKey.bool(system + ".scheduler-in-job")
                .describedAs("Run the scheduler in a batch job of its own instead of on the submitting (login) node;"
                        + " it writes its address to the cluster's directory on the shared file system.")
                .flag("--scheduler-in-job", "true|false");
        noReplacement = SettingKey.bool(system + ".no-replacement")
                .describedAs("Do not submit a replacement for a worker reaching its walltime.")
                .flag("--no-replacement", "true|false");
        maxWorkers = SettingKey.wholeNumber(system + ".max-workers", 1000, 0, 100_000)
                .describedAs("The hard maximum of worker jobs, pending and running (default: 1000).")
                .flag("--max-jobs", "N");
        maxQueuedJobs = SettingKey.wholeNumber(system + ".max-queued-jobs", 1000, 1, 100_000)
                .describedAs("The most worker jobs pending in the queue at once: no job is submitted while this many"
                        + " wait (sites cap a user's queued jobs; default 1000).")
                .flag("--max-queued-jobs", "N");
        maxRunningJobs = SettingKey.wholeNumber(system + ".max-running-jobs", 1000, 1, 100_000)
                .describedAs("The most worker jobs running at once (sites cap a user's running jobs); a pending job may"
                        + " start any moment, so no job is submitted while the running and pending ones reach it"
                        + " (default 1000).")
                .flag("--max-running-jobs", "N");
        pendingLimit = SettingKey.duration(system + ".pending-limit", "10m", MAX_WALLTIME)
                .describedAs("A job pending longer than this is reported with the scheduler's reason (default: 10m).")
                .flag("--pending-limit", "DURATION");
        sharedDir = SettingKey.optionalText(system + ".shared-dir")
                .describedAs("A directory on the file system the login and compute nodes share: job scripts, logs,"
                        + " the scheduler's address and certificates (default: ~/.jcloud/batch).")
                .flag("--shared-dir", "DIR");
        java = SettingKey.optionalText(system + ".java")
                .describedAs("The java binary on the compute nodes (default: this JVM's).");
        classpath = SettingKey.optionalText(system + ".classpath")
                .describedAs("The engine's class path on the compute nodes (default: this JVM's).");
        List<SettingKey<?>> keys = new ArrayList<>(List.of(queue, account));
        if (qos != null) {
            keys.add(qos);
        }
        if (pe != null) {
            keys.add(pe);
        }
        if (select != null) {
            keys.add(select);
        }
        keys.addAll(List.of(
                walltime,
                walltimeMargin,
                cores,
                memory,
                jobExtra,
                schedulerInJob,
                noReplacement,
                maxWorkers,
                maxQueuedJobs,
                maxRunningJobs,
                pendingLimit,
                sharedDir,
                java,
                classpath));
        section = SettingsSection.of(system, keys.toArray(SettingKey<?>[]::new));
    }

    static final BatchSettings SLURM = new BatchSettings("slurm", "partition", "--partition", "account", "--account");
    static final BatchSettings SGE = new BatchSettings("sge", "queue", "--queue", "project", "--project");
    static final BatchSettings PBS = new BatchSettings("pbs", "queue", "--queue", "account", "--account");

    /** The option key of {@code key}'s flag, for messages: {@code --walltime (slurm.walltime)}. */
    static String named(SettingKey<?> key) {
        return key.flag().map(f -> f.name() + " (" + key.path() + ")").orElse(key.path());
    }
}
