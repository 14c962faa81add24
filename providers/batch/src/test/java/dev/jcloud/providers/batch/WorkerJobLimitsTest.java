package dev.jcloud.providers.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.provisioner.NodeRole;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The caps on queued and running worker jobs: room left, refusals naming their flag, bad values. */
class WorkerJobLimitsTest {

    private static final String ID = "abc123";

    @Test
    void roomIsWhatNeitherTheQueuedNorTheRunningCapExceeds() {
        BatchOptions o = options(Map.of("slurm.max-queued-jobs", "2", "slurm.max-running-jobs", "5"));
        assertThat(limits(o, 0, 0).room()).isEqualTo(2); // the queue cap
        assertThat(limits(o, 1, 2).room()).isEqualTo(1);
        assertThat(limits(o, 2, 0).room()).as("two wait: no more").isZero();
        assertThat(limits(o, 0, 4).room())
                .as("one could start within the running cap")
                .isEqualTo(1);
        assertThat(limits(o, 1, 4).room())
                .as("a pending job may start any moment")
                .isZero();
    }

    @Test
    void aSubmissionBeyondACapIsRefusedNamingIt() {
        BatchOptions o = options(Map.of("slurm.max-queued-jobs", "2", "slurm.max-running-jobs", "3"));
        assertThat(limits(o, 1, 0).refusal("c", 2))
                .hasValueSatisfying(why -> assertThat(why)
                        .contains("3 waiting in the queue, more than 2 (--max-queued-jobs (slurm.max-queued-jobs))"));
        assertThat(limits(o, 0, 2).refusal("c", 2))
                .hasValueSatisfying(why -> assertThat(why)
                        .contains("4 run at once, more than 3 (--max-running-jobs (slurm.max-running-jobs))"));
        assertThat(limits(o, 0, 1).refusal("c", 2)).isEmpty();
    }

    @Test
    void capsAreWholeNumbersFromOne() {
        assertThatThrownBy(() -> options(Map.of("slurm.max-queued-jobs", "0")))
                .hasMessageContaining("slurm.max-queued-jobs");
        assertThatThrownBy(() -> options(Map.of("pbs.max-running-jobs", "many")))
                .hasMessageContaining("pbs.max-running-jobs");
    }

    @Test
    void onlyTheClustersWorkerJobsCount() {
        List<Job> jobs = new ArrayList<>();
        jobs.add(new Job("1_1", JobNames.of(ID, NodeRole.WORKER, "c"), Job.State.PENDING, "Resources", null));
        jobs.add(new Job("1_2", JobNames.of(ID, NodeRole.WORKER, "c"), Job.State.RUNNING, "", null));
        jobs.add(new Job("1_3", JobNames.of(ID, NodeRole.WORKER, "c"), Job.State.ENDING, "", null));
        jobs.add(new Job("2", JobNames.of(ID, NodeRole.SCHEDULER, "c"), Job.State.RUNNING, "", null));
        jobs.add(new Job("3_1", JobNames.of("other9", NodeRole.WORKER, "d"), Job.State.PENDING, "", null));
        WorkerJobLimits l = WorkerJobLimits.of(BatchSettings.SLURM, options(Map.of()), ID, jobs);
        assertThat(l.pending()).isEqualTo(1);
        assertThat(l.running()).isEqualTo(1);
    }

    private static BatchOptions options(Map<String, String> o) {
        BatchSettings s =
                o.keySet().stream().anyMatch(k -> k.startsWith("pbs.")) ? BatchSettings.PBS : BatchSettings.SLURM;
        return BatchOptions.read(s, o);
    }

    private static WorkerJobLimits limits(BatchOptions o, int pending, int running) {
        return new WorkerJobLimits(BatchSettings.SLURM, o, pending, running);
    }
}
