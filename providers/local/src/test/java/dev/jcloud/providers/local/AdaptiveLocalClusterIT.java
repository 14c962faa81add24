package dev.jcloud.providers.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.TaskFuture;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.Node;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-cluster controller on real processes: it runs in the scheduler JVM, starts workers when
 * work queues up, keeps idle ones until their (played) billing minimum is used up, retires them
 * gracefully, and removes every process when the cluster is idle.
 */
class AdaptiveLocalClusterIT {

    @TempDir
    Path stateDir;

    private final List<Long> seen = new ArrayList<>();
    private LocalCluster cluster;

    @AfterEach
    void cleanUp() {
        if (cluster != null) {
            try {
                cluster.close();
            } catch (RuntimeException e) {
                // the kill below is the safety net
            }
        }
        ProcessAssertions.killAll(seen);
    }

    @Test
    void scalesUpUnderLoadRetiresIdleWorkersAndRemovesItselfWhenIdle() throws Exception {
        cluster = LocalCluster.builder()
                .name("it-adapt")
                .workers(0)
                .adapt(0, 3)
                .nthreads(1)
                .adaptTargetDuration(Duration.ofSeconds(1))
                .billingMinimum(Duration.ofSeconds(6))
                .idleTimeout(Duration.ofSeconds(4))
                .detached(true)
                .stateDirectory(stateDir)
                .startTimeout(Duration.ofSeconds(60))
                .build();
        LocalProvider local = new LocalProvider();
        ClusterContext ctx =
                new ClusterContext("it-adapt", clusterId(), stateDir.resolve("clusters/it-adapt"), Map.of());
        long schedulerPid = cluster.processIds().get(0);
        seen.add(schedulerPid);
        int peak;

        try (Client client = cluster.connect()) {
            assertThat(client.summary().workers()).isEmpty();
            // 40 tasks of 300 ms: 12 s of work for one thread, far above the 1 s target.
            List<TaskFuture<Long>> futures = client.map(
                    x -> {
                        java.util.concurrent.locks.LockSupport.parkNanos(300_000_000L);
                        return x;
                    },
                    LongStream.range(0, 40).boxed().toList());
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> client.summary().workers().size() >= 2);
            client.summary().workers().forEach(w -> seen.add(w.pid()));
            assertThat(client.gather(futures)).hasSize(40);
            peak = client.summary().workers().size();
            assertThat(peak).isBetween(2, 3); // never more than the hard maximum

            // Idle now: retired gracefully and their processes removed. (That an idle worker is kept until its
            // paid minimum is used up is checked with a fake clock in ClusterControllerTest; timing it here would
            // only measure this machine's load.)
            client.summary().workers().forEach(w -> seen.add(w.pid()));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> client.summary().workers().isEmpty());
            // The bounds can change while it runs (jcloud cluster adapt NAME ...).
            assertThat(cluster.adapt(0, 2, Duration.ofSeconds(2))).contains("between 0 and 2 workers");
            assertThatThrownBy(() -> client.configure("adapt", "5:2"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("min <= max");
        }
        // No client and no work for the idle timeout: the scheduler removes its cluster and exits.
        await().atMost(Duration.ofSeconds(60))
                .until(() -> ProcessAssertions.alive(seen).isEmpty());
        assertThat(local.nodes(ctx)).extracting(Node::name).isEmpty();
    }

    private String clusterId() {
        return cluster == null
                ? ""
                : new dev.jcloud.provisioner.ClusterStateStore(stateDir)
                        .load("it-adapt")
                        .map(r -> r.id())
                        .orElseThrow();
    }
}
