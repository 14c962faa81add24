package dev.jcloud.providers.batch;

import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Slurm: {@code sbatch}, {@code squeue}, {@code scancel}; arrays with {@code --array}. */
final class Slurm implements BatchSystem {

    private static final String SEP = "|";

    @Override
    public String name() {
        return "slurm";
    }

    @Override
    public BatchSettings settings() {
        return BatchSettings.SLURM;
    }

    @Override
    public List<String> ping() {
        return List.of("sinfo", "-h", "-o", "%P %a");
    }

    @Override
    public List<String> directives(JobSpec job, BatchOptions o) {
        List<String> d = new ArrayList<>();
        d.add("--job-name=" + job.jobName());
        d.add("--comment=" + job.comment());
        d.add("--output=" + job.logDir().resolve(job.array() ? "slurm-%A_%a.out" : "slurm-%j.out"));
        o.queue().ifPresent(q -> d.add("--partition=" + q));
        o.account().ifPresent(a -> d.add("--account=" + a));
        o.qos().ifPresent(q -> d.add("--qos=" + q));
        d.add("--time=" + o.walltimeMinutes());
        d.add("--ntasks=1");
        if (job.worker()) {
            d.add("--cpus-per-task=" + o.cores());
            if (o.memoryMiB() > 0) {
                d.add("--mem=" + o.memoryMiB() + "M");
            }
            // The batch shell gets USR1 this long before the walltime (Slurm may send it up to a minute early).
            d.add("--signal=B:USR1@" + o.margin().toSeconds());
        }
        d.addAll(o.jobExtra());
        return d.stream().map(line -> "#SBATCH " + line).toList();
    }

    @Override
    public String taskIdExpression() {
        return "${SLURM_ARRAY_TASK_ID:-0}";
    }

    @Override
    public String jobIdExpression() {
        return "${SLURM_ARRAY_JOB_ID:-$SLURM_JOB_ID}";
    }

    @Override
    public List<String> submit(Path script, Optional<int[]> array) {
        List<String> cmd = new ArrayList<>(List.of("sbatch", "--parsable"));
        array.ifPresent(a -> cmd.add("--array=" + a[0] + "-" + a[1]));
        cmd.add(script.toString());
        return cmd;
    }

    @Override
    public String submitOneShell(String script, String element, String elementJobName) {
        return "sbatch --parsable --array=" + element + " " + script;
    }

    @Override
    public String submittedId(String output) {
        String first = output.strip().lines().reduce((a, b) -> b).orElse("");
        int semi = first.indexOf(';'); // "id;cluster" on a federation
        return (semi < 0 ? first : first.substring(0, semi)).strip();
    }

    @Override
    public Optional<List<String>> verify(Path script, Optional<int[]> array) {
        List<String> cmd = new ArrayList<>(List.of("sbatch", "--test-only"));
        array.ifPresent(a -> cmd.add("--array=" + a[0] + "-" + a[1]));
        cmd.add(script.toString());
        return Optional.of(cmd);
    }

    @Override
    public List<String> list(String user) {
        // -r: one line per array element, pending ones too.
        return List.of("squeue", "-h", "-r", "-u", user, "-o", "%i|%j|%T|%r|%V|%S");
    }

    @Override
    public List<Job> parse(String output) {
        List<Job> jobs = new ArrayList<>();
        for (String line : output.lines().toList()) {
            String[] f = line.strip().split("\\" + SEP, -1);
            if (f.length < 5 || f[0].isEmpty()) {
                continue;
            }
            Job.State state = state(f[2]);
            Instant started = f.length > 5 && state != Job.State.PENDING ? time(f[5]) : null;
            jobs.add(new Job(f[0], f[1], state, f[3].equals("None") ? "" : f[3], time(f[4]), started));
        }
        return jobs;
    }

    static Job.State state(String s) {
        return switch (s) {
            case "PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD" -> Job.State.PENDING;
            case "COMPLETING",
                    "STAGE_OUT",
                    "SIGNALING",
                    "COMPLETED",
                    "CANCELLED",
                    "FAILED",
                    "TIMEOUT",
                    "NODE_FAIL",
                    "PREEMPTED",
                    "BOOT_FAIL",
                    "DEADLINE",
                    "OUT_OF_MEMORY" -> Job.State.ENDING;
            default -> Job.State.RUNNING; // RUNNING, CONFIGURING, SUSPENDED, RESIZING, STOPPED
        };
    }

    private static Instant time(String text) {
        try {
            return LocalDateTime.parse(text).atZone(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * Slurm's accounting of the user's jobs of the last 30 days, when its accounting storage is on
     * (one line per job or array element, ended ones included).
     */
    @Override
    public Optional<List<String>> accounting(String user) {
        return Optional.of(List.of(
                "sacct", "-n", "-P", "-X", "-u", user, "-S", "now-30days", "-o", "JobName,ElapsedRaw,AllocCPUS,State"));
    }

    @Override
    public List<Accounted> parseAccounting(String output) {
        List<Accounted> out = new ArrayList<>();
        for (String line : output.lines().toList()) {
            String[] f = line.strip().split("\\" + SEP, -1);
            if (f.length < 4 || f[0].isEmpty()) {
                continue;
            }
            try {
                out.add(new Accounted(f[0], Long.parseLong(f[1]), Integer.parseInt(f[2]), f[3].startsWith("RUNNING")));
            } catch (NumberFormatException e) {
                // not a job line
            }
        }
        return out;
    }

    @Override
    public List<List<String>> cancel(Collection<String> jobIds) {
        List<String> cmd = new ArrayList<>(List.of("scancel"));
        cmd.addAll(jobIds);
        return List.of(cmd);
    }
}
