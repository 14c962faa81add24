package dev.jcloud.providers.batch;

import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PBS Professional / OpenPBS: {@code qsub}, {@code qstat -f -t}, {@code qdel}; arrays with
 * {@code -J}. Array element {@code 4} of job {@code 12[].server} is {@code 12[4].server} to PBS
 * and {@code 12_4} to jcloud.
 */
final class Pbs implements BatchSystem {

    private static final Pattern ELEMENT = Pattern.compile("^(\\d+)\\[(\\d*)\\](.*)$");
    private static final DateTimeFormatter CTIME = DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss yyyy", Locale.ROOT);

    @Override
    public String name() {
        return "pbs";
    }

    @Override
    public BatchSettings settings() {
        return BatchSettings.PBS;
    }

    @Override
    public List<String> ping() {
        return List.of("qstat", "-B");
    }

    @Override
    public List<String> directives(JobSpec job, BatchOptions o) {
        List<String> d = new ArrayList<>();
        d.add("-N " + job.jobName());
        d.add("-S /bin/bash");
        d.add("-o " + job.logDir() + "/");
        d.add("-j oe");
        o.queue().ifPresent(q -> d.add("-q " + q));
        o.account().ifPresent(a -> d.add("-A " + a));
        d.add("-l walltime=" + o.walltimeClock());
        if (job.worker()) {
            d.add("-l select="
                    + o.select()
                            .orElseGet(() -> "1:ncpus=" + o.cores()
                                    + (o.memoryMiB() > 0 ? ":mem=" + o.memoryMiB() + "mb" : "")));
        }
        d.addAll(o.jobExtra());
        return d.stream().map(line -> "#PBS " + line).toList();
    }

    @Override
    public String taskIdExpression() {
        return "${PBS_ARRAY_INDEX:-0}";
    }

    @Override
    public String jobIdExpression() {
        return "${PBS_JOBID%%[[.]*}";
    }

    @Override
    public List<String> submit(Path script, Optional<int[]> array) {
        List<String> cmd = new ArrayList<>(List.of("qsub", "-v", "JCLOUD_SUBMITTED"));
        array.ifPresent(a -> cmd.addAll(List.of("-J", a[0] + "-" + a[1])));
        cmd.add(script.toString());
        return cmd;
    }

    @Override
    public String submitOneShell(String script, String element, String elementJobName) {
        // PBS takes no one-element array: a plain job, its element in its name and its environment.
        return "qsub -N " + elementJobName + " -v JCLOUD_SUBMITTED,JCLOUD_ELEMENT=" + element + " " + script;
    }

    @Override
    public String submittedId(String output) {
        return BatchSystem.leadingJobId(output, "qsub");
    }

    @Override
    public Optional<List<String>> verify(Path script, Optional<int[]> array) {
        return Optional.empty(); // PBS has no test submission: qsub's own checks run at submission
    }

    @Override
    public List<String> list(String user) {
        return List.of("qstat", "-f", "-t", "-u", user);
    }

    @Override
    public List<Job> parse(String output) {
        List<Job> jobs = new ArrayList<>();
        String id = null;
        String name = "";
        String state = "";
        String comment = "";
        String qtime = "";
        String stime = "";
        for (String raw : (output + "\n").lines().toList()) {
            String line = raw.strip();
            if (line.startsWith("Job Id:") || line.isEmpty()) {
                if (id != null) {
                    add(jobs, id, name, state, comment, qtime, stime);
                }
                id = line.startsWith("Job Id:")
                        ? line.substring("Job Id:".length()).strip()
                        : null;
                name = state = comment = qtime = stime = "";
                continue;
            }
            int eq = line.indexOf(" = ");
            if (eq < 0) {
                continue;
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 3).strip();
            switch (key) {
                case "Job_Name" -> name = value;
                case "job_state" -> state = value;
                case "comment" -> comment = value;
                case "qtime" -> qtime = value;
                case "stime" -> stime = value;
                default -> {}
            }
        }
        return jobs;
    }

    private static void add(
            List<Job> jobs, String pbsId, String name, String state, String comment, String qtime, String stime) {
        Matcher m = ELEMENT.matcher(pbsId);
        String id;
        if (m.matches()) {
            if (m.group(2).isEmpty()) {
                return; // the array itself ("B"): its elements are listed one by one
            }
            id = m.group(1) + "_" + m.group(2);
        } else {
            int dot = pbsId.indexOf('.');
            id = dot < 0 ? pbsId : pbsId.substring(0, dot);
        }
        Job.State s = switch (state) {
            case "Q", "H", "W", "T" -> Job.State.PENDING;
            case "E", "X", "F" -> Job.State.ENDING;
            default -> Job.State.RUNNING; // R, B, S, U
        };
        if (state.equals("X") || state.equals("F")) {
            return; // finished
        }
        jobs.add(new Job(
                id,
                name,
                s,
                s == Job.State.PENDING ? comment : "",
                time(qtime),
                s == Job.State.PENDING ? null : time(stime)));
    }

    private static Instant time(String text) {
        try {
            return text.isEmpty()
                    ? null
                    : LocalDateTime.parse(text.replaceAll("\\s+", " "), CTIME)
                            .atZone(ZoneId.systemDefault())
                            .toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    @Override
    public List<List<String>> cancel(Collection<String> jobIds) {
        List<String> cmd = new ArrayList<>(List.of("qdel"));
        for (String id : jobIds) {
            int sep = id.indexOf('_');
            cmd.add(sep < 0 ? id : id.substring(0, sep) + "[" + id.substring(sep + 1) + "]");
        }
        return List.of(cmd);
    }
}
