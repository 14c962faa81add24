package dev.jcloud.providers.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.terraform.Hcl;
import dev.jcloud.terraform.Terraform;
import dev.jcloud.terraform.TerraformExporter;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.LaunchTemplate;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateVersion;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.Parameter;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;

/**
 * The exported AWS EC2 module, applied by real Terraform against moto_server: the security
 * group's rules, the machines' role, the join token parameter, the launch templates (IMDSv2
 * required, encrypted root), the scheduler instance and the workers' Auto Scaling group exist
 * with jcloud's tags; the token is in no user data and no output; after
 * {@code terraform destroy} nothing tagged with the cluster's id remains.
 *
 * <p>Checked through the AWS SDK like the aws module's ITs, except the Auto Scaling group: the
 * SDK's autoscaling client is not a dependency of the build (and not in the offline repository),
 * so the test asks moto's Auto Scaling query API directly (moto does not check signatures).
 */
class AwsApplyIT {

    @RegisterExtension
    static final MotoServer MOTO = new MotoServer();

    static final EngineArtifact ENGINE =
            EngineArtifact.of(URI.create("https://example.invalid/jcloud-engine.jar"), "a".repeat(64));
    static final int WORKERS = 2;
    static final String TOKEN = "aws-apply-it-" + "fedcba9876543210".repeat(2);

    @TempDir
    Path tmp;

    @Test
    void applyCreatesTheTaggedClusterAndDestroyRemovesIt() throws Exception {
        try (Ec2Client ec2 = Ec2Client.builder()
                        .endpointOverride(MOTO.endpoint())
                        .region(Region.US_EAST_1)
                        .credentialsProvider(MOTO.credentials())
                        .build();
                IamClient iam = IamClient.builder()
                        .endpointOverride(MOTO.endpoint())
                        .region(Region.AWS_GLOBAL)
                        .credentialsProvider(MOTO.credentials())
                        .build();
                SsmClient ssm = SsmClient.builder()
                        .endpointOverride(MOTO.endpoint())
                        .region(Region.US_EAST_1)
                        .credentialsProvider(MOTO.credentials())
                        .build()) {
            Image image = ec2.describeImages(r -> r.owners("amazon")).images().stream()
                    .filter(i -> "x86_64".equals(i.architectureAsString()) && i.rootDeviceName() != null)
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("moto lists no amazon x86_64 image"));

            AwsSpec spec = AwsSpec.of("tf-it", WORKERS, ENGINE)
                    .withAllowFrom(List.of("203.0.113.7/32", "198.51.100.0/24"))
                    .withAmi(image.imageId())
                    .withTags(Map.of("team", "Zürich 東京 data-eng"));
            Path module = tmp.resolve("module");
            new TerraformExporter().export(spec, module);

            Terraform tf = Terraform.offline(tmp).withEnv("TF_VAR_join_token", TOKEN);
            // The exported module itself is fmt clean; the test's override below is not part of it.
            tf.run(module, "fmt", "-check", "-diff", "-recursive");
            writeMotoOverride(module, image.rootDeviceName());
            tf.run(module, "init", "-input=false");
            tf.run(module, "validate");
            tf.run(module, "apply", "-auto-approve", "-input=false");
            String outputs = tf.run(module, "output", "-json");
            assertThat(outputs)
                    .contains("scheduler_address", ":8786", "dashboard_url", ":8787", ".joinToken(Path.of(")
                    .doesNotContain(TOKEN);

            Filter own = Filter.builder()
                    .name("tag:jcloud.cluster-id")
                    .values(spec.clusterId())
                    .build();

            // Security group: engine ports from allow_from only, everything from the group itself.
            List<SecurityGroup> groups =
                    ec2.describeSecurityGroups(r -> r.filters(own)).securityGroups();
            assertThat(groups).hasSize(1);
            SecurityGroup sg = groups.get(0);
            assertThat(tags(sg.tags()))
                    .containsEntry("jcloud.cluster", "tf-it")
                    .containsEntry("team", "Zürich 東京 data-eng")
                    .containsEntry("jcloud.creator", "terraform");
            for (int port : new int[] {8786, 8787}) {
                IpPermission rule = sg.ipPermissions().stream()
                        .filter(p -> "tcp".equals(p.ipProtocol())
                                && Integer.valueOf(port).equals(p.fromPort()))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no rule for port " + port + ": " + sg));
                assertThat(rule.ipRanges())
                        .extracting(r -> r.cidrIp())
                        .containsExactlyInAnyOrder("203.0.113.7/32", "198.51.100.0/24");
            }
            assertThat(sg.ipPermissions()).anySatisfy(p -> {
                assertThat(p.ipProtocol()).isEqualTo("-1");
                assertThat(p.userIdGroupPairs()).extracting(g -> g.groupId()).containsExactly(sg.groupId());
            });
            assertThat(sg.ipPermissions())
                    .allSatisfy(p -> assertThat(p.ipRanges()).noneMatch(r -> "0.0.0.0/0".equals(r.cidrIp())));

            // Identity: role + instance profile with the read-only policy, tagged.
            String base = "jcloud-tf-it-" + spec.clusterId();
            var role = iam.getRole(r -> r.roleName(base)).role();
            assertThat(role.path()).isEqualTo("/jcloud/");
            assertThat(iam.listRoleTags(r -> r.roleName(base)).tags())
                    .anySatisfy(t ->
                            assertThat(t.key() + "=" + t.value()).isEqualTo("jcloud.cluster-id=" + spec.clusterId()));
            String policy = java.net.URLDecoder.decode(
                    iam.getRolePolicy(r -> r.roleName(base).policyName("jcloud-cluster"))
                            .policyDocument(),
                    StandardCharsets.UTF_8);
            assertThat(policy)
                    .contains("ec2:DescribeInstances")
                    .doesNotContain("RunInstances", "TerminateInstances", "Delete", "PassRole");
            assertThat(iam.getInstanceProfile(r -> r.instanceProfileName(base))
                            .instanceProfile()
                            .roles())
                    .extracting(r -> r.roleName())
                    .containsExactly(base);

            // The join token: an SSM SecureString that only the machines' role may read (and only it).
            String parameter = "/jcloud/" + spec.clusterId() + "/join-token";
            Parameter token = ssm.getParameter(r -> r.name(parameter).withDecryption(true))
                    .parameter();
            assertThat(token.typeAsString()).isEqualTo("SecureString");
            assertThat(token.value()).isEqualTo(TOKEN);
            assertThat(policy).contains("ssm:GetParameter", "parameter" + parameter);

            // Launch templates: IMDSv2 required, encrypted root volume, the boot script as user data.
            List<LaunchTemplate> templates =
                    ec2.describeLaunchTemplates(r -> r.filters(own)).launchTemplates();
            assertThat(templates)
                    .extracting(LaunchTemplate::launchTemplateName)
                    .containsExactlyInAnyOrder(base + "-scheduler", base + "-worker");
            for (LaunchTemplate t : templates) {
                LaunchTemplateVersion v = ec2.describeLaunchTemplateVersions(
                                r -> r.launchTemplateId(t.launchTemplateId()))
                        .launchTemplateVersions()
                        .get(0);
                assertThat(v.launchTemplateData().metadataOptions().httpTokensAsString())
                        .isEqualTo("required");
                // The boot script's poweroff (failed boot, engine exit) terminates the machine.
                assertThat(v.launchTemplateData().instanceInitiatedShutdownBehaviorAsString())
                        .isEqualTo("terminate");
                assertThat(v.launchTemplateData().blockDeviceMappings())
                        .singleElement()
                        .satisfies(b -> assertThat(b.ebs().encrypted()).isTrue());
                String userData = new String(
                        java.util.Base64.getDecoder()
                                .decode(v.launchTemplateData().userData()),
                        StandardCharsets.UTF_8);
                assertThat(userData)
                        .startsWith("#!/bin/bash")
                        .contains("dev.jcloud.engine.process.EngineMain", "a".repeat(64), "--name '" + parameter + "'")
                        .doesNotContain(TOKEN);
                if (t.launchTemplateName().endsWith("-worker")) {
                    assertThat(userData)
                            .doesNotContain(TerraformExporter.SCHEDULER_ADDRESS_PLACEHOLDER, "__JCLOUD_")
                            .containsPattern("'[0-9.]+:8786'")
                            .contains("--nthreads'\n  '0'", "--memory-limit'\n  'auto'", "--death-timeout'\n  '0'");
                }
            }

            // Scheduler instance and the workers the Auto Scaling group launched.
            List<Instance> alive = alive(ec2, own);
            assertThat(alive)
                    .filteredOn(i -> "scheduler".equals(tags(i.tags()).get("jcloud.role")))
                    .singleElement()
                    .satisfies(i -> assertThat(tags(i.tags()))
                            .containsEntry("jcloud.node", "tf-it-scheduler")
                            .containsEntry("jcloud.cluster", "tf-it"));
            Document asg =
                    autoscaling("DescribeAutoScalingGroups", "AutoScalingGroupNames.member.1=" + base + "-workers");
            assertThat(text(asg, "DesiredCapacity")).isEqualTo(Integer.toString(WORKERS));
            assertThat(text(asg, "MinSize")).isEqualTo(Integer.toString(WORKERS));
            assertThat(text(asg, "HealthCheckType")).isEqualTo("EC2");
            assertThat(asgTags(asg))
                    .containsEntry("jcloud.role", "worker")
                    .containsEntry("jcloud.cluster-id", spec.clusterId())
                    .containsEntry("team", "Zürich 東京 data-eng");
            assertThat(alive)
                    .filteredOn(i -> "worker".equals(tags(i.tags()).get("jcloud.role")))
                    .hasSize(WORKERS);

            tf.run(module, "destroy", "-auto-approve", "-input=false");

            assertThat(ec2.describeSecurityGroups(r -> r.filters(own)).securityGroups())
                    .isEmpty();
            assertThat(ec2.describeLaunchTemplates(r -> r.filters(own)).launchTemplates())
                    .isEmpty();
            assertThat(alive(ec2, own)).isEmpty();
            assertThatThrownBy(() -> iam.getRole(r -> r.roleName(base))).isInstanceOf(NoSuchEntityException.class);
            assertThatThrownBy(() -> iam.getInstanceProfile(r -> r.instanceProfileName(base)))
                    .isInstanceOf(NoSuchEntityException.class);
            assertThat(autoscaling("DescribeAutoScalingGroups", "AutoScalingGroupNames.member.1=" + base + "-workers")
                            .getElementsByTagName("AutoScalingGroupName")
                            .getLength())
                    .isZero();
            assertThatThrownBy(() -> ssm.getParameter(r -> r.name(parameter)))
                    .isInstanceOf(ParameterNotFoundException.class);
        }
    }

    /** Points the module's provider at moto, and the root device at the test image's. */
    private void writeMotoOverride(Path module, String rootDevice) throws Exception {
        MotoOverride.write(
                module, MOTO, "variable \"root_device_name\" {\n  default = " + Hcl.string(rootDevice) + "\n}\n");
    }

    private static List<Instance> alive(Ec2Client ec2, Filter own) {
        return ec2
                .describeInstances(r -> r.filters(
                        own,
                        Filter.builder()
                                .name("instance-state-name")
                                .values("pending", "running", "stopping", "stopped")
                                .build()))
                .reservations()
                .stream()
                .flatMap(r -> r.instances().stream())
                .toList();
    }

    private static Map<String, String> tags(List<Tag> tags) {
        Map<String, String> m = new HashMap<>();
        tags.forEach(t -> m.put(t.key(), t.value()));
        return m;
    }

    private static Document autoscaling(String action, String params) throws Exception {
        var creds = MOTO.credentials().resolveCredentials();
        String body = "Action=" + action + "&Version=2011-01-01&" + params;
        HttpRequest request = HttpRequest.newBuilder(MOTO.endpoint().resolve("/"))
                .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                // moto routes by the credential scope's service name; it does not verify the signature.
                .header(
                        "Authorization",
                        "AWS4-HMAC-SHA256 Credential=" + URLEncoder.encode(creds.accessKeyId(), StandardCharsets.UTF_8)
                                + "/20260101/us-east-1/autoscaling/aws4_request, SignedHeaders=host,"
                                + " Signature=0")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<byte[]> response =
                HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode())
                .as(new String(response.body(), StandardCharsets.UTF_8))
                .isEqualTo(200);
        return DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(response.body()));
    }

    private static String text(Document d, String element) {
        NodeList n = d.getElementsByTagName(element);
        assertThat(n.getLength())
                .as("<%s> in the Auto Scaling response", element)
                .isPositive();
        return n.item(0).getTextContent();
    }

    private static Map<String, String> asgTags(Document d) {
        Map<String, String> m = new HashMap<>();
        NodeList members = d.getElementsByTagName("Tags").item(0).getChildNodes();
        for (int i = 0; i < members.getLength(); i++) {
            if (members.item(i) instanceof Element e) {
                m.put(
                        e.getElementsByTagName("Key").item(0).getTextContent(),
                        e.getElementsByTagName("Value").item(0).getTextContent());
            }
        }
        return m;
    }
}
