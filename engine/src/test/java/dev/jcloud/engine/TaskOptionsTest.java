package dev.jcloud.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.Progress;
import dev.jcloud.engine.api.TaskContext;
import dev.jcloud.engine.api.TaskFailedException;
import dev.jcloud.engine.api.TaskFuture;
import dev.jcloud.engine.api.TaskOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TaskOptionsTest {

    static InProcessCluster cluster;
    static Client client;

    @BeforeAll
    static void up() throws Exception {
        cluster = InProcessCluster.start(1, 2);
        cluster.addWorker("gpu", 2, 1L << 30, Map.of("GPU", 1.0));
        client = cluster.connect();
    }

    @AfterAll
    static void down() {
        client.close();
        cluster.close();
    }

    /** Fails the first {@code failures} times it runs (counted in a file, since workers share no memory). */
    static long flaky(String file, int failures) throws Exception {
        Path counter = Path.of(file);
        int runs = Files.exists(counter) ? Integer.parseInt(Files.readString(counter)) : 0;
        Files.writeString(counter, String.valueOf(runs + 1));
        if (runs < failures) {
            throw new IllegalStateException("flaky run " + runs);
        }
        return runs;
    }

    @Test
    void retriesRerunAFailingTaskUpToTheLimit() throws Exception {
        String ok = Files.createTempFile("flaky", ".count").toString();
        Files.delete(Path.of(ok));
        TaskFuture<Long> recovered =
                client.submit(() -> flaky(ok, 2), TaskOptions.defaults().retries(2));
        assertThat(recovered.get(30, TimeUnit.SECONDS)).isEqualTo(2L);

        String bad = Files.createTempFile("flaky", ".count").toString();
        Files.delete(Path.of(bad));
        TaskFuture<Long> exhausted =
                client.submit(() -> flaky(bad, 5), TaskOptions.defaults().retries(1));
        assertThatThrownBy(() -> exhausted.get(30, TimeUnit.SECONDS))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("flaky run 1");
    }

    @Test
    void tasksNeedingAResourceRunOnlyWhereItIsOffered() throws Exception {
        List<TaskFuture<String>> where = client.map(
                i -> TaskContext.workerName(),
                IntStream.range(0, 20).boxed().toList(),
                TaskOptions.defaults().resource("GPU", 1));
        assertThat(client.gather(where)).hasSize(20).containsOnly("gpu");
        TaskFuture<Integer> impossible =
                client.submit(() -> 1, TaskOptions.defaults().resource("TPU", 1));
        Thread.sleep(300);
        assertThat(impossible.isDone()).as("waits for a worker offering TPU").isFalse();
        impossible.cancel(true);
    }

    @Test
    void progressCallbacksSeeEveryTaskFinish() throws Exception {
        List<TaskFuture<Integer>> futures =
                client.map(i -> i, IntStream.range(0, 500).boxed().toList());
        List<Progress> seen = new CopyOnWriteArrayList<>();
        Progress last =
                client.progress(futures, seen::add, Duration.ofMillis(10)).get(30, TimeUnit.SECONDS);
        assertThat(last.done()).isEqualTo(500);
        assertThat(last.complete()).isTrue();
        assertThat(seen).isNotEmpty().last().isEqualTo(last);
    }
}
