package dev.jcloud.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.TaskFailedException;
import dev.jcloud.engine.scheduler.SchedulerOptions;
import dev.jcloud.engine.scheduler.SchedulerServer;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every task a worker takes ends, as a result or as a failure with its cause, whatever breaks
 * after the task's own code returned: a full disk under the spill directory, a result too deep to
 * serialise. A worker JVM with a 1 MiB file system as its spill directory (a tmpfs mounted in a
 * private mount namespace with {@code unshare}, so no privilege is needed).
 */
class TaskOutcomeIT {

    private static final String WORKER = "tiny-disk";

    @TempDir
    Path dir;

    private WorkerProcesses processes;
    private SchedulerServer scheduler;
    private Client client;
    private Process worker;

    @BeforeEach
    void start() throws Exception {
        processes = new WorkerProcesses();
        scheduler = SchedulerServer.start(SchedulerOptions.loopback());
        Path local = dir.resolve("local");
        // The worker keeps its spilled results in LOCAL/worker-NAME/spill: that directory is the full disk.
        Path spill = Files.createDirectories(local.resolve("worker-" + WORKER).resolve("spill"));
        checkUnshare();
        worker = processes.startWrapped(
                WORKER,
                List.of(
                        "unshare",
                        "--user",
                        "--map-root-user",
                        "--mount",
                        "sh",
                        "-c",
                        "mount -t tmpfs -o size=1m tmpfs \"$0\" && exec \"$@\"",
                        spill.toString()),
                List.of("-Xmx256m", "-XX:+UseSerialGC"),
                "worker",
                scheduler.address(),
                "--name",
                WORKER,
                "--nthreads",
                "1",
                "--host",
                "127.0.0.1",
                "--memory-limit",
                "128MiB",
                "--memory-spill",
                "0.1",
                "--local-directory",
                local.toString());
        client = Client.connect(scheduler.address());
        try {
            client.waitForWorkers(1, Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\n" + processes.logTails(), e);
        }
    }

    private static void checkUnshare() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("unshare", "--user", "--map-root-user", "--mount", "true")
                .redirectErrorStream(true)
                .start();
        boolean ok = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        if (!ok) {
            p.destroyForcibly();
            throw new AssertionError("this test needs util-linux's unshare with user namespaces enabled"
                    + " (apt-get install util-linux; sysctl kernel.unprivileged_userns_clone=1): "
                    + new String(p.getInputStream().readAllBytes()));
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        scheduler.close();
        processes.close();
    }

    /** 16 MiB: over the worker's spill line (10% of 128 MiB) on its own, and far over its 1 MiB disk. */
    static byte[] tooBigForTheDisk() {
        byte[] b = new byte[16 << 20];
        java.util.Arrays.fill(b, (byte) 7);
        return b;
    }

    /** A linked list serialised recursively, one stack frame per link. */
    record Link(Link next) implements Serializable {}

    static Link deepChain() {
        Link head = null;
        for (int i = 0; i < 1_000_000; i++) {
            head = new Link(head);
        }
        return head;
    }

    @Test
    void aFullDiskWhileSpillingAResultFailsTheTaskWithItsCause() throws Exception {
        assertThatThrownBy(() -> client.submit(TaskOutcomeIT::tooBigForTheDisk).get(60, TimeUnit.SECONDS))
                .as(processes.logTails())
                .isInstanceOf(TaskFailedException.class)
                .hasMessageContaining(WORKER)
                .satisfies(e ->
                        assertThat(((TaskFailedException) e).remoteStackTrace()).contains("No space left on device"));
        // The worker lives on and runs the next task.
        assertThat(client.submit(() -> 6 * 7).get(60, TimeUnit.SECONDS)).isEqualTo(42);
    }

    @Test
    void aResultTooDeepToSerialiseFailsTheTask() throws Exception {
        assertThatThrownBy(() -> client.submit(TaskOutcomeIT::deepChain).get(60, TimeUnit.SECONDS))
                .as(processes.logTails())
                .isInstanceOf(TaskFailedException.class)
                .satisfies(e -> assertThat(((TaskFailedException) e).remoteClassName())
                        .isEqualTo(StackOverflowError.class.getName()));
        assertThat(client.submit(() -> 6 * 7).get(60, TimeUnit.SECONDS)).isEqualTo(42);
    }

    /** Holds 160 MiB, over the worker's terminate line (95% of 128 MiB), for longer than the test waits. */
    static int hogMemory() throws InterruptedException {
        byte[][] hog = new byte[160][];
        for (int i = 0; i < hog.length; i++) {
            hog[i] = new byte[1 << 20];
        }
        Thread.sleep(120_000);
        return hog.length;
    }

    @Test
    void theMemoryWatchdogOutlivesAFailedSpillAndStillStopsTheWorker() throws Exception {
        // A stored result the watchdog will try (and fail) to spill once the heap passes the spill line.
        // Its future stays reachable to the end: a collected future releases the result, and with
        // nothing stored the watchdog has nothing to spill.
        var stored = client.submit(() -> new byte[4 << 20]);
        assertThat(stored.get(60, TimeUnit.SECONDS)).hasSize(4 << 20);
        client.submit(TaskOutcomeIT::hogMemory);
        assertThat(worker.waitFor(60, TimeUnit.SECONDS))
                .as("the worker exits at its terminate threshold\n" + processes.logTails())
                .isTrue();
        assertThat(worker.exitValue()).isEqualTo(3);
        assertThat(Files.readString(processes.log(WORKER))).contains("memory watchdog: cannot spill");
        java.lang.ref.Reference.reachabilityFence(stored);
    }
}
