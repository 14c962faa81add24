package dev.jcloud.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.Node;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jcloud cluster logs} against a real local cluster (scheduler and worker processes). */
class ClusterLogsIT {

    @TempDir
    Path stateDir;

    private final List<Long> pids = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> pids.stream()
                        .noneMatch(p ->
                                ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)));
    }

    @Test
    void printsEachNodesLogByRoleOrNodeAndFollowsUntilTheClusterStops() throws Exception {
        CliRunner cli = new CliRunner(stateDir);
        CliRunner.Result up = cli.run("cluster", "up", "--workers", "1", "--name", "logs-it", "--nthreads", "1");
        new ClusterStateStore(stateDir)
                .load("logs-it")
                .ifPresent(r ->
                        r.nodes().stream().map(Node::id).map(Long::parseLong).forEach(pids::add));
        assertThat(up.exitCode()).as(up.err()).isZero();

        CliRunner.Result all = cli.run("cluster", "logs", "logs-it");
        assertThat(all.exitCode()).as(all.err()).isZero();
        List<String> lines = all.out().lines().toList();
        assertThat(lines)
                .anyMatch(l -> l.startsWith("[logs-it-scheduler] ") && l.contains("scheduler listening at"))
                .anyMatch(l ->
                        l.startsWith("[logs-it-worker-1] ") && l.contains("worker logs-it-worker-1 registered with"))
                .allMatch(l -> l.startsWith("[logs-it-scheduler] ") || l.startsWith("[logs-it-worker-1] "));
        // The scheduler's lines come first.
        assertThat(lines.get(0)).startsWith("[logs-it-scheduler] ");

        CliRunner.Result scheduler = cli.run("cluster", "logs", "logs-it", "--role", "scheduler");
        assertThat(scheduler.exitCode()).as(scheduler.err()).isZero();
        assertThat(scheduler.out())
                .contains("scheduler listening at")
                .doesNotContain("[logs-it-")
                .doesNotContain("registered with");

        CliRunner.Result worker = cli.run("cluster", "logs", "logs-it", "--node", "logs-it-worker-1");
        assertThat(worker.exitCode()).as(worker.err()).isZero();
        assertThat(worker.out())
                .contains("worker logs-it-worker-1 registered with")
                .doesNotContain("scheduler listening");
        assertThat(cli.run("cluster", "logs", "logs-it", "--role", "worker").out())
                .isEqualTo(worker.out());

        CliRunner.Result unknown = cli.run("cluster", "logs", "logs-it", "--node", "nope");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err())
                .isEqualTo("error: --node nope is not a node of cluster logs-it; its nodes are: "
                        + "logs-it-scheduler, logs-it-worker-1\n");
        CliRunner.Result badRole = cli.run("cluster", "logs", "logs-it", "--role", "boss");
        assertThat(badRole.exitCode()).isEqualTo(2);
        assertThat(badRole.err()).contains("--role must be scheduler or worker (was 'boss')");
        CliRunner.Result noCluster = cli.run("cluster", "logs", "nope");
        assertThat(noCluster.exitCode()).isEqualTo(1);
        assertThat(noCluster.err()).contains("no cluster named nope is running");

        // --follow prints new lines as they come and ends when the processes have exited.
        CompletableFuture<CliRunner.Result> follow =
                CompletableFuture.supplyAsync(() -> cli.run("cluster", "logs", "logs-it", "--follow"));
        Thread.sleep(500); // not a timing assertion: only lets the follower reach the end of the files first
        assertThat(follow).isNotDone();
        CliRunner.Result down = cli.run("cluster", "down", "logs-it");
        assertThat(down.exitCode()).as(down.err()).isZero();
        CliRunner.Result followed = follow.get(60, TimeUnit.SECONDS);
        assertThat(followed.exitCode()).as(followed.err()).isZero();
        assertThat(followed.out())
                .contains("[logs-it-scheduler] ")
                .contains("scheduler shutting down")
                .contains("[logs-it-worker-1] ");
    }
}
