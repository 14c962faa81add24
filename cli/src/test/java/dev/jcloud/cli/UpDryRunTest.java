package dev.jcloud.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.provisioner.CountingEndpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cluster up --dry-run} prints the plan and does nothing: the AWS SDK is pointed at a
 * listener that counts connections (it must count none), and no cluster state is written. (The
 * CLI cannot point the GCP and Azure clients elsewhere; {@code GcpPlanTest} and
 * {@code AzurePlanTest} check their plans against such a listener.)
 */
class UpDryRunTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PROPERTIES =
            List.of("aws.endpointUrl", "aws.accessKeyId", "aws.secretAccessKey", "aws.region");

    @TempDir
    Path stateDir;

    private CountingEndpoint cloud;

    @BeforeEach
    void aCloudThatCountsCalls() throws IOException {
        cloud = new CountingEndpoint();
        System.setProperty("aws.endpointUrl", cloud.url());
        System.setProperty("aws.accessKeyId", "dry");
        System.setProperty("aws.secretAccessKey", "dry");
        System.setProperty("aws.region", "us-east-1");
    }

    @AfterEach
    void close() throws IOException {
        PROPERTIES.forEach(System::clearProperty);
        cloud.close();
    }

    @Test
    void anUnknownAdaptGoalNamesTheFlagAndTheGoals() {
        CliRunner.Result r = new CliRunner(stateDir)
                .run("cluster", "up", "--name", "plan-goal", "--adapt", "0:3", "--adapt-goal", "fast", "--dry-run");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err())
                .contains("--adapt-goal: cluster.adapt.goal must be one of cost, balanced, latency (was 'fast')");
    }

    @Test
    void awsPlanListsEveryResourceAndCallsNothing() throws Exception {
        CliRunner.Result r = new CliRunner(stateDir)
                .run(
                        "cluster",
                        "up",
                        "--provider",
                        "aws",
                        "--name",
                        "plan-aws",
                        "--workers",
                        "3",
                        "--region",
                        "us-east-1",
                        "--spot",
                        "--allow-from",
                        "203.0.113.9/32",
                        "--dry-run");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("dry run: cluster plan-aws on aws, 3 workers")
                .contains("sts:GetCallerIdentity")
                .contains("security group jcloud-plan-aws-")
                .contains("tcp 8786,8787 from 203.0.113.9/32")
                .contains("iam:CreateRole")
                .contains("ssm:PutParameter")
                .contains("dashboard-token")
                .contains("s3://jcloud-engine-ACCOUNT-us-east-1")
                .contains("3 worker instance(s) (m6i.large, spot")
                .contains("cost:");
        assertNothingHappened();
    }

    @Test
    void fargatePlanAsJson() throws Exception {
        CliRunner.Result r = new CliRunner(stateDir)
                .run(
                        "cluster",
                        "up",
                        "--provider",
                        "fargate",
                        "--name",
                        "plan-f",
                        "--workers",
                        "2",
                        "--image",
                        "registry.example/jcloud-engine:1",
                        "--dry-run",
                        "--output",
                        "json");

        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode json = JSON.readTree(r.out());
        assertThat(json.get("dry_run").asBoolean()).isTrue();
        assertThat(json.get("steps"))
                .extracting(s -> s.get("calls").asText())
                .anyMatch(c -> c.contains("ecs:RegisterTaskDefinition"))
                .anyMatch(c -> c.contains("ecs:RunTask"));
        assertNothingHappened();
    }

    @Test
    void gcpPlanNamesTheBucketAndTheBulkInserts() throws Exception {
        CliRunner.Result r = new CliRunner(stateDir)
                .run(
                        "cluster",
                        "up",
                        "--provider",
                        "gcp",
                        "--name",
                        "plan-g",
                        "--project",
                        "proj-1",
                        "--zone",
                        "us-central1-a",
                        "--workers",
                        "2",
                        "--spot",
                        "--dry-run");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("firewall rules jcloud-")
                .contains("gs://jcloud-engine-proj-1/engine/")
                .contains("compute.instances.bulkInsert")
                .contains("Spot with instanceTerminationAction=DELETE");
        assertNothingHappened();
    }

    @Test
    void azurePlanKeepsEachRolesKeysInItsOwnVault() throws Exception {
        CliRunner.Result r = new CliRunner(stateDir)
                .run(
                        "cluster",
                        "up",
                        "--provider",
                        "azure",
                        "--name",
                        "plan-az",
                        "--subscription",
                        "00000000-0000-0000-0000-000000000001",
                        "--location",
                        "eastus",
                        "--workers",
                        "4",
                        "--spot",
                        "--dry-run");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("resource group jcloud-plan-az-")
                .contains("Key Vaults")
                .contains("(scheduler's files)")
                .contains("4 worker VM(s)")
                .contains("Spot with eviction Delete");
        assertNothingHappened();
    }

    @Test
    void badOptionsFailAsUpWouldBeforeAnyPlan() throws Exception {
        CliRunner.Result r = new CliRunner(stateDir)
                .run(
                        "cluster",
                        "up",
                        "--provider",
                        "aws",
                        "--name",
                        "plan-bad",
                        "--worker-type",
                        "not a type",
                        "--dry-run");

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).contains("aws.worker-type");
        assertNothingHappened();
    }

    @Test
    void localPlanStartsNoProcess() throws Exception {
        CliRunner.Result r = new CliRunner(stateDir)
                .run(
                        "cluster",
                        "up",
                        "--provider",
                        "local",
                        "--name",
                        "plan-local",
                        "--workers",
                        "2",
                        "--tls",
                        "--dry-run");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("scheduler process plan-local-scheduler")
                .contains("2 worker process(es)")
                .contains("dashboard token");
        assertNothingHappened();
    }

    private void assertNothingHappened() throws IOException {
        assertThat(cloud.connections()).as("connections to the cloud").isZero();
        if (Files.isDirectory(stateDir)) {
            try (Stream<Path> files = Files.walk(stateDir)) {
                assertThat(files.filter(Files::isRegularFile)
                                .map(stateDir::relativize)
                                .map(Path::toString)
                                .filter(p -> p.contains("plan-")))
                        .as("cluster state written")
                        .isEmpty();
            }
        }
    }
}
