package dev.jcloud.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.TaskFuture;
import dev.jcloud.engine.worker.WorkerOptions;
import dev.jcloud.engine.worker.WorkerServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spot interruption notice, or the end its platform set (a batch job's walltime), retires the
 * worker gracefully: it leaves, and no result is lost.
 */
class InterruptionNoticeTest {

    @TempDir
    Path dir;

    @Test
    void aWorkerWhoseNoticeAppearsLeavesAndItsResultsStay() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(1, 1)) {
            WorkerServer doomed = cluster.addWorker("spot-1", 1, 1L << 30, Map.of());
            Path notice = dir.resolve("interrupted");
            doomed.retireWhenExists(notice);
            try (Client client = cluster.connect()) {
                List<TaskFuture<Integer>> results = squaresComputed(client);
                assertThat(client.summary().workers()).extracting(w -> w.name()).contains("spot-1");

                Files.writeString(notice, "{\"action\":\"terminate\"}");

                await().atMost(Duration.ofSeconds(30))
                        .until(() -> client.summary().workers().stream()
                                .noneMatch(w -> w.name().equals("spot-1")));
                assertThat(client.gather(results)).hasSize(20).contains(0, 1, 361);
            }
        }
    }

    @Test
    void aWorkerToldWhenItsPlatformEndsItLeavesThenAndItsResultsStay() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(1, 1);
                WorkerServer ending = WorkerServer.start(WorkerOptions.local(cluster.address(), "walltime-1", dir)
                        .retireAt(Instant.now().plusSeconds(4))
                        .build());
                Client client = cluster.connect()) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> client.summary().workers().stream()
                            .anyMatch(w -> w.name().equals("walltime-1")));
            List<TaskFuture<Integer>> results = squaresComputed(client);

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> client.summary().workers().stream()
                            .noneMatch(w -> w.name().equals("walltime-1")));
            assertThat(ending.awaitExit()).isEqualTo(WorkerServer.EXIT_OK);
            assertThat(client.gather(results)).hasSize(20).contains(0, 1, 361);
        }
    }

    /** Twenty tasks, done: their results are held on the workers. */
    private static List<TaskFuture<Integer>> squaresComputed(Client client) throws Exception {
        List<TaskFuture<Integer>> results = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            int x = i;
            results.add(client.submit(() -> x * x));
        }
        for (TaskFuture<Integer> f : results) {
            f.get(30, TimeUnit.SECONDS);
        }
        return results;
    }
}
