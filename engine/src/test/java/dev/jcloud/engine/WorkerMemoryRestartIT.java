package dev.jcloud.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.TaskFuture;
import dev.jcloud.engine.scheduler.SchedulerOptions;
import dev.jcloud.engine.scheduler.SchedulerServer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionEvaluationListener;
import org.awaitility.core.EvaluatedCondition;
import org.awaitility.core.TimeoutEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A worker past its memory limit starts a fresh worker in its place, as many times as it is allowed, no more. */
class WorkerMemoryRestartIT {

    private static final Pattern REPLACEMENT = Pattern.compile("started a fresh worker in its place \\(pid (\\d+)");

    /** What the hungry task keeps: it lives in the worker, so only a new process frees it. */
    static final List<byte[]> HELD = new ArrayList<>();

    private final List<Long> replacements = new ArrayList<>();

    @AfterEach
    void killReplacements() {
        replacements.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    /**
     * Holds {@code mib} MiB and never returns: the worker's memory watchdog must end it. A task that
     * returned before the watchdog's next look (on a loaded machine) was done, its small result
     * already with the client, so nothing ran on the replacement and the test waited for nothing.
     */
    static long hold(long mib) throws InterruptedException {
        for (int i = 0; i < mib; i++) {
            HELD.add(new byte[1 << 20]);
        }
        Thread.sleep(Duration.ofMinutes(10).toMillis());
        return mib;
    }

    @Test
    void aWorkerPastItsLimitIsReplacedOnceAndTheReplacementRunsWork() throws Exception {
        try (SchedulerServer scheduler = SchedulerServer.start(SchedulerOptions.loopback());
                WorkerProcesses processes = new WorkerProcesses();
                Client client = Client.connect(scheduler.address())) {
            Process first = processes.worker(
                    scheduler.address(),
                    "hungry",
                    1,
                    "--memory-limit",
                    "64MiB",
                    "--memory-spill",
                    "0.7",
                    "--memory-pause",
                    "0.75",
                    "--memory-terminate",
                    "0.8",
                    "--memory-restarts",
                    "1",
                    "--death-timeout",
                    "10s");
            client.waitForWorkers(1, Duration.ofSeconds(60));

            TaskFuture<Long> hungry = client.submit(() -> hold(200));

            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .conditionEvaluationListener(showOnTimeout(processes, client))
                    .until(() -> !first.isAlive());
            assertThat(first.exitValue()).as(processes.logTails()).isEqualTo(3);
            long pid = Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> replacementPid(processes), p -> p > 0);
            replacements.add(pid);
            assertThat(pid).isNotEqualTo(first.pid());

            // The task runs again on the replacement, which passes the limit too and has no restart left.
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .conditionEvaluationListener(showOnTimeout(processes, client))
                    .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
            String log = Files.readString(processes.log("hungry"));
            assertThat(REPLACEMENT.matcher(log).results().count()).as(log).isEqualTo(1);
            assertThat(log).contains("worker hungry registered").contains("0 restarts left");
            assertThat(log.split("worker hungry registered", -1)).as(log).hasSize(3); // registered twice
            hungry.cancel(true);
        }
    }

    /**
     * Prints the workers' logs and the scheduler's view when a wait times out, so that a failure
     * shows what the workers did and where the task was.
     */
    private static ConditionEvaluationListener<Object> showOnTimeout(WorkerProcesses processes, Client client) {
        return new ConditionEvaluationListener<>() {
            @Override
            public void conditionEvaluated(EvaluatedCondition<Object> condition) {}

            @Override
            public void onTimeout(TimeoutEvent timeout) {
                System.err.println("worker logs at the timeout:\n" + processes.logTails());
                try {
                    System.err.println("the scheduler's view: " + client.summary());
                } catch (RuntimeException e) {
                    System.err.println("the scheduler's view: unavailable (" + e + ")");
                }
            }
        };
    }

    private static long replacementPid(WorkerProcesses processes) throws Exception {
        Matcher m = REPLACEMENT.matcher(Files.readString(processes.log("hungry")));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
