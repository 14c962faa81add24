package dev.jcloud.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.providers.aws.MotoServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;

/**
 * {@code jcloud cluster up --provider aws} through the CLI against moto: flags reach the provider,
 * the machines are created with TLS material in SSM and the engine in S3, and {@code down} from the
 * same state directory removes them. Moto boots nothing, so {@code up} returns at
 * {@code --wait provisioned}; the engine itself is exercised by the provider's end-to-end test.
 */
class AwsCliIT {

    @RegisterExtension
    static final MotoServer MOTO = new MotoServer();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> PROPERTIES =
            Map.of("aws.endpointUrl", "", "aws.accessKeyId", "", "aws.secretAccessKey", "", "aws.region", "us-east-1");

    @TempDir
    Path stateDir;

    @BeforeEach
    void pointTheSdkAtMoto() {
        System.setProperty("aws.endpointUrl", MOTO.endpoint().toString());
        System.setProperty(
                "aws.accessKeyId", MOTO.credentials().resolveCredentials().accessKeyId());
        System.setProperty(
                "aws.secretAccessKey", MOTO.credentials().resolveCredentials().secretAccessKey());
        System.setProperty("aws.region", "us-east-1");
    }

    @AfterEach
    void clearProperties() {
        PROPERTIES.keySet().forEach(System::clearProperty);
    }

    @Test
    void upWithFlagsCreatesTaggedMachinesAndDownRemovesThem() throws Exception {
        CliRunner cli = new CliRunner(stateDir);
        CliRunner.Result up = cli.run(
                "cluster",
                "up",
                "--provider",
                "aws",
                "--name",
                "cli-aws",
                "--workers",
                "2",
                "--region",
                "us-east-1",
                "--worker-type",
                "m6i.large",
                "--scheduler-type",
                "m6i.large",
                "--spot",
                "--allow-from",
                "203.0.113.9/32",
                "--wait",
                "provisioned",
                "--output",
                "json");

        assertThat(up.exitCode()).as(up.err()).isZero();
        JsonNode json = JSON.readTree(up.out());
        assertThat(json.get("provider").asText()).isEqualTo("aws");
        assertThat(json.get("dollars_per_hour").asDouble()).isPositive();
        try (Ec2Client ec2 = Ec2Client.builder()
                .endpointOverride(MOTO.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(MOTO.credentials())
                .build()) {
            List<Instance> instances = ec2
                    .describeInstances(r -> r.filters(
                            Filter.builder()
                                    .name("tag:jcloud.cluster")
                                    .values("cli-aws")
                                    .build(),
                            Filter.builder()
                                    .name("instance-state-name")
                                    .values("pending", "running")
                                    .build()))
                    .reservations()
                    .stream()
                    .flatMap(res -> res.instances().stream())
                    .toList();
            assertThat(instances)
                    .hasSize(3)
                    .allMatch(i -> i.instanceTypeAsString().equals("m6i.large"));
            assertThat(instances)
                    .filteredOn(i -> "spot".equals(i.instanceLifecycleAsString()))
                    .hasSize(2);
            assertThat(ec2.describeSecurityGroups(r -> r.filters(Filter.builder()
                                    .name("tag:jcloud.cluster")
                                    .values("cli-aws")
                                    .build()))
                            .securityGroups())
                    .singleElement()
                    .satisfies(g -> assertThat(g.ipPermissions().toString()).contains("203.0.113.9/32"));

            CliRunner.Result list = cli.run("cluster", "list", "--output", "json");
            assertThat(JSON.readTree(list.out()).get(0).get("name").asText()).isEqualTo("cli-aws");

            CliRunner.Result gcLive =
                    cli.run("cluster", "gc", "--provider", "aws", "--min-age", "0s", "--output", "json");
            assertThat(gcLive.exitCode()).as(gcLive.err()).isZero();
            assertThat(JSON.readTree(gcLive.out()).get("items"))
                    .as("a live cluster is not garbage")
                    .isEmpty();

            // Another machine (an empty state directory) finds the cluster by its tags and takes it down.
            CliRunner other = new CliRunner(stateDir.resolve("other-machine"));
            CliRunner.Result otherList =
                    other.run("cluster", "list", "--provider", "aws", "--region", "us-east-1", "--output", "json");
            assertThat(otherList.exitCode()).as(otherList.err()).isZero();
            assertThat(JSON.readTree(otherList.out()).get(0).get("name").asText())
                    .isEqualTo("cli-aws");
            CliRunner.Result down =
                    other.run("cluster", "down", "cli-aws", "--provider", "aws", "--region", "us-east-1");
            assertThat(down.exitCode()).as(down.err()).isZero();
            assertThat(ec2.describeInstances(r -> r.filters(
                                    Filter.builder()
                                            .name("tag:jcloud.cluster")
                                            .values("cli-aws")
                                            .build(),
                                    Filter.builder()
                                            .name("instance-state-name")
                                            .values("pending", "running")
                                            .build()))
                            .reservations())
                    .isEmpty();
            assertThat(ec2.describeSecurityGroups(r -> r.filters(Filter.builder()
                                    .name("tag:jcloud.cluster")
                                    .values("cli-aws")
                                    .build()))
                            .securityGroups())
                    .isEmpty();
        }
    }
}
