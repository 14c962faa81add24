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
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.ec2.model.Filter;

/**
 * The EC2 provider passes the provider contract against moto (one server per class, reset before
 * each test). Moto boots no machine, so the contract runs the engine the instances would run.
 */
class Ec2ProviderContractIT extends CloudProviderContract {

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

    private AwsClients aws;
    private String ami;

    @BeforeEach
    void connect() {
        aws = MOTO.clients().create(REGION);
        ami = aws.ec2().describeImages(r -> r.owners("amazon")).images().get(0).imageId();
    }

    @AfterEach
    void disconnect() {
        aws.close();
    }

    @Override
    protected CloudProvider newProvider() {
        return new Ec2Provider(MOTO.clients(counting), CallerAddress.fixed(AwsOptions.ALLOW_FROM, "203.0.113.7/32"));
    }

    @Override
    protected Map<String, String> options() {
        Map<String, String> o = new HashMap<>();
        o.put(AwsOptions.REGION, REGION);
        o.put(AwsOptions.AMI, ami);
        o.put(AwsOptions.WORKER_TYPE, "t3.micro");
        o.put(AwsOptions.SCHEDULER_TYPE, "t3.micro");
        o.put(AwsOptions.ENGINE_URL, "https://engine.example/jcloud-engine.jar");
        o.put(AwsOptions.ENGINE_SHA256, "0".repeat(64));
        o.put(AwsOptions.TERMINATE_TIMEOUT, "30");
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
     * Instances not terminated, security groups, VPCs and subnets other than the region's defaults,
     * and the roles under {@code /jcloud/}, each with the cluster id its tags carry.
     */
    @Override
    protected List<PlatformResource> platformResources() {
        List<PlatformResource> out = new ArrayList<>();
        aws.ec2()
                .describeInstances(r -> r.filters(Filter.builder()
                        .name("instance-state-name")
                        .values(Ec2Instances.NOT_TERMINATED)
                        .build()))
                .reservations()
                .forEach(res -> res.instances()
                        .forEach(i ->
                                out.add(PlatformResource.of("instance", i.instanceId(), id(Tags.toMap(i.tags()))))));
        aws.ec2().describeSecurityGroups().securityGroups().stream()
                .filter(g -> !g.groupName().equals("default"))
                .forEach(g -> out.add(PlatformResource.of("security-group", g.groupId(), id(Tags.toMap(g.tags())))));
        aws.ec2().describeVpcs().vpcs().stream()
                .filter(v -> !Boolean.TRUE.equals(v.isDefault()))
                .forEach(v -> out.add(PlatformResource.of("vpc", v.vpcId(), id(Tags.toMap(v.tags())))));
        aws.iam().listRoles(r -> r.pathPrefix("/jcloud/")).roles().forEach(role -> {
            Map<String, String> tags = new HashMap<>();
            aws.iam().listRoleTags(r -> r.roleName(role.roleName())).tags().forEach(t -> tags.put(t.key(), t.value()));
            out.add(PlatformResource.of("iam-role", role.roleName(), id(tags)));
        });
        return out;
    }

    @Override
    protected void crash(ClusterContext cluster, Node node) {
        aws.ec2().terminateInstances(r -> r.instanceIds(node.id()));
    }

    @Override
    protected long platformRequests() {
        return calls.get();
    }

    private static String id(Map<String, String> tags) {
        return tags.get(ClusterContext.ID_TAG);
    }
}
