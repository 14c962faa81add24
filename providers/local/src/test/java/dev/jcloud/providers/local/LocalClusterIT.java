package dev.jcloud.providers.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.Delayed;
import dev.jcloud.engine.api.TaskFuture;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.ProvisionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local clusters of real scheduler and worker JVMs on loopback. */
class LocalClusterIT {

    @TempDir
    Path stateDir;

    private final List<Long> started = new ArrayList<>();
    private final List<LocalCluster> clusters = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        for (LocalCluster c : clusters) {
            try {
                c.close();
            } catch (RuntimeException e) {
                // the kill below is the safety net
            }
        }
        ProcessAssertions.killAll(started);
    }

    @Test
    void runsAComputationAndLeavesNoProcessAfterClose() throws Exception {
        LocalCluster cluster = track(LocalCluster.builder()
                .name("it-compute")
                .workers(2)
                .stateDirectory(stateDir)
                .startTimeout(Duration.ofSeconds(60))
                .build());
        List<Long> pids = cluster.processIds();
        assertThat(pids).hasSize(3).allMatch(ProcessAssertions::alive);
        assertThat(cluster.schedulerAddress()).startsWith("127.0.0.1:");
        assertThat(Files.exists(stateDir.resolve("clusters/it-compute.json"))).isTrue();
        // No start script loops on this machine: each worker is told to start its own replacement at the memory limit.
        assertThat(CommandLines.arguments(ProcessHandle.of(pids.get(1)).orElseThrow())
                        .orElseThrow())
                .containsSubsequence("--memory-restarts", "5");

        try (Client client = cluster.connect()) {
            assertThat(client.summary().workers())
                    .extracting(w -> w.name())
                    .containsExactlyInAnyOrder("it-compute-worker-1", "it-compute-worker-2");
            assertThat(client.submit(() -> 6L * 7).get(30, TimeUnit.SECONDS)).isEqualTo(42L);
            List<TaskFuture<Long>> squares = client.map(x -> x * x, List.of(1L, 2L, 3L, 4L));
            assertThat(client.gather(squares)).containsExactly(1L, 4L, 9L, 16L);
            List<Delayed<Long>> parts = List.of(Delayed.value(1L), Delayed.value(2L), Delayed.value(3L));
            Delayed<Long> total = Delayed.all(parts)
                    .then(xs -> xs.stream().mapToLong(Long::longValue).sum());
            assertThat(client.compute(total).get(30, TimeUnit.SECONDS)).isEqualTo(6L);
        }

        cluster.close();
        assertThat(ProcessAssertions.alive(pids)).isEmpty();
        assertThat(Files.exists(stateDir.resolve("clusters/it-compute.json"))).isFalse();
        assertThat(Files.exists(stateDir.resolve("clusters/it-compute"))).isFalse();
        cluster.close(); // idempotent
    }

    @Test
    void scalesUpAndRetiresWorkersGracefully() throws Exception {
        LocalCluster cluster = track(LocalCluster.builder()
                .name("it-scale")
                .workers(1)
                .stateDirectory(stateDir)
                .build());

        cluster.scale(3);
        started.addAll(cluster.processIds());
        assertThat(cluster.workers()).isEqualTo(3);
        try (Client client = cluster.connect()) {
            assertThat(client.summary().workers()).hasSize(3);
            List<Long> before = cluster.processIds();

            cluster.scale(1);
            assertThat(cluster.workers()).isEqualTo(1);
            assertThat(client.summary().workers()).hasSize(1);
            assertThat(ProcessAssertions.alive(before)).hasSize(2); // the scheduler and the remaining worker
            assertThat(client.submit(() -> "still works").get(30, TimeUnit.SECONDS))
                    .isEqualTo("still works");
        }
        // A new worker gets a new name: identities are never reused.
        List<String> kept = workerNames();
        cluster.scale(2);
        started.addAll(cluster.processIds());
        List<String> now = workerNames();
        assertThat(now).hasSize(2).containsAll(kept).contains("it-scale-worker-4");
    }

    @Test
    void aSchedulerThatCannotStartFailsWithItsLogAndLeavesNothing() {
        assertThatThrownBy(() -> LocalCluster.builder()
                        .name("it-broken")
                        .workers(1)
                        .stateDirectory(stateDir)
                        .jvmOptions("-XX:+NoSuchJvmOption")
                        .build())
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("the scheduler")
                .hasMessageContaining("NoSuchJvmOption");
        assertThat(new ClusterStateStore(stateDir).list()).isEmpty();
        assertThat(Files.exists(stateDir.resolve("clusters/it-broken"))).isFalse();
    }

    @Test
    void aClusterWhoseProcessesWereKilledIsNotListedAndItsStateIsRemoved() throws Exception {
        LocalCluster cluster = track(LocalCluster.builder()
                .name("it-killed")
                .workers(1)
                .stateDirectory(stateDir)
                .detached(true)
                .build());
        List<Long> pids = cluster.processIds();
        started.addAll(pids);
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // kill -9
        }
        ProcessAssertions.killAll(pids);

        var provisioner = LocalCluster.provisioner(new ClusterStateStore(stateDir));
        assertThat(provisioner.list()).isEmpty();
        assertThat(new ClusterStateStore(stateDir).load("it-killed")).isEmpty();
    }

    @Test
    void aDetachedClusterOutlivesItsHandleAndCanBeAttachedAndStopped() {
        LocalCluster cluster = track(LocalCluster.builder()
                .name("it-detached")
                .workers(1)
                .stateDirectory(stateDir)
                .detached(true)
                .build());
        List<Long> pids = cluster.processIds();
        started.addAll(pids);
        cluster.close();
        assertThat(ProcessAssertions.alive(pids)).hasSize(2);

        LocalCluster attached = LocalCluster.attach("it-detached", new ClusterStateStore(stateDir));
        assertThat(attached.schedulerAddress()).isEqualTo(cluster.schedulerAddress());
        attached.close();
        assertThat(ProcessAssertions.alive(pids)).hasSize(2);

        LocalCluster.provisioner(new ClusterStateStore(stateDir)).down("it-detached", Duration.ofSeconds(10));
        assertThat(ProcessAssertions.alive(pids)).isEmpty();
    }

    private List<String> workerNames() {
        ClusterRecord record = LocalCluster.provisioner(new ClusterStateStore(stateDir))
                .find("it-scale")
                .orElseThrow();
        return record.workers().stream().map(n -> n.name()).toList();
    }

    private LocalCluster track(LocalCluster c) {
        clusters.add(c);
        started.addAll(c.processIds());
        return c;
    }
}
