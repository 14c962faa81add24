package dev.jcloud.providers.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.Delayed;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterRequest;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.Provisioner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster on the real Grid Engine of this machine through its Java handle: one array job, a task
 * graph, close leaves no job.
 */
class SgeClusterIT {

    @TempDir
    Path state;

    private final Path shared = BatchSystems.sharedDir("jcloud-sge-it-");
    private final SgeProvider sge = new SgeProvider();

    @BeforeAll
    static void gridEngineAnswers() {
        BatchSystems.requireSge();
    }

    @Test
    void workersAreOneArrayJobComputeAGraphAndCloseLeavesNoJob() throws Exception {
        SgeCluster cluster = SgeCluster.builder()
                .name("it-sge")
                .workers(2)
                .queue("all.q")
                .walltime(Duration.ofMinutes(30))
                .sharedDirectory(shared)
                .stateDirectory(state)
                .startTimeout(Duration.ofMinutes(3))
                .build();
        ClusterRecord record = new ClusterStateStore(state).load("it-sge").orElseThrow();
        try {
            List<Job> jobs = jobsOf(record.id());
            assertThat(jobs).hasSize(2);
            assertThat(jobs.stream().map(Job::jobId).distinct())
                    .as("one qsub -t")
                    .hasSize(1);
            try (Client client = cluster.connect()) {
                assertThat(client.summary().workers())
                        .extracting(w -> w.name())
                        .containsExactlyInAnyOrderElementsOf(jobs.stream()
                                .map(j -> "it-sge-worker-" + (j.task() - 1))
                                .toList());
                List<Delayed<Long>> squares = IntStream.range(0, 20)
                        .mapToObj(i -> Delayed.call(() -> (long) i * i))
                        .toList();
                assertThat(client.compute(Delayed.all(squares)
                                        .then(l -> l.stream()
                                                .mapToLong(Long::longValue)
                                                .sum()))
                                .get())
                        .isEqualTo(2470L);
            }
        } finally {
            cluster.close();
        }
        assertThat(jobsOf(record.id())).as("qstat after close").isEmpty();
        assertThat(new ClusterStateStore(state).list()).isEmpty();
    }

    @Test
    void gridEngineRefusesAnUnknownQueueBeforeAnyJobWaits() {
        Provisioner provisioner = new Provisioner(CloudProviders.of(sge), new ClusterStateStore(state));
        assertThatThrownBy(() -> provisioner.up(
                        "sge",
                        ClusterRequest.named("it-sge-bad")
                                .withWorkers(1)
                                .withOption("sge.shared-dir", shared.toString())
                                .withOption("sge.queue", "nosuch.q"),
                        0))
                .hasMessageContaining("sge refuses the worker job (qsub -w v")
                .hasMessageContaining("--queue (sge.queue)");
        assertThat(sge.jobs()).noneMatch(j -> j.name().endsWith("_it-sge-bad"));
    }

    private List<Job> jobsOf(String clusterId) {
        return sge.jobs().stream()
                .filter(j -> JobNames.parse(j.name())
                        .filter(p -> p.clusterId().equals(clusterId))
                        .isPresent())
                .toList();
    }
}
