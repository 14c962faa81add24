package dev.jcloud.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.provisioner.CloudProviders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gives one line "error: ..." naming the flag and what it accepts, and exit code 2. */
class CliErrorsTest {

    @TempDir
    Path stateDir;

    private CliRunner cli() {
        return new CliRunner(stateDir);
    }

    @Test
    void negativeWorkers() {
        assertUsageError(
                cli().run("cluster", "up", "--workers", "-3"),
                "error: --workers: cluster.workers must be ≥ 0 (was -3)");
    }

    @Test
    void unknownProvider() {
        assertUsageError(
                cli().run("cluster", "up", "--provider", "vmware"),
                "error: --provider: cluster.provider must be one of "
                        + String.join(", ", CloudProviders.load().available())
                        + " (the providers in this build) (was 'vmware')");
    }

    @Test
    void providerFlagsAndOptionsAreCheckedBeforeCreatingAnything() throws IOException {
        // A flag another provider contributes names the providers that take it.
        assertUsageError(
                cli().run("cluster", "up", "--provider", "local", "--zone", "us-central1-b"),
                "error: --zone is an option of gcp, not of provider local");
        assertUsageError(
                cli().run("cluster", "up", "--provider", "aws", "--worker-cpu", "1024"),
                "error: --worker-cpu is an option of fargate, kubernetes, not of provider aws");
        // A provider in the build checks its options before it calls its cloud.
        assertUsageError(
                cli().run("cluster", "up", "--provider", "aws", "--worker-type", "huge"),
                "error: invalid aws.worker-type 'huge': use an instance type such as m6i.large");
        try (Stream<Path> files = Files.list(stateDir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void badMemoryLimit() {
        assertUsageError(
                cli().run("cluster", "up", "--memory-limit", "4XB"),
                "error: --memory-limit: worker.memory-limit must be auto or a size like 4GiB (was '4XB')");
    }

    @Test
    void badIdleTimeout() {
        CliRunner.Result r = cli().run("cluster", "up", "--idle-timeout", "soon");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err())
                .startsWith("error: --idle-timeout: cluster.idle-timeout")
                .contains("soon");
    }

    @Test
    void badClusterName() {
        assertUsageError(
                cli().run("cluster", "up", "--name", "Not_Valid"),
                "error: --name: cluster.name must be 2 to 40 lowercase letters, digits or '-', starting with a"
                        + " letter and not ending with '-' (was 'Not_Valid')");
    }

    @Test
    void unknownOptionAndMissingParameter() {
        CliRunner.Result r = cli().run("cluster", "up", "--wrokers", "2");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().lines())
                .singleElement()
                .asString()
                .startsWith("error: Unknown options: '--wrokers', '2'")
                .contains("jcloud cluster up --help");

        r = cli().run("cluster", "scale", "x");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: Missing required parameter: 'N'");
    }

    @Test
    void badOutputFormatAndShape() {
        CliRunner.Result r = cli().run("cluster", "list", "--output", "yaml");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--output").contains("text, json").doesNotContain("\tat ");

        r = cli().run("bench", "round", "--tasks", "10");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("SHAPE").contains("flat, tree");
    }

    @Test
    void missingConfigFile() {
        assertUsageError(
                cli().run(
                                "config",
                                "show",
                                "--config",
                                stateDir.resolve("nope.yaml").toString()),
                "error: --config: file " + stateDir.resolve("nope.yaml") + " does not exist or is not a file");
    }

    @Test
    void badConfigFileNamesTheFileAndTheKey() throws IOException {
        Path file = stateDir.resolve("jcloud.yaml");
        Files.writeString(file, "cluster:\n  workers: -3\n");
        CliRunner.Result r = cli().run("config", "show", "--config", file.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err())
                .startsWith("error: ")
                .contains("jcloud.yaml")
                .contains("cluster.workers")
                .doesNotContain("\tat ");
    }

    @Test
    void scaleToNegativeAndDownOfAnUnknownCluster() {
        CliRunner.Result r = cli().run("cluster", "scale", "c1", "--", "-1");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: N must be >= 0 (was -1)\n");

        r = cli().run("cluster", "down", "never-started");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out())
                .isEqualTo(
                        "no cluster named never-started is known here (add --provider to look in a cloud); nothing to stop\n");

        r = cli().run("cluster", "status", "never-started");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: no cluster named never-started is running (see 'jcloud cluster list')\n");
    }

    @Test
    void versionHelpCompletionAndConfig() {
        CliRunner.Result r = cli().run("--version");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).startsWith("jcloud ").doesNotContain("${");

        for (String[] args : new String[][] {
            {"--help"},
            {"cluster", "--help"},
            {"cluster", "up", "--help"},
            {"cluster", "list", "--help"},
            {"cluster", "status", "--help"},
            {"cluster", "scale", "--help"},
            {"cluster", "down", "--help"},
            {"config", "show", "--help"},
            {"bench", "--help"},
            {"example", "--help"},
            {"completion", "--help"},
            {"scheduler", "--help"},
            {"worker", "--help"}
        }) {
            r = cli().run(args);
            assertThat(r.exitCode()).as(String.join(" ", args)).isZero();
            assertThat(r.out()).as(String.join(" ", args)).contains("Usage:");
        }

        r = cli().run("completion");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("complete -F").contains("cluster").contains("bench");

        r = cli().run("config", "show", "--sources");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("cluster.workers").contains("default");

        r = cli().run("cluster", "list", "--output", "json");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out().trim()).isEqualTo("[ ]");
    }

    private static void assertUsageError(CliRunner.Result r, String line) {
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo(line + "\n");
        assertThat(r.out()).isEmpty();
    }
}
