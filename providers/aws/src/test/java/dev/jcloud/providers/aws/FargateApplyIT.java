package dev.jcloud.providers.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.terraform.BootScripts;
import dev.jcloud.terraform.Terraform;
import dev.jcloud.terraform.TerraformExporter;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.LogGroup;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.Subnet;
import software.amazon.awssdk.services.ec2.model.Vpc;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ClusterField;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.DescribeTaskDefinitionResponse;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.Service;
import software.amazon.awssdk.services.ecs.model.ServiceField;
import software.amazon.awssdk.services.ecs.model.TaskDefinitionField;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.servicediscovery.ServiceDiscoveryClient;
import software.amazon.awssdk.services.servicediscovery.model.NamespaceSummary;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;

/**
 * The exported Fargate module, in a VPC of its own ({@code create_vpc}), applied by real
 * Terraform against moto_server and checked through the AWS SDK: the dedicated VPC pieces, the
 * security group's rules, the ECS cluster with FARGATE_SPOT, the task definitions (awsvpc, the
 * engine commands, the join token only as a secret reference), the scheduler service registered
 * in Cloud Map, the worker service with the workers' count (on FARGATE_SPOT: checked in the plan,
 * as moto keeps no capacity provider strategy for services), the log group's
 * retention, the two roles' least privilege and the tags on all of them. After
 * {@code terraform destroy} nothing tagged with the cluster's id remains.
 *
 * <p>moto runs no containers, so no task starts here; what the tasks run is the same engine
 * command the boot scripts exec, tested with the engine.
 */
class FargateApplyIT {

    @RegisterExtension
    static final MotoServer MOTO = new MotoServer();

    static final int WORKERS = 3;
    static final String IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/jcloud-engine:it";
    static final String TOKEN = "fargate-apply-it-" + "0123456789abcdef".repeat(2);

    @TempDir
    Path tmp;

    @Test
    void applyCreatesTheTaggedClusterInANewVpcAndDestroyRemovesIt() throws Exception {
        try (Ec2Client ec2 = client(Ec2Client.builder());
                EcsClient ecs = client(EcsClient.builder());
                CloudWatchLogsClient logs = client(CloudWatchLogsClient.builder());
                ServiceDiscoveryClient discovery = client(ServiceDiscoveryClient.builder());
                SsmClient ssm = client(SsmClient.builder());
                IamClient iam = IamClient.builder()
                        .endpointOverride(MOTO.endpoint())
                        .region(Region.AWS_GLOBAL)
                        .credentialsProvider(MOTO.credentials())
                        .build()) {
            FargateSpec spec = FargateSpec.of("fg-it", WORKERS)
                    .withImage(IMAGE)
                    .withSpot(true)
                    .withNetwork(AwsNetwork.newVpc())
                    .withWorkerSize(2048, 8192)
                    .withCluster(c -> c.withAllowFrom(List.of("203.0.113.7/32"))
                            .withNthreads(2)
                            .withMemoryLimit("6GiB")
                            .withTags(Map.of("team", "Zürich 東京 data-eng")));
            String id = spec.cluster().clusterId();
            String base = "jcloud-fg-it-" + id;
            Path module = tmp.resolve("module");
            new TerraformExporter().export(spec, module);

            Terraform tf = Terraform.offline(tmp).withEnv("TF_VAR_join_token", TOKEN);
            tf.run(module, "fmt", "-check", "-diff", "-recursive");
            MotoOverride.write(module, MOTO, "");
            tf.run(module, "init", "-input=false");
            tf.run(module, "validate");
            tf.run(module, "plan", "-input=false", "-out=tfplan");
            JsonNode plan = new ObjectMapper()
                    .readTree(tf.run(module, "show", "-json", "-no-color", "tfplan")
                            .lines()
                            .filter(l -> l.startsWith("{"))
                            .findFirst()
                            .orElseThrow());
            tf.run(module, "apply", "-auto-approve", "-input=false", "tfplan");
            String outputs = tf.run(module, "output", "-json");
            String schedulerAddress = "scheduler." + id + ".jcloud.internal:8786";
            assertThat(outputs)
                    .contains(schedulerAddress, "jcloud.internal:8787", ".joinToken(Path.of(")
                    .doesNotContain(TOKEN);

            Filter own =
                    Filter.builder().name("tag:jcloud.cluster-id").values(id).build();

            // The dedicated network: VPC, public subnet, internet gateway, default route; all tagged.
            List<Vpc> vpcs = ec2.describeVpcs(r -> r.filters(own)).vpcs();
            assertThat(vpcs)
                    .singleElement()
                    .satisfies(v -> assertThat(v.cidrBlock()).isEqualTo("10.77.0.0/16"));
            String vpcId = vpcs.get(0).vpcId();
            List<Subnet> subnets = ec2.describeSubnets(r -> r.filters(own)).subnets();
            assertThat(subnets).singleElement().satisfies(s -> {
                assertThat(s.vpcId()).isEqualTo(vpcId);
                assertThat(s.mapPublicIpOnLaunch()).isTrue();
            });
            String subnetId = subnets.get(0).subnetId();
            assertThat(ec2.describeInternetGateways(r -> r.filters(own)).internetGateways())
                    .singleElement()
                    .satisfies(g -> assertThat(g.attachments())
                            .extracting(a -> a.vpcId())
                            .containsExactly(vpcId));
            assertThat(ec2.describeRouteTables(r -> r.filters(own)).routeTables())
                    .singleElement()
                    .satisfies(t -> {
                        assertThat(t.routes())
                                .anySatisfy(rt ->
                                        assertThat(rt.destinationCidrBlock()).isEqualTo("0.0.0.0/0"));
                        assertThat(t.associations())
                                .extracting(a -> a.subnetId())
                                .contains(subnetId);
                    });

            // Security group: engine ports from allow_from only, everything from the group itself.
            List<SecurityGroup> groups =
                    ec2.describeSecurityGroups(r -> r.filters(own)).securityGroups();
            assertThat(groups)
                    .singleElement()
                    .satisfies(g -> assertThat(g.vpcId()).isEqualTo(vpcId));
            SecurityGroup sg = groups.get(0);
            for (int port : new int[] {8786, 8787}) {
                IpPermission rule = sg.ipPermissions().stream()
                        .filter(p -> "tcp".equals(p.ipProtocol())
                                && Integer.valueOf(port).equals(p.fromPort()))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no rule for port " + port + ": " + sg));
                assertThat(rule.ipRanges()).extracting(r -> r.cidrIp()).containsExactly("203.0.113.7/32");
            }
            assertThat(sg.ipPermissions())
                    .anySatisfy(p -> assertThat(p.userIdGroupPairs())
                            .extracting(g -> g.groupId())
                            .containsExactly(sg.groupId()));
            assertThat(sg.ipPermissions())
                    .allSatisfy(p -> assertThat(p.ipRanges()).noneMatch(r -> "0.0.0.0/0".equals(r.cidrIp())));

            // ECS cluster with both Fargate capacity providers, tagged.
            var cluster = ecs.describeClusters(r -> r.clusters(base).include(ClusterField.TAGS))
                    .clusters();
            assertThat(cluster).singleElement().satisfies(c -> {
                assertThat(c.status()).isEqualTo("ACTIVE");
                assertThat(c.capacityProviders()).contains("FARGATE", "FARGATE_SPOT");
                assertThat(ecsTags(c.tags()))
                        .containsEntry("jcloud.cluster-id", id)
                        .containsEntry("team", "Zürich 東京 data-eng");
            });

            // Services: the scheduler (one task, on FARGATE, in Cloud Map), the workers (FARGATE_SPOT, WORKERS tasks).
            Map<String, Service> services = new HashMap<>();
            ecs.describeServices(r ->
                            r.cluster(base).services("scheduler", "workers").include(ServiceField.TAGS))
                    .services()
                    .forEach(s -> services.put(s.serviceName(), s));
            Service scheduler = services.get("scheduler");
            Service workers = services.get("workers");
            assertThat(scheduler).as("scheduler service").isNotNull();
            assertThat(workers).as("workers service").isNotNull();
            assertThat(scheduler.desiredCount()).isEqualTo(1);
            assertThat(scheduler.launchTypeAsString()).isEqualTo("FARGATE");
            assertThat(scheduler.serviceRegistries()).hasSize(1);
            assertThat(workers.desiredCount()).isEqualTo(WORKERS);
            // moto keeps no capacity provider strategy for services (only for task sets): check what Terraform sent.
            assertThat(plannedWorkersStrategy(plan)).isEqualTo("FARGATE_SPOT");
            for (Service s : List.of(scheduler, workers)) {
                var vpcConfig = s.networkConfiguration().awsvpcConfiguration();
                assertThat(vpcConfig.subnets()).containsExactly(subnetId);
                assertThat(vpcConfig.securityGroups()).containsExactly(sg.groupId());
                assertThat(ecsTags(s.tags()))
                        .containsEntry("jcloud.cluster", "fg-it")
                        .containsEntry("jcloud.cluster-id", id);
                assertThat(s.propagateTagsAsString()).isEqualTo("SERVICE");
            }
            assertThat(ecsTags(scheduler.tags())).containsEntry("jcloud.role", "scheduler");
            assertThat(ecsTags(workers.tags())).containsEntry("jcloud.role", "worker");

            // Task definitions: awsvpc on Fargate, the rendered engine commands, the token only by reference.
            String parameterArn = ssm.getParameter(r -> r.name("/jcloud/" + id + "/join-token"))
                    .parameter()
                    .arn();
            DescribeTaskDefinitionResponse schedulerTask = ecs.describeTaskDefinition(
                    r -> r.taskDefinition(scheduler.taskDefinition()).include(TaskDefinitionField.TAGS));
            DescribeTaskDefinitionResponse workerTask = ecs.describeTaskDefinition(
                    r -> r.taskDefinition(workers.taskDefinition()).include(TaskDefinitionField.TAGS));
            for (DescribeTaskDefinitionResponse t : List.of(schedulerTask, workerTask)) {
                assertThat(t.taskDefinition().networkModeAsString()).isEqualTo("awsvpc");
                assertThat(t.taskDefinition().requiresCompatibilitiesAsStrings())
                        .containsExactly("FARGATE");
                assertThat(t.taskDefinition().executionRoleArn()).endsWith("role/jcloud/" + base + "-exec");
                assertThat(t.taskDefinition().taskRoleArn()).endsWith("role/jcloud/" + base + "-task");
                assertThat(ecsTags(t.tags())).containsEntry("jcloud.cluster-id", id);
                ContainerDefinition c =
                        t.taskDefinition().containerDefinitions().get(0);
                assertThat(c.image()).isEqualTo(IMAGE);
                assertThat(c.secrets()).singleElement().satisfies(s -> {
                    assertThat(s.name()).isEqualTo("JCLOUD_JOIN_TOKEN");
                    assertThat(s.valueFrom()).isEqualTo(parameterArn);
                });
                assertThat(env(c.environment()))
                        .containsEntry("JCLOUD_CLUSTER", "fg-it")
                        .containsEntry("JCLOUD_CLUSTER_ID", id);
                assertThat(c.logConfiguration().logDriverAsString()).isEqualTo("awslogs");
                assertThat(c.logConfiguration().options())
                        .containsEntry("awslogs-group", "/jcloud/" + base.substring(7));
                assertThat(t.taskDefinition().toString()).doesNotContain(TOKEN);
            }
            assertThat(schedulerTask
                            .taskDefinition()
                            .containerDefinitions()
                            .get(0)
                            .command())
                    .isEqualTo(BootScripts.schedulerCommand().arguments());
            assertThat(workerTask.taskDefinition().cpu()).isEqualTo("2048");
            assertThat(workerTask.taskDefinition().memory()).isEqualTo("8192");
            assertThat(workerTask.taskDefinition().containerDefinitions().get(0).command())
                    .containsExactly(
                            "worker",
                            schedulerAddress,
                            "--host",
                            "0.0.0.0",
                            "--port",
                            "8788",
                            "--nthreads",
                            "2",
                            "--memory-limit",
                            "6GiB",
                            "--death-timeout",
                            "0");

            // Cloud Map: the private DNS namespace in the cluster's VPC and the scheduler's service, tagged.
            NamespaceSummary ns = discovery.listNamespaces().namespaces().stream()
                    .filter(n -> n.name().equals(id + ".jcloud.internal"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no namespace " + id + ".jcloud.internal"));
            assertThat(ns.typeAsString()).isEqualTo("DNS_PRIVATE");
            assertThat(discovery
                            .listTagsForResource(r -> r.resourceARN(ns.arn()))
                            .tags())
                    .anySatisfy(t -> assertThat(t.key() + "=" + t.value()).isEqualTo("jcloud.cluster-id=" + id));
            assertThat(discovery.listServices().services())
                    .extracting(s -> s.name())
                    .contains("scheduler");

            // Logs with a retention, tagged.
            List<LogGroup> groupsOfLogs = logs.describeLogGroups(r -> r.logGroupNamePrefix("/jcloud/fg-it-" + id))
                    .logGroups();
            assertThat(groupsOfLogs)
                    .singleElement()
                    .satisfies(g -> assertThat(g.retentionInDays()).isEqualTo(7));
            assertThat(logs.listTagsLogGroup(r -> r.logGroupName("/jcloud/fg-it-" + id))
                            .tags())
                    .containsEntry("jcloud.cluster-id", id);

            // Identity: the execution role reaches only its log group, its token and its image's repository;
            // the task role has no permissions at all.
            String execPolicy = URLDecoder.decode(
                    iam.getRolePolicy(r -> r.roleName(base + "-exec").policyName("jcloud-ecs-execution"))
                            .policyDocument(),
                    StandardCharsets.UTF_8);
            assertThat(execPolicy)
                    .contains(
                            "logs:PutLogEvents",
                            ":log-group:/jcloud/fg-it-" + id + ":*",
                            "ssm:GetParameters",
                            parameterArn,
                            "ecr:BatchGetImage",
                            "arn:aws:ecr:us-east-1:123456789012:repository/jcloud-engine");
            assertThat(execPolicy.replace(" ", "")).containsOnlyOnce("\"Resource\":\"*\""); // ecr:GetAuthorizationToken
            assertThat(iam.getRole(r -> r.roleName(base + "-exec")).role().path())
                    .isEqualTo("/jcloud/");
            assertThat(iam.listRolePolicies(r -> r.roleName(base + "-task")).policyNames())
                    .isEmpty();
            assertThat(iam.listAttachedRolePolicies(r -> r.roleName(base + "-task"))
                            .attachedPolicies())
                    .isEmpty();
            assertThat(iam.listRoleTags(r -> r.roleName(base + "-task")).tags())
                    .anySatisfy(t -> assertThat(t.key() + "=" + t.value()).isEqualTo("jcloud.cluster-id=" + id));

            // The join token: a SecureString holding exactly the operator's value.
            var token = ssm.getParameter(
                            r -> r.name("/jcloud/" + id + "/join-token").withDecryption(true))
                    .parameter();
            assertThat(token.typeAsString()).isEqualTo("SecureString");
            assertThat(token.value()).isEqualTo(TOKEN);

            tf.run(module, "destroy", "-auto-approve", "-input=false");

            assertThat(ec2.describeVpcs(r -> r.filters(own)).vpcs()).isEmpty();
            assertThat(ec2.describeSubnets(r -> r.filters(own)).subnets()).isEmpty();
            assertThat(ec2.describeInternetGateways(r -> r.filters(own)).internetGateways())
                    .isEmpty();
            assertThat(ec2.describeRouteTables(r -> r.filters(own)).routeTables())
                    .isEmpty();
            assertThat(ec2.describeSecurityGroups(r -> r.filters(own)).securityGroups())
                    .isEmpty();
            assertThat(ecs.describeClusters(r -> r.clusters(base)).clusters())
                    .allSatisfy(c -> assertThat(c.status()).isEqualTo("INACTIVE"));
            assertThat(logs.describeLogGroups(r -> r.logGroupNamePrefix("/jcloud/fg-it-" + id))
                            .logGroups())
                    .isEmpty();
            assertThat(discovery.listNamespaces().namespaces())
                    .noneMatch(n -> n.name().equals(id + ".jcloud.internal"));
            assertThatThrownBy(() -> iam.getRole(r -> r.roleName(base + "-exec")))
                    .isInstanceOf(NoSuchEntityException.class);
            assertThatThrownBy(() -> iam.getRole(r -> r.roleName(base + "-task")))
                    .isInstanceOf(NoSuchEntityException.class);
            assertThatThrownBy(() -> ssm.getParameter(r -> r.name("/jcloud/" + id + "/join-token")))
                    .isInstanceOf(ParameterNotFoundException.class);
        }
    }

    private static <B extends software.amazon.awssdk.awscore.client.builder.AwsClientBuilder<B, C>, C> C client(
            B builder) {
        return builder.endpointOverride(MOTO.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(MOTO.credentials())
                .build();
    }

    private static String plannedWorkersStrategy(JsonNode plan) {
        for (JsonNode change : plan.get("resource_changes")) {
            if (change.get("address").asText().equals("aws_ecs_service.workers")) {
                return change.get("change")
                        .get("after")
                        .get("capacity_provider_strategy")
                        .get(0)
                        .get("capacity_provider")
                        .asText();
            }
        }
        throw new AssertionError("the plan has no aws_ecs_service.workers");
    }

    private static Map<String, String> ecsTags(List<software.amazon.awssdk.services.ecs.model.Tag> tags) {
        Map<String, String> m = new HashMap<>();
        tags.forEach(t -> m.put(t.key(), t.value()));
        return m;
    }

    private static Map<String, String> env(List<KeyValuePair> pairs) {
        Map<String, String> m = new HashMap<>();
        pairs.forEach(p -> m.put(p.name(), p.value()));
        return m;
    }
}
