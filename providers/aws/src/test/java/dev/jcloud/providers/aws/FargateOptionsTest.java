package dev.jcloud.providers.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.provisioner.ClusterContext;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Fargate settings, names and IAM documents, without any AWS endpoint. */
class FargateOptionsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ClusterContext cluster(Map<String, String> options) {
        return new ClusterContext("c1", "abc123def456", Path.of("."), options);
    }

    @Test
    void defaultsAreASmallOnDemandClusterWhoseImageUpBuildsOnCorretto() {
        FargateOptions o = FargateOptions.of(cluster(Map.of()));
        assertThat(o.workerCpu()).isEqualTo(1024);
        assertThat(o.workerMemoryMiB()).isEqualTo(4096);
        assertThat(o.schedulerCpu()).isEqualTo(1024);
        assertThat(o.schedulerMemoryMiB()).isEqualTo(4096);
        assertThat(o.spot()).isFalse();
        assertThat(o.logRetentionDays()).isEqualTo(7);
        assertThat(o.workerPublicIp()).isTrue();
        assertThat(o.aws().region()).isEqualTo("us-east-1");
        assertThat(o.image()).isEmpty();
        assertThat(o.baseImage()).isEqualTo("public.ecr.aws/amazoncorretto/amazoncorretto:17");
        assertThat(o.registryEndpoint()).isEmpty();
    }

    @Test
    void everyCpuAndMemoryPairFargateOffersIsAcceptedAndNoOther() {
        Map<Integer, List<Integer>> offered = Map.of(
                256, List.of(512, 1024, 2048),
                512, List.of(1024, 2048, 3072, 4096),
                1024, List.of(2048, 4096, 8192),
                2048, List.of(4096, 9216, 16384),
                4096, List.of(8192, 30720),
                8192, List.of(16384, 20480, 61440),
                16384, List.of(32768, 40960, 122880));
        offered.forEach((cpu, memories) -> memories.forEach(memory -> {
            FargateOptions o = FargateOptions.of(cluster(Map.of(
                    FargateOptions.WORKER_CPU, cpu.toString(), FargateOptions.WORKER_MEMORY, memory.toString())));
            assertThat(o.workerMemoryMiB()).isEqualTo(memory);
        }));
        assertThatThrownBy(() -> FargateOptions.of(
                        cluster(Map.of(FargateOptions.WORKER_CPU, "256", FargateOptions.WORKER_MEMORY, "4096"))))
                .hasMessage(
                        "invalid fargate.worker-memory '4096': use MiB that Fargate offers with fargate.worker-cpu=256:"
                                + " 512, 1024 or 2048");
        assertThatThrownBy(() -> FargateOptions.of(cluster(
                        Map.of(FargateOptions.SCHEDULER_CPU, "8192", FargateOptions.SCHEDULER_MEMORY, "18432"))))
                .hasMessageContaining("16384 to 61440 in steps of 4096");
        assertThatThrownBy(() -> FargateOptions.of(cluster(Map.of(FargateOptions.WORKER_CPU, "1 vCPU"))))
                .hasMessage("fargate.worker-cpu must be a whole number (was '1 vCPU')");
        assertThatThrownBy(() -> FargateOptions.of(cluster(Map.of(FargateOptions.WORKER_CPU, "3000"))))
                .hasMessageContaining(
                        "fargate.worker-cpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384 (was 3000)");
    }

    @Test
    void imagesAreContainerReferencesAndNothingElse() {
        for (String ok : List.of(
                "jcloud-engine",
                "ghcr.io/acme/jcloud-engine:0.1.0",
                "123456789012.dkr.ecr.eu-west-2.amazonaws.com/jcloud/engine@sha256:" + "a".repeat(64))) {
            assertThat(FargateOptions.of(cluster(Map.of(FargateOptions.IMAGE, ok)))
                            .image())
                    .hasValue(ok);
            assertThat(FargateOptions.of(cluster(Map.of(FargateOptions.BASE_IMAGE, ok)))
                            .baseImage())
                    .isEqualTo(ok);
        }
        for (String hostile :
                List.of("a b", "a\"b", "a'b", "${x}", "a\nb", "a;b", "a$(id)", "-flag", "x".repeat(256))) {
            assertThatThrownBy(() -> FargateOptions.of(cluster(Map.of(FargateOptions.IMAGE, hostile))))
                    .as(hostile)
                    .hasMessageContaining("invalid fargate.image");
            assertThatThrownBy(() -> FargateOptions.of(cluster(Map.of(FargateOptions.BASE_IMAGE, hostile))))
                    .as(hostile)
                    .hasMessageContaining("invalid fargate.base-image");
        }
        assertThat(FargateOptions.of(cluster(Map.of(FargateOptions.REGISTRY_ENDPOINT, "http://127.0.0.1:5000")))
                        .registryEndpoint())
                .hasValue(java.net.URI.create("http://127.0.0.1:5000"));
        for (String bad : List.of("127.0.0.1:5000", "ftp://127.0.0.1", "http://127.0.0.1:5000/v2/x", "http://")) {
            assertThatThrownBy(() -> FargateOptions.of(cluster(Map.of(FargateOptions.REGISTRY_ENDPOINT, bad))))
                    .as(bad)
                    .hasMessageContaining("invalid fargate.registry-endpoint");
        }
    }

    @Test
    void flagsAndRetentionAreChecked() {
        assertThat(FargateOptions.of(cluster(Map.of(FargateOptions.SPOT, "TRUE")))
                        .spot())
                .isTrue();
        assertThat(FargateOptions.of(cluster(Map.of(FargateOptions.WORKER_PUBLIC_IP, "false")))
                        .workerPublicIp())
                .isFalse();
        assertThatThrownBy(() -> FargateOptions.of(cluster(Map.of(FargateOptions.SPOT, "1"))))
                .hasMessage("fargate.spot must be true or false (was '1')");
        assertThat(FargateOptions.of(cluster(Map.of(FargateOptions.LOG_RETENTION_DAYS, "3653")))
                        .logRetentionDays())
                .isEqualTo(3653);
        assertThatThrownBy(() -> FargateOptions.of(cluster(Map.of(FargateOptions.LOG_RETENTION_DAYS, "0"))))
                .hasMessageContaining("fargate.log-retention-days must be one of 1, 3, 5, 7");
        Map<String, String> manyTags = new HashMap<>();
        for (int i = 0; i <= FargateOptions.MAX_USER_TAGS; i++) {
            manyTags.put(AwsOptions.TAG_PREFIX + "t" + i, "v");
        }
        assertThatThrownBy(() -> FargateOptions.of(cluster(manyTags))).hasMessageContaining("ECS allows 50 tags");
    }

    @Test
    void namesFitTheirServicesLimitsAndWorkerNamesComeFromTheTaskId() {
        ClusterContext longest = new ClusterContext("a".repeat(40), "0123456789ab", Path.of("."), Map.of());
        assertThat(FargateNames.taskRole(longest)).hasSizeLessThanOrEqualTo(64);
        assertThat(FargateNames.executionRole(longest)).hasSizeLessThanOrEqualTo(64);
        assertThat(FargateNames.taskRole(longest)).isNotEqualTo(InstanceIdentity.name(longest));
        assertThat(FargateNames.family(longest, dev.jcloud.provisioner.NodeRole.SCHEDULER))
                .hasSizeLessThanOrEqualTo(255);
        // The real ARN format (32 hex digits) and moto's (a UUID) give the same kind of name.
        assertThat(FargateNames.worker(
                        "c1",
                        "arn:aws:ecs:us-east-1:123456789012:task/jcloud-c1-x/" + "0123456789abcdef0123456789abcdef"))
                .isEqualTo("c1-worker-0123456789ab");
        assertThat(FargateNames.worker(
                        "c1",
                        "arn:aws:ecs:us-east-1:123456789012:task/jcloud-c1-x/"
                                + "39e2cb5a-e293-4c7d-820e-e33dcc841b50"))
                .isEqualTo("c1-worker-39e2cb5ae293");
        assertThat(FargateNames.logStream("arn:aws:ecs:r:1:task/c/abc")).isEqualTo("jcloud/engine/abc");
    }

    @Test
    void policiesHaveNoWildcardActionsAndUseStarOnlyWhereAwsAllowsNothingNarrower() throws Exception {
        TaskPolicies.Scope scope = new TaskPolicies.Scope(cluster(Map.of()), "aws", "us-east-1", "123456789012");
        Set<String> unscopable = Set.of(
                "ecr:GetAuthorizationToken",
                "ecs:ListTasks",
                "ecs:DescribeTaskDefinition",
                "ecs:ListTaskDefinitions",
                "ecs:DeregisterTaskDefinition",
                "logs:DescribeLogGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeVpcs",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeInternetGateways",
                "ec2:DescribeRouteTables");
        String ecr = "123456789012.dkr.ecr.us-east-1.amazonaws.com/jcloud-engine:0.1.0";
        for (String policy : List.of(
                TaskPolicies.taskPolicy(scope),
                TaskPolicies.executionPolicy(scope, ecr),
                TaskPolicies.executionPolicy(scope, "ghcr.io/acme/engine:1"))) {
            for (JsonNode s : JSON.readTree(policy).get("Statement")) {
                assertThat(s.get("Effect").asText()).isEqualTo("Allow");
                for (JsonNode action : s.get("Action")) {
                    assertThat(action.asText()).as(s.toString()).doesNotContain("*");
                }
                for (JsonNode resource : s.get("Resource")) {
                    if (resource.asText().equals("*") && !s.has("Condition")) {
                        s.get("Action")
                                .forEach(a ->
                                        assertThat(unscopable).as(s.toString()).contains(a.asText()));
                    }
                }
            }
        }
        String task = TaskPolicies.taskPolicy(scope);
        assertThat(task)
                .contains("arn:aws:ecs:us-east-1:123456789012:cluster/jcloud-c1-abc123def456")
                .contains("arn:aws:ecs:us-east-1:123456789012:task/jcloud-c1-abc123def456/*")
                .contains("arn:aws:iam::123456789012:role/jcloud-fargate/jcf-c1-abc123def456-task")
                .contains("\"iam:PassedToService\":\"ecs-tasks.amazonaws.com\"");
        assertThat(TaskPolicies.executionPolicy(scope, ecr))
                .contains("arn:aws:ecr:us-east-1:123456789012:repository/jcloud-engine\"");
        assertThat(TaskPolicies.executionPolicy(scope, "ghcr.io/acme/engine:1")).doesNotContain("ecr:");
        assertThat(TaskPolicies.trustPolicy(scope))
                .contains("ecs-tasks.amazonaws.com")
                .contains("\"aws:SourceAccount\":\"123456789012\"");
    }
}
