package dev.jcloud.providers.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jcloud.engine.api.Client;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.ResourceUsage;
import dev.jcloud.provisioner.WaitingNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue on the real Slurm of this machine: workers of 3 cores on a node of 8, so two run and
 * more wait. The cap on queued jobs holds where jobs are submitted, and shrinking the cluster
 * cancels the pending jobs and keeps the running workers.
 */
class SlurmQueueIT {

    @TempDir
    Path state;

    private final Path shared = BatchSystems.sharedDir("jcloud-slurm-queue-");
    private final SlurmProvider slurm = new SlurmProvider();
    private SlurmCluster cluster;

    @BeforeAll
    static void slurmAnswers() {
        BatchSystems.requireSlurm();
    }

    @AfterEach
    void closeCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theQueuedJobCapHoldsAndScaleDownCancelsPendingJobsFirst() throws Exception {
        cluster = SlurmCluster.builder()
                .name("it-queue")
                .workers(2)
                .cores(3)
                .maxQueuedJobs(2)
                .walltime(Duration.ofMinutes(30))
                .sharedDirectory(shared)
                .stateDirectory(state)
                .startTimeout(Duration.ofMinutes(3))
                .build();
        ClusterStateStore store = new ClusterStateStore(state);
        ClusterRecord record = store.load("it-queue").orElseThrow();
        ClusterContext ctx = record.context(store.clusterDir(record.name()));
        List<Job> running = jobsOf(record.id());
        assertThat(running).hasSize(2).allMatch(j -> j.state() == Job.State.RUNNING);
        List<String> workers;
        try (Client client = cluster.connect()) {
            workers = client.summary().workers().stream().map(w -> w.name()).toList();
        }
        int next = Provisioner.nextWorkerIndex(record.name(), slurm.nodes(ctx));

        // Core-hours: two running jobs of 3 cores; Slurm's accounting storage is off here, so from squeue.
        ResourceUsage first = slurm.usage(ctx).orElseThrow();
        assertThat(first.coreHoursPerHour()).isEqualTo(6);
        assertThat(first.coreHours()).isPositive();
        assertThat(first.source()).startsWith("squeue");
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() ->
                        assertThat(slurm.usage(ctx).orElseThrow().coreHours()).isGreaterThan(first.coreHours()));

        // Two may wait at once: a third is refused before anything is submitted.
        assertThat(slurm.launchableWorkers(ctx, 5)).isEqualTo(2);
        assertThatThrownBy(() -> slurm.launch(ctx, launches(record, next, 3)))
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("more than 2 (--max-queued-jobs (slurm.max-queued-jobs))");
        assertThat(jobsOf(record.id())).hasSize(2);

        // Two more workers of 3 cores: the node has 2 cores free, so both wait in the queue.
        slurm.launch(ctx, launches(record, next, 2));
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(jobsOf(record.id()))
                        .filteredOn(j -> j.state() == Job.State.PENDING)
                        .hasSize(2)
                        .allSatisfy(j -> assertThat(j.reason()).isNotEmpty()));
        assertThat(slurm.launchableWorkers(ctx, 5))
                .as("the queue is at its cap")
                .isZero();
        assertThat(slurm.waitingNodes(ctx))
                .extracting(WaitingNode::node)
                .extracting(n -> n.name())
                .containsExactlyInAnyOrder("it-queue-worker-" + next, "it-queue-worker-" + (next + 1));

        cluster.scale(2);

        assertThat(jobsOf(record.id()))
                .as("the pending jobs are cancelled, the running ones untouched")
                .extracting(Job::id)
                .containsExactlyInAnyOrderElementsOf(
                        running.stream().map(Job::id).toList());
        try (Client client = cluster.connect()) {
            assertThat(client.summary().workers())
                    .extracting(w -> w.name())
                    .as("the running workers stay")
                    .containsExactlyInAnyOrderElementsOf(workers);
        }
    }

    /** Workers {@code first..first+count-1} of the cluster, launched as the in-cluster controller does. */
    private static dev.jcloud.provisioner.LaunchRequest launches(ClusterRecord record, int first, int count) {
        return Provisioner.workerLaunches(record.name(), record.scheduler(), 1, null, "60s", first, count);
    }

    private List<Job> jobsOf(String clusterId) {
        return slurm.jobs().stream()
                .filter(j -> JobNames.parse(j.name())
                        .filter(p -> p.clusterId().equals(clusterId))
                        .isPresent())
                .toList();
    }
}
