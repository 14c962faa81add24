package dev.jcloud.providers.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.TaskFuture;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterStateStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-cluster controller on the real Slurm of this machine: workers of 3 cores on a node of 8,
 * so two jobs run and the others wait in the queue. Pending jobs count as requested workers (the
 * maximum holds), the queue's reason shows, the cluster shrinks when the work is done, and removes
 * itself when idle: no job left in {@code squeue}, the scheduler process gone.
 */
class SlurmAdaptiveIT {

    @TempDir
    Path state;

    private final Path shared = BatchSystems.sharedDir("jcloud-slurm-adapt-");
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
    void pendingJobsCountAsWorkersAndAnIdleClusterRemovesItsJobs() throws Exception {
        cluster = SlurmCluster.builder()
                .name("it-adapt")
                .workers(0)
                .adapt(0, 4)
                .adaptTargetDuration(Duration.ofSeconds(1))
                .cores(3)
                .walltime(Duration.ofMinutes(30))
                .idleTimeout(Duration.ofSeconds(30))
                .sharedDirectory(shared)
                .stateDirectory(state)
                .startTimeout(Duration.ofMinutes(3))
                .build();
        ClusterStateStore store = new ClusterStateStore(state);
        ClusterRecord record = store.load("it-adapt").orElseThrow();
        String id = record.id();
        ClusterContext context = record.context(store.clusterDir(record.name()));
        AtomicInteger mostJobs = new AtomicInteger();

        try (Client client = cluster.connect()) {
            // 200 tasks of 1 s, far above the 1 s target: enough for the most workers allowed, and
            // half a minute on the two that can run, so that the queue is seen on a slow machine too
            // (with 60, the work sometimes ended before the test looked).
            List<TaskFuture<Long>> futures = client.map(
                    x -> {
                        LockSupport.parkNanos(1_000_000_000L);
                        return x;
                    },
                    LongStream.range(0, 200).boxed().toList());
            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        List<Job> jobs = jobsOf(id);
                        mostJobs.accumulateAndGet(jobs.size(), Math::max);
                        assertThat(jobs)
                                .filteredOn(j -> j.state() == Job.State.RUNNING)
                                .hasSize(2);
                        assertThat(jobs)
                                .filteredOn(j -> j.state() == Job.State.PENDING)
                                .isNotEmpty()
                                .allSatisfy(j -> assertThat(j.reason()).isNotEmpty());
                        // What 'cluster status' shows: each pending job with Slurm's reason.
                        assertThat(slurm.waiting(context))
                                .isNotEmpty()
                                .allMatch(w -> w.matches("slurm job \\S+: pending, \\S.*"));
                    });
            assertThat(client.gather(futures)).hasSize(200);
            mostJobs.accumulateAndGet(jobsOf(id).size(), Math::max);
        }
        assertThat(mostJobs.get())
                .as("worker jobs, pending ones included, within the maximum")
                .isBetween(3, 4);

        // No work, no client: the controller retires the workers, then removes the cluster after its idle timeout.
        await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> {
                    assertThat(jobsOf(id)).as("jobs of the idle cluster").isEmpty();
                    assertThat(BatchSystems.resources(slurm))
                            .as("jobs and the login scheduler of the idle cluster")
                            .noneMatch(r -> r.clusterId().filter(id::equals).isPresent());
                });
    }

    private List<Job> jobsOf(String clusterId) {
        return slurm.jobs().stream()
                .filter(j -> JobNames.parse(j.name())
                        .filter(p -> p.clusterId().equals(clusterId))
                        .isPresent())
                .toList();
    }
}
