package dev.jcloud.providers.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.ClusterRequest;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.GcReport;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.ProvisionException;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.TestLaunches;
import dev.jcloud.provisioner.boot.EngineBundle;
import dev.jcloud.provisioner.boot.EngineCachePolicy;
import dev.jcloud.provisioner.net.CallerAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceAttributeName;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.Volume;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.InstanceProfile;
import software.amazon.awssdk.services.iam.model.Role;

/**
 * The EC2 provider against moto: what it creates, tags, launches and removes, asserted on what
 * moto reports. Moto does not boot machines, so the engine waits are not exercised here.
 */
class Ec2ProviderIT {

    @RegisterExtension
    static final MotoServer MOTO = new MotoServer();

    private static final String CALLER = "203.0.113.7/32";
    private static final String REGION = "us-east-1";
    private static final String SHA = "0".repeat(64);
    private static final Filter JCLOUD =
            Filter.builder().name("tag-key").values(ClusterContext.ID_TAG).build();

    @TempDir
    Path dir;

    private AwsClients aws;
    private Ec2Provider provider;
    private String ami;

    @BeforeEach
    void setUp() {
        aws = MOTO.clients().create(REGION);
        provider = new Ec2Provider(MOTO.clients(), CallerAddress.fixed(AwsOptions.ALLOW_FROM, CALLER));
        ami = aws.ec2().describeImages(r -> r.owners("amazon")).images().get(0).imageId();
    }

    @AfterEach
    void tearDown() {
        aws.close();
    }

    @Test
    void upCreatesTheGroupIdentityAndTaggedInstancesWorkersInOneCall() {
        ClusterContext c = cluster("alpha", Map.of(AwsOptions.TAG_PREFIX + "team", "data eng"));

        provider.bootstrap(c);
        Node scheduler = provider.launch(c, TestLaunches.scheduler(c)).get(0);
        List<Node> workers = provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 3));

        Ec2Client ec2 = aws.ec2();
        SecurityGroup group = ec2.describeSecurityGroups(r -> r.filters(Tags.clusterFilter(c)))
                .securityGroups()
                .get(0);
        assertThat(group.groupName()).isEqualTo("jcloud-alpha-" + c.id());
        assertThat(group.ipPermissions()).hasSize(3);
        assertThat(group.ipPermissions()).anySatisfy(p -> assertPort(p, 8786));
        assertThat(group.ipPermissions()).anySatisfy(p -> assertPort(p, 8787));
        assertThat(group.ipPermissions()).anySatisfy(p -> {
            assertThat(p.ipProtocol()).isEqualTo("-1");
            assertThat(p.ipRanges()).isEmpty();
            assertThat(p.userIdGroupPairs())
                    .singleElement()
                    .satisfies(g -> assertThat(g.groupId()).isEqualTo(group.groupId()));
        });
        assertThat(group.ipPermissions())
                .flatExtracting(IpPermission::ipRanges)
                .noneMatch(r -> r.cidrIp().equals("0.0.0.0/0"));
        assertThat(Tags.toMap(group.tags()))
                .containsEntry(ClusterContext.NAME_TAG, "alpha")
                .containsEntry(ClusterContext.ID_TAG, c.id())
                .containsEntry("team", "data eng")
                .containsKeys(Tags.CREATOR, Tags.VERSION);

        IamClient iam = aws.iam();
        String identity = "jcloud-alpha-" + c.id();
        Role role = iam.getRole(r -> r.roleName(identity)).role();
        assertThat(role.path()).isEqualTo("/jcloud/");
        assertThat(iam.listRoleTags(r -> r.roleName(identity)).tags())
                .anySatisfy(t -> assertThat(t.key() + "=" + t.value()).isEqualTo(ClusterContext.ID_TAG + "=" + c.id()));
        String policy = java.net.URLDecoder.decode(
                iam.getRolePolicy(r -> r.roleName(identity).policyName(InstanceIdentity.POLICY_NAME))
                        .policyDocument(),
                StandardCharsets.UTF_8);
        assertThat(policy)
                .contains("\"aws:ResourceTag/jcloud.cluster-id\":\"" + c.id() + "\"")
                .contains("ec2:TerminateInstances")
                .contains("iam:PassRole")
                .contains(group.groupId());
        InstanceProfile profile =
                iam.getInstanceProfile(r -> r.instanceProfileName(identity)).instanceProfile();
        assertThat(profile.roles()).extracting(Role::roleName).containsExactly(identity);
        // The workers have an identity of their own: no EC2 right, only their TLS files.
        String workerIdentity = identity + "-w";
        assertThat(iam.getInstanceProfile(r -> r.instanceProfileName(workerIdentity))
                        .instanceProfile()
                        .roles())
                .extracting(Role::roleName)
                .containsExactly(workerIdentity);
        String workerPolicy = java.net.URLDecoder.decode(
                iam.getRolePolicy(r -> r.roleName(workerIdentity).policyName(InstanceIdentity.POLICY_NAME))
                        .policyDocument(),
                StandardCharsets.UTF_8);
        assertThat(workerPolicy)
                .contains("parameter/jcloud/" + c.id() + "/worker-key.pem")
                .doesNotContain("ec2:", "scheduler-key.pem", "iam:");
        // The scheduler passes only the workers' role to the machines it launches (precisely: AwsOptionsTest).
        assertThat(policy).contains("\"PassWorkerRoleToEc2\"", "role/jcloud/" + workerIdentity);

        List<Instance> instances = describe(ec2, List.of(Tags.clusterFilter(c)));
        assertThat(instances).hasSize(4);
        List<Instance> workerInstances = instances.stream()
                .filter(i -> "worker".equals(Tags.toMap(i.tags()).get(ClusterContext.ROLE_TAG)))
                .toList();
        assertThat(workerInstances)
                .extracting(Instance::instanceId)
                .containsExactlyInAnyOrderElementsOf(
                        workers.stream().map(Node::id).toList());
        assertThat(workerInstances)
                .extracting(i -> Tags.toMap(i.tags()).get(ClusterContext.NODE_TAG))
                .containsExactlyInAnyOrder("alpha-worker-0", "alpha-worker-1", "alpha-worker-2");
        // One RunInstances call for the three workers: one reservation.
        assertThat(ec2.describeInstances(r -> r.filters(
                                Tags.clusterFilter(c),
                                Filter.builder()
                                        .name("tag:" + ClusterContext.ROLE_TAG)
                                        .values("worker")
                                        .build()))
                        .reservations())
                .singleElement()
                .satisfies(res -> assertThat(res.instances()).hasSize(3));
        for (Instance i : instances) {
            Map<String, String> tags = Tags.toMap(i.tags());
            assertThat(tags)
                    .containsEntry(ClusterContext.NAME_TAG, "alpha")
                    .containsEntry(ClusterContext.ID_TAG, c.id())
                    .containsEntry("team", "data eng")
                    .containsKeys(Tags.CREATOR, Tags.VERSION, ClusterContext.NODE_TAG);
            assertThat(i.metadataOptions().httpTokensAsString()).isEqualTo("required");
            assertThat(i.securityGroups()).extracting(g -> g.groupId()).containsExactly(group.groupId());
            assertThat(ec2.describeInstanceAttribute(r -> r.instanceId(i.instanceId())
                                    .attribute(InstanceAttributeName.INSTANCE_INITIATED_SHUTDOWN_BEHAVIOR))
                            .instanceInitiatedShutdownBehavior()
                            .value())
                    .isEqualTo("terminate");
            String userData = new String(
                    Base64.getDecoder()
                            .decode(ec2.describeInstanceAttribute(r ->
                                            r.instanceId(i.instanceId()).attribute(InstanceAttributeName.USER_DATA))
                                    .userData()
                                    .value()),
                    StandardCharsets.UTF_8);
            assertThat(userData)
                    .startsWith("#!/bin/bash")
                    .contains("https://engine.example/jcloud-engine.jar")
                    .doesNotContain("testing-");
        }
        // moto checks the profile exists at RunInstances but records it (as an association) only for the
        // first instance of each call: two calls, two associations, the scheduler's and the workers' profile.
        assertThat(ec2.describeIamInstanceProfileAssociations().iamInstanceProfileAssociations())
                .extracting(
                        a -> a.instanceId() + " " + a.iamInstanceProfile().arn().replaceAll(".*/", ""))
                .containsExactlyInAnyOrder(
                        scheduler.id() + " " + identity,
                        workerInstances.stream()
                                        .filter(i -> i.amiLaunchIndex() == 0)
                                        .findFirst()
                                        .orElseThrow()
                                        .instanceId()
                                + " " + workerIdentity);
        assertThat(Tags.toMap(describeOne(ec2, scheduler.id()).tags()))
                .containsEntry(ClusterContext.NODE_TAG, "alpha-scheduler")
                .containsEntry(ClusterContext.ROLE_TAG, "scheduler");
        List<Volume> volumes =
                ec2.describeVolumes(r -> r.filters(Tags.clusterFilter(c))).volumes();
        assertThat(volumes).hasSize(4).allSatisfy(v -> assertThat(v.encrypted()).isTrue());

        assertThat(provider.nodes(c))
                .extracting(Node::name)
                .containsExactlyInAnyOrder("alpha-scheduler", "alpha-worker-0", "alpha-worker-1", "alpha-worker-2");
        assertThat(provider.schedulerAddressAtLaunch(c, scheduler))
                .hasValue(describeOne(ec2, scheduler.id()).privateIpAddress() + ":8786");
    }

    @Test
    void scaleAddsWorkersInOneCallAndTerminatesTheChosenOnes() {
        ClusterContext c = cluster("beta", Map.of());
        provider.bootstrap(c);
        provider.launch(c, TestLaunches.scheduler(c));
        List<Node> first = provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 2));

        List<Node> more = provider.launch(c, TestLaunches.workers(c, "pending:8786", 2, 3));
        assertThat(aws.ec2()
                        .describeInstances(r -> r.filters(
                                Tags.clusterFilter(c),
                                Filter.builder()
                                        .name("instance-id")
                                        .values(more.stream().map(Node::id).toList())
                                        .build()))
                        .reservations())
                .singleElement()
                .satisfies(res -> assertThat(res.instances()).hasSize(3));

        provider.terminate(c, List.of(first.get(0), more.get(1)));

        assertThat(provider.nodes(c))
                .extracting(Node::name)
                .containsExactlyInAnyOrder("beta-scheduler", "beta-worker-1", "beta-worker-2", "beta-worker-4");
        assertThat(describeOne(aws.ec2(), first.get(0).id()).state().nameAsString())
                .isEqualTo("terminated");
    }

    @Test
    void downLeavesNoTaggedResourceAndCanRunAgainEvenWithADedicatedVpc() {
        ClusterContext c = cluster("delta", Map.of(AwsOptions.VPC, AwsOptions.NEW_VPC));
        provider.bootstrap(c);
        provider.bootstrap(c); // reconciles: nothing created twice
        assertThat(aws.ec2().describeVpcs(r -> r.filters(Tags.clusterFilter(c))).vpcs())
                .hasSize(1);
        assertThat(aws.ec2()
                        .describeSecurityGroups(r -> r.filters(Tags.clusterFilter(c)))
                        .securityGroups())
                .hasSize(1);
        String vpc = aws.ec2()
                .describeVpcs(r -> r.filters(Tags.clusterFilter(c)))
                .vpcs()
                .get(0)
                .vpcId();
        assertThat(aws.ec2()
                        .describeInternetGateways(r -> r.filters(Tags.clusterFilter(c)))
                        .internetGateways())
                .singleElement()
                .satisfies(g ->
                        assertThat(g.attachments()).extracting(a -> a.vpcId()).containsExactly(vpc));
        Node scheduler = provider.launch(c, TestLaunches.scheduler(c)).get(0);
        provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 2));
        assertThat(describeOne(aws.ec2(), scheduler.id()).vpcId()).isEqualTo(vpc);

        provider.terminate(c, provider.nodes(c));
        provider.deleteSharedResources(c);
        provider.deleteSharedResources(c); // idempotent: a second down finds nothing and fails on nothing

        assertNoJcloudResources();
    }

    @Test
    void failedUpThroughTheProvisionerRemovesEverythingItCreated() {
        Provisioner provisioner =
                new Provisioner(CloudProviders.of(provider), new ClusterStateStore(dir.resolve("state")));
        // Unknown AMI: bootstrap succeeds, then RunInstances of the scheduler fails.
        ClusterRequest badAmi = request("eps").withOption(AwsOptions.AMI, "ami-0123456789abcdef0");
        assertThatThrownBy(() -> provisioner.up("aws", badAmi, 0)).hasMessageContaining("ami-0123456789abcdef0");
        assertNoJcloudResources();

        // Half way: the scheduler is running when launching the workers fails (limit of 1, 2 asked).
        ClusterRequest tooMany =
                request("zeta").withOption(AwsOptions.MAX_WORKERS, "1").withWorkers(2);
        assertThatThrownBy(() -> provisioner.up("aws", tooMany, 0)).hasMessageContaining("more than its maximum of 1");
        assertThat(describe(aws.ec2(), List.of(JCLOUD)))
                .isNotEmpty()
                .allSatisfy(i -> assertThat(i.state().nameAsString()).isEqualTo("terminated"));
        assertNoJcloudResources();
    }

    @Test
    void gcFindsAndRemovesOnlyTheResourcesOfClustersWithoutScheduler() {
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
        // The scheduler died (its laptop's cluster went away); the worker and shared resources stayed.
        aws.ec2().terminateInstances(r -> r.instanceIds(orphanScheduler.id()));
        Map<String, String> settings = options(Map.of());

        GcReport dry = provider.gc(settings, true, Duration.ZERO);
        assertThat(dry.deleted()).isFalse();
        assertThat(dry.clusterIds()).containsExactly(orphan.id());
        assertThat(dry.items())
                .extracting(GcReport.Item::kind, GcReport.Item::id)
                .contains(
                        org.assertj.core.groups.Tuple.tuple("instance", orphanWorker.id()),
                        org.assertj.core.groups.Tuple.tuple("iam-role", "jcloud-orphan-" + orphan.id()),
                        org.assertj.core.groups.Tuple.tuple("iam-role", "jcloud-orphan-" + orphan.id() + "-w"));
        assertThat(dry.items()).extracting(GcReport.Item::kind).contains("security-group");
        assertThat(provider.nodes(orphan)).hasSize(1); // a dry run deletes nothing

        assertThat(provider.gc(settings, true, Duration.ofHours(1)).items()).isEmpty(); // too young to be sure

        GcReport done = provider.gc(settings, false, Duration.ZERO);
        assertThat(done.deleted()).isTrue();
        assertThat(provider.nodes(orphan)).isEmpty();
        assertThat(aws.ec2()
                        .describeSecurityGroups(r -> r.filters(Tags.clusterFilter(orphan)))
                        .securityGroups())
                .isEmpty();
        assertThat(aws.iam().listRoles(r -> r.pathPrefix("/jcloud/")).roles())
                .extracting(Role::roleName)
                .containsExactlyInAnyOrder("jcloud-live-" + live.id(), "jcloud-live-" + live.id() + "-w");
        assertThat(provider.nodes(live)).hasSize(2);
        assertThat(provider.gc(settings, true, Duration.ZERO).items()).isEmpty();
    }

    @Test
    void badInputIsRejectedBeforeAnythingIsCreated() {
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(AwsOptions.REGION, "mars-1"))))
                .hasMessageContaining("aws.region must be an AWS region such as us-east-1 or eu-west-2 (was 'mars-1')");
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(AwsOptions.ALLOW_FROM, "10.0.0.1/8"))))
                .hasMessageContaining("aws.allow-from must be")
                .hasMessageContaining("(was '10.0.0.1/8')")
                .hasMessageContaining("10.0.0.0/8");
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(AwsOptions.ALLOW_FROM, "300.1.1.1/32"))))
                .hasMessageContaining("0-255");
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(AwsOptions.TAG_PREFIX + "x", "$(rm)"))))
                .hasMessageContaining("aws.tag.x");
        assertThatThrownBy(() -> provider.bootstrap(new ClusterContext("Bad_Name", "id1", dir, options(Map.of()))))
                .hasMessageContaining("not a valid cluster name");
        Map<String, String> noSha = new HashMap<>(options(Map.of()));
        noSha.remove(AwsOptions.ENGINE_SHA256);
        assertThatThrownBy(() -> provider.bootstrap(new ClusterContext("inp", "id2", dir, noSha)))
                .hasMessageContaining("give both aws.engine-url and aws.engine-sha256");
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(AwsOptions.WORKER_TYPE, "zz9.mega"))))
                .hasMessageContaining("invalid aws.worker-type 'zz9.mega': not offered in us-east-1");
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(AwsOptions.REGION, "us-east-9"))))
                .hasMessageContaining("invalid aws.region 'us-east-9': use an AWS region");
        assertThatThrownBy(() -> provider.bootstrap(cluster("inp", Map.of(AwsOptions.SPOT, "maybe"))))
                .hasMessageContaining("aws.spot must be true or false (was 'maybe')");
        assertNoJcloudResources();
    }

    @Test
    void awaitSchedulerFailsAtItsDeadlineWithTheConsoleOutput() {
        ClusterContext c = cluster("eta", Map.of());
        provider.bootstrap(c);
        Node scheduler = provider.launch(c, TestLaunches.scheduler(c)).get(0);
        assertThatThrownBy(() -> provider.awaitScheduler(c, scheduler, Instant.now()))
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("did not listen on")
                .hasMessageContaining("console output");
        aws.ec2().terminateInstances(r -> r.instanceIds(scheduler.id()));
        assertThatThrownBy(() ->
                        provider.awaitScheduler(c, scheduler, Instant.now().plusSeconds(30)))
                .hasMessageContaining("is terminated");
    }

    @Test
    void withoutAnEngineUrlTheEngineIsPublishedToS3AndWorkersGetTheSchedulersVersion() throws Exception {
        EngineBundle first = bundle("first");
        EngineBundle second = bundle("second");
        java.util.concurrent.atomic.AtomicReference<EngineBundle> current =
                new java.util.concurrent.atomic.AtomicReference<>(first);
        Ec2Provider uploading =
                new Ec2Provider(MOTO.clients(), CallerAddress.fixed(AwsOptions.ALLOW_FROM, CALLER), c -> current.get());
        Map<String, String> o = new HashMap<>(options(Map.of()));
        o.remove(AwsOptions.ENGINE_URL);
        o.remove(AwsOptions.ENGINE_SHA256);
        ClusterContext c = new ClusterContext("s3e", ClusterNames.newId(), dir.resolve("s3e"), o);

        uploading.bootstrap(c);
        Node scheduler = uploading.launch(c, TestLaunches.scheduler(c)).get(0);
        current.set(second); // a newer jcloud scales the cluster: its workers still get the cluster's engine
        Node worker = uploading
                .launch(c, TestLaunches.workers(c, "pending:8786", 0, 1))
                .get(0);

        String bucket = EngineUploads.bucket("123456789012", REGION);
        String key = EngineUploads.key(first.sha256());
        assertThat(aws.s3().listObjectsV2(r -> r.bucket(bucket)).contents())
                .extracting(o2 -> o2.key())
                .containsExactly(key);
        assertThat(aws.s3()
                        .getPublicAccessBlock(r -> r.bucket(bucket))
                        .publicAccessBlockConfiguration()
                        .blockPublicAcls())
                .isTrue();
        // No age-based expiry: a version stays while a machine runs it (EngineUploads.sweep).
        assertThatThrownBy(() -> aws.s3().getBucketLifecycleConfiguration(r -> r.bucket(bucket)))
                .isInstanceOfSatisfying(
                        software.amazon.awssdk.services.s3.model.S3Exception.class,
                        e -> assertThat(e.statusCode()).isEqualTo(404));
        assertThat(Tags.toMap(describeOne(aws.ec2(), scheduler.id()).tags()))
                .containsEntry(EngineUploads.ENGINE_TAG, first.sha256());
        for (Node n : List.of(scheduler, worker)) {
            String userData = userData(n.id());
            assertThat(userData)
                    .contains(first.sha256())
                    .contains("X-Amz-Signature")
                    .doesNotContain(second.sha256());
            // The presigned URL in the user-data really serves the engine.
            java.util.regex.Matcher m =
                    java.util.regex.Pattern.compile("ENGINE_URL='([^']+)'").matcher(userData);
            assertThat(m.find()).as(userData).isTrue();
            java.net.http.HttpResponse<byte[]> got = java.net.http.HttpClient.newHttpClient()
                    .send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(m.group(1)))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            assertThat(got.statusCode()).isEqualTo(200);
            assertThat(got.body()).isEqualTo(java.nio.file.Files.readAllBytes(first.file()));
        }
        uploading.deleteSharedResources(c);
        assertNoJcloudResources();
    }

    @Test
    void withoutAnAmiTheLatestAmazonLinux2023ForTheTypesArchitectureIsUsed() {
        Map<String, String> o = new HashMap<>(options(Map.of()));
        o.remove(AwsOptions.AMI);
        ClusterContext c = new ClusterContext("ami", ClusterNames.newId(), dir.resolve("ami"), o);
        String expected = aws.ssm()
                .getParameter(r -> r.name(MachineImages.AL2023_PARAMETER + "x86_64"))
                .parameter()
                .value();

        provider.bootstrap(c);
        Node scheduler = provider.launch(c, TestLaunches.scheduler(c)).get(0);

        assertThat(describeOne(aws.ec2(), scheduler.id()).imageId()).isEqualTo(expected);
        provider.deleteSharedResources(c);
    }

    @Test
    void spotWorkersFallBackToOtherZonesThenOnDemandWhenCapacityIsRefused() {
        // EC2 refuses spot capacity in every zone (moto cannot; the SDK's interceptor plays EC2's answer).
        java.util.List<String> attempts = java.util.Collections.synchronizedList(new ArrayList<>());
        var refuseSpot = new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
            @Override
            public void beforeExecution(
                    software.amazon.awssdk.core.interceptor.Context.BeforeExecution context,
                    software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
                if (context.request() instanceof software.amazon.awssdk.services.ec2.model.RunInstancesRequest run) {
                    boolean spot = run.instanceMarketOptions() != null;
                    attempts.add((spot ? "spot " : "on-demand ") + run.subnetId());
                    if (spot) {
                        throw software.amazon.awssdk.services.ec2.model.Ec2Exception.builder()
                                .statusCode(500)
                                .awsErrorDetails(software.amazon.awssdk.awscore.exception.AwsErrorDetails.builder()
                                        .errorCode("InsufficientInstanceCapacity")
                                        .errorMessage("There is no Spot capacity available that matches your request.")
                                        .build())
                                .build();
                    }
                }
            }
        };
        Ec2Provider refusing =
                new Ec2Provider(MOTO.clients(refuseSpot), CallerAddress.fixed(AwsOptions.ALLOW_FROM, CALLER));
        ClusterContext c = cluster("spot", Map.of(AwsOptions.SPOT, "true"));
        refusing.bootstrap(c);
        refusing.launch(c, TestLaunches.scheduler(c));
        int zones = aws.ec2()
                .describeSubnets(r -> r.filters(
                        Filter.builder().name("default-for-az").values("true").build()))
                .subnets()
                .size();
        attempts.clear();

        List<Node> workers = refusing.launch(c, TestLaunches.workers(c, "pending:8786", 0, 2));

        assertThat(zones).isGreaterThan(1);
        assertThat(attempts).hasSize(zones + 1);
        assertThat(attempts.subList(0, zones))
                .allMatch(a -> a.startsWith("spot "))
                .extracting(a -> a.substring(5))
                .doesNotHaveDuplicates();
        assertThat(attempts.get(zones)).startsWith("on-demand ");
        assertThat(workers)
                .hasSize(2)
                .allSatisfy(w -> assertThat(
                                Tags.toMap(describeOne(aws.ec2(), w.id()).tags()))
                        .containsEntry(Tags.MARKET, Tags.ON_DEMAND));
        refusing.deleteSharedResources(c);
        assertNoJcloudResources();
    }

    @Test
    void spotWorkersAreOneTimeSpotInstancesAndTheSchedulerIsOnDemand() {
        ClusterContext c = cluster("spt", Map.of(AwsOptions.SPOT, "true"));
        provider.bootstrap(c);
        Node scheduler = provider.launch(c, TestLaunches.scheduler(c)).get(0);
        Node worker = provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 1))
                .get(0);

        Instance w = describeOne(aws.ec2(), worker.id());
        assertThat(w.instanceLifecycleAsString()).isEqualTo("spot");
        assertThat(Tags.toMap(w.tags())).containsEntry(Tags.MARKET, Tags.SPOT);
        Instance s = describeOne(aws.ec2(), scheduler.id());
        assertThat(s.instanceLifecycle()).isNull();
        assertThat(Tags.toMap(s.tags())).containsEntry(Tags.MARKET, Tags.ON_DEMAND);
        // Spot workers watch for the two-minute notice and retire gracefully; the scheduler is not on spot.
        assertThat(userData(worker.id()))
                .contains("spot/instance-action")
                .contains("'--interruption-file'")
                .contains("jcloud_step_watch() {");
        assertThat(userData(scheduler.id())).doesNotContain("spot/instance-action");
        provider.deleteSharedResources(c);
    }

    @Test
    void tlsMaterialIsStoredAsSecureStringsForTheMachinesAndNeverRendered() throws Exception {
        ClusterContext c = cluster("tls", Map.of(dev.jcloud.provisioner.tls.ClusterTrust.OPTION, "true"));
        provider.bootstrap(c);
        Node scheduler = provider.launch(c, TestLaunches.scheduler(c)).get(0);
        Node worker = provider.launch(c, TestLaunches.workers(c, "pending:8786", 0, 1))
                .get(0);

        String prefix = "/jcloud/" + c.id() + "/";
        var params = aws.ssm()
                .getParametersByPath(r -> r.path(prefix).recursive(true))
                .parameters();
        assertThat(params)
                .extracting(p -> p.name().substring(prefix.length()))
                .containsExactlyInAnyOrder(
                        "ca.pem",
                        "scheduler.pem",
                        "scheduler-key.pem",
                        "dashboard-token",
                        "worker.pem",
                        "worker-key.pem");
        assertThat(params).allSatisfy(p -> assertThat(p.typeAsString()).isEqualTo("SecureString"));
        java.nio.file.Path tls = c.workDir().resolve("tls");
        assertThat(tls.resolve("ca-key.pem")).exists(); // the CA key stays on the user's machine
        for (Node n : List.of(scheduler, worker)) {
            String userData = userData(n.id());
            assertThat(userData)
                    .doesNotContain("PRIVATE KEY")
                    .doesNotContain("CERTIFICATE")
                    .contains(ParameterFiles.class.getName())
                    .contains("'" + prefix + "'")
                    .contains("--tls-server-name")
                    .contains(dev.jcloud.provisioner.tls.ClusterTrust.memberName(c.id()));
        }
        assertThat(userData(scheduler.id())).contains("\"$JCLOUD_HOME\"/'secrets/scheduler-key.pem'");
        assertThat(userData(worker.id())).contains("\"$JCLOUD_HOME\"/'secrets/worker-key.pem'");
        // The dashboard's token goes to the scheduler alone, as a file named on its command line.
        assertThat(userData(scheduler.id()))
                .containsSubsequence("'--dashboard-token-file'", "\"$JCLOUD_HOME\"/'secrets/dashboard-token'");
        assertThat(userData(worker.id())).doesNotContain("dashboard-token");
        String policy = java.net.URLDecoder.decode(
                aws.iam()
                        .getRolePolicy(r -> r.roleName(InstanceIdentity.name(c))
                                .policyName(aws.iam()
                                        .listRolePolicies(l -> l.roleName(InstanceIdentity.name(c)))
                                        .policyNames()
                                        .get(0)))
                        .policyDocument(),
                StandardCharsets.UTF_8);
        assertThat(policy).contains("parameter/jcloud/" + c.id() + "/*").doesNotContain("parameter/*\"");

        // What the boot script runs on the machine: the files, owner-only, equal to the user's copies.
        java.nio.file.Path out = dir.resolve("machine-secrets");
        ParameterFiles.fetch(aws.ssm(), prefix, ClusterSecrets.WORKER_FILES, out);
        assertThat(java.nio.file.Files.readString(out.resolve("worker-key.pem")))
                .isEqualTo(java.nio.file.Files.readString(tls.resolve("worker-key.pem")));
        assertThat(java.nio.file.Files.getPosixFilePermissions(out.resolve("worker-key.pem")))
                .containsExactlyInAnyOrder(
                        java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);

        provider.deleteSharedResources(c);
        assertThat(aws.ssm()
                        .getParametersByPath(r -> r.path(prefix).recursive(true))
                        .parameters())
                .isEmpty();
        assertNoJcloudResources();
    }

    @Test
    void upRemovesEngineVersionsNoMachineRunsAndTheOldExpiryRuleButKeepsOtherRules() throws Exception {
        String bucket = EngineUploads.bucket("123456789012", REGION);
        EngineUploads uploads = new EngineUploads(aws.s3(), aws.presigner(), REGION, "123456789012");
        EngineBundle used = bundle("sweep-used");
        EngineBundle unused = bundle("sweep-unused");
        uploads.publish(used);
        uploads.publish(unused);
        try {
            // A bucket made by an earlier jcloud: its rule expired every version 30 days after upload, in use or not.
            aws.s3()
                    .putBucketLifecycleConfiguration(r -> r.bucket(bucket)
                            .lifecycleConfiguration(c -> c.rules(
                                    software.amazon.awssdk.services.s3.model.LifecycleRule.builder()
                                            .id(EngineUploads.OLD_EXPIRY_RULE)
                                            .status("Enabled")
                                            .filter(f -> f.prefix("engine/"))
                                            .expiration(x -> x.days(30))
                                            .build(),
                                    software.amazon.awssdk.services.s3.model.LifecycleRule.builder()
                                            .id("the-users-own")
                                            .status("Enabled")
                                            .filter(f -> f.prefix("logs/"))
                                            .expiration(x -> x.days(7))
                                            .build())));

            uploads.publish(used);
            assertThat(aws.s3()
                            .getBucketLifecycleConfiguration(r -> r.bucket(bucket))
                            .rules())
                    .extracting(software.amazon.awssdk.services.s3.model.LifecycleRule::id)
                    .containsExactly("the-users-own");

            // Young versions stay whether used or not; past the age, only what a machine runs stays.
            assertThat(uploads.sweep(() -> java.util.Set.of(used.sha256()), "another"))
                    .isEmpty();
            EngineUploads monthLater = new EngineUploads(
                    aws.s3(),
                    aws.presigner(),
                    REGION,
                    "123456789012",
                    new EngineCachePolicy(
                            java.time.Clock.offset(
                                    java.time.Clock.systemUTC(), EngineCachePolicy.KEEP_UNUSED.plusMinutes(1)),
                            EngineCachePolicy.KEEP_UNUSED,
                            EngineCachePolicy.REFRESH_AFTER));
            assertThat(monthLater.sweep(() -> java.util.Set.of(used.sha256()), "another"))
                    .containsExactly(unused.sha256());
            assertThat(aws.s3().listObjectsV2(r -> r.bucket(bucket)).contents())
                    .extracting(o -> o.key())
                    .contains(EngineUploads.key(used.sha256()))
                    .doesNotContain(EngineUploads.key(unused.sha256()));

            // An up that reuses an old version dates it anew, so another up's sweep cannot take it meanwhile.
            Instant before = aws.s3()
                    .headObject(r -> r.bucket(bucket).key(EngineUploads.key(used.sha256())))
                    .lastModified();
            Thread.sleep(1_100); // S3 dates to the second
            new EngineUploads(
                            aws.s3(),
                            aws.presigner(),
                            REGION,
                            "123456789012",
                            new EngineCachePolicy(
                                    java.time.Clock.systemUTC(),
                                    EngineCachePolicy.KEEP_UNUSED,
                                    java.time.Duration.ZERO))
                    .publish(used);
            assertThat(aws.s3()
                            .headObject(r -> r.bucket(bucket).key(EngineUploads.key(used.sha256())))
                            .lastModified())
                    .isAfter(before);
        } finally {
            aws.s3().deleteBucketLifecycle(r -> r.bucket(bucket));
            for (EngineBundle b : List.of(used, unused)) {
                aws.s3().deleteObject(r -> r.bucket(bucket).key(EngineUploads.key(b.sha256())));
            }
        }
    }

    private EngineBundle bundle(String content) throws java.io.IOException {
        java.nio.file.Path jar = dir.resolve("bundles/" + content + "/engine.jar");
        java.nio.file.Files.createDirectories(jar.getParent());
        java.nio.file.Files.writeString(jar, content);
        return EngineBundle.of(List.of(jar), dir.resolve("bundles/" + content));
    }

    private String userData(String instanceId) {
        return new String(
                Base64.getDecoder()
                        .decode(aws.ec2()
                                .describeInstanceAttribute(
                                        r -> r.instanceId(instanceId).attribute(InstanceAttributeName.USER_DATA))
                                .userData()
                                .value()),
                StandardCharsets.UTF_8);
    }

    private void assertNoJcloudResources() {
        Ec2Client ec2 = aws.ec2();
        assertThat(describe(
                        ec2,
                        List.of(
                                JCLOUD,
                                Filter.builder()
                                        .name("instance-state-name")
                                        .values(Ec2Instances.NOT_TERMINATED)
                                        .build())))
                .as("instances")
                .isEmpty();
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
        assertThat(aws.iam().listRoles(r -> r.pathPrefix("/jcloud/")).roles())
                .as("roles")
                .isEmpty();
        assertThat(aws.iam().listInstanceProfiles(r -> r.pathPrefix("/jcloud/")).instanceProfiles())
                .as("profiles")
                .isEmpty();
    }

    private static List<Instance> describe(Ec2Client ec2, List<Filter> filters) {
        List<Instance> out = new ArrayList<>();
        ec2.describeInstances(r -> r.filters(filters)).reservations().forEach(res -> out.addAll(res.instances()));
        return out;
    }

    private static Instance describeOne(Ec2Client ec2, String id) {
        return ec2.describeInstances(r -> r.instanceIds(id))
                .reservations()
                .get(0)
                .instances()
                .get(0);
    }

    private static void assertPort(IpPermission p, int port) {
        assertThat(p.ipProtocol()).isEqualTo("tcp");
        assertThat(p.fromPort()).isEqualTo(port);
        assertThat(p.toPort()).isEqualTo(port);
        assertThat(p.ipRanges()).extracting(r -> r.cidrIp()).containsExactly(CALLER);
        assertThat(p.userIdGroupPairs()).isEmpty();
    }

    private Map<String, String> options(Map<String, String> extra) {
        Map<String, String> o = new HashMap<>();
        o.put(AwsOptions.REGION, REGION);
        o.put(AwsOptions.AMI, ami);
        o.put(AwsOptions.WORKER_TYPE, "t3.micro");
        o.put(AwsOptions.SCHEDULER_TYPE, "t3.micro");
        o.put(AwsOptions.ENGINE_URL, "https://engine.example/jcloud-engine.jar");
        o.put(AwsOptions.ENGINE_SHA256, SHA);
        o.put(AwsOptions.TERMINATE_TIMEOUT, "30");
        o.putAll(extra);
        return o;
    }

    private ClusterContext cluster(String name, Map<String, String> extra) {
        return new ClusterContext(name, ClusterNames.newId(), dir.resolve(name), options(extra));
    }

    private ClusterRequest request(String name) {
        ClusterRequest r = ClusterRequest.named(name).withWorkers(1).withStartTimeout(Duration.ofSeconds(5));
        for (Map.Entry<String, String> e : options(Map.of()).entrySet()) {
            r = r.withOption(e.getKey(), e.getValue());
        }
        return r;
    }
}
