package dev.jcloud.providers.batch;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.EngineCommand;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.boot.ShellQuote;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The job scripts of a cluster, rendered from its options alone (so that {@code --dry-run} prints
 * exactly what is submitted): the worker script every array element runs, and the scheduler's
 * script when it runs in a job of its own.
 *
 * <p>A worker's element number is its worker index plus one (Grid Engine counts from 1), so the
 * worker {@code <cluster>-worker-<n>} is element {@code n+1} of some array of the cluster: one
 * identity in the batch system, the engine and the dashboard.
 *
 * <p>Walltime: the script starts a timer that, when the walltime is near, submits the worker's
 * replacement ahead by the longest start-up measured for the cluster plus a boot allowance — the
 * latest queue waits (submission to start) the cluster's worker jobs recorded, and the start-up
 * time the in-cluster controller measured from its own launches ({@value #STARTUP_FILE}) — and at
 * the margin touches the worker's interruption file, on which the worker retires gracefully (its
 * results move to other workers). Slurm's {@code --signal=B:USR1} to the batch shell starts both
 * at once when it comes first (it may come up to a minute early), the retirement a boot allowance
 * after the replacement. The worker is told the same moment ({@code --retire-at}): the scheduler
 * gives it no task of a kind expected to outlast it, and it retires then by itself should the
 * timer not.
 */
final class JobScripts {

    static final String MAIN_CLASS = "dev.jcloud.engine.process.EngineMain";
    static final String WORKER_SCRIPT = "worker.sh";
    static final String SCHEDULER_SCRIPT = "scheduler.sh";
    static final String WORKER_ARGS = "worker-args";
    static final String SCHEDULER_ARGS = "scheduler-args";
    static final String ADDRESS_FILE = "scheduler-address.json";
    /** Seconds the in-cluster controller measured from a worker's launch until it registered. */
    static final String STARTUP_FILE = "startup-seconds";
    /** Seconds a replacement is given to start and register, on top of the queue wait it will likely see. */
    static final long BOOT_ALLOWANCE_SECONDS = 30;
    /** How many of the cluster's latest queue waits a replacement's lead is the longest of. */
    static final int RECENT_QUEUE_WAITS = 8;

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./:=@%+,-]+");

    private final BatchSystem system;
    private final ClusterContext cluster;
    private final BatchOptions options;
    private final Path dir;

    JobScripts(BatchSystem system, ClusterContext cluster, BatchOptions options, Path dir) {
        this.system = system;
        this.cluster = cluster;
        this.options = options;
        this.dir = dir;
    }

    /**
     * The worker script: one element of an array is one worker. It takes the scheduler's address
     * from the shared directory (waiting for it, so workers may queue before the scheduler listens)
     * and the engine's flags from {@value #WORKER_ARGS} there: the script depends on the cluster's
     * options alone, and what {@code --dry-run} prints is what is submitted.
     */
    String worker() {
        String jobName = JobNames.of(cluster.id(), NodeRole.WORKER, cluster.name());
        long wall = options.walltimeMinutes() * 60;
        long margin = options.margin().toSeconds();
        String workerPrefix = ClusterNames.worker(cluster.name(), 0);
        workerPrefix = workerPrefix.substring(0, workerPrefix.length() - 1);
        StringBuilder s = new StringBuilder("#!/bin/bash\n");
        system.directives(new BatchSystem.JobSpec(jobName, comment(), dir.resolve("logs"), true, true), options)
                .forEach(d -> s.append(d).append('\n'));
        s.append("# A jcloud worker of cluster ")
                .append(cluster.name())
                .append(" (")
                .append(cluster.id())
                .append("): each array element is one worker, named by its element number.\n");
        s.append("set -u\n");
        s.append("dir=").append(quote(dir.toString())).append('\n');
        s.append("element=${JCLOUD_ELEMENT:-").append(system.taskIdExpression()).append("}\n");
        s.append("job=\"").append(system.jobIdExpression()).append("_$element\"\n");
        s.append("name=").append(quote(workerPrefix)).append("$((element - 1))\n");
        s.append("[ -d \"$dir/claims\" ] || { echo \"jcloud: $dir is gone: the cluster was removed\"; exit 0; }\n");
        s.append("exec >>\"$dir/logs/worker-$job.log\" 2>&1\n");
        s.append("retire=\"$dir/run/$job.retire\"\n");
        s.append("echo \"jcloud: worker $name, job $job on $(hostname); walltime ")
                .append(wall)
                .append("s, retiring ")
                .append(margin)
                .append("s before it\"\n");
        s.append("signalled=\"$dir/run/$job.signalled\"\n");
        // The signal may come early (Slurm's granularity is up to a minute): it starts the replacement
        // and the retirement a boot allowance later, so the replacement can take the worker's results.
        s.append("trap 'echo \"jcloud: walltime signal\"; touch \"$signalled\"' USR1\n");
        s.append("started=$(date +%s)\n");
        s.append("queued=$(( started - ${JCLOUD_SUBMITTED:-$started} ))\n");
        s.append("[ \"$queued\" -ge 0 ] || queued=0\n");
        // Every job's queue wait is on record: a replacement starts ahead by the longest of the
        // recent ones (a long wait hours ago does not move every replacement for good).
        s.append("echo \"$queued\" >\"$dir/run/$job.queued\"\n");
        s.append("retire_at=$(( started + ").append(wall - margin).append(" ))\n");
        s.append("lead() { { echo \"$queued\"; find \"$dir/run\" -name '*.queued' -printf '%T@ %p\\n' 2>/dev/null")
                .append(" | sort -rn | head -n ")
                .append(RECENT_QUEUE_WAITS)
                .append(" | cut -d' ' -f2- | xargs -r cat 2>/dev/null; cat \"$dir/")
                .append(STARTUP_FILE)
                .append("\" 2>/dev/null; } | sed -n 's/^\\([0-9][0-9]*\\).*/\\1/p' | sort -n | tail -n 1; }\n");
        s.append("(\n");
        s.append("  replaced=").append(options.replace() ? "0" : "1").append('\n');
        s.append("  signal_at=\n");
        s.append("  while :; do\n");
        s.append("    now=$(date +%s)\n");
        s.append("    ahead=$(lead)\n");
        s.append("    replace_at=$(( retire_at - ${ahead:-0} - ")
                .append(BOOT_ALLOWANCE_SECONDS)
                .append(" ))\n");
        s.append("    if [ -z \"$signal_at\" ] && [ -e \"$signalled\" ]; then signal_at=$now; fi\n");
        s.append(
                "    if [ \"$replaced\" = 0 ] && { [ \"$now\" -ge \"$replace_at\" ] || [ -n \"$signal_at\" ]; }; then\n");
        s.append("      replaced=1\n");
        // No replacement once the cluster is going (stopping, or its directory removed).
        s.append("      if [ -d \"$dir/claims\" ] && [ ! -e \"$dir/stopping\" ]; then\n");
        s.append("        n=$(ls \"$dir/claims\" | sort -n | tail -n 1)\n");
        s.append("        n=$(( ${n:-0} + 1 ))\n");
        s.append(
                "        while [ -d \"$dir/claims\" ] && ! mkdir \"$dir/claims/$n\" 2>/dev/null; do n=$(( n + 1 )); done\n");
        s.append("        echo \"jcloud: submitting the replacement (element $n) ${ahead}s + ")
                .append(BOOT_ALLOWANCE_SECONDS)
                .append("s ahead of the retirement (this job queued ${queued}s)\"\n");
        s.append("        JCLOUD_SUBMITTED=$now ")
                .append(system.submitOneShell(
                        "\"$dir/" + WORKER_SCRIPT + "\"",
                        "\"$n\"",
                        JobNames.ofElement(cluster.id(), "${n}", cluster.name())))
                .append(" || echo \"jcloud: the replacement was not submitted\"\n");
        s.append("      fi\n");
        s.append("    fi\n");
        s.append("    if [ \"$now\" -ge \"$retire_at\" ] || { [ -n \"$signal_at\" ] && [ \"$now\" -ge $(( signal_at + ")
                .append(BOOT_ALLOWANCE_SECONDS)
                .append(" )) ]; }; then\n");
        s.append("      echo \"jcloud: walltime near: retiring\"\n");
        s.append("      touch \"$retire\"\n");
        s.append("      break\n");
        s.append("    fi\n");
        s.append("    sleep 2\n");
        s.append("  done\n");
        s.append(") &\n");
        s.append("timer=$!\n");
        s.append("for _ in $(seq 600); do [ -s \"$dir/").append(ADDRESS_FILE).append("\" ] && break; sleep 1; done\n");
        s.append("address=$(sed -n 's/.*\"scheduler\":\"\\([^\"]*\\)\".*/\\1/p' \"$dir/")
                .append(ADDRESS_FILE)
                .append("\")\n");
        s.append("mapfile -d '' -t args <\"$dir/").append(WORKER_ARGS).append("\"\n");
        s.append(java(NodeRole.WORKER))
                .append(" \"$address\" \"${args[@]}\" --name \"$name\" --interruption-file \"$retire\""
                        + " --retire-at \"$retire_at\" &\n");
        s.append("engine=$!\n");
        s.append("# A trapped signal ends 'wait' early: wait again while the engine runs.\n");
        s.append("while :; do wait \"$engine\"; code=$?; kill -0 \"$engine\" 2>/dev/null || break; done\n");
        s.append("pkill -P \"$timer\" 2>/dev/null; kill \"$timer\" 2>/dev/null\n");
        s.append("echo \"jcloud: worker $name exited with code $code\"\n");
        s.append("exit \"$code\"\n");
        return s.toString();
    }

    /**
     * The scheduler's script, for a scheduler in a job of its own: its flags come from
     * {@value #SCHEDULER_ARGS}, and it writes its address to the shared directory.
     */
    String scheduler() {
        String jobName = JobNames.of(cluster.id(), NodeRole.SCHEDULER, cluster.name());
        StringBuilder s = new StringBuilder("#!/bin/bash\n");
        system.directives(new BatchSystem.JobSpec(jobName, comment(), dir.resolve("logs"), false, false), options)
                .forEach(d -> s.append(d).append('\n'));
        s.append("# The jcloud scheduler of cluster ")
                .append(cluster.name())
                .append(" (")
                .append(cluster.id())
                .append("): its address reaches the workers and clients through the shared directory.\n");
        s.append("set -u\n");
        s.append("dir=").append(quote(dir.toString())).append('\n');
        s.append("mkdir -p \"$dir/logs\"\n");
        s.append("exec >>\"$dir/logs/scheduler.log\" 2>&1\n");
        s.append("echo \"jcloud: scheduler on $(hostname), job ")
                .append(system.jobIdExpression())
                .append("\"\n");
        s.append("mapfile -d '' -t args <\"$dir/").append(SCHEDULER_ARGS).append("\"\n");
        s.append("exec ").append(java(NodeRole.SCHEDULER)).append(" \"${args[@]}\"\n");
        return s.toString();
    }

    /** The java command of an engine process up to its subcommand, shell-quoted. */
    String java(NodeRole role) {
        List<String> parts = new ArrayList<>();
        parts.add(quote(options.java()));
        parts.addAll(jvmOptions(role).stream().map(o -> quote(o)).toList());
        parts.add(role.label());
        return String.join(" ", parts);
    }

    /** The JVM options and main class of an engine process: the cluster's tags, then the class path. */
    List<String> jvmOptions(NodeRole role) {
        return List.of(
                "-D" + ClusterContext.NAME_TAG + "=" + cluster.name(),
                "-D" + ClusterContext.ID_TAG + "=" + cluster.id(),
                "-D" + ClusterContext.ROLE_TAG + "=" + role.label(),
                "-XX:+UseSerialGC",
                "-cp",
                options.classpath(),
                MAIN_CLASS);
    }

    /**
     * The engine flags of {@code command} as the scripts read them ({@value #WORKER_ARGS},
     * {@value #SCHEDULER_ARGS}): NUL-separated, without the subcommand, the scheduler's address
     * and the worker's name, which the script supplies.
     */
    static byte[] argsFile(EngineCommand command) {
        List<String> args = new ArrayList<>(command.arguments());
        args.remove(0); // subcommand
        if (command.role() == NodeRole.WORKER) {
            args.remove(0); // the address: read from the shared directory
            int name = args.indexOf("--name");
            if (name >= 0 && name % 2 == 0) {
                args.remove(name + 1);
                args.remove(name);
            }
        }
        StringBuilder s = new StringBuilder();
        args.forEach(a -> s.append(a).append('\0'));
        return s.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** {@code value} as one shell word: as it is when it is plainly safe, else single-quoted. */
    static String quote(String value) {
        return SAFE.matcher(value).matches() ? value : ShellQuote.quote(value);
    }

    /** What every job carries besides its name, where the system has a field for it (Slurm's comment). */
    String comment() {
        return "jcloud:" + cluster.id() + ":" + cluster.name();
    }
}
