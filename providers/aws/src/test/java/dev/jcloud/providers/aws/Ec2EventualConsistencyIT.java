package dev.jcloud.providers.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.ClusterRecord;
import dev.jcloud.provisioner.ClusterRequest;
import dev.jcloud.provisioner.ClusterStateStore;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.Provisioner;
import dev.jcloud.provisioner.TestLaunches;
import dev.jcloud.provisioner.net.CallerAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesResponse;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Reservation;
import software.amazon.awssdk.services.ec2.model.RunInstancesResponse;
import software.amazon.awssdk.services.ec2.model.TerminateInstancesRequest;

/**
 * EC2's eventually consistent listings against moto: an instance launched a moment ago is missing
 * from DescribeInstances and unknown to TerminateInstances for a while. Moto answers at once, so
 * the SDK's interceptor plays the lag: it hides chosen instances from every DescribeInstances
 * answer and answers {@code InvalidInstanceID.NotFound} to their first termination.
 */
class Ec2EventualConsistencyIT {

    @RegisterExtension
    static final MotoServer MOTO = new MotoServer();

    private static final String CALLER = "203.0.113.7/32";
    private static final String REGION = "us-east-1";

    @TempDir
    Path dir;

    private final Set<String> hidden = ConcurrentHashMap.newKeySet();
    private final Set<String> refusedOnce = ConcurrentHashMap.newKeySet();
    private final List<String> terminateCalls = java.util.Collections.synchronizedList(new ArrayList<>());

    private volatile boolean hideEveryLaunch;

    private final ExecutionInterceptor lag = new ExecutionInterceptor() {
        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof TerminateInstancesRequest t) {
                terminateCalls.addAll(t.instanceIds());
                for (String id : t.instanceIds()) {
                    if (hidden.contains(id) && refusedOnce.add(id)) {
                        throw Ec2Exception.builder()
                                .statusCode(400)
                                .awsErrorDetails(AwsErrorDetails.builder()
                                        .errorCode(Ec2Instances.NOT_FOUND)
                                        .errorMessage("The instance ID '" + id + "' does not exist")
                                        .build())
                                .build();
                    }
                }
            }
        }

        @Override
        public SdkResponse modifyResponse(Context.ModifyResponse context, ExecutionAttributes attributes) {
            if (context.response() instanceof RunInstancesResponse run && hideEveryLaunch) {
                run.instances().forEach(i -> hidden.add(i.instanceId()));
            }
            if (context.response() instanceof DescribeInstancesResponse d && !hidden.isEmpty()) {
                List<Reservation> kept = new ArrayList<>();
                for (Reservation r : d.reservations()) {
                    List<Instance> visible = r.instances().stream()
                            .filter(i -> !hidden.contains(i.instanceId()))
                            .toList();
                    if (!visible.isEmpty()) {
                        kept.add(r.toBuilder().instances(visible).build());
                    }
                }
                return d.toBuilder().reservations(kept).build();
            }
            return context.response();
        }
    };

    private AwsClients aws;
    private Ec2Provider provider;
    private String ami;

    @BeforeEach
    void setUp() {
        aws = MOTO.clients().create(REGION);
        provider = new Ec2Provider(MOTO.clients(lag), CallerAddress.fixed(AwsOptions.ALLOW_FROM, CALLER));
        ami = aws.ec2().describeImages(r -> r.owners("amazon")).images().get(0).imageId();
    }

    @AfterEach
    void tearDown() {
        aws.close();
    }

    @Test
    void aListDuringUpKeepsTheStartingClusterAndTearsItDownOnlyPastTheGraceByTheIdsItKnows() {
        ClusterStateStore store = new ClusterStateStore(dir.resolve("state"));
        Provisioner provisioner = new Provisioner(CloudProviders.of(provider), store);
        String name = "young";
        ClusterContext c = new ClusterContext(name, ClusterNames.newId(), store.clusterDir(name), options());
        provider.bootstrap(c);
        Node scheduler = provider.launch(c, TestLaunches.scheduler(c)).get(0);
        // What up saves right after launching the scheduler, which EC2 does not list yet.
        hidden.add(scheduler.id());
        store.save(record(c, scheduler, System.currentTimeMillis()));

        assertThat(provider.nodes(c)).isEmpty();
        assertThat(provisioner.list()).extracting(ClusterRecord::name).containsExactly(name);
        assertThat(provisioner.find(name)).isPresent();
        assertThat(terminateCalls).isEmpty();
        assertThat(aws.ec2()
                        .describeSecurityGroups(r -> r.filters(Tags.clusterFilter(c)))
                        .securityGroups())
                .hasSize(1);
        assertThat(aws.iam().getRole(r -> r.roleName(InstanceIdentity.name(c))).role())
                .isNotNull();
        assertThat(state(scheduler.id())).isEqualTo("running");

        // Past the grace without a scheduler, the cluster is gone (here its scheduler died): list removes it.
        aws.ec2().terminateInstances(r -> r.instanceIds(scheduler.id()));
        hidden.clear();
        long old = System.currentTimeMillis()
                - provider.startingGrace().plus(Duration.ofMinutes(1)).toMillis();
        store.save(record(c, scheduler, old));
        assertThat(provisioner.list()).isEmpty();

        assertThat(aws.ec2()
                        .describeSecurityGroups(r -> r.filters(Tags.clusterFilter(c)))
                        .securityGroups())
                .isEmpty();
        assertThat(store.load(name)).isEmpty();
    }

    @Test
    void aFailedUpTerminatesTheInstanceItLaunchedByIdThoughEc2DoesNotListItYet() {
        hideEveryLaunch = true;
        Provisioner provisioner =
                new Provisioner(CloudProviders.of(provider), new ClusterStateStore(dir.resolve("state")));
        ClusterRequest request = ClusterRequest.named("unseen").withWorkers(1).withStartTimeout(Duration.ofSeconds(5));
        for (Map.Entry<String, String> e : options().entrySet()) {
            request = request.withOption(e.getKey(), e.getValue());
        }
        ClusterRequest up = request;

        // EC2 lists no scheduler: up fails, and its rollback must still terminate the instance it launched.
        assertThatThrownBy(() -> provisioner.up("aws", up, 0)).hasMessageContaining("is gone");

        assertThat(hidden).hasSize(1);
        String scheduler = hidden.iterator().next();
        assertThat(terminateCalls).containsExactly(scheduler, scheduler); // unknown at first, then terminated
        assertThat(state(scheduler)).isEqualTo("terminated");
        assertThat(aws.ec2()
                        .describeSecurityGroups(r -> r.filters(Filter.builder()
                                .name("tag-key")
                                .values(ClusterContext.ID_TAG)
                                .build()))
                        .securityGroups())
                .isEmpty();
    }

    @Test
    void rollbackNeverTerminatesAnInstanceTaggedWithAnotherCluster() {
        ClusterContext mine = new ClusterContext("mine", ClusterNames.newId(), dir.resolve("mine"), options());
        ClusterContext other = new ClusterContext("other", ClusterNames.newId(), dir.resolve("other"), options());
        provider.bootstrap(mine);
        provider.bootstrap(other);
        Node ours = provider.launch(mine, TestLaunches.scheduler(mine)).get(0);
        Node theirs = provider.launch(other, TestLaunches.scheduler(other)).get(0);

        provider.terminate(mine, List.of(ours, theirs));

        assertThat(state(ours.id())).isEqualTo("terminated");
        assertThat(state(theirs.id())).isEqualTo("running");
        provider.terminate(other, List.of(theirs));
        provider.deleteSharedResources(mine);
        provider.deleteSharedResources(other);
    }

    private String state(String instanceId) {
        return aws.ec2()
                .describeInstances(r -> r.filters(
                        Filter.builder().name("instance-id").values(instanceId).build()))
                .reservations()
                .get(0)
                .instances()
                .get(0)
                .state()
                .nameAsString();
    }

    private static ClusterRecord record(ClusterContext c, Node scheduler, long createdAtMillis) {
        return new ClusterRecord(
                c.name(),
                c.id(),
                "aws",
                null,
                null,
                createdAtMillis,
                1,
                null,
                "60s",
                "0",
                1,
                List.of(scheduler),
                c.options(),
                0);
    }

    private Map<String, String> options() {
        return Map.of(
                AwsOptions.REGION,
                REGION,
                AwsOptions.AMI,
                ami,
                AwsOptions.WORKER_TYPE,
                "t3.micro",
                AwsOptions.SCHEDULER_TYPE,
                "t3.micro",
                AwsOptions.ENGINE_URL,
                "https://engine.example/jcloud-engine.jar",
                AwsOptions.ENGINE_SHA256,
                "0".repeat(64),
                AwsOptions.TERMINATE_TIMEOUT,
                "30");
    }
}
