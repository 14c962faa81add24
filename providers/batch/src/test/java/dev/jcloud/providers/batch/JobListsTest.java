package dev.jcloud.providers.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.jcloud.provisioner.NodeRole;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What each system's job list says, as jcloud reads it: array elements one by one, states, reasons. */
class JobListsTest {

    @Test
    void slurm() {
        List<Job> jobs = new Slurm().parse("""
                        12_3|jc_0123456789ab_w_hpc|PENDING|Resources|2026-12-07T07:26:19|N/A
                        12_4|jc_0123456789ab_w_hpc|RUNNING|None|2026-12-07T07:26:19|2026-12-07T07:26:25
                        11|jc_0123456789ab_s_hpc|COMPLETING|None|2026-12-07T07:26:18|2026-12-07T07:26:18
                        """);

        assertThat(jobs)
                .extracting(Job::id, Job::state, Job::reason, Job::task)
                .containsExactly(
                        tuple("12_3", Job.State.PENDING, "Resources", 3),
                        tuple("12_4", Job.State.RUNNING, "", 4),
                        tuple("11", Job.State.ENDING, "", -1));
        assertThat(jobs.get(0).submitted()).isNotNull();
        assertThat(jobs.get(0).started()).as("pending").isNull();
        assertThat(jobs.get(1).started()).isNotNull();
    }

    @Test
    void gridEngine() {
        List<Job> jobs = new GridEngine().parse("""
                        <?xml version='1.0'?>
                        <job_info><queue_info></queue_info><job_info>
                            <job_list state="pending">
                              <JB_job_number>6</JB_job_number>
                              <JB_name>jc_0123456789ab_w_hpc</JB_name>
                              <state>qw</state>
                              <JB_submission_time>2026-12-07T07:30:00</JB_submission_time>
                              <tasks>2</tasks>
                            </job_list>
                            <job_list state="running">
                              <JB_job_number>7</JB_job_number>
                              <JB_name>jc_0123456789ab_s_hpc</JB_name>
                              <state>r</state>
                              <JAT_start_time>2026-12-07T07:30:02</JAT_start_time>
                            </job_list>
                        </job_info></job_info>
                        """);

        assertThat(jobs)
                .extracting(Job::id, Job::name, Job::state)
                .containsExactly(
                        tuple("6_2", "jc_0123456789ab_w_hpc", Job.State.PENDING),
                        tuple("7", "jc_0123456789ab_s_hpc", Job.State.RUNNING));
        assertThat(new GridEngine().submittedId("6.1-2:1\n")).isEqualTo("6");
        assertThat(new GridEngine().cancel(List.of("6_2", "7")))
                .containsExactly(List.of("qdel", "6", "-t", "2-2"), List.of("qdel", "7"));
    }

    @Test
    void pbs() {
        List<Job> jobs = new Pbs().parse("""
                        Job Id: 21[].server
                            Job_Name = jc_0123456789ab_w_hpc
                            job_state = B
                            qtime = Mon Dec  7 07:26:19 2026

                        Job Id: 21[1].server
                            Job_Name = jc_0123456789ab_w_hpc
                            job_state = Q
                            comment = Not Running: Insufficient amount of resource: ncpus
                            qtime = Mon Dec  7 07:26:19 2026

                        Job Id: 21[2].server
                            Job_Name = jc_0123456789ab_w_hpc
                            job_state = R
                            qtime = Mon Dec  7 07:26:19 2026

                        Job Id: 22.server
                            Job_Name = jc_0123456789ab_w5_hpc
                            job_state = Q
                        """);

        assertThat(jobs)
                .extracting(Job::id, Job::state, Job::reason)
                .containsExactly(
                        tuple("21_1", Job.State.PENDING, "Not Running: Insufficient amount of resource: ncpus"),
                        tuple("21_2", Job.State.RUNNING, ""),
                        tuple("22", Job.State.PENDING, ""));
        assertThat(jobs.get(0).submitted()).isNotNull();
        assertThat(new Pbs().submittedId("21[].server\n")).isEqualTo("21");
        assertThatThrownBy(() -> new Pbs().submittedId("qsub: Unknown queue\n"))
                .hasMessage("qsub printed no job id: qsub: Unknown queue");
        assertThat(new Pbs().cancel(List.of("21_1", "22"))).containsExactly(List.of("qdel", "21[1]", "22"));
    }

    @Test
    void jobNamesCarryTheCluster() {
        assertThat(JobNames.of("0123456789ab", NodeRole.WORKER, "hpc")).isEqualTo("jc_0123456789ab_w_hpc");
        assertThat(JobNames.parse("jc_0123456789ab_w5_my-hpc"))
                .hasValue(new JobNames.Parsed("0123456789ab", NodeRole.WORKER, "my-hpc", 5));
        assertThat(JobNames.parse("jc_0123456789ab_s_hpc").orElseThrow().role()).isEqualTo(NodeRole.SCHEDULER);
        assertThat(JobNames.parse("my-own-job")).isEmpty();
    }
}
