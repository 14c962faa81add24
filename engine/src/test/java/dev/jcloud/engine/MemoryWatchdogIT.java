package dev.jcloud.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.TaskFuture;
import dev.jcloud.engine.api.WorkerSummary;
import dev.jcloud.engine.scheduler.SchedulerOptions;
import dev.jcloud.engine.scheduler.SchedulerServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory watchdog spills results for memory in use, not for garbage. A worker JVM whose young
 * generation is most of its heap (the serial collector collects it only when it is full) holds
 * hundreds of MiB of dropped arrays uncollected: over the spill line by the heap's own count, with
 * little of it live. Its stored result must stay in memory.
 */
class MemoryWatchdogIT {

    private static final String WORKER = "garbage";

    @TempDir
    Path dir;

    private WorkerProcesses processes;
    private SchedulerServer scheduler;
    private Client client;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (scheduler != null) {
            scheduler.close();
        }
        if (processes != null) {
            processes.close();
        }
    }

    /**
     * 330 MiB of arrays, each dropped as soon as it is made: the young generation (768 MiB) holds
     * them all, over the spill line (60 % of 512 MiB). Then stays a few of the watchdog's
     * one-second rounds.
     */
    static long makeGarbage() throws InterruptedException {
        long made = 0;
        for (int i = 0; i < 330; i++) {
            byte[] dropped = new byte[1 << 20];
            made += dropped.length;
        }
        Thread.sleep(3_000);
        return made;
    }

    @Test
    void garbageOverTheSpillLineMovesNoResultToDisk() throws Exception {
        processes = new WorkerProcesses();
        scheduler = SchedulerServer.start(SchedulerOptions.loopback());
        processes.worker(
                List.of("-Xms1g", "-Xmx1g", "-Xmn960m", "-XX:+UseSerialGC"),
                scheduler.address(),
                WORKER,
                1,
                "--memory-limit",
                "512MiB",
                "--local-directory",
                dir.toString());
        client = Client.connect(scheduler.address());
        client.waitForWorkers(1, Duration.ofSeconds(60));

        TaskFuture<byte[]> stored = client.submit(() -> new byte[8 << 20]);
        assertThat(stored.get(60, TimeUnit.SECONDS)).as(processes.logTails()).hasSize(8 << 20);
        assertThat(client.submit(MemoryWatchdogIT::makeGarbage).get(60, TimeUnit.SECONDS))
                .isEqualTo(330L << 20);
        TimeUnit.SECONDS.sleep(2); // heartbeats carry the worker's spilled bytes

        WorkerSummary worker = client.summary().workers().get(0);
        assertThat(worker.storedBytes()).as(processes.logTails()).isGreaterThanOrEqualTo(8 << 20);
        assertThat(worker.spilledBytes()).as(processes.logTails()).isZero();
        java.lang.ref.Reference.reachabilityFence(stored);
    }
}
