package dev.jcloud.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.Delayed;
import dev.jcloud.engine.api.TaskFailedException;
import dev.jcloud.engine.api.TaskFuture;
import dev.jcloud.engine.api.WorkerSummary;
import dev.jcloud.engine.scheduler.SchedulerOptions;
import dev.jcloud.engine.scheduler.SchedulerServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The engine with real worker JVMs on loopback. */
class EngineProcessesIT {

    private WorkerProcesses processes;
    private SchedulerServer scheduler;
    private Client client;
    private String failureContext = "";

    @BeforeEach
    void start() throws Exception {
        processes = new WorkerProcesses();
        scheduler = SchedulerServer.start(SchedulerOptions.loopback());
    }

    @AfterEach
    void stop(TestInfo info) throws Exception {
        if (client != null) {
            client.close();
        }
        scheduler.close();
        processes.close();
    }

    private Client connect(int workers) {
        client = Client.connect(scheduler.address());
        try {
            client.waitForWorkers(workers, Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\n" + processes.logTails(), e);
        }
        return client;
    }

    static Delayed<Long> tree(List<Delayed<Long>> level) {
        while (level.size() > 1) {
            List<Delayed<Long>> next = new ArrayList<>();
            for (int i = 0; i < level.size(); i += 2) {
                next.add(i + 1 < level.size() ? level.get(i).combine(level.get(i + 1), Long::sum) : level.get(i));
            }
            level = next;
        }
        return level.get(0);
    }

    static long slowIdentity(long x) {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return x;
    }

    @Test
    void graphsAndMapsGiveCorrectResultsWithShippedClasses() throws Exception {
        processes.worker(scheduler.address(), "w1", 2);
        processes.worker(scheduler.address(), "w2", 2);
        connect(2);
        List<Long> squares = client.gather(client.map(x -> x * x, List.of(1L, 2L, 3L, 4L)));
        assertThat(squares).containsExactly(1L, 4L, 9L, 16L);
        List<Delayed<Long>> leaves = new ArrayList<>();
        for (long i = 0; i < 2000; i++) {
            leaves.add(Delayed.apply(x -> x * 2, i));
        }
        assertThat(client.compute(tree(leaves)).get(60, TimeUnit.SECONDS)).isEqualTo(2000L * 1999);
        assertThat(client.submit(() -> new Point(3, 4)).get().norm2()).isEqualTo(25);
    }

    @Test
    void killingAWorkerMidGraphStillGivesTheRightAnswer() throws Exception {
        processes.worker(scheduler.address(), "w1", 2);
        processes.worker(scheduler.address(), "w2", 2);
        Process victim = processes.worker(scheduler.address(), "victim", 2);
        connect(3);
        int leaves = 5000; // 9,999 tasks
        List<Delayed<Long>> level = new ArrayList<>();
        for (long i = 0; i < leaves; i++) {
            level.add(Delayed.apply(EngineProcessesIT::slowIdentity, i));
        }
        TaskFuture<Long> total = client.compute(tree(level));
        await().atMost(Duration.ofSeconds(60)).until(() -> client.summary().tasksCompletedTotal() > 2500);
        assertThat(total.isDone()).isFalse();
        victim.destroyForcibly(); // SIGKILL: no goodbye, results on it are gone
        assertThat(total.get(120, TimeUnit.SECONDS)).isEqualTo((long) leaves * (leaves - 1) / 2);
        assertThat(client.summary().workers()).extracting(WorkerSummary::name).containsExactlyInAnyOrder("w1", "w2");
    }

    @Test
    void aWorkerOverItsMemoryLimitSpillsAndTheGraphCompletes() throws Exception {
        processes.worker(scheduler.address(), "small", 1, "--memory-limit", "100MiB");
        connect(1);
        List<Delayed<Integer>> lengths = new ArrayList<>();
        List<TaskFuture<byte[]>> blocks = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            int seed = i;
            blocks.add(client.submit(() -> block(seed))); // 80 MiB held in all: above 60% of 100 MiB
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> blocks.stream().allMatch(TaskFuture::isDone));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> client.summary().workers().get(0).spilledBytes() > 0);
        for (TaskFuture<byte[]> b : blocks) {
            lengths.add(Delayed.of(b).then(bytes -> bytes.length));
        }
        int total = client.compute(Delayed.all(lengths).then(EngineProcessesIT::sumInts))
                .get(60, TimeUnit.SECONDS);
        assertThat(total).isEqualTo(80 << 20);
        assertThat(blocks.get(7).get()[0]).isEqualTo((byte) 7); // a spilled result reads back intact
    }

    static byte[] block(int seed) {
        byte[] b = new byte[1 << 20];
        java.util.Arrays.fill(b, (byte) seed);
        return b;
    }

    static int sumInts(List<Integer> xs) {
        return xs.stream().mapToInt(Integer::intValue).sum();
    }

    @Test
    void aTaskThatThrowsSurfacesItsExceptionTypeMessageAndTrace() throws Exception {
        processes.worker(scheduler.address(), "w1", 1);
        connect(1);
        TaskFuture<Long> f = client.submit(() -> {
            throw new PointException("bad point");
        });
        assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS))
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining("PointException")
                .hasMessageContaining("bad point")
                .satisfies(e -> {
                    TaskFailedException t = (TaskFailedException) e;
                    assertThat(t.getCause()).isInstanceOf(PointException.class);
                    assertThat(t.remoteStackTrace()).contains("EngineProcessesIT");
                });
    }

    @Test
    void workersExitAfterTheirDeathTimeoutWhenTheSchedulerDies() throws Exception {
        Path addressFile = Files.createTempDirectory("jcloud-it-").resolve("address.json");
        Process schedulerProcess = processes.start(
                "scheduler",
                List.of(),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--dashboard-port",
                "-1",
                "--address-file",
                addressFile.toString());
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(addressFile));
        String json = Files.readString(addressFile);
        String address =
                json.replaceAll(".*\"scheduler\":\"([^\"]+)\".*\\s*", "$1").trim();
        Process w = processes.worker(address, "orphan", 1, "--death-timeout", "2s");
        try (Client c = Client.connect(address)) {
            c.waitForWorkers(1, Duration.ofSeconds(60));
        }
        schedulerProcess.destroyForcibly();
        assertThat(w.waitFor(30, TimeUnit.SECONDS))
                .as("worker exits by itself\n" + processes.logTails())
                .isTrue();
        assertThat(w.exitValue()).isEqualTo(1);
    }

    @Test
    void retiringAWorkerKeepsItsResults() throws Exception {
        processes.worker(scheduler.address(), "keep", 1);
        Process leaving = processes.worker(scheduler.address(), "leaving", 1);
        connect(2);
        List<TaskFuture<byte[]>> held = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            int seed = i;
            held.add(client.submit(() -> block(seed)));
        }
        for (TaskFuture<byte[]> f : held) {
            f.get(60, TimeUnit.SECONDS);
        }
        assertThat(client.retireWorkers(List.of("leaving"))).containsExactly("leaving");
        assertThat(leaving.waitFor(30, TimeUnit.SECONDS))
                .as("retired worker exits\n" + processes.logTails())
                .isTrue();
        List<Delayed<Integer>> firstBytes = new ArrayList<>();
        for (TaskFuture<byte[]> f : held) {
            firstBytes.add(Delayed.of(f).then(b -> (int) b[0]));
        }
        assertThat(client.compute(Delayed.all(firstBytes).then(EngineProcessesIT::sumInts))
                        .get(60, TimeUnit.SECONDS))
                .isEqualTo(190);
    }
}
