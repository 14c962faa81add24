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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * (Son of / Open / Univa) Grid Engine: {@code qsub}, {@code qstat -xml}, {@code qdel}; arrays with
 * {@code -t}. A worker's script retires it by a timer a margin before its hard walltime {@code h_rt}.
 */
final class GridEngine implements BatchSystem {

    private static final Pattern JOB = Pattern.compile("<job_list[^>]*>(.*?)</job_list>", Pattern.DOTALL);

    @Override
    public String name() {
        return "sge";
    }

    @Override
    public BatchSettings settings() {
        return BatchSettings.SGE;
    }

    @Override
    public List<String> ping() {
        return List.of("qstat", "-g", "c");
    }

    @Override
    public List<String> directives(JobSpec job, BatchOptions o) {
        List<String> d = new ArrayList<>();
        d.add("-N " + job.jobName());
        d.add("-S /bin/bash");
        d.add("-o " + job.logDir() + "/");
        d.add("-j y");
        o.queue().ifPresent(q -> d.add("-q " + q));
        o.account().ifPresent(a -> d.add("-P " + a));
        // Only the hard limit: a soft one (s_rt) signals every process of the job, the JVM too; the
        // script's timer retires the worker a margin before h_rt instead.
        d.add("-l h_rt=" + o.walltimeClock());
        if (job.worker()) {
            if (o.cores() > 1) {
                d.add("-pe " + o.pe().orElseThrow() + " " + o.cores());
            }
            if (o.memoryMiB() > 0) {
                d.add("-l mem_free=" + o.memoryMiB() + "M");
            }
        }
        d.addAll(o.jobExtra());
        return d.stream().map(line -> "#$ " + line).toList();
    }

    @Override
    public String taskIdExpression() {
        return "${SGE_TASK_ID:-0}";
    }

    @Override
    public String jobIdExpression() {
        return "${JOB_ID}";
    }

    @Override
    public List<String> submit(Path script, Optional<int[]> array) {
        List<String> cmd = new ArrayList<>(List.of("qsub", "-terse", "-v", "JCLOUD_SUBMITTED"));
        array.ifPresent(a -> cmd.addAll(List.of("-t", a[0] + "-" + a[1])));
        cmd.add(script.toString());
        return cmd;
    }

    @Override
    public String submitOneShell(String script, String element, String elementJobName) {
        return "qsub -terse -v JCLOUD_SUBMITTED -t " + element + "-" + element + " " + script;
    }

    @Override
    public String submittedId(String output) {
        return BatchSystem.leadingJobId(output, "qsub");
    }

    @Override
    public Optional<List<String>> verify(Path script, Optional<int[]> array) {
        List<String> cmd = new ArrayList<>(List.of("qsub", "-w", "v"));
        array.ifPresent(a -> cmd.addAll(List.of("-t", a[0] + "-" + a[1])));
        cmd.add(script.toString());
        return Optional.of(cmd);
    }

    @Override
    public List<String> list(String user) {
        return List.of("qstat", "-xml", "-g", "d", "-u", user);
    }

    @Override
    public List<Job> parse(String output) {
        List<Job> jobs = new ArrayList<>();
        Matcher m = JOB.matcher(output);
        while (m.find()) {
            String body = m.group(1);
            String number = tag(body, "JB_job_number");
            if (number.isEmpty()) {
                continue;
            }
            String tasks = tag(body, "tasks");
            String id = tasks.matches("\\d+") ? number + "_" + tasks : number;
            String state = tag(body, "state");
            String submitted = tag(body, "JB_submission_time");
            jobs.add(new Job(
                    id,
                    tag(body, "JB_name"),
                    state(state),
                    state.contains("E") ? "error state " + state : "",
                    time(submitted),
                    time(tag(body, "JAT_start_time"))));
        }
        return jobs;
    }

    static Job.State state(String s) {
        if (s.contains("d")) {
            return Job.State.ENDING; // being deleted
        }
        if (s.contains("r") || s.contains("t") || s.contains("s") || s.contains("S")) {
            return Job.State.RUNNING;
        }
        return Job.State.PENDING; // qw, hqw, Eqw
    }

    private static String tag(String body, String name) {
        Matcher m = Pattern.compile("<" + name + ">(.*?)</" + name + ">", Pattern.DOTALL)
                .matcher(body);
        return m.find() ? m.group(1).strip() : "";
    }

    private static Instant time(String text) {
        try {
            return text.isEmpty()
                    ? null
                    : LocalDateTime.parse(text).atZone(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    @Override
    public List<List<String>> cancel(Collection<String> jobIds) {
        List<List<String>> cmds = new ArrayList<>();
        List<String> whole = new ArrayList<>(List.of("qdel"));
        for (String id : jobIds) {
            int sep = id.indexOf('_');
            if (sep < 0) {
                whole.add(id);
            } else {
                String task = id.substring(sep + 1);
                cmds.add(List.of("qdel", id.substring(0, sep), "-t", task + "-" + task));
            }
        }
        if (whole.size() > 1) {
            cmds.add(whole);
        }
        return cmds;
    }
}
