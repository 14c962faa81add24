package dev.jcloud.providers.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.TaskFuture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adaptive goal on real processes: the same bursty workload (bursts of work, then think time
 * longer than a relaunch) under the cost goal and under the latency goal. After the last burst the
 * cost goal retires its idle workers at once (their paid minimum is used, and a relaunch is cheaper
 * than keeping them through gaps like the ones seen); the latency goal keeps a warm pool for the
 * next burst.
 */
class AdaptGoalLocalClusterIT {

    /** Think time between bursts: longer than a relaunch here (boot + the played 6 s minimum). */
    private static final Duration THINK = Duration.ofSeconds(15);

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
    void theLatencyGoalKeepsWarmWorkersTheCostGoalRetires() throws Exception {
        try (Client client = start("it-goal-cost", "cost")) {
            runBursts(client);
            // Idle now: every worker goes, none is kept for a next burst.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> client.summary().workers().isEmpty());
        }
        cluster.close();
        cluster = null;

        try (Client client = start("it-goal-latency", "latency")) {
            runBursts(client);
            // Idle as well, but a warm pool stays through a gap like the ones seen.
            await().during(Duration.ofSeconds(8))
                    .atMost(Duration.ofSeconds(12))
                    .until(() -> !client.summary().workers().isEmpty());
        }
    }

    private Client start(String name, String goal) {
        cluster = LocalCluster.builder()
                .name(name)
                .workers(0)
                .adapt(0, 3)
                .nthreads(1)
                .adaptTargetDuration(Duration.ofSeconds(1))
                .billingMinimum(Duration.ofSeconds(6))
                .idleTimeout(Duration.ofMinutes(5))
                .detached(true)
                .stateDirectory(stateDir.resolve(name))
                .startTimeout(Duration.ofSeconds(60))
                .build();
        seen.add(cluster.processIds().get(0));
        Client client = cluster.connect();
        // A new goal starts a fresh policy: set it before any work, so it sees every burst. The
        // controller may still be starting beside the scheduler when the first client connects.
        await().atMost(Duration.ofSeconds(30))
                .ignoreException(IllegalArgumentException.class)
                .until(() -> client.configure("adapt", "0:3:1s:" + goal).contains("goal " + goal));
        return client;
    }

    /** Three bursts of 30 tasks of 400 ms (12 s of work for one thread), each followed by think time. */
    private void runBursts(Client client) throws Exception {
        for (int burst = 0; burst < 3; burst++) {
            List<TaskFuture<Long>> futures = client.map(
                    x -> {
                        java.util.concurrent.locks.LockSupport.parkNanos(400_000_000L);
                        return x;
                    },
                    LongStream.range(0, 30).boxed().toList());
            assertThat(client.gather(futures)).hasSize(30);
            client.summary().workers().forEach(w -> seen.add(w.pid()));
            if (burst < 2) {
                // The user thinks: no work for a while (a workload's pause, not a wait for a condition).
                await().pollDelay(THINK).atMost(THINK.plusSeconds(1)).until(() -> true);
            }
        }
    }
}
