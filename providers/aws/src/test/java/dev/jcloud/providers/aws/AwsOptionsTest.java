package dev.jcloud.providers.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.provisioner.ClusterContext;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Input validation and the IAM documents, without any AWS endpoint. */
class AwsOptionsTest {

    private static ClusterContext cluster(Map<String, String> options) {
        return new ClusterContext("c1", "abc123", Path.of("."), options);
    }

    @Test
    void workerUserDataWithTheImdsLaunchIndexIsValidBash() throws Exception {
        String script = dev.jcloud.provisioner.boot.BootScript.builder(
                        dev.jcloud.provisioner.EngineCommand.worker("10.0.0.1:8786")
                                .with("--name", "c1-worker-0"),
                        dev.jcloud.provisioner.boot.EngineArtifact.of(
                                java.net.URI.create("https://e.example/e.jar"), "0".repeat(64)))
                .nodeNames("--name", java.util.List.of("c1-worker-0", "c1-worker-1"), Ec2Provider.IMDS_LAUNCH_INDEX)
                .build()
                .render();
        java.nio.file.Path f = java.nio.file.Files.createTempFile("user-data", ".sh");
        try {
            java.nio.file.Files.writeString(f, script);
            Process p = new ProcessBuilder("bash", "-n", f.toString())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(out).isZero();
            assertThat(script).contains("X-aws-ec2-metadata-token").contains("meta-data/ami-launch-index");
            dev.jcloud.provisioner.boot.Shellcheck.assertClean("EC2 worker user-data", script);
        } finally {
            java.nio.file.Files.deleteIfExists(f);
        }
    }

    @Test
    void serviceLoaderFindsTheProviderAsAws() {
        assertThat(dev.jcloud.provisioner.CloudProviders.load().require("aws")).isInstanceOf(Ec2Provider.class);
    }

    @Test
    void defaultsAreUsableAndUserTagsAreCollected() {
        AwsOptions o = AwsOptions.of(
                cluster(Map.of("aws.tag.team", "data eng", AwsOptions.ALLOW_FROM, "10.0.0.0/8, 203.0.113.7/32")));
        assertThat(o.region()).isEqualTo("us-east-1");
        assertThat(o.allowFrom()).containsExactly("10.0.0.0/8", "203.0.113.7/32");
        assertThat(o.userTags()).containsExactly(Map.entry("team", "data eng"));
        assertThat(o.rootVolumeGiB()).isEqualTo(20);
    }

    @Test
    void badValuesNameTheOptionAndWhatToUse() {
        assertThatThrownBy(() -> AwsOptions.of(cluster(Map.of(AwsOptions.REGION, "US-EAST-1"))))
                .hasMessage("aws.region must be an AWS region such as us-east-1 or eu-west-2 (was 'US-EAST-1')");
        assertThatThrownBy(() -> AwsOptions.of(cluster(Map.of(AwsOptions.ALLOW_FROM, "1.2.3.4"))))
                .hasMessageContaining("aws.allow-from must be")
                .hasMessageContaining("(was '1.2.3.4')");
        assertThatThrownBy(() -> AwsOptions.of(cluster(Map.of(AwsOptions.ALLOW_FROM, "1.2.3.4/33"))))
                .hasMessageContaining("0-32");
        assertThatThrownBy(() -> AwsOptions.of(cluster(Map.of(AwsOptions.SUBNET, "subnet-x"))))
                .hasMessageContaining("invalid aws.subnet");
        assertThatThrownBy(() ->
                        AwsOptions.of(cluster(Map.of(AwsOptions.SUBNET, "subnet-0123abcd", AwsOptions.VPC, "new"))))
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> AwsOptions.of(cluster(Map.of(AwsOptions.WORKER_TYPE, "large"))))
                .hasMessageContaining("invalid aws.worker-type");
        assertThatThrownBy(() -> AwsOptions.of(cluster(Map.of(AwsOptions.MAX_WORKERS, "-1"))))
                .hasMessageContaining("aws.max-workers must be a whole number from 0 to 100000 (was -1)");
        assertThatThrownBy(() -> AwsOptions.of(cluster(Map.of("aws.tag.jcloud.cluster", "x"))))
                .hasMessageContaining("not starting with aws: or jcloud.");
        assertThatThrownBy(() -> AwsOptions.of(cluster(Map.of("aws.tag.x", "`id`"))))
                .hasMessageContaining("invalid aws.tag.x");
        assertThatThrownBy(() -> AwsOptions.of(new ClusterContext("-bad", "id", Path.of("."), Map.of())))
                .hasMessageContaining("not a valid cluster name");
    }

    @Test
    void machinePolicyScopesEveryChangeToTheClusterTag() throws Exception {
        ClusterContext c = cluster(Map.of());
        JsonNode doc = new ObjectMapper()
                .readTree(InstancePolicies.permissionsPolicy(
                        c,
                        "aws",
                        "eu-west-1",
                        "123456789012",
                        "vpc-0abc",
                        "sg-0def",
                        java.util.Optional.of("sg-0default"),
                        "jcloud-c1-abc123",
                        "jcloud-c1-abc123",
                        "jcloud-c1-abc123-w",
                        "jcloud-c1-abc123-w"));
        for (JsonNode s : doc.get("Statement")) {
            String sid = s.get("Sid").asText();
            for (JsonNode r : s.get("Resource")) {
                if (r.asText().equals("*")) {
                    assertThat(sid)
                            .as("only read-only calls may use Resource *")
                            .isIn("Describe", "WhoAmI");
                    s.get("Action")
                            .forEach(a -> assertThat(a.asText()).matches("ec2:Describe.*|sts:GetCallerIdentity"));
                }
            }
            if (sid.equals("StopOwnCluster") || sid.equals("DeleteOwnNetwork") || sid.equals("NameOwnWorkers")) {
                assertThat(s.at("/Condition/StringEquals/aws:ResourceTag~1jcloud.cluster-id")
                                .asText())
                        .isEqualTo("abc123");
            }
            if (sid.equals("LaunchTaggedWorkers")) {
                assertThat(s.at("/Condition/StringEquals/aws:RequestTag~1jcloud.cluster-id")
                                .asText())
                        .isEqualTo("abc123");
            }
        }
        assertThat(doc.toString())
                .contains("arn:aws:iam::123456789012:role/jcloud/jcloud-c1-abc123")
                .contains("arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0def")
                .doesNotContain("\"Action\":\"*\"");
        // The scheduler passes only the workers' role to what it launches, and leaves its own group only for
        // the VPC's default one: never into any other group of the VPC.
        JsonNode pass = statement(doc, "PassWorkerRoleToEc2");
        assertThat(pass.get("Resource").toString())
                .isEqualTo("[\"arn:aws:iam::123456789012:role/jcloud/jcloud-c1-abc123-w\"]");
        assertThat(statement(doc, "LeaveOwnGroup").get("Resource").toString())
                .isEqualTo("[\"arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0def\","
                        + "\"arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0default\"]");
    }

    @Test
    void machinesAssumeTheirRolesThroughEc2() throws Exception {
        assertThat(new ObjectMapper()
                        .readTree(InstancePolicies.trustPolicy())
                        .at("/Statement/0/Principal/Service")
                        .asText())
                .isEqualTo("ec2.amazonaws.com");
    }

    @Test
    void workersMayReadTheirOwnTlsFilesAndNothingElse() throws Exception {
        ClusterContext c = cluster(Map.of());
        JsonNode doc =
                new ObjectMapper().readTree(InstancePolicies.workerPolicy(c, "aws", "eu-west-1", "123456789012"));
        assertThat(doc.get("Statement")).hasSize(1);
        JsonNode s = doc.get("Statement").get(0);
        assertThat(s.get("Action").toString()).isEqualTo("[\"ssm:GetParameter\",\"ssm:GetParameters\"]");
        String prefix = "arn:aws:ssm:eu-west-1:123456789012:parameter/jcloud/abc123/";
        assertThat(s.get("Resource"))
                .extracting(JsonNode::asText)
                .containsExactly(prefix + "ca.pem", prefix + "worker.pem", prefix + "worker-key.pem");
        assertThat(doc.toString()).doesNotContain("ec2:", "scheduler-key", "iam:");
    }

    private static JsonNode statement(JsonNode doc, String sid) {
        for (JsonNode s : doc.get("Statement")) {
            if (s.get("Sid").asText().equals(sid)) {
                return s;
            }
        }
        throw new AssertionError("no statement " + sid + " in " + doc);
    }
}
