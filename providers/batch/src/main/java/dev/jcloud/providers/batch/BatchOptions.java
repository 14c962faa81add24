package dev.jcloud.providers.batch;

import dev.jcloud.config.ByteSize;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A cluster's batch settings, read from its options with the section's own parsers, and checked
 * together: a bad value fails naming its flag and key, before any job is submitted.
 *
 * @param queue          partition (Slurm) or queue (Grid Engine, PBS); empty for the default
 * @param account        account (Slurm, PBS) or project (Grid Engine)
 * @param qos            Slurm's quality of service
 * @param pe             Grid Engine's parallel environment
 * @param select         PBS's select statement
 * @param walltime       every job's walltime limit
 * @param margin         how long before the walltime a worker retires
 * @param cores          cores per worker job
 * @param memoryMiB      memory per worker job in MiB, 0 for the system's default
 * @param jobExtra       further submit options, one directive line each
 * @param schedulerInJob whether the scheduler runs in a batch job of its own
 * @param replace        whether a worker near its walltime submits its replacement
 * @param maxWorkers     hard maximum of worker jobs, pending and running
 * @param maxQueued      the most worker jobs pending at once
 * @param maxRunning     the most worker jobs running at once (pending ones count: they may start)
 * @param pendingLimit   a job pending longer is reported with its reason
 * @param sharedDir      the directory login and compute nodes share
 * @param java           the java binary jobs run
 * @param classpath      the engine's class path in jobs
 */
record BatchOptions(
        Optional<String> queue,
        Optional<String> account,
        Optional<String> qos,
        Optional<String> pe,
        Optional<String> select,
        Duration walltime,
        Duration margin,
        int cores,
        long memoryMiB,
        List<String> jobExtra,
        boolean schedulerInJob,
        boolean replace,
        int maxWorkers,
        int maxQueued,
        int maxRunning,
        Duration pendingLimit,
        Path sharedDir,
        String java,
        String classpath) {

    /** A worker needs this long at least between its start and its retirement. */
    static final Duration MIN_WORKING_TIME = Duration.ofSeconds(30);

    static BatchOptions read(BatchSettings s, Map<String, String> options) {
        Duration walltime = s.walltime.read(options);
        Duration margin = s.walltimeMargin.read(options);
        if (walltime.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException(BatchSettings.named(s.walltime)
                    + " must be at least 1m: batch systems count walltime in minutes (was "
                    + options.get(s.walltime.path()) + ")");
        }
        if (walltime.minus(margin).compareTo(MIN_WORKING_TIME) < 0) {
            throw new IllegalArgumentException(BatchSettings.named(s.walltimeMargin) + " must leave a worker at least "
                    + MIN_WORKING_TIME.toSeconds() + "s of its walltime " + Durations.text(walltime) + " (was "
                    + Durations.text(margin) + ")");
        }
        int cores = s.cores.read(options);
        Optional<String> pe = s.pe == null ? Optional.empty() : s.pe.read(options);
        if (s.pe != null && cores > 1 && pe.isEmpty()) {
            throw new IllegalArgumentException(BatchSettings.named(s.cores) + " " + cores
                    + " needs a parallel environment: give " + BatchSettings.named(s.pe) + " (see qconf -spl)");
        }
        long memoryMiB = s.memory
                .read(options)
                .map(m -> ByteSize.parse(m.replaceAll("\\s+", "")).bytes() / (1024 * 1024))
                .orElse(0L);
        if (s.memory.read(options).isPresent() && memoryMiB < 1) {
            throw new IllegalArgumentException(BatchSettings.named(s.memory) + " must be at least 1MiB (was "
                    + options.get(s.memory.path()) + ")");
        }
        Path shared = s.sharedDir
                .read(options)
                .map(Path::of)
                .orElseGet(() -> Path.of(System.getProperty("user.home"), ".jcloud", "batch"));
        if (!shared.isAbsolute()) {
            throw new IllegalArgumentException(BatchSettings.named(s.sharedDir)
                    + " must be an absolute path that compute nodes see too (was " + shared + ")");
        }
        return new BatchOptions(
                s.queue.read(options),
                s.account.read(options),
                s.qos == null ? Optional.empty() : s.qos.read(options),
                pe,
                s.select == null ? Optional.empty() : s.select.read(options),
                walltime,
                margin,
                cores,
                memoryMiB,
                extra(s.jobExtra.read(options).orElse("")),
                s.schedulerInJob.read(options),
                !s.noReplacement.read(options),
                s.maxWorkers.read(options),
                s.maxQueuedJobs.read(options),
                s.maxRunningJobs.read(options),
                s.pendingLimit.read(options),
                shared,
                s.java.read(options).orElseGet(BatchOptions::currentJava),
                s.classpath.read(options).orElseGet(BatchOptions::currentClasspath));
    }

    /**
     * {@code --qos=long --constraint x -l h_rt=1} as directive lines: a new line at each word that
     * starts with {@code -}, the words after it on the same line.
     */
    static List<String> extra(String text) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.strip().split("\\s+")) {
            if (word.isEmpty()) {
                continue;
            }
            if (word.startsWith("-") && line.length() > 0) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return List.copyOf(lines);
    }

    /** The walltime in whole minutes, rounded up: what batch systems take. */
    long walltimeMinutes() {
        return (walltime.toSeconds() + 59) / 60;
    }

    /** {@code HH:MM:SS} of the walltime rounded up to whole minutes. */
    String walltimeClock() {
        return clock(walltimeMinutes() * 60);
    }

    /** {@code HH:MM:SS} of {@code seconds}. */
    static String clock(long seconds) {
        return String.format("%02d:%02d:%02d", seconds / 3600, (seconds / 60) % 60, seconds % 60);
    }

    private static String currentJava() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElseGet(() ->
                        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** This JVM's class path with absolute entries: jobs run in other directories. */
    private static String currentClasspath() {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                entries.add(Path.of(entry).toAbsolutePath().normalize().toString());
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /** Durations as the settings write them. */
    static final class Durations {
        private Durations() {}

        static String text(Duration d) {
            return dev.jcloud.config.Durations.format(d);
        }
    }
}
