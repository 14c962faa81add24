package dev.jcloud.providers.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.ClusterRequest;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.GcReport;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.TestLaunches;
import dev.jcloud.provisioner.net.CallerAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.NetworkInterface;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Cluster;
import software.amazon.awssdk.services.ecs.model.ClusterField;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;
import software.amazon.awssdk.services.ecs.model.TaskDefinitionField;
import software.amazon.awssdk.services.ecs.model.TaskDefinitionStatus;
import software.amazon.awssdk.services.ecs.model.TaskField;
import software.amazon.awssdk.services.iam.model.Role;

/**
 * The Fargate provider against moto: what it creates, tags, launches and removes, asserted on what
 * moto reports (and, for RunTask calls and FARGATE_SPOT, which moto does not emulate, on what the
 * SDK sent through {@link FargateMotoProxy}). Moto runs no containers, so the engine itself is not
 * started here; the scheduler probe is a fake that never answers and records what it was asked.
 */
class FargateProviderIT {

    @RegisterExtension
    static final MotoServer MOTO = new MotoServer();

    private static final String CALLER = "203.0.113.7/32";
    private static final String REGION = "us-east-1";
    private static final String IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/jcloud-engine:0.1.0";
    private static final Filter JCLOUD =
            Filter.builder().name("tag-key").values(ClusterContext.ID_TAG).build();

    private static FargateMotoProxy proxy;
    private static final RecordedCalls CALLS = new RecordedCalls();

    @TempDir
    Path dir;

    private AwsClients aws;
    private FargateProvider provider;
    private final List<String> probed = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startProxy() throws Exception {
        proxy = FargateMotoProxy.start(MOTO.endpoint());
    }

    @AfterAll
    static void stopProxy() {
        proxy.close();
    }

    /** Every call of every test above, through the provider's clients: 'jcloud iam-policy --provider fargate' allows them. */
    @AfterAll
    static void theUserPolicyAllowsEveryCallTheProviderMade() {
        assertThat(CALLS.actions())
                .contains("ecs:RunTask", "ecs:CreateCluster", "logs:CreateLogGroup", "iam:CreateRole");
        assertThat(CALLS.notAllowedBy(UserPolicies.fargate()))
                .as("calls the Fargate user policy does not allow")
                .isEmpty();
    }

    @BeforeEach
    void setUp() {
        proxy.reset();
        // The provider's calls are recorded for the policy check; the test's own (assertions) are not.
        AwsClients.Factory factory =
                AwsClients.factory(MOTO.credentials(), Optional.of(proxy.endpoint()), List.of(CALLS));
        aws = AwsClients.factory(MOTO.credentials(), Optional.of(proxy.endpoint()))
                .create(REGION);
        provider = new FargateProvider(factory, CallerAddress.fixed(AwsOptions.ALLOW_FROM, CALLER), host -> {
            probed.add(host);
            return false;
        });
    }

    @AfterEach
    void tearDown() {
        aws.close();
    }

    @Test
    void upCreatesTheEcsClusterDefinitionsLogGroupRolesAndRulesAndStartsTaggedTasksTenPerCall() {
        ClusterContext c = cluster(
                "alpha", Map.of(AwsOptions.TAG_PREFIX + "team", "data eng", FargateOptions.LOG_RETENTION_DAYS, "14"));

        provider.bootstrap(c);
        Node scheduler = provider.launch(c, TestLaunches.scheduler(c)).get(0);
        String early = provider.schedulerAddressAtLaunch(c, scheduler).orElseThrow();
        List<Node> workers = provider.launch(c, TestLaunches.workers(c, early, 0, 12));

        EcsClient ecs = aws.ecs();
        String ecsName = "jcloud-alpha-" + c.id();
        Cluster ecsCluster = ecs.describeClusters(r -> r.clusters(ecsName).include(ClusterField.TAGS))
                .clusters()
                .get(0);
        assertThat(ecsCluster.status()).isEqualTo("ACTIVE");
        assertThat(ecsCluster.capacityProviders()).containsExactlyInAnyOrder("FARGATE", "FARGATE_SPOT");
        assertJcloudTags(EcsTags.toMap(ecsCluster.tags()), c, "alpha");

        // Another machine finds it by its tags.
        assertThat(provider.discover(c.options()))
                .extracting(ClusterContext::name, ClusterContext::id)
                .contains(org.assertj.core.groups.Tuple.tuple("alpha", c.id()));

        // One RunTask call for the scheduler, then 12 workers in calls of at most 10.
        assertThat(proxy.runTasks()).extracting(r -> r.path("count").asInt()).containsExactly(1, 10, 2);
        assertThat(proxy.runTasks()).allSatisfy(r -> {
            assertThat(r.path("launchType").asText()).isEqualTo("FARGATE");
            assertThat(r.has("capacityProviderStrategy")).isFalse();
            assertThat(r.path("enableECSManagedTags").asBoolean()).isTrue();
            assertThat(r.at("/networkConfiguration/awsvpcConfiguration/assignPublicIp")
                            .asText())
                    .isEqualTo("ENABLED");
        });

        List<Task> tasks = describeAll(ecs, ecsName);
        assertThat(tasks).hasSize(13).allSatisfy(t -> {
            assertJcloudTags(EcsTags.toMap(t.tags()), c, "alpha");
            assertThat(EcsTags.toMap(t.tags()))
                    .containsKeys(ClusterContext.ROLE_TAG, ClusterContext.NODE_TAG, Tags.MARKET);
            assertThat(t.launchTypeAsString()).isEqualTo("FARGATE");
            assertThat(t.lastStatus()).isEqualTo("RUNNING");
        });
        String groupId = group(c).groupId();
        String schedulerIp = early.substring(0, early.indexOf(':'));
        for (Task t : tasks) {
            Map<String, String> tags = EcsTags.toMap(t.tags());
            List<String> command = t.overrides().containerOverrides().get(0).command();
            NetworkInterface eni = aws.ec2()
                    .describeNetworkInterfaces(r ->
                            r.networkInterfaceIds(EcsTasks.networkInterface(t).orElseThrow()))
                    .networkInterfaces()
                    .get(0);
            assertThat(eni.groups()).extracting(g -> g.groupId()).containsExactly(groupId);
            if (tags.get(ClusterContext.ROLE_TAG).equals("scheduler")) {
                assertThat(tags).containsEntry(ClusterContext.NODE_TAG, "alpha-scheduler");
                assertThat(command)
                        .containsExactly(
                                "scheduler",
                                "--idle-timeout",
                                "10m",
                                "--host",
                                "0.0.0.0",
                                // This test cluster runs without TLS: listening off loopback says so.
                                "--insecure",
                                "true",
                                "--port",
                                "8786",
                                "--dashboard-port",
                                "8787");
                assertThat(eni.privateIpAddress()).isEqualTo(schedulerIp);
            } else {
                // Workers reach the scheduler at its private address; their name comes from their task id.
                assertThat(tags.get(ClusterContext.NODE_TAG)).isEqualTo(FargateNames.worker("alpha", t.taskArn()));
                assertThat(command)
                        .containsExactly(
                                "worker",
                                schedulerIp + ":8786",
                                "--nthreads",
                                "2",
                                "--host",
                                "0.0.0.0",
                                "--insecure",
                                "true");
            }
        }
        assertThat(workers)
                .extracting(Node::name)
                .doesNotHaveDuplicates()
                .allSatisfy(n -> assertThat(n).matches("alpha-worker-[0-9a-f]{12}"));
        assertThat(tasks)
                .filteredOn(t ->
                        EcsTags.toMap(t.tags()).get(ClusterContext.ROLE_TAG).equals("worker"))
                .extracting(t -> EcsTags.toMap(t.tags()).get(ClusterContext.NODE_TAG))
                .containsExactlyInAnyOrderElementsOf(
                        workers.stream().map(Node::name).toList());

        String taskRole = "jcf-alpha-" + c.id() + "-task";
        String executionRole = "jcf-alpha-" + c.id() + "-exec";
        String logGroup = "/jcloud/fargate/alpha-" + c.id();
        for (NodeRole role : NodeRole.values()) {
            String family = ecsName + "-" + role.label();
            var described =
                    ecs.describeTaskDefinition(r -> r.taskDefinition(family).include(TaskDefinitionField.TAGS));
            TaskDefinition d = described.taskDefinition();
            assertThat(d.networkModeAsString()).isEqualTo("awsvpc");
            assertThat(d.requiresCompatibilitiesAsStrings()).containsExactly("FARGATE");
            assertThat(d.cpu()).isEqualTo(role == NodeRole.WORKER ? "512" : "1024");
            assertThat(d.memory()).isEqualTo(role == NodeRole.WORKER ? "2048" : "4096");
            assertThat(d.taskRoleArn()).endsWith(":role/jcloud-fargate/" + taskRole);
            assertThat(d.executionRoleArn()).endsWith(":role/jcloud-fargate/" + executionRole);
            ContainerDefinition container = d.containerDefinitions().get(0);
            assertThat(container.image()).isEqualTo(IMAGE);
            assertThat(container.entryPoint())
                    .containsExactly(
                            "java",
                            "-XX:MaxRAMPercentage=75",
                            "-cp",
                            "@/app/jib-classpath-file",
                            "dev.jcloud.providers.aws.FargateTaskMain");
            assertThat(container.logConfiguration().logDriverAsString()).isEqualTo("awslogs");
            assertThat(container.logConfiguration().options())
                    .containsEntry("awslogs-group", logGroup)
                    .containsEntry("awslogs-region", REGION)
                    .containsEntry("awslogs-stream-prefix", "jcloud");
            assertThat(container.environment())
                    .extracting(KeyValuePair::name, KeyValuePair::value)
                    .containsExactly(
                            tuple("JCLOUD_CLUSTER", "alpha"),
                            tuple("JCLOUD_CLUSTER_ID", c.id()),
                            tuple("JCLOUD_ROLE", role.label()));
            assertJcloudTags(EcsTags.toMap(described.tags()), c, "alpha");
            // Nothing secret in a definition: not the caller's keys, no key material.
            assertThat(d.toString()).doesNotContain("testing-").doesNotContain("PRIVATE KEY");
        }
        assertThat(tasks.toString()).doesNotContain("testing-").doesNotContain("PRIVATE KEY");

        var groups = aws.logs()
                .describeLogGroups(r -> r.logGroupNamePrefix("/jcloud/fargate/"))
                .logGroups();
        assertThat(groups).singleElement().satisfies(g -> {
            assertThat(g.logGroupName()).isEqualTo(logGroup);
            assertThat(g.retentionInDays()).isEqualTo(14);
        });
        assertJcloudTags(
                aws.logs().listTagsLogGroup(r -> r.logGroupName(logGroup)).tags(), c, "alpha");

        assertThat(aws.iam().listRoles(r -> r.pathPrefix("/jcloud-fargate/")).roles())
                .extracting(Role::roleName)
                .containsExactlyInAnyOrder(taskRole, executionRole);
        for (String role : List.of(taskRole, executionRole)) {
            Map<String, String> tags = new HashMap<>();
            aws.iam().listRoleTags(r -> r.roleName(role)).tags().forEach(t -> tags.put(t.key(), t.value()));
            assertJcloudTags(tags, c, "alpha");
            assertThat(decode(aws.iam().getRole(r -> r.roleName(role)).role().assumeRolePolicyDocument()))
                    .contains("ecs-tasks.amazonaws.com")
                    .contains("aws:SourceAccount");
        }
        String taskPolicy = decode(aws.iam()
                .getRolePolicy(r -> r.roleName(taskRole).policyName(TaskRoles.TASK_POLICY))
                .policyDocument());
        assertThat(taskPolicy)
                .contains("ecs:RunTask")
                .contains("ecs:StopTask")
                .contains("iam:PassRole")
                .contains(":cluster/" + ecsName)
                .contains("task-definition/" + ecsName + "-worker:*")
                .contains("\"aws:ResourceTag/jcloud.cluster-id\":\"" + c.id() + "\"");
        String executionPolicy = decode(aws.iam()
                .getRolePolicy(r -> r.roleName(executionRole).policyName(TaskRoles.EXECUTION_POLICY))
                .policyDocument());
        assertThat(executionPolicy)
                .contains(":repository/jcloud-engine")
                .contains(":log-group:" + logGroup + ":log-stream:*");

        SecurityGroup group = group(c);
        assertThat(group.ipPermissions()).hasSize(3);
        assertThat(group.ipPermissions()).anySatisfy(p -> assertPort(p, 8786));
        assertThat(group.ipPermissions()).anySatisfy(p -> assertPort(p, 8787));
        assertThat(group.ipPermissions()).anySatisfy(p -> {
            assertThat(p.ipProtocol()).isEqualTo("-1");
            assertThat(p.ipRanges()).isEmpty();
            assertThat(p.userIdGroupPairs()).extracting(g -> g.groupId()).containsExactly(group.groupId());
        });
        assertJcloudTags(Tags.toMap(group.tags()), c, "alpha");

        List<String> names = new ArrayList<>(workers.stream().map(Node::name).toList());
        names.add("alpha-scheduler");
        assertThat(provider.nodes(c)).extracting(Node::name).containsExactlyInAnyOrderElementsOf(names);
    }

    @Test
    void withTlsTheKeysAreSecureStringsOnlyTheTaskRoleReadsAndCommandsNameThemWithoutContents() throws Exception {
        ClusterContext c = cluster("nu", Map.of("tls", "true"));
        provider.bootstrap(c);
        Node scheduler = provider.launch(c, TestLaunches.scheduler(c)).get(0);
        Node worker = provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 1))
                .get(0);

        String prefix = "/jcloud/" + c.id() + "/";
        var parameters = aws.ssm()
                .getParametersByPath(r -> r.path(prefix).recursive(true))
                .parameters();
        assertThat(parameters)
                .extracting(p -> p.name().substring(prefix.length()))
                .containsExactlyInAnyOrder(
                        "ca.pem",
                        "scheduler.pem",
                        "scheduler-key.pem",
                        "dashboard-token",
                        "worker.pem",
                        "worker-key.pem");
        assertThat(parameters).allSatisfy(p -> assertThat(p.typeAsString()).isEqualTo("SecureString"));

        String ecsName = "jcloud-nu-" + c.id();
        List<Task> tasks = aws.ecs()
                .describeTasks(r -> r.cluster(ecsName).tasks(scheduler.id(), worker.id()))
                .tasks();
        String member = dev.jcloud.provisioner.tls.ClusterTrust.memberName(c.id());
        for (Task t : tasks) {
            List<String> command = t.overrides().containerOverrides().get(0).command();
            String stem = command.get(0);
            assertThat(command)
                    .containsSubsequence(
                            "--tls-cert",
                            stem + ".pem",
                            "--tls-key",
                            stem + "-key.pem",
                            "--tls-ca",
                            "ca.pem",
                            "--tls-server-name",
                            member);
            assertThat(command.toString()).doesNotContain("BEGIN");
        }
        TaskDefinition workerDefinition = aws.ecs()
                .describeTaskDefinition(r -> r.taskDefinition(ecsName + "-worker"))
                .taskDefinition();
        assertThat(workerDefinition.toString()).doesNotContain("BEGIN");
        assertThat(workerDefinition.containerDefinitions().get(0).environment())
                .extracting(KeyValuePair::name, KeyValuePair::value)
                .contains(tuple("JCLOUD_SECRETS_REGION", REGION), tuple("JCLOUD_SECRETS_PREFIX", prefix));
        assertThat(decode(aws.iam()
                        .getRolePolicy(
                                r -> r.roleName("jcf-nu-" + c.id() + "-task").policyName(TaskRoles.TASK_POLICY))
                        .policyDocument()))
                .contains(":parameter/jcloud/" + c.id() + "/*");

        // The worker container's entry point, given its command and its definition's environment, fetches its files.
        Task workerTask = tasks.stream()
                .filter(t -> t.taskArn().equals(worker.id()))
                .findFirst()
                .orElseThrow();
        Map<String, String> env = new HashMap<>();
        workerDefinition.containerDefinitions().get(0).environment().forEach(e -> env.put(e.name(), e.value()));
        List<String> args = FargateTaskMain.withSecrets(
                workerTask.overrides().containerOverrides().get(0).command(),
                env,
                AwsClients.factory(MOTO.credentials(), Optional.of(proxy.endpoint())));
        Path key = Path.of(args.get(args.indexOf("--tls-key") + 1));
        assertThat(key.getFileName().toString()).isEqualTo("worker-key.pem");
        assertThat(java.nio.file.Files.readString(key))
                .isEqualTo(java.nio.file.Files.readString(
                        c.workDir().resolve("tls").resolve("worker-key.pem")));
        assertThat(java.nio.file.Files.getPosixFilePermissions(key))
                .containsExactlyInAnyOrder(
                        java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        assertThat(java.nio.file.Files.getPosixFilePermissions(key.getParent())).hasSize(3);
        for (String flag : List.of("--tls-cert", "--tls-ca")) {
            assertThat(Path.of(args.get(args.indexOf(flag) + 1)))
                    .isRegularFile()
                    .hasParent(key.getParent());
        }
        deleteRecursively(key.getParent());

        provider.deleteSharedResources(c);
        assertThat(aws.ssm()
                        .getParametersByPath(r -> r.path(prefix).recursive(true))
                        .parameters())
                .isEmpty();
        assertNoJcloudResources();
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        try (var files = java.nio.file.Files.list(dir)) {
            for (Path f : files.toList()) {
                java.nio.file.Files.delete(f);
            }
        }
        java.nio.file.Files.delete(dir);
    }

    @Test
    void bootstrapAgainCreatesNothingTwiceAndANewImageMakesANewRevision() {
        ClusterContext c = cluster("beta", Map.of());
        provider.bootstrap(c);
        provider.bootstrap(c);
        String ecsName = "jcloud-beta-" + c.id();
        assertThat(aws.ecs().listClusters().clusterArns())
                .filteredOn(a -> a.endsWith("/" + ecsName))
                .hasSize(1);
        assertThat(activeDefinitions(ecsName + "-worker")).hasSize(1);
        assertThat(activeDefinitions(ecsName + "-scheduler")).hasSize(1);
        assertThat(aws.iam().listRoles(r -> r.pathPrefix("/jcloud-fargate/")).roles())
                .hasSize(2);
        assertThat(aws.logs()
                        .describeLogGroups(r -> r.logGroupNamePrefix("/jcloud/fargate/"))
                        .logGroups())
                .hasSize(1);
        assertThat(aws.ec2()
                        .describeSecurityGroups(r -> r.filters(Tags.clusterFilter(c)))
                        .securityGroups())
                .hasSize(1);

        Map<String, String> newer = new HashMap<>(c.options());
        newer.put(FargateOptions.IMAGE, IMAGE.replace("0.1.0", "0.1.1"));
        ClusterContext upgraded = new ClusterContext(c.name(), c.id(), c.workDir(), newer);
        provider.bootstrap(upgraded);
        Node worker = provider.launch(upgraded, TestLaunches.workers(upgraded, "10.0.0.1:8786", 0, 1))
                .get(0);
        Task t = aws.ecs()
                .describeTasks(r -> r.cluster(ecsName).tasks(worker.id()))
                .tasks()
                .get(0);
        assertThat(t.taskDefinitionArn()).endsWith(ecsName + "-worker:2");
    }

    @Test
    void scaleStartsMoreTasksAndStopsTheChosenOnes() {
        ClusterContext c = cluster("gamma", Map.of());
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        List<Node> first = provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 2));
        List<Node> more = provider.launch(c, TestLaunches.workers(c, "pending:8786", 2, 3));
        assertThat(proxy.runTasks()).extracting(r -> r.path("count").asInt()).containsExactly(1, 2, 3);

        provider.terminate(c, List.of(first.get(0), more.get(1)));

        assertThat(provider.nodes(c))
                .extracting(Node::name)
                .containsExactlyInAnyOrder(
                        "gamma-scheduler",
                        first.get(1).name(),
                        more.get(0).name(),
                        more.get(2).name());
        List<Task> stopped = aws.ecs()
                .describeTasks(r -> r.cluster("jcloud-gamma-" + c.id())
                        .tasks(first.get(0).id(), more.get(1).id()))
                .tasks();
        assertThat(stopped).hasSize(2).allSatisfy(t -> {
            assertThat(t.lastStatus()).isEqualTo("STOPPED");
            assertThat(t.stoppedReason()).isEqualTo("jcloud: terminated");
        });
    }

    @Test
    void workerLimitIsEnforcedWhereTasksAreStarted() {
        ClusterContext c = cluster("delta", Map.of(AwsOptions.MAX_WORKERS, "2"));
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 2));
        assertThatThrownBy(() -> provider.launch(c, TestLaunches.workers(c, "pending:8786", 2, 1)))
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("more than its maximum of 2");
        assertThat(provider.nodes(c)).hasSize(2);
    }

    @Test
    void spotWorkersRunOnFargateSpotAndFallBackToFargateWhenSpotCapacityIsRefused() {
        ClusterContext c = cluster("eps", Map.of(FargateOptions.SPOT, "true"));
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        List<Node> onSpot = provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 3));
        proxy.refuseSpot(true);
        List<Node> fallback = provider.launch(c, TestLaunches.workers(c, "pending:8786", 3, 2));

        List<JsonNode> calls = proxy.runTasks();
        assertThat(calls).hasSize(4);
        // The scheduler never runs on spot capacity.
        assertThat(calls.get(0).path("launchType").asText()).isEqualTo("FARGATE");
        assertThat(calls.get(1).has("launchType")).isFalse();
        assertThat(calls.get(1)
                        .at("/capacityProviderStrategy/0/capacityProvider")
                        .asText())
                .isEqualTo("FARGATE_SPOT");
        assertThat(calls.get(1).path("count").asInt()).isEqualTo(3);
        assertThat(calls.get(2)
                        .at("/capacityProviderStrategy/0/capacityProvider")
                        .asText())
                .isEqualTo("FARGATE_SPOT");
        assertThat(calls.get(3).path("launchType").asText()).isEqualTo("FARGATE");
        assertThat(calls.get(3).path("count").asInt()).isEqualTo(2);

        String ecsName = "jcloud-eps-" + c.id();
        assertThat(capacityTags(ecsName, onSpot)).containsOnly("spot");
        assertThat(capacityTags(ecsName, fallback)).containsOnly("on-demand");
        assertThat(provider.nodes(c)).hasSize(6);
    }

    @Test
    void downLeavesNoJcloudResourceAndCanRunAgainEvenWithADedicatedVpc() {
        ClusterContext c = cluster("zeta", Map.of(AwsOptions.VPC, AwsOptions.NEW_VPC));
        provider.bootstrap(c);
        String vpc = aws.ec2()
                .describeVpcs(r -> r.filters(Tags.clusterFilter(c)))
                .vpcs()
                .get(0)
                .vpcId();
        Node scheduler = provider.launch(c, TestLaunches.scheduler(c)).get(0);
        provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 2));
        Task t = aws.ecs()
                .describeTasks(r -> r.cluster("jcloud-zeta-" + c.id()).tasks(scheduler.id()))
                .tasks()
                .get(0);
        String subnet = t.attachments().get(0).details().stream()
                .filter(d -> d.name().equals("subnetId"))
                .findFirst()
                .orElseThrow()
                .value();
        assertThat(aws.ec2()
                        .describeSubnets(r -> r.subnetIds(subnet))
                        .subnets()
                        .get(0)
                        .vpcId())
                .isEqualTo(vpc);

        provider.deleteSharedResources(c); // stops the tasks itself
        provider.deleteSharedResources(c); // idempotent: a second down finds nothing and fails on nothing

        assertThat(aws.ecs().listTasks(r -> r.cluster("jcloud-zeta-" + c.id())).taskArns())
                .isNotEmpty()
                .allSatisfy(arn -> assertThat(aws.ecs()
                                .describeTasks(
                                        r -> r.cluster("jcloud-zeta-" + c.id()).tasks(arn))
                                .tasks()
                                .get(0)
                                .lastStatus())
                        .isEqualTo("STOPPED"));
        assertNoJcloudResources();
    }

    @Test
    void aFailedUpRemovesEverythingItCreated() {
        Provisioner provisioner =
                new Provisioner(CloudProviders.of(provider), new ClusterStateStore(dir.resolve("state")));

        // The scheduler's RunTask is refused: bootstrap had created everything else.
        proxy.failRunTasksFrom(1, FargateMotoProxy.CAPACITY_UNAVAILABLE);
        assertThatThrownBy(() -> provisioner.up("fargate", request("eta", 1), 0))
                .hasMessageContaining("ECS started 0 of 1 task(s)")
                .hasMessageContaining("Capacity is unavailable");
        assertNoJcloudResources();

        // Half way through the workers: the scheduler and the first ten workers run when the third call fails.
        proxy.reset();
        proxy.failRunTasksFrom(3, "RESOURCE:ENI");
        assertThatThrownBy(() -> provisioner.up("fargate", request("theta", 12), 0))
                .hasMessageContaining("RESOURCE:ENI");
        assertThat(proxy.runTasks()).extracting(r -> r.path("count").asInt()).containsExactly(1, 10, 2);
        assertNoJcloudResources();

        assertThat(provisioner.list()).isEmpty();
        // (The scheduler that never answers: see theJavaApiAppliesTheBuildersSettings...)
    }

    @Test
    void gcFindsAnOrphanedTaskAndRemovesOnlyWhatIsLeftOfClustersWithoutScheduler() {
        ClusterContext live = cluster("live", Map.of());
        provider.bootstrap(live);
        provider.launch(live, TestLaunches.scheduler(live));
        provider.launch(live, TestLaunches.workers(live, "pending:8786", 0, 1));
        ClusterContext orphan = cluster("orphan", Map.of());
        provider.bootstrap(orphan);
        Node orphanScheduler =
                provider.launch(orphan, TestLaunches.scheduler(orphan)).get(0);
        Node orphanWorker = provider.launch(orphan, TestLaunches.workers(orphan, "pending:8786", 0, 1))
                .get(0);
        // The scheduler died (its laptop's cluster went away); the worker and the shared resources stayed.
        aws.ecs()
                .stopTask(r -> r.cluster("jcloud-orphan-" + orphan.id())
                        .task(orphanScheduler.id())
                        .reason("gone"));
        // Something of an EC2 cluster, tagged by jcloud but not by this provider: never Fargate gc's business.
        aws.ec2()
                .createSecurityGroup(r -> r.groupName("jcloud-ec2-x")
                        .description("ec2 cluster")
                        .tagSpecifications(Tags.spec(
                                software.amazon.awssdk.services.ec2.model.ResourceType.SECURITY_GROUP,
                                Map.of(ClusterContext.ID_TAG, "ec2cluster01", ClusterContext.NAME_TAG, "ec2"))));
        Map<String, String> settings = options(Map.of());

        GcReport dry = provider.gc(settings, true, Duration.ZERO);
        assertThat(dry.deleted()).isFalse();
        assertThat(dry.clusterIds()).containsExactly(orphan.id());
        String o = "orphan-" + orphan.id();
        assertThat(dry.items())
                .extracting(GcReport.Item::kind, GcReport.Item::id)
                .contains(
                        tuple("task", orphanWorker.id()),
                        tuple("ecs-cluster", "jcloud-" + o),
                        tuple("iam-role", "jcf-" + o + "-task"),
                        tuple("iam-role", "jcf-" + o + "-exec"),
                        tuple("log-group", "/jcloud/fargate/" + o));
        assertThat(dry.items()).extracting(GcReport.Item::kind).contains("security-group");
        assertThat(provider.nodes(orphan)).hasSize(1); // a dry run deletes nothing

        assertThat(provider.gc(settings, true, Duration.ofHours(1)).items()).isEmpty(); // too young to be sure

        GcReport done = provider.gc(settings, false, Duration.ZERO);
        assertThat(done.deleted()).isTrue();
        assertThat(provider.nodes(orphan)).isEmpty();
        assertThat(aws.ecs()
                        .describeTasks(r -> r.cluster("jcloud-" + o).tasks(orphanWorker.id()))
                        .tasks()
                        .get(0)
                        .lastStatus())
                .isEqualTo("STOPPED");
        assertThat(aws.ec2()
                        .describeSecurityGroups(r -> r.filters(Tags.clusterFilter(orphan)))
                        .securityGroups())
                .isEmpty();
        assertThat(aws.iam().listRoles(r -> r.pathPrefix("/jcloud-fargate/")).roles())
                .extracting(Role::roleName)
                .containsExactlyInAnyOrder("jcf-live-" + live.id() + "-task", "jcf-live-" + live.id() + "-exec");
        assertThat(aws.logs()
                        .describeLogGroups(r -> r.logGroupNamePrefix("/jcloud/fargate/"))
                        .logGroups())
                .extracting(g -> g.logGroupName())
                .containsExactly("/jcloud/fargate/live-" + live.id());
        assertThat(provider.nodes(live)).hasSize(2);
        assertThat(aws.ec2()
                        .describeSecurityGroups(r -> r.filters(Filter.builder()
                                .name("group-name")
                                .values("jcloud-ec2-x")
                                .build()))
                        .securityGroups())
                .hasSize(1);
        assertThat(provider.gc(settings, true, Duration.ZERO).items()).isEmpty();
    }

    @Test
    void badInputIsRejectedBeforeAnythingIsCreated() {
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(FargateOptions.WORKER_MEMORY, "3000"))))
                .hasMessageContaining("invalid fargate.worker-memory '3000'")
                .hasMessageContaining("fargate.worker-cpu=512: 1024 to 4096 in steps of 1024");
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(FargateOptions.SCHEDULER_CPU, "1000"))))
                .hasMessageContaining("fargate.scheduler-cpu must be one of")
                .hasMessageContaining("256, 512, 1024");
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(FargateOptions.LOG_RETENTION_DAYS, "8"))))
                .hasMessageContaining("fargate.log-retention-days must be one of 1, 3, 5, 7")
                .hasMessageContaining("7, 14, 30");
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(FargateOptions.SPOT, "yes"))))
                .hasMessageContaining("fargate.spot must be true or false (was 'yes')");
        for (String hostile : List.of("img\"; rm -rf /", "img:${HOME}", "img\nx", "img $(id)")) {
            assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(FargateOptions.IMAGE, hostile))))
                    .hasMessageContaining("invalid fargate.image");
        }
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(FargateOptions.BASE_IMAGE, "a b"))))
                .hasMessageContaining("invalid fargate.base-image");
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(AwsOptions.REGION, "mars-1"))))
                .hasMessageContaining("aws.region must be an AWS region such as us-east-1 or eu-west-2 (was 'mars-1')");
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(AwsOptions.ALLOW_FROM, "10.0.0.1/8"))))
                .hasMessageContaining("aws.allow-from must be")
                .hasMessageContaining("(was '10.0.0.1/8')");
        assertThatThrownBy(() -> provider.bootstrap(new ClusterContext("Bad_Name", "id2", dir, options(Map.of()))))
                .hasMessageContaining("not a valid cluster name");
        assertNoJcloudResources();
        assertThat(proxy.runTasks()).isEmpty();
    }

    @Test
    void theSchedulerRemovesItsWorkersAndDefinitionsWhenIdleAndDownRemovesTheRest() {
        ClusterContext c = cluster("mu", Map.of());
        provider.bootstrap(c);
        Node scheduler = provider.launch(c, TestLaunches.scheduler(c)).get(0);
        List<Node> workers = provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 3));

        provider.teardownFromScheduler(c);

        String ecsName = "jcloud-mu-" + c.id();
        assertThat(aws.ecs()
                        .describeTasks(r -> r.cluster(ecsName)
                                .tasks(workers.stream().map(Node::id).toList()))
                        .tasks())
                .hasSize(3)
                .allSatisfy(t -> assertThat(t.lastStatus()).isEqualTo("STOPPED"));
        assertThat(provider.nodes(c)).containsExactly(scheduler); // it stops when its own process exits
        assertThat(activeDefinitions(ecsName + "-worker")).isEmpty();
        assertThat(activeDefinitions(ecsName + "-scheduler")).isEmpty();

        aws.ecs().stopTask(r -> r.cluster(ecsName).task(scheduler.id()).reason("Essential container in task exited"));
        provider.deleteSharedResources(c);
        assertNoJcloudResources();
    }

    @Test
    void theJavaApiAppliesTheBuildersSettingsAndRemovesEverythingWhenTheSchedulerNeverAnswers() {
        FargateCluster.Builder builder = FargateCluster.builder()
                .name("api")
                .region(REGION)
                .workers(2)
                .workerCpu(512)
                .workerMemoryMiB(1024)
                .schedulerCpu(256)
                .schedulerMemoryMiB(512)
                .image(IMAGE)
                .spot(true)
                .tag("team", "data")
                .allowFrom("198.51.100.0/24")
                .idleTimeout(Duration.ofMinutes(5))
                .startTimeout(Duration.ofSeconds(2))
                .stateDirectory(dir.resolve("state"))
                .provider(provider);

        assertThatThrownBy(builder::build)
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("the scheduler api-scheduler")
                .hasMessageContaining("did not listen on")
                .hasMessageContaining("its log is empty");

        List<JsonNode> calls = proxy.runTasks();
        assertThat(calls).hasSize(2);
        List<String> schedulerCommand = StreamSupport.stream(
                        calls.get(0)
                                .at("/overrides/containerOverrides/0/command")
                                .spliterator(),
                        false)
                .map(JsonNode::asText)
                .toList();
        assertThat(schedulerCommand).containsSubsequence("scheduler", "--idle-timeout", "5m");
        // The in-cluster controller gets the cluster's settings, and nothing secret.
        String spec = schedulerCommand.get(schedulerCommand.indexOf("--cluster-spec") + 1);
        assertThat(spec).contains("\"provider\":\"fargate\"").contains(IMAGE).doesNotContain("testing-");
        assertThat(calls.get(1)
                        .at("/capacityProviderStrategy/0/capacityProvider")
                        .asText())
                .isEqualTo("FARGATE_SPOT");
        assertThat(calls.get(1).path("count").asInt()).isEqualTo(2);

        // What moto saw: tagged tasks with the builder's sizes, all stopped again.
        String ecsCluster = aws.ecs().listClusters().clusterArns().get(0);
        List<Task> tasks = aws.ecs()
                .describeTasks(r -> r.cluster(ecsCluster)
                        .tasks(aws.ecs().listTasks(l -> l.cluster(ecsCluster)).taskArns())
                        .include(TaskField.TAGS))
                .tasks();
        assertThat(tasks).hasSize(3).allSatisfy(t -> {
            assertThat(t.lastStatus()).isEqualTo("STOPPED");
            assertThat(EcsTags.toMap(t.tags()))
                    .containsEntry("team", "data")
                    .containsEntry(ClusterContext.NAME_TAG, "api");
        });
        assertThat(aws.ecs()
                        .describeTaskDefinition(
                                r -> r.taskDefinition(tasks.get(0).taskDefinitionArn()))
                        .taskDefinition()
                        .status()
                        .toString())
                .isEqualTo("INACTIVE");
        assertThat(probed).isNotEmpty(); // awaitScheduler asked until the deadline
        assertNoJcloudResources();
        assertThat(new ClusterStateStore(dir.resolve("state")).list()).isEmpty();
    }

    @Test
    void awaitSchedulerShowsTheStoppedReasonAndTheLogTail() {
        ClusterContext c = cluster("lam", Map.of());
        provider.bootstrap(c);
        Node scheduler = provider.launch(c, TestLaunches.scheduler(c)).get(0);
        String group = "/jcloud/fargate/lam-" + c.id();
        String stream = "jcloud/engine/" + FargateNames.taskId(scheduler.id());
        // What the awslogs driver would have written for the container.
        aws.logs().createLogStream(r -> r.logGroupName(group).logStreamName(stream));
        long now = System.currentTimeMillis();
        aws.logs()
                .putLogEvents(r -> r.logGroupName(group)
                        .logStreamName(stream)
                        .logEvents(
                                e -> e.timestamp(now).message("starting scheduler"),
                                e -> e.timestamp(now + 1).message("error: --port 8786 is already in use"),
                                e -> e.timestamp(now + 2).message("scheduler exited with 2")));

        assertThatThrownBy(() -> provider.awaitScheduler(c, scheduler, Instant.now()))
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("did not listen on")
                .hasMessageContaining("the task is RUNNING")
                .hasMessageContaining("scheduler exited with 2");
        assertThat(provider.logTail(c, scheduler, 2))
                .isEqualTo("error: --port 8786 is already in use\nscheduler exited with 2");

        aws.ecs()
                .stopTask(r -> r.cluster("jcloud-lam-" + c.id())
                        .task(scheduler.id())
                        .reason("Essential container in task exited"));
        // jcloud cluster logs: the whole log, and following a stopped task ends with its last line.
        try (var all = provider.logs(c, scheduler, false);
                var followed = provider.logs(c, scheduler, true)) {
            assertThat(all.toList())
                    .containsExactly(
                            "starting scheduler", "error: --port 8786 is already in use", "scheduler exited with 2");
            assertThat(followed.toList()).hasSize(3).endsWith("scheduler exited with 2");
        }
        assertThatThrownBy(() ->
                        provider.awaitScheduler(c, scheduler, Instant.now().plusSeconds(30)))
                .hasMessageContaining("is STOPPED: Essential container in task exited")
                .hasMessageContaining("error: --port 8786 is already in use");
    }

    private void assertNoJcloudResources() {
        EcsClient ecs = aws.ecs();
        List<String> clusters = ecs.listClusters().clusterArns();
        List<Cluster> active = clusters.isEmpty()
                ? List.of()
                : ecs.describeClusters(r -> r.clusters(clusters).include(ClusterField.TAGS)).clusters().stream()
                        .filter(c -> c.status().equals("ACTIVE"))
                        .toList();
        assertThat(active)
                .as("ECS clusters")
                .noneMatch(c -> EcsTags.toMap(c.tags()).containsKey(ClusterContext.ID_TAG));
        for (String arn : clusters) {
            assertThat(ecs.listTasks(r -> r.cluster(arn).desiredStatus(DesiredStatus.RUNNING))
                            .taskArns())
                    .as("running tasks in " + arn)
                    .isEmpty();
        }
        assertThat(ecs.listTaskDefinitions(r -> r.status(TaskDefinitionStatus.ACTIVE))
                        .taskDefinitionArns())
                .as("active task definitions")
                .noneMatch(a -> a.contains(":task-definition/jcloud-"));
        assertThat(aws.logs()
                        .describeLogGroups(r -> r.logGroupNamePrefix("/jcloud/"))
                        .logGroups())
                .as("log groups")
                .isEmpty();
        assertThat(aws.iam().listRoles(r -> r.pathPrefix("/jcloud-fargate/")).roles())
                .as("roles")
                .isEmpty();
        Ec2Client ec2 = aws.ec2();
        assertThat(ec2.describeSecurityGroups(r -> r.filters(JCLOUD)).securityGroups())
                .as("security groups")
                .isEmpty();
        assertThat(ec2.describeVpcs(r -> r.filters(JCLOUD)).vpcs()).as("VPCs").isEmpty();
        assertThat(ec2.describeSubnets(r -> r.filters(JCLOUD)).subnets())
                .as("subnets")
                .isEmpty();
        assertThat(ec2.describeInternetGateways(r -> r.filters(JCLOUD)).internetGateways())
                .as("gateways")
                .isEmpty();
        assertThat(ec2.describeRouteTables(r -> r.filters(JCLOUD)).routeTables())
                .as("route tables")
                .isEmpty();
    }

    private static void assertJcloudTags(Map<String, String> tags, ClusterContext c, String name) {
        assertThat(tags)
                .containsEntry(ClusterContext.NAME_TAG, name)
                .containsEntry(ClusterContext.ID_TAG, c.id())
                .containsEntry(FargateNames.PROVIDER_TAG, "fargate")
                .containsKeys(Tags.CREATOR, Tags.VERSION);
        if (c.options().containsKey(AwsOptions.TAG_PREFIX + "team")) {
            assertThat(tags).containsEntry("team", "data eng");
        }
    }

    private List<Task> describeAll(EcsClient ecs, String ecsName) {
        List<String> arns = ecs.listTasks(r -> r.cluster(ecsName)).taskArns();
        return ecs.describeTasks(r -> r.cluster(ecsName).tasks(arns).include(TaskField.TAGS))
                .tasks();
    }

    private List<String> activeDefinitions(String family) {
        return aws.ecs()
                .listTaskDefinitions(r -> r.familyPrefix(family).status(TaskDefinitionStatus.ACTIVE))
                .taskDefinitionArns();
    }

    private List<String> capacityTags(String ecsName, List<Node> nodes) {
        return aws
                .ecs()
                .describeTasks(r -> r.cluster(ecsName)
                        .tasks(nodes.stream().map(Node::id).toList())
                        .include(TaskField.TAGS))
                .tasks()
                .stream()
                .map(t -> EcsTags.toMap(t.tags()).get(Tags.MARKET))
                .toList();
    }

    private SecurityGroup group(ClusterContext c) {
        return aws.ec2()
                .describeSecurityGroups(r -> r.filters(Tags.clusterFilter(c)))
                .securityGroups()
                .get(0);
    }

    private static void assertPort(IpPermission p, int port) {
        assertThat(p.ipProtocol()).isEqualTo("tcp");
        assertThat(p.fromPort()).isEqualTo(port);
        assertThat(p.toPort()).isEqualTo(port);
        assertThat(p.ipRanges()).extracting(r -> r.cidrIp()).containsExactly(CALLER);
        assertThat(p.userIdGroupPairs()).isEmpty();
    }

    private static String decode(String policy) {
        return URLDecoder.decode(policy, StandardCharsets.UTF_8);
    }

    private Map<String, String> options(Map<String, String> extra) {
        Map<String, String> o = new HashMap<>();
        o.put(AwsOptions.REGION, REGION);
        o.put(AwsOptions.TERMINATE_TIMEOUT, "30");
        o.put(FargateOptions.IMAGE, IMAGE);
        o.put(FargateOptions.WORKER_CPU, "512");
        o.put(FargateOptions.WORKER_MEMORY, "2048");
        o.putAll(extra);
        return o;
    }

    private ClusterContext cluster(String name, Map<String, String> extra) {
        return new ClusterContext(name, ClusterNames.newId(), dir.resolve(name), options(extra));
    }

    private ClusterRequest request(String name, int workers) {
        ClusterRequest r = ClusterRequest.named(name).withWorkers(workers).withStartTimeout(Duration.ofSeconds(3));
        for (Map.Entry<String, String> e : options(Map.of()).entrySet()) {
            r = r.withOption(e.getKey(), e.getValue());
        }
        return r;
    }

    /** Workers as the provisioner asks for them: {@code <cluster>-worker-<n>}, the same command apart from --name. */
}
