package dev.jcloud.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jcloud export-terraform}: bad input is one line, exit 2, nothing written; good input
 * writes the module of every provider, from flags or from a running cluster's record.
 */
class ExportTerraformCommandTest {

    private static final String SHA = "b".repeat(64);
    private static final String[] ENGINE = {
        "--engine-url", "https://example.invalid/jcloud-engine.jar", "--engine-sha256", SHA
    };

    @TempDir
    Path tmp;

    private CliRunner.Result run(String... args) {
        return new CliRunner(tmp.resolve("state")).run(args);
    }

    private CliRunner.Result runWithEngine(String... args) {
        String[] all = new String[args.length + ENGINE.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(ENGINE, 0, all, args.length, ENGINE.length);
        return run(all);
    }

    @Test
    void aBatchSystemSaysItHasNoTerraformAndPointsToTheDryRun() {
        CliRunner.Result r = run(
                "export-terraform",
                "--provider",
                "slurm",
                "--workers",
                "2",
                "--out",
                tmp.resolve("tf").toString());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err())
                .contains("--provider: must be a provider that exports Terraform")
                .contains("was 'slurm'")
                .contains("'jcloud cluster up --provider slurm ... --dry-run' prints the exact job scripts");
    }

    @Test
    void writesTheAwsModule() throws IOException {
        Path out = tmp.resolve("tf");
        CliRunner.Result r = runWithEngine(
                "export-terraform",
                "--provider",
                "aws",
                "--workers",
                "4",
                "--name",
                "analytics",
                "--region",
                "eu-west-2",
                "--worker-type",
                "c6i.xlarge",
                "--allow-from",
                "203.0.113.7/32",
                "--vpc",
                "new",
                "--nthreads",
                "2",
                "--memory-limit",
                "6GiB",
                "--out",
                out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("analytics", "terraform init", "TF_VAR_join_token");
        for (String f : new String[] {
            "versions.tf",
            "variables.tf",
            "main.tf",
            "network.tf",
            "outputs.tf",
            "terraform.tfvars.example",
            "README.md",
            "boot/scheduler.sh",
            "boot/worker.sh"
        }) {
            assertThat(out.resolve(f)).isRegularFile();
        }
        assertThat(Files.readString(out.resolve("variables.tf")))
                .contains(
                        "default     = \"analytics\"",
                        "default     = \"eu-west-2\"",
                        "default     = \"c6i.xlarge\"",
                        "default     = 4",
                        "[\"203.0.113.7/32\"]",
                        "default     = true",
                        "default     = \"6GiB\"",
                        "default     = 2");
        assertThat(Files.readString(out.resolve("README.md"))).contains("jcloud cluster up", "idle teardown");
    }

    @Test
    void writesTheFargateGcpAndAzureModules() throws IOException {
        CliRunner.Result f = run(
                "export-terraform",
                "--provider",
                "fargate",
                "--workers",
                "3",
                "--name",
                "fg",
                "--image",
                "example.org/jcloud-engine:1",
                "--spot",
                "--worker-cpu",
                "2048",
                "--worker-memory",
                "8192",
                "--out",
                tmp.resolve("fargate").toString());
        assertThat(f.exitCode()).as(f.err()).isZero();
        assertThat(Files.readString(tmp.resolve("fargate/variables.tf")))
                .contains("example.org/jcloud-engine:1", "default     = 2048", "default     = 8192");
        assertThat(tmp.resolve("fargate/boot")).doesNotExist();

        CliRunner.Result g = runWithEngine(
                "export-terraform",
                "--provider",
                "gcp",
                "--workers",
                "5",
                "--name",
                "gc",
                "--zone",
                "europe-west4-b",
                "--project",
                "my-project-1",
                "--machine-type",
                "n2-standard-8",
                "--spot",
                "--out",
                tmp.resolve("gcp").toString());
        assertThat(g.exitCode()).as(g.err()).isZero();
        assertThat(g.out()).contains("gcp europe-west4-b");
        assertThat(Files.readString(tmp.resolve("gcp/variables.tf")))
                .contains("\"europe-west4-b\"", "\"my-project-1\"", "\"n2-standard-8\"");
        assertThat(tmp.resolve("gcp/boot/worker.sh")).isRegularFile();

        CliRunner.Result a = runWithEngine(
                "export-terraform",
                "--provider",
                "azure",
                "--workers",
                "2",
                "--name",
                "az",
                "--location",
                "westeurope",
                "--vm-size",
                "Standard_D8s_v5",
                "--out",
                tmp.resolve("azure").toString());
        assertThat(a.exitCode()).as(a.err()).isZero();
        assertThat(Files.readString(tmp.resolve("azure/variables.tf")))
                .contains("\"westeurope\"", "\"Standard_D8s_v5\"");
    }

    @Test
    void exportsARunningClustersSpecUnderANewId() throws IOException {
        ClusterStateStore store = new ClusterStateStore(tmp.resolve("state"));
        store.save(new ClusterRecord(
                "prod",
                "0123456789ab",
                "gcp",
                "10.0.0.2:8786",
                null,
                0L,
                4,
                "12GiB",
                "60s",
                "20m",
                3,
                List.of(
                        new Node("1", "prod-scheduler", NodeRole.SCHEDULER),
                        new Node("2", "prod-worker-1", NodeRole.WORKER),
                        new Node("3", "prod-worker-2", NodeRole.WORKER)),
                Map.of(
                        "gcp.zone",
                        "us-east1-c",
                        "gcp.machine-type",
                        "c3-standard-8",
                        "gcp.allow-from",
                        "198.51.100.0/24",
                        "gcp.engine-url",
                        "https://example.invalid/e.jar",
                        "gcp.engine-sha256",
                        SHA),
                0L));
        Path out = tmp.resolve("tf");
        CliRunner.Result r = run("export-terraform", "--cluster", "prod", "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("prod", "2 workers", "gcp us-east1-c", "own id");
        String vars = Files.readString(out.resolve("variables.tf"));
        assertThat(vars)
                .contains(
                        "default     = \"prod\"",
                        "default     = 2",
                        "default     = 4",
                        "\"12GiB\"",
                        "\"us-east1-c\"",
                        "\"c3-standard-8\"",
                        "[\"198.51.100.0/24\"]")
                .doesNotContain("0123456789ab");

        // Flags override the record's count; the worker's state is left alone.
        CliRunner.Result more = run(
                "export-terraform",
                "--cluster",
                "prod",
                "--workers",
                "10",
                "--out",
                tmp.resolve("tf10").toString());
        assertThat(more.exitCode()).as(more.err()).isZero();
        assertThat(Files.readString(tmp.resolve("tf10/variables.tf"))).contains("default     = 10");
        assertThat(store.load("prod")).get().extracting(ClusterRecord::id).isEqualTo("0123456789ab");
    }

    @Test
    void clusterRefusals() {
        assertUsage(
                run(
                        "export-terraform",
                        "--cluster",
                        "nope",
                        "--out",
                        tmp.resolve("tf").toString()),
                "no cluster named nope");
        new ClusterStateStore(tmp.resolve("state"))
                .save(new ClusterRecord(
                        "here",
                        "abc",
                        "local",
                        "127.0.0.1:1",
                        null,
                        0L,
                        1,
                        null,
                        "60s",
                        "0",
                        1,
                        List.of(),
                        Map.of(),
                        0L));
        assertUsage(
                run(
                        "export-terraform",
                        "--cluster",
                        "here",
                        "--out",
                        tmp.resolve("tf").toString()),
                "provider local");
        assertUsage(
                run(
                        "export-terraform",
                        "--cluster",
                        "here",
                        "--provider",
                        "aws",
                        "--out",
                        tmp.resolve("tf").toString()),
                "--cluster and --provider");
    }

    @Test
    void missingOut() {
        assertUsage(runWithEngine("export-terraform", "--provider", "aws", "--workers", "2"), "--out");
    }

    @Test
    void badCidr() {
        assertUsage(
                runWithEngine(
                        "export-terraform",
                        "--provider",
                        "aws",
                        "--workers",
                        "2",
                        "--allow-from",
                        "10.0.0.1/8",
                        "--out",
                        tmp.resolve("tf").toString()),
                "--allow-from");
        assertUsage(
                runWithEngine(
                        "export-terraform",
                        "--provider",
                        "gcp",
                        "--workers",
                        "2",
                        "--allow-from",
                        "300.1.2.3/32",
                        "--out",
                        tmp.resolve("tf").toString()),
                "--allow-from");
    }

    @Test
    void negativeWorkers() {
        assertUsage(
                runWithEngine(
                        "export-terraform",
                        "--provider",
                        "aws",
                        "--workers",
                        "-1",
                        "--out",
                        tmp.resolve("tf").toString()),
                "--workers: must be >= 0");
    }

    @Test
    void badName() {
        assertUsage(
                runWithEngine(
                        "export-terraform",
                        "--provider",
                        "azure",
                        "--workers",
                        "1",
                        "--name",
                        "Bad\"${x}",
                        "--out",
                        tmp.resolve("tf").toString()),
                "--name");
    }

    @Test
    void badProviderValuesAndFlagsOfOtherProviders() {
        String out = tmp.resolve("tf").toString();
        assertUsage(
                runWithEngine("export-terraform", "--provider", "ec2", "--workers", "1", "--out", out),
                "a provider that exports Terraform: aws, azure, fargate, gcp or kubernetes; was 'ec2'");
        // A provider of this build without the capability is named with those that have it.
        assertUsage(
                runWithEngine("export-terraform", "--provider", "local", "--workers", "1", "--out", out),
                "a provider that exports Terraform: aws, azure, fargate, gcp or kubernetes; was 'local'");
        assertUsage(
                runWithEngine(
                        "export-terraform",
                        "--provider",
                        "gcp",
                        "--workers",
                        "1",
                        "--zone",
                        "us-central1",
                        "--out",
                        out),
                "--zone");
        assertUsage(
                runWithEngine(
                        "export-terraform",
                        "--provider",
                        "gcp",
                        "--workers",
                        "1",
                        "--region",
                        "us-central1",
                        "--out",
                        out),
                "--region is an option of aws, fargate, not of provider gcp");
        assertUsage(
                runWithEngine(
                        "export-terraform",
                        "--provider",
                        "azure",
                        "--workers",
                        "1",
                        "--worker-type",
                        "m6i.large",
                        "--out",
                        out),
                "--worker-type");
        assertUsage(
                run(
                        "export-terraform",
                        "--provider",
                        "fargate",
                        "--workers",
                        "1",
                        "--worker-cpu",
                        "1000",
                        "--out",
                        out),
                "--worker-cpu");
        assertUsage(
                run(
                        "export-terraform",
                        "--provider",
                        "fargate",
                        "--workers",
                        "1",
                        "--image",
                        "bad image",
                        "--out",
                        out),
                "--image");
        assertUsage(
                runWithEngine("export-terraform", "--provider", "fargate", "--workers", "1", "--out", out),
                "--image instead");
        assertUsage(
                runWithEngine(
                        "export-terraform",
                        "--provider",
                        "gcp",
                        "--workers",
                        "1",
                        "--ami",
                        "ami-0123456789abcdef0",
                        "--out",
                        out),
                "--ami is an option of aws, not of provider gcp");
        assertUsage(
                runWithEngine(
                        "export-terraform", "--provider", "aws", "--workers", "1", "--vpc", "default", "--out", out),
                "--vpc");
        assertUsage(
                runWithEngine(
                        "export-terraform",
                        "--provider",
                        "aws",
                        "--workers",
                        "1",
                        "--memory-limit",
                        "6 GiB';x",
                        "--out",
                        out),
                "--memory-limit");
        assertUsage(run("export-terraform", "--provider", "gcp", "--workers", "1", "--out", out), "--engine-url");
    }

    @Test
    void nonEmptyOutputDirectoryIsRefused() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("tf"));
        Files.writeString(out.resolve("main.tf"), "# mine");
        CliRunner.Result r =
                runWithEngine("export-terraform", "--provider", "aws", "--workers", "1", "--out", out.toString());
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

    @Test
    void writesKubernetesManifestsWithFormatManifests() throws IOException {
        Path out = tmp.resolve("k8s");
        CliRunner.Result r = run(
                "export-terraform",
                "--provider",
                "kubernetes",
                "--format",
                "manifests",
                "--workers",
                "3",
                "--name",
                "gitops",
                "--image",
                "registry.example.com/jcloud-engine:1",
                "--namespace",
                "data",
                "--out",
                out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("gitops", "kubectl create secret generic jcloud-gitops-join", "kubectl apply");
        String yaml = Files.readString(out.resolve("cluster.yaml"));
        assertThat(yaml)
                .contains("kind: \"Deployment\"", "replicas: 3", "namespace: \"data\"", "kind: \"NetworkPolicy\"");
    }

    @Test
    void writesTheKubernetesModuleByDefault() throws IOException {
        Path out = tmp.resolve("k8s-tf");
        CliRunner.Result r = run(
                "export-terraform",
                "--provider",
                "kubernetes",
                "--workers",
                "4",
                "--name",
                "tfk",
                "--image",
                "registry.example.com/jcloud-engine:1",
                "--namespace",
                "data",
                "--allow-from",
                "203.0.113.7/32",
                "--out",
                out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("tfk", "4 workers", "kubernetes namespace data", "TF_VAR_join_token");
        assertThat(Files.readString(out.resolve("variables.tf")))
                .contains(
                        "\"registry.example.com/jcloud-engine:1\"",
                        "default     = \"data\"",
                        "default     = 4",
                        "[\"203.0.113.7/32\"]");
        assertThat(Files.readString(out.resolve("main.tf")))
                .contains("resource \"kubernetes_deployment_v1\" \"workers\"");
        assertThat(out.resolve("boot")).doesNotExist();
        assertThat(out.resolve("cluster.yaml")).doesNotExist();
    }

    @Test
    void manifestsNeedAProviderThatExportsThem() {
        CliRunner.Result r = run(
                "export-terraform",
                "--provider",
                "gcp",
                "--format",
                "manifests",
                "--workers",
                "1",
                "--out",
                tmp.resolve("x").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--provider: must be a provider that exports manifests: kubernetes");
        assertThat(tmp.resolve("x")).doesNotExist();
    }
}
