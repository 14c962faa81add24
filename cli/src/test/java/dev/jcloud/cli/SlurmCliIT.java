package dev.jcloud.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jcloud cluster up|status|down --provider slurm} through the CLI's entry point, against
 * the real Slurm of this machine ({@code .ci/batch-up}): the workers are jobs of one array, status
 * shows them registered, and down leaves no job of the cluster in {@code squeue}.
 */
class SlurmCliIT {

    @TempDir
    Path stateDir;

    @TempDir
    Path shared;

    @BeforeAll
    static void slurmAnswers() {
        String out = run("sinfo", "-h");
        if (out == null) {
            fail("Slurm does not answer (sinfo -h): run .ci/batch-up as root, which installs Debian's slurm-wlm and"
                    + " munge when missing and starts their daemons");
        }
    }

    @Test
    void upStatusAndDownLeaveNoJob() {
        CliRunner cli = new CliRunner(stateDir);
        CliRunner.Result up = cli.run(
                "cluster",
                "up",
                "--provider",
                "slurm",
                "--name",
                "cli-slurm",
                "--workers",
                "2",
                "--walltime",
                "30m",
                "--cores",
                "1",
                "--shared-dir",
                shared.toString());
        try {
            assertThat(up.exitCode()).as(up.out() + up.err()).isZero();
            assertThat(jobNames())
                    .as("squeue after up")
                    .filteredOn(n -> n.endsWith("_w_cli-slurm"))
                    .hasSize(2);

            CliRunner.Result status = cli.run("cluster", "status", "cli-slurm");
            assertThat(status.exitCode()).as(status.err()).isZero();
            assertThat(status.out())
                    .contains("cluster cli-slurm (slurm)")
                    .contains("workers:    2 registered")
                    .contains("core-hours: ");
        } finally {
            CliRunner.Result down = cli.run("cluster", "down", "cli-slurm");
            assertThat(down.exitCode()).as(down.out() + down.err()).isZero();
        }
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(jobNames())
                        .as("jobs of the cluster after down")
                        .noneMatch(n -> n.endsWith("_cli-slurm")));
    }

    /** The names of this user's jobs, one line each. */
    private static List<String> jobNames() {
        String out = run("squeue", "-h", "-r", "-u", System.getProperty("user.name"), "-o", "%j");
        assertThat(out).as("squeue answers").isNotNull();
        return out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /** What {@code command} printed, or null when it failed. */
    private static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
