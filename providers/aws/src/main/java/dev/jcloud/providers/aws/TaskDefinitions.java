package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.NodeRole;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.CPUArchitecture;
import software.amazon.awssdk.services.ecs.model.ClientException;
import software.amazon.awssdk.services.ecs.model.Compatibility;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.LogDriver;
import software.amazon.awssdk.services.ecs.model.NetworkMode;
import software.amazon.awssdk.services.ecs.model.OSFamily;
import software.amazon.awssdk.services.ecs.model.PortMapping;
import software.amazon.awssdk.services.ecs.model.TaskDefinition;
import software.amazon.awssdk.services.ecs.model.TaskDefinitionStatus;
import software.amazon.awssdk.services.ecs.model.TransportProtocol;

/**
 * The two task definitions of a cluster (families {@link FargateNames#family}): Fargate, awsvpc
 * networking, the cluster's roles, the awslogs driver writing to the cluster's log group, and one
 * container running the engine image.
 *
 * <p>The engine command is not part of the definition: it is given per RunTask as a container
 * override, because a worker's command names its scheduler's address, known only at launch. That
 * also means the in-cluster controller can start workers without the right to register task
 * definitions (which AWS cannot scope to a cluster). Nothing secret is in a definition or an
 * override: only the image, sizes, role ARNs, the log group, the cluster's name and id.
 */
final class TaskDefinitions {

    private static final Logger LOG = LoggerFactory.getLogger(TaskDefinitions.class);
    /**
     * The container's entry point. Jib writes the image's class path to
     * {@code /app/jib-classpath-file}; {@link FargateTaskMain} gives a worker its name and then runs
     * the engine. The heap may use three quarters of the task's memory (the JVM's default is a quarter).
     */
    static final List<String> ENTRY_POINT = List.of(
            "java", "-XX:MaxRAMPercentage=75", "-cp", "@/app/jib-classpath-file", FargateTaskMain.class.getName());
    /** Seconds a stopping task gets between SIGTERM and SIGKILL (Fargate's maximum is 120). */
    static final int STOP_TIMEOUT_SECONDS = 60;

    /** What differs between the scheduler's and the workers' definition. */
    record Spec(
            NodeRole role,
            String image,
            int cpu,
            int memoryMiB,
            TaskRoles.Arns roles,
            String logGroup,
            String region,
            boolean tls,
            Map<String, String> tags) {}

    private final EcsClient ecs;

    TaskDefinitions(EcsClient ecs) {
        this.ecs = ecs;
    }

    /** The ARN of the role's definition, registering a new revision when the latest one differs from {@code spec}. */
    String ensure(ClusterContext cluster, Spec spec) {
        String family = FargateNames.family(cluster, spec.role());
        ContainerDefinition wanted = container(cluster, spec);
        Optional<TaskDefinition> latest = latest(family);
        if (latest.isPresent() && same(latest.get(), spec, wanted)) {
            return latest.get().taskDefinitionArn();
        }
        TaskDefinition registered = ecs.registerTaskDefinition(r -> r.family(family)
                        .networkMode(NetworkMode.AWSVPC)
                        .requiresCompatibilities(Compatibility.FARGATE)
                        .cpu(Integer.toString(spec.cpu()))
                        .memory(Integer.toString(spec.memoryMiB()))
                        .runtimePlatform(
                                p -> p.operatingSystemFamily(OSFamily.LINUX).cpuArchitecture(CPUArchitecture.X86_64))
                        .taskRoleArn(spec.roles().taskRole())
                        .executionRoleArn(spec.roles().executionRole())
                        .containerDefinitions(wanted)
                        .tags(EcsTags.of(spec.tags())))
                .taskDefinition();
        LOG.info("{}: registered task definition {}", cluster.name(), registered.taskDefinitionArn());
        return registered.taskDefinitionArn();
    }

    /** The latest active revision of {@code family}. */
    Optional<TaskDefinition> latest(String family) {
        try {
            TaskDefinition d =
                    ecs.describeTaskDefinition(r -> r.taskDefinition(family)).taskDefinition();
            return d.status() == TaskDefinitionStatus.ACTIVE ? Optional.of(d) : Optional.empty();
        } catch (ClientException e) {
            return Optional.empty(); // "Unable to describe task definition": none registered
        }
    }

    /** Deregisters every active revision of the cluster's two families. */
    void deregisterAll(ClusterContext cluster) {
        for (NodeRole role : NodeRole.values()) {
            String family = FargateNames.family(cluster, role);
            List<String> arns = new ArrayList<>();
            ecs.listTaskDefinitionsPaginator(r -> r.familyPrefix(family).status(TaskDefinitionStatus.ACTIVE))
                    .taskDefinitionArns()
                    .forEach(arns::add);
            for (String arn : arns) {
                // familyPrefix is a prefix: keep to this family exactly.
                if (arn.substring(arn.lastIndexOf('/') + 1).startsWith(family + ":")) {
                    ecs.deregisterTaskDefinition(r -> r.taskDefinition(arn));
                    LOG.info("{}: deregistered task definition {}", cluster.name(), arn);
                }
            }
        }
    }

    private static ContainerDefinition container(ClusterContext cluster, Spec spec) {
        List<PortMapping> ports = new ArrayList<>();
        if (spec.role() == NodeRole.SCHEDULER) {
            for (int port : new int[] {ClusterSecurityGroup.SCHEDULER_PORT, ClusterSecurityGroup.DASHBOARD_PORT}) {
                ports.add(PortMapping.builder()
                        .containerPort(port)
                        .protocol(TransportProtocol.TCP)
                        .build());
            }
        }
        return ContainerDefinition.builder()
                .name(FargateNames.CONTAINER)
                .image(spec.image())
                .essential(true)
                // The task's memory again, as the container's hard limit: the same on Fargate, and
                // moto cannot run a Fargate task whose containers have no memory of their own.
                .memory(spec.memoryMiB())
                .entryPoint(ENTRY_POINT)
                .environment(environment(cluster, spec))
                .portMappings(ports)
                .stopTimeout(STOP_TIMEOUT_SECONDS)
                .logConfiguration(l -> l.logDriver(LogDriver.AWSLOGS)
                        .options(Map.of(
                                "awslogs-group", spec.logGroup(),
                                "awslogs-region", spec.region(),
                                "awslogs-stream-prefix", FargateNames.STREAM_PREFIX)))
                .build();
    }

    private static boolean same(TaskDefinition have, Spec spec, ContainerDefinition wanted) {
        if (have.containerDefinitions().size() != 1) {
            return false;
        }
        ContainerDefinition c = have.containerDefinitions().get(0);
        return Objects.equals(have.cpu(), Integer.toString(spec.cpu()))
                && Objects.equals(have.memory(), Integer.toString(spec.memoryMiB()))
                && Objects.equals(have.taskRoleArn(), spec.roles().taskRole())
                && Objects.equals(have.executionRoleArn(), spec.roles().executionRole())
                && Objects.equals(c.name(), wanted.name())
                && Objects.equals(c.image(), wanted.image())
                && Objects.equals(c.entryPoint(), wanted.entryPoint())
                && Objects.equals(c.environment(), wanted.environment())
                && c.logConfiguration() != null
                && Objects.equals(
                        c.logConfiguration().options(),
                        wanted.logConfiguration().options());
    }

    /** The cluster's name and id, the role, and with TLS where its secrets are (a region and a path; no values). */
    private static List<KeyValuePair> environment(ClusterContext cluster, Spec spec) {
        List<KeyValuePair> env = new ArrayList<>(List.of(
                env(FargateTaskMain.CLUSTER_ENV, cluster.name()),
                env("JCLOUD_CLUSTER_ID", cluster.id()),
                env("JCLOUD_ROLE", spec.role().label())));
        if (spec.tls()) {
            env.add(env(FargateTaskMain.SECRETS_REGION_ENV, spec.region()));
            env.add(env(FargateTaskMain.SECRETS_PREFIX_ENV, ClusterSecrets.prefix(cluster)));
        }
        return env;
    }

    private static KeyValuePair env(String name, String value) {
        return KeyValuePair.builder().name(name).value(value).build();
    }
}
