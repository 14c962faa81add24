package dev.jcloud.providers.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.provisioner.CloudProviders;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.EngineCommand;
import dev.jcloud.provisioner.LaunchRequest;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.boot.EngineBundle;
import dev.jcloud.provisioner.controller.ClusterController;
import dev.jcloud.provisioner.controller.ClusterSpec;
import dev.jcloud.provisioner.controller.FakeScheduler;
import dev.jcloud.provisioner.net.CallerAddress;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;

/**
 * The in-cluster controller driving the EC2 provider against moto, as it does inside a scheduler
 * machine: it launches workers for queued work (with the scheduler's engine, never more than the
 * maximum), retires idle ones after their paid minute and terminates their instances, and at idle
 * teardown leaves no tagged instance, security group, role or secret. Every call it makes is one
 * the cluster's instance role allows (moto does not evaluate IAM, so the calls are recorded and
 * checked against the role's policy document).
 */
class ControllerOnEc2IT {

    @RegisterExtension
    static final MotoServer MOTO = new MotoServer();

    private static final Filter JCLOUD =
            Filter.builder().name("tag-key").values(ClusterContext.ID_TAG).build();

    @TempDir
    Path dir;

    private double now = 1000;

    @Test
    void scalesWithTheQueueWithinItsRolesRightsAndRemovesTheClusterWhenIdle() throws Exception {
        Path jar = dir.resolve("engine.jar");
        Files.writeString(jar, "engine");
        EngineBundle bundle = EngineBundle.of(List.of(jar), dir.resolve("bundle"));
        Map<String, String> o = new HashMap<>();
        o.put(AwsOptions.REGION, "us-east-1");
        o.put(AwsOptions.WORKER_TYPE, "t3.micro");
        o.put(AwsOptions.SCHEDULER_TYPE, "t3.micro");
        o.put(AwsOptions.MAX_WORKERS, "3");
        o.put(AwsOptions.TERMINATE_TIMEOUT, "30");
        o.put(ClusterTrust.OPTION, "true");
        ClusterContext c = new ClusterContext("ctl", ClusterNames.newId(), dir.resolve("ctl"), o);
        // What 'cluster up' does from the user's machine.
        Ec2Provider fromLaptop = new Ec2Provider(
                MOTO.clients(), CallerAddress.fixed(AwsOptions.ALLOW_FROM, "203.0.113.7/32"), x -> bundle);
        fromLaptop.bootstrap(c);
        fromLaptop.launch(
                c,
                new LaunchRequest(
                        NodeRole.SCHEDULER,
                        List.of(new LaunchRequest.NodeLaunch(
                                ClusterNames.scheduler("ctl"), EngineCommand.scheduler()))));

        // The controller in the scheduler process, with the machine's clients (recorded).
        RecordedCalls calls = new RecordedCalls();
        Ec2Provider inScheduler = new Ec2Provider(
                MOTO.clients(calls), CallerAddress.fixed(AwsOptions.ALLOW_FROM, "203.0.113.7/32"), x -> {
                    throw new AssertionError("a scheduler never uploads an engine");
                });
        FakeScheduler scheduler = new FakeScheduler();
        ClusterController controller = new ClusterController(CloudProviders.of(inScheduler), () -> now, false);
        ClusterSpec spec = new ClusterSpec(
                ClusterSpec.KIND,
                c.name(),
                c.id(),
                "aws",
                "",
                c.options(),
                2,
                null,
                "60s",
                new ClusterSpec.Adapt(0, 3, 5),
                60,
                60);
        assertThat(controller.start(scheduler, spec.toJson())).isTrue();

        scheduler.queue(300, 2.0);
        controller.step();
        List<Instance> workers = instances(c, NodeRole.WORKER);
        assertThat(workers).hasSize(3); // 600 s of work wants more; the maximum is 3
        workers.forEach(w -> scheduler.register(Tags.toMap(w.tags()).get(ClusterContext.NODE_TAG)));

        now += 60;
        scheduler.queue(0, 2.0);
        for (int s = 0; s < 400 && scheduler.retired.size() < 3; s++) {
            now += 1;
            controller.step();
        }
        assertThat(scheduler.retired).hasSize(3);
        scheduler.retired.forEach(scheduler::leave);
        now += 1;
        controller.step();
        assertThat(instances(c, NodeRole.WORKER)).isEmpty();

        controller.onIdleShutdown("idle for 20m (idle timeout)");

        try (AwsClients aws = MOTO.clients().create("us-east-1")) {
            assertThat(aws.ec2()
                            .describeInstances(r -> r.filters(
                                    JCLOUD,
                                    Filter.builder()
                                            .name("instance-state-name")
                                            .values(Ec2Instances.NOT_TERMINATED)
                                            .build()))
                            .reservations())
                    .as("instances")
                    .isEmpty();
            assertThat(aws.ec2().describeSecurityGroups(r -> r.filters(JCLOUD)).securityGroups())
                    .as("groups")
                    .isEmpty();
            assertThat(aws.iam().listRoles(r -> r.pathPrefix("/jcloud/")).roles())
                    .as("roles")
                    .isEmpty();
            assertThat(aws.ssm()
                            .getParametersByPath(
                                    r -> r.path("/jcloud/" + c.id() + "/").recursive(true))
                            .parameters())
                    .as("secrets")
                    .isEmpty();
        }
        String rolePolicy = InstancePolicies.permissionsPolicy(
                c,
                "aws",
                "us-east-1",
                "123456789012",
                "vpc-x",
                "sg-x",
                java.util.Optional.of("sg-default"),
                InstanceIdentity.name(c),
                InstanceIdentity.name(c),
                InstanceIdentity.workerName(c),
                InstanceIdentity.workerName(c));
        assertThat(calls.actions())
                .contains("ec2:RunInstances", "ec2:TerminateInstances", "ec2:ModifyInstanceAttribute");
        assertThat(calls.notAllowedBy(rolePolicy))
                .as("calls the cluster's own role does not allow")
                .isEmpty();
    }

    private List<Instance> instances(ClusterContext c, NodeRole role) {
        try (AwsClients aws = MOTO.clients().create("us-east-1")) {
            return new Ec2Instances(aws.ec2())
                    .find(c, Ec2Instances.ALIVE).stream()
                            .filter(i -> Ec2Instances.node(i).role() == role)
                            .toList();
        }
    }
}
