package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.contract.CloudProviderContract;
import dev.jcloud.provisioner.contract.PlatformResource;
import dev.jcloud.provisioner.net.CallerAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.ClusterField;
import software.amazon.awssdk.services.ecs.model.Tag;
import software.amazon.awssdk.services.ecs.model.TaskField;

/**
 * The Fargate provider passes the provider contract against moto behind {@link FargateMotoProxy}
 * (one of each per class, reset before each test). Moto runs no container, so the contract runs
 * the engine the tasks would run.
 */
class FargateProviderContractIT extends CloudProviderContract {

    @RegisterExtension
    static final MotoServer MOTO = new MotoServer();

    private static final String REGION = "us-east-1";

    /** Every AWS API call the providers of this test make. */
    private final AtomicLong calls = new AtomicLong();

    private final ExecutionInterceptor counting = new ExecutionInterceptor() {
        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            calls.incrementAndGet();
        }
    };

    private static FargateMotoProxy proxy;
    private AwsClients aws;

    @BeforeAll
    static void startProxy() throws Exception {
        proxy = FargateMotoProxy.start(MOTO.endpoint());
    }

    @AfterAll
    static void stopProxy() {
        proxy.close();
    }

    @BeforeEach
    void connect() {
        proxy.reset();
        aws = AwsClients.factory(MOTO.credentials(), Optional.of(proxy.endpoint()))
                .create(REGION);
    }

    @AfterEach
    void disconnect() {
        aws.close();
    }

    @Override
    protected CloudProvider newProvider() {
        return new FargateProvider(
                AwsClients.factory(MOTO.credentials(), Optional.of(proxy.endpoint()), List.of(counting)),
                CallerAddress.fixed(AwsOptions.ALLOW_FROM, "203.0.113.7/32"),
                host -> false);
    }

    @Override
    protected Map<String, String> options() {
        Map<String, String> o = new HashMap<>();
        o.put(AwsOptions.REGION, REGION);
        o.put(AwsOptions.TERMINATE_TIMEOUT, "30");
        o.put(FargateOptions.IMAGE, "123456789012.dkr.ecr.us-east-1.amazonaws.com/jcloud-engine:0.1.0");
        o.put(FargateOptions.WORKER_CPU, "512");
        o.put(FargateOptions.WORKER_MEMORY, "2048");
        return o;
    }

    @Override
    protected Set<Capability> capabilities() {
        return Set.of(Capability.DISCOVERY, Capability.GC, Capability.WORKER_MAXIMUM);
    }

    @Override
    protected boolean nodesRunTheEngine() {
        return false;
    }

    @Override
    protected Map<String, String> workerMaximum(int max) {
        return Map.of(AwsOptions.MAX_WORKERS, Integer.toString(max));
    }

    /**
     * ECS clusters, their running tasks, security groups other than the defaults and the roles
     * under {@code /jcloud/}, each with the cluster id its tags carry.
     */
    @Override
    protected List<PlatformResource> platformResources() {
        List<PlatformResource> out = new ArrayList<>();
        EcsClient ecs = aws.ecs();
        for (String arn : ecs.listClusters().clusterArns()) {
            ecs.describeClusters(r -> r.clusters(arn).include(ClusterField.TAGS)).clusters().stream()
                    .filter(c -> !"INACTIVE".equals(c.status())) // deleted: ECS lists it a while longer
                    .forEach(c -> out.add(PlatformResource.of("ecs-cluster", c.clusterName(), ecsId(c.tags()))));
            List<String> tasks = ecs.listTasks(r -> r.cluster(arn)).taskArns();
            if (!tasks.isEmpty()) {
                ecs.describeTasks(r -> r.cluster(arn).tasks(tasks).include(TaskField.TAGS)).tasks().stream()
                        .filter(t -> !"STOPPED".equals(t.lastStatus()))
                        .forEach(t -> out.add(PlatformResource.of("task", t.taskArn(), ecsId(t.tags()))));
            }
        }
        aws.ec2().describeSecurityGroups().securityGroups().stream()
                .filter(g -> !g.groupName().equals("default"))
                .forEach(g -> out.add(PlatformResource.of("security-group", g.groupId(), id(Tags.toMap(g.tags())))));
        aws.iam().listRoles(r -> r.pathPrefix("/jcloud/")).roles().forEach(role -> {
            Map<String, String> tags = new HashMap<>();
            aws.iam().listRoleTags(r -> r.roleName(role.roleName())).tags().forEach(t -> tags.put(t.key(), t.value()));
            out.add(PlatformResource.of("iam-role", role.roleName(), id(tags)));
        });
        return out;
    }

    /** The task stops behind the provider's back, as a crashed container does. */
    @Override
    protected void crash(ClusterContext cluster, Node node) {
        aws.ecs()
                .stopTask(r -> r.cluster("jcloud-" + cluster.name() + "-" + cluster.id())
                        .task(node.id())
                        .reason("crashed by the contract test"));
    }

    @Override
    protected long platformRequests() {
        return calls.get();
    }

    private static String ecsId(List<Tag> tags) {
        return tags.stream()
                .filter(t -> t.key().equals(ClusterContext.ID_TAG))
                .map(Tag::value)
                .findFirst()
                .orElse(null);
    }

    private static String id(Map<String, String> tags) {
        return tags.get(ClusterContext.ID_TAG);
    }
}
