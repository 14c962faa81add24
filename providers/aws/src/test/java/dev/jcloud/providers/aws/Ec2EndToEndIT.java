package dev.jcloud.providers.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.engine.api.Client;
import dev.jcloud.engine.api.ClusterSummary;
import dev.jcloud.engine.api.Delayed;
import dev.jcloud.engine.api.TaskContext;
import dev.jcloud.engine.api.TaskFuture;
import dev.jcloud.engine.api.WorkerSummary;
import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterRequest;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.DownResult;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.net.CallerAddress;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Subnet;

/**
 * The EC2 provider end to end: {@code Provisioner.up} against moto, with every instance it launches
 * really booted by {@link BootHarness} (its user-data, the script users get, run in a network
 * namespace holding the instance's private IP), a graph computed on the cluster from a client in
 * this JVM, and {@code Provisioner.down} leaving nothing behind: not in moto, not as a process,
 * not as a namespace.
 *
 * <p>Needs root (network namespaces, veth, a bridge: see {@link NetnsNetwork}), iproute2, curl
 * and moto_server; fails naming what is missing, never skips.
 *
 * <p>Placement: a VPC and subnet the test creates ({@link NetnsNetwork#subnetCidr()}), passed as
 * {@code aws.subnet} like a user's subnet. The subnet does not map public IPs, so moto gives the
 * instances private addresses only and the provider dials the scheduler at the private address
 * its namespace holds. The engine is not given by URL: the provider packs this JVM's class path
 * and uploads it to moto's S3, and the machines fetch it over the presigned URL and check its
 * SHA-256, as on AWS.
 */
class Ec2EndToEndIT {

    private static final String REGION = "us-east-1";
    private static final String CLUSTER = "e2e";
    private static final int WORKERS = 2;
    private static final Filter JCLOUD =
            Filter.builder().name("tag-key").values(ClusterContext.ID_TAG).build();

    @TempDir
    Path dir;

    private NetnsNetwork network;
    private NetnsMotoServer moto;
    private AwsClients aws;
    private BootImds imds;
    private BootHarness harness;

    @BeforeEach
    void setUp() throws IOException {
        network = NetnsNetwork.create(); // fails, naming what is needed, when namespaces cannot be made here
        moto = NetnsMotoServer.start(network, dir);
        aws = moto.clients().create(REGION);
        imds = BootImds.start(network.hostAddress());
        harness = BootHarness.start(aws.ec2(), network, imds, dir.resolve("machines"));
    }

    @AfterEach
    void tearDown() {
        closeAll();
    }

    /** Machines first, then what they use; the network (with moto's namespace) last. Safe to call again. */
    private void closeAll() {
        if (harness != null) {
            harness.close();
        }
        if (imds != null) {
            imds.close();
        }
        if (aws != null) {
            aws.close();
        }
        if (moto != null) {
            moto.close();
        }
        if (network != null) {
            network.close();
        }
    }

    @Test
    void upBootsEveryInstanceFromItsUserDataTheClusterComputesAndDownRemovesEverything() throws Exception {
        Ec2Client ec2 = aws.ec2();
        String subnet = privateSubnet(ec2);
        String ami = ec2.describeImages(r -> r.owners("amazon")).images().get(0).imageId();
        Ec2Provider provider = new Ec2Provider(
                moto.clients(), CallerAddress.fixed(AwsOptions.ALLOW_FROM, network.hostAddress() + "/32"));
        Provisioner provisioner =
                new Provisioner(CloudProviders.of(provider), new ClusterStateStore(dir.resolve("state")));
        ClusterRequest request = ClusterRequest.named(CLUSTER)
                .withWorkers(WORKERS)
                .withNthreads(2)
                .withStartTimeout(Duration.ofSeconds(150))
                .withOption(AwsOptions.REGION, REGION)
                .withOption(AwsOptions.SUBNET, subnet)
                .withOption(AwsOptions.AMI, ami)
                .withOption(AwsOptions.SCHEDULER_TYPE, "t3.micro")
                .withOption(AwsOptions.WORKER_TYPE, "t3.micro")
                .withOption(AwsOptions.TERMINATE_TIMEOUT, "60")
                .withOption(ClusterTrust.OPTION, "false"); // the EC2 provider refuses TLS until it is delivered

        ClusterRecord record;
        try {
            record = provisioner.up("aws", request, 0);
        } catch (RuntimeException e) {
            throw new AssertionError("up failed: " + e.getMessage() + "\n" + harness.report(), e);
        }

        // What moto reports: one scheduler and the workers, private addresses only, in the test's subnet.
        List<Instance> instances = instances(ec2, List.of(JCLOUD));
        assertThat(instances).as(harness.report()).hasSize(1 + WORKERS).allSatisfy(i -> {
            assertThat(i.publicIpAddress()).isNull();
            assertThat(i.subnetId()).isEqualTo(subnet);
        });
        Map<String, String> ipByName = instances.stream()
                .collect(Collectors.toMap(
                        i -> Tags.toMap(i.tags()).get(ClusterContext.NODE_TAG), Instance::privateIpAddress));
        assertThat(record.scheduler()).isEqualTo(ipByName.get(ClusterNames.scheduler(CLUSTER)) + ":8786");
        // One identity per worker: the name tagged on its instance is the name it registers under.
        List<String> workerNames = instances.stream()
                .map(i -> Tags.toMap(i.tags()))
                .filter(t -> "worker".equals(t.get(ClusterContext.ROLE_TAG)))
                .map(t -> t.get(ClusterContext.NODE_TAG))
                .toList();
        assertThat(workerNames).hasSize(WORKERS).allMatch(n -> n.startsWith(CLUSTER + "-worker-"));

        try (Client client = provisioner.connect(record)) {
            ClusterSummary summary = client.summary();
            // Each worker registered under the name its launch index (read from the IMDS) picked, from its own address.
            assertThat(summary.workers())
                    .as(harness.report())
                    .extracting(WorkerSummary::name)
                    .containsExactlyInAnyOrderElementsOf(workerNames);
            for (WorkerSummary w : summary.workers()) {
                assertThat(w.address()).startsWith(ipByName.get(w.name()) + ":");
            }

            List<TaskFuture<Long>> squares =
                    client.map(x -> x * x, LongStream.rangeClosed(1, 40).boxed().toList());
            List<Delayed<Long>> parts = new ArrayList<>();
            squares.forEach(f -> parts.add(Delayed.of(f)));
            Delayed<Long> total = Delayed.all(parts).then(Ec2EndToEndIT::sum);
            assertThat(client.compute(total).get(60, TimeUnit.SECONDS)).isEqualTo(22_140L); // 1² + ... + 40²

            List<String> ranOn = client.gather(client.map(i -> TaskContext.workerName(), List.of(1, 2, 3, 4, 5, 6)));
            assertThat(ranOn).isSubsetOf(workerNames);
        }

        List<BootHarness.MachineView> booted = harness.machines();
        assertThat(booted).as(harness.report()).hasSize(1 + WORKERS);
        for (BootHarness.MachineView m : booted) {
            // The script's own steps: java found on PATH (no JRE install), engine fetched and its SHA-256 accepted.
            assertThat(m.console())
                    .as(m.name())
                    .contains("jcloud-boot: starting the engine " + m.role())
                    .doesNotContain("installing a JRE");
            assertThat(m.engineProcesses())
                    .as(m.name() + " runs the engine: " + m.processes().values())
                    .isNotEmpty();
            if (m.role().equals("worker")) {
                assertThat(imds.launchIndexReads(m.instanceId()))
                        .as(m.name() + " read its launch index")
                        .isEqualTo(1);
            }
        }

        DownResult down = provisioner.down(CLUSTER, Duration.ofSeconds(60));

        assertThat(down).isEqualTo(DownResult.STOPPED);
        assertThat(harness.awaitAllStopped(Duration.ofSeconds(30)))
                .as(harness.report())
                .isTrue();
        assertThat(instances(
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
        assertThat(aws.iam().listRoles(r -> r.pathPrefix("/jcloud/")).roles())
                .as("roles")
                .isEmpty();
        assertThat(aws.iam().listInstanceProfiles(r -> r.pathPrefix("/jcloud/")).instanceProfiles())
                .as("profiles")
                .isEmpty();
        assertThat(ec2.describeSubnets(r -> r.subnetIds(subnet)).subnets())
                .as("the user's subnet stays")
                .hasSize(1);
        assertThat(provisioner.list()).isEmpty();
        for (BootHarness.MachineView m : harness.machines()) {
            // The engines stopped on the cluster's shutdown and their machines powered off; nothing outlived them.
            assertThat(m.poweredOff())
                    .as(m.name() + " powered off\n" + harness.report())
                    .isTrue();
            assertThat(m.aliveWhenTerminated())
                    .as(m.name() + " processes alive at termination")
                    .isEmpty();
            assertThat(m.processes().keySet()).as(m.name() + " processes").noneMatch(ProcessHandle::isAlive);
        }
        assertThat(network.namespaces()).as("machine namespaces").containsExactly(network.hub());
        assertThat(harness.problems()).isEmpty();

        closeAll();
        assertThat(network.namespaces()).as("namespaces").isEmpty();
        assertThat(network.hostVethExists()).as("veth on this machine").isFalse();
        assertThat(network.hostsFilesLeft()).as("/etc/netns files").isFalse();
    }

    /** A VPC and a subnet of the test network, without public IPs on launch (the default for new subnets). */
    private String privateSubnet(Ec2Client ec2) {
        String vpc = ec2.createVpc(r -> r.cidrBlock(network.vpcCidr())).vpc().vpcId();
        Subnet s = ec2.createSubnet(
                        r -> r.vpcId(vpc).cidrBlock(network.subnetCidr()).availabilityZone(REGION + "a"))
                .subnet();
        assertThat(s.mapPublicIpOnLaunch()).isFalse();
        return s.subnetId();
    }

    private static List<Instance> instances(Ec2Client ec2, List<Filter> filters) {
        List<Instance> out = new ArrayList<>();
        ec2.describeInstances(r -> r.filters(filters)).reservations().forEach(res -> out.addAll(res.instances()));
        return out;
    }

    private static long sum(List<Long> xs) {
        return xs.stream().mapToLong(Long::longValue).sum();
    }
}
