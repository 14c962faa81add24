package dev.jcloud.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jcloud export-terraform}: bad input is one line, exit 2, nothing written; good input writes the module. */
class ExportTerraformCommandTest {

    private static final String[] ENGINE = {"--engine-url", "https://example.invalid/jcloud-engine.jar",
            "--engine-sha256", "b".repeat(64)};

    @TempDir
    Path tmp;

    private CliRunner.Result run(String... args) {
        String[] all = new String[args.length + ENGINE.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(ENGINE, 0, all, args.length, ENGINE.length);
        return new CliRunner(tmp.resolve("state")).run(all);
    }

    @Test
    void writesTheAwsModule() throws IOException {
        Path out = tmp.resolve("tf");
        CliRunner.Result r = run("export-terraform", "--provider", "aws", "--workers", "4", "--name", "analytics",
                "--region", "eu-west-2", "--worker-type", "c6i.xlarge", "--allow-from", "203.0.113.7/32", "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("analytics", "terraform init");
        for (String f : new String[] {"versions.tf", "variables.tf", "main.tf", "outputs.tf", "terraform.tfvars.example",
                "README.md", "boot/scheduler.sh", "boot/worker.sh"}) {
            assertThat(out.resolve(f)).isRegularFile();
        }
        assertThat(Files.readString(out.resolve("variables.tf"))).contains("default     = \"analytics\"",
                "default     = \"eu-west-2\"", "default     = \"c6i.xlarge\"", "default     = 4", "[\"203.0.113.7/32\"]");
        assertThat(Files.readString(out.resolve("README.md"))).contains("jcloud cluster up", "idle teardown");
    }

    @Test
    void missingOut() {
        assertUsage(run("export-terraform", "--provider", "aws", "--workers", "2"), "--out");
    }

    @Test
    void badCidr() {
        assertUsage(run("export-terraform", "--provider", "aws", "--workers", "2", "--allow-from", "10.0.0.1/8",
                "--out", tmp.resolve("tf").toString()), "--allow-from");
        assertUsage(run("export-terraform", "--provider", "aws", "--workers", "2", "--allow-from", "300.1.2.3/32",
                "--out", tmp.resolve("tf").toString()), "--allow-from");
    }

    @Test
    void negativeWorkers() {
        assertUsage(run("export-terraform", "--provider", "aws", "--workers", "-1", "--out", tmp.resolve("tf").toString()),
                "--workers: must be >= 0");
    }

    @Test
    void badName() {
        assertUsage(run("export-terraform", "--provider", "aws", "--workers", "1", "--name", "Bad\"${x}",
                "--out", tmp.resolve("tf").toString()), "--name");
    }

    @Test
    void otherProvidersAndClusterAreNotSupportedYet() {
        for (String p : new String[] {"fargate", "gcp", "azure"}) {
            assertUsage(run("export-terraform", "--provider", p, "--workers", "1", "--out", tmp.resolve("tf").toString()),
                    "not supported yet");
        }
        assertUsage(run("export-terraform", "--cluster", "prod", "--out", tmp.resolve("tf").toString()), "not supported yet");
    }

    @Test
    void nonEmptyOutputDirectoryIsRefused() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("tf"));
        Files.writeString(out.resolve("main.tf"), "# mine");
        CliRunner.Result r = run("export-terraform", "--provider", "aws", "--workers", "1", "--out", out.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("not empty");
        assertThat(Files.readString(out.resolve("main.tf"))).isEqualTo("# mine");
    }

    private void assertUsage(CliRunner.Result r, String mentions) {
        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("error: ").contains(mentions).doesNotContain("\n\tat ");
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(tmp.resolve("tf")).doesNotExist();
    }
}
