package dev.jcloud.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.scheduler.SchedulerOptions;
import dev.jcloud.engine.scheduler.SchedulerServer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A worker JVM paused (SIGSTOP) for longer than the scheduler waits for heartbeats is dropped;
 * once it runs again (SIGCONT) it must notice and register anew, not go on talking into a
 * session the scheduler no longer reads.
 */
class WorkerPauseIT {

    private WorkerProcesses processes;
    private SchedulerServer scheduler;
    private Client client;

    @BeforeEach
    void start() throws Exception {
        processes = new WorkerProcesses();
        scheduler = SchedulerServer.start(SchedulerOptions.loopback());
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        scheduler.close();
        processes.close();
    }

    private static void signal(String name, Process p) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(p.pid()))
                .inheritIO()
                .start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0)
                .as("kill -" + name + " " + p.pid() + " (needs the kill program of procps or coreutils)")
                .isTrue();
    }

    @Test
    void aWorkerDroppedWhilePausedRegistersAgainWhenItResumes() throws Exception {
        Process worker = processes.worker(scheduler.address(), "napper", 1, "--death-timeout", "120s");
        client = Client.connect(scheduler.address());
        client.waitForWorkers(1, Duration.ofSeconds(60));
        assertThat(client.submit(() -> 1 + 1).get(60, TimeUnit.SECONDS)).isEqualTo(2);

        signal("STOP", worker);
        try {
            // The scheduler gives up on a worker silent for 10 s.
            await().atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> client.summary().workers().isEmpty());
        } finally {
            signal("CONT", worker);
        }

        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .failFast(() -> !worker.isAlive())
                .untilAsserted(() -> assertThat(client.summary().workers())
                        .as(processes.logTails())
                        .hasSize(1));
        assertThat(client.submit(() -> 6 * 7).get(60, TimeUnit.SECONDS)).isEqualTo(42);
        assertThat(Files.readString(processes.log("napper"))).containsPattern("(?s)registered with .*registered with");
    }
}
