package dev.jcloud.providers.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.Delayed;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterRequest;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.UpPlan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clusters on the real Slurm of this machine ({@code .ci/batch-up}: one node, 8 CPUs declared):
 * a job array, a task graph, the exact scripts of a dry run, errors from Slurm before anything
 * waits, and a computation that outlives its workers' walltime.
 */
class SlurmClusterIT {

    @TempDir
    Path state;

    private final Path shared = BatchSystems.sharedDir("jcloud-slurm-it-");
    private final SlurmProvider slurm = new SlurmProvider();
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void slurmAnswers() {
        BatchSystems.requireSlurm();
    }

    @AfterEach
    void closeClusters() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(
                        () -> assertThat(ourJobs()).as("jobs left by the test").isEmpty());
    }

    @Test
    void workersAreOneJobArrayAndComputeAGraph() {
        SlurmCluster cluster = track(SlurmCluster.builder()
                .name("it-graph")
                .workers(3)
                .walltime(Duration.ofMinutes(30))
                .sharedDirectory(shared)
                .stateDirectory(state)
                .startTimeout(Duration.ofMinutes(3))
                .build());
        String id = id("it-graph");

        List<Job> jobs = jobsOf(id);
        assertThat(jobs).hasSize(3).allMatch(j -> j.state() == Job.State.RUNNING);
        assertThat(jobs.stream().map(Job::jobId).distinct())
                .as("one sbatch --array")
                .hasSize(1);
        try (Client client = cluster.connect()) {
            // One identity: element n of the array is the worker the scheduler knows as it-graph-worker-(n-1).
            assertThat(client.summary().workers())
                    .extracting(w -> w.name())
                    .containsExactlyInAnyOrderElementsOf(jobs.stream()
                            .map(j -> "it-graph-worker-" + (j.task() - 1))
                            .toList());
            List<Delayed<Long>> squares = IntStream.range(0, 20)
                    .mapToObj(i -> Delayed.call(() -> (long) i * i))
                    .toList();
            Delayed<Long> total = Delayed.all(squares)
                    .then(l -> l.stream().mapToLong(Long::longValue).sum());
            assertThat(client.compute(total).get()).isEqualTo(2470L);
        } catch (Exception e) {
            throw new AssertionError(e);
        }

        cluster.close();

        assertThat(jobsOf(id)).as("jobs of the cluster after close()").isEmpty();
        assertThat(Files.exists(shared.resolve(id))).as("its directory").isFalse();
    }

    /** The scripts --dry-run prints are the ones Slurm holds ({@code scontrol write batch_script}). */
    @Test
    void aDryRunPrintsTheScriptsSlurmIsGiven() throws Exception {
        Provisioner provisioner = new Provisioner(CloudProviders.of(slurm), new ClusterStateStore(state));
        ClusterRequest request = ClusterRequest.named("it-plan")
                .withWorkers(2)
                .withStartTimeout(Duration.ofMinutes(3))
                .withOption("slurm.shared-dir", shared.toString())
                .withOption("slurm.scheduler-in-job", "true")
                .withOption("slurm.walltime", "20m")
                .withOption("slurm.job-extra", "--nice=10")
                .withOption("tls", "true");

        UpPlan plan = provisioner.plan("slurm", request);
        assertThat(ourJobs()).as("a plan submits nothing").isEmpty();
        ClusterRecord record = provisioner.up("slurm", request, 0);
        open.add(() -> provisioner.down("it-plan", Duration.ofSeconds(10)));

        List<String> planned = plan.steps().stream()
                .filter(s -> s.action().equals("launch"))
                .map(s -> s.detail().replace(plan.id(), record.id()))
                .toList();
        Job scheduler = jobsOf(record.id()).stream()
                .filter(j -> j.task() < 0)
                .findFirst()
                .orElseThrow();
        Job worker = jobsOf(record.id()).stream()
                .filter(j -> j.task() > 0)
                .findFirst()
                .orElseThrow();
        assertThat(planned).containsExactly(batchScript(scheduler.id()), batchScript(worker.jobId()));
        assertThat(planned.get(1)).contains("#SBATCH --nice=10", "#SBATCH --signal=B:USR1@120");
    }

    @Test
    void slurmRefusesABadPartitionOrWalltimeBeforeAnyJobWaits() throws IOException {
        assertThatThrownBy(() -> SlurmCluster.builder()
                        .name("it-bad")
                        .partition("nosuchpartition")
                        .sharedDirectory(shared)
                        .stateDirectory(state)
                        .build())
                .hasMessageContaining("slurm refuses the worker job (sbatch --test-only")
                .hasMessageContaining("invalid partition")
                .hasMessageContaining("--partition (slurm.partition)");
        // The test partition "short" allows one hour.
        assertThatThrownBy(() -> SlurmCluster.builder()
                        .name("it-bad")
                        .partition("short")
                        .walltime(Duration.ofHours(2))
                        .sharedDirectory(shared)
                        .stateDirectory(state)
                        .build())
                .hasMessageContaining("Requested time limit is invalid")
                .hasMessageContaining("--walltime (slurm.walltime)");
        assertThat(ourJobs()).isEmpty();
        assertThat(new ClusterStateStore(state).list()).isEmpty();
    }

    /**
     * Workers with a 2-minute walltime retire 50 s before it, after submitting their replacements
     * ahead by the start-up the controller measured: results computed at the start and a chain of
     * tasks longer than a walltime end in the right answer. Slurm's USR1 (up to a minute early) or
     * the script's timer, whichever comes first.
     */
    @Test
    void aComputationOutlivesItsWorkersWalltime() throws Exception {
        SlurmCluster cluster = track(SlurmCluster.builder()
                .name("it-wall")
                .workers(2)
                .walltime(Duration.ofMinutes(2))
                .walltimeMargin(Duration.ofSeconds(50))
                .sharedDirectory(shared)
                .stateDirectory(state)
                .startTimeout(Duration.ofMinutes(3))
                .build());
        String id = id("it-wall");
        List<String> firstJobs = jobsOf(id).stream().map(Job::id).toList();
        // What the in-cluster controller hands the provider once it has measured its own launches.
        slurm.startupMeasured(
                new ClusterStateStore(state)
                        .load("it-wall")
                        .orElseThrow()
                        .context(new ClusterStateStore(state).clusterDir("it-wall")),
                Duration.ofSeconds(17));

        try (Client client = cluster.connect()) {
            List<Delayed<Long>> early = IntStream.range(1, 7)
                    .mapToObj(i -> Delayed.call(() -> (long) i * i))
                    .toList();
            Delayed<Long> chain = Delayed.value(0L);
            for (int step = 0; step < 12; step++) {
                chain = Delayed.call(
                        x -> {
                            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(8));
                            return x + 1;
                        },
                        chain);
            }
            Delayed<Long> answer = Delayed.call(
                    (List<Long> squares, Long steps) ->
                            squares.stream().mapToLong(Long::longValue).sum() + steps,
                    Delayed.all(early),
                    chain);

            assertThat(client.compute(answer).get(4, TimeUnit.MINUTES)).isEqualTo(91L + 12);

            List<String> now = jobsOf(id).stream().map(Job::id).toList();
            assertThat(now)
                    .as("the first workers' jobs ended at their walltime")
                    .doesNotContainAnyElementsOf(firstJobs);
            assertThat(client.summary().workers())
                    .as("replacements took their places")
                    .isNotEmpty()
                    .allMatch(w ->
                            !w.name().equals("it-wall-worker-0") && !w.name().equals("it-wall-worker-1"));
        }
        for (String job : firstJobs) {
            List<String> log =
                    Files.readAllLines(shared.resolve(id).resolve("logs").resolve("worker-" + job + ".log"));
            int submitted = indexOf(log, "jcloud: submitting the replacement", "");
            int ended = indexOf(log, "jcloud: worker it-wall-worker-", " exited with code ");
            assertThat(submitted)
                    .as("job %s submitted its replacement before it ended:%n%s", job, String.join("\n", log))
                    .isNotNegative()
                    .isLessThan(ended);
            assertThat(log.get(submitted))
                    .as("ahead by the measured start-up at least")
                    .containsPattern("\\) (1[7-9]|[2-9][0-9])s \\+ 30s ahead");
        }
        cluster.close();
        assertThat(jobsOf(id)).isEmpty();
    }

    // ------------------------------------------------------------------ helpers

    /** The index of the last line of {@code log} starting with {@code prefix} and containing {@code part}, or -1. */
    private static int indexOf(List<String> log, String prefix, String part) {
        for (int i = log.size() - 1; i >= 0; i--) {
            if (log.get(i).startsWith(prefix) && log.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }

    private SlurmCluster track(SlurmCluster c) {
        open.add(c);
        return c;
    }

    private String id(String name) {
        return new ClusterStateStore(state).load(name).orElseThrow().id();
    }

    private List<Job> jobsOf(String clusterId) {
        return slurm.jobs().stream()
                .filter(j -> JobNames.parse(j.name())
                        .filter(p -> p.clusterId().equals(clusterId))
                        .isPresent())
                .toList();
    }

    /** Jobs of clusters whose directories are in this test's shared directory. */
    private List<Job> ourJobs() throws IOException {
        List<String> ids;
        try (var s = Files.list(shared)) {
            ids = s.map(p -> p.getFileName().toString()).toList();
        }
        List<Job> out = new ArrayList<>();
        for (Job j : slurm.jobs()) {
            JobNames.parse(j.name())
                    .filter(p -> ids.contains(p.clusterId()) || p.clusterName().startsWith("it-"))
                    .ifPresent(p -> out.add(j));
        }
        return out;
    }

    /** The script Slurm stored for job {@code id}. */
    private static String batchScript(String id) throws Exception {
        Process p = new ProcessBuilder("scontrol", "write", "batch_script", id, "-").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("scontrol write batch_script %s", id).isZero();
        return out;
    }
}
