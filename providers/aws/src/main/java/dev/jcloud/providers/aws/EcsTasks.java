package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.Node;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.ProvisionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.AssignPublicIp;
import software.amazon.awssdk.services.ecs.model.Attachment;
import software.amazon.awssdk.services.ecs.model.CapacityProviderStrategyItem;
import software.amazon.awssdk.services.ecs.model.ClusterNotFoundException;
import software.amazon.awssdk.services.ecs.model.Container;
import software.amazon.awssdk.services.ecs.model.ContainerOverride;
import software.amazon.awssdk.services.ecs.model.DesiredStatus;
import software.amazon.awssdk.services.ecs.model.Failure;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.LaunchType;
import software.amazon.awssdk.services.ecs.model.RunTaskRequest;
import software.amazon.awssdk.services.ecs.model.RunTaskResponse;
import software.amazon.awssdk.services.ecs.model.Task;
import software.amazon.awssdk.services.ecs.model.TaskField;

/**
 * The Fargate tasks of a cluster: started with RunTask {@code count} in batches of the API's limit
 * ({@value #MAX_PER_CALL}), found by listing the cluster's own ECS cluster, stopped and waited for.
 */
final class EcsTasks {

    private static final Logger LOG = LoggerFactory.getLogger(EcsTasks.class);
    /** RunTask starts at most 10 tasks per call. */
    static final int MAX_PER_CALL = 10;
    /** DescribeTasks takes at most 100 tasks per call. */
    private static final int DESCRIBE_LIMIT = 100;
    /** Last states of a task that is leaving or gone: it no longer counts as a node. */
    static final Set<String> LEAVING = Set.of("DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED", "DELETED");

    static final String STOPPED = "STOPPED";

    private final EcsClient ecs;

    EcsTasks(EcsClient ecs) {
        this.ecs = ecs;
    }

    /**
     * What one launch of tasks needs.
     *
     * @param cluster        the ECS cluster's name
     * @param taskDefinition the task definition ARN
     * @param command        the engine arguments, as the container's command override
     * @param roleDeadline   until when "unable to assume the role" counts as IAM still propagating
     */
    record Launch(
            String cluster,
            String taskDefinition,
            List<String> command,
            List<String> subnets,
            String groupId,
            boolean publicIp,
            boolean spot,
            Map<String, String> tags,
            String startedBy,
            Instant roleDeadline) {}

    /**
     * Starts {@code count} tasks, {@value #MAX_PER_CALL} per RunTask call. With {@code spot}, each
     * batch asks FARGATE_SPOT first and starts on plain FARGATE what spot capacity refused. All or
     * nothing: on any failure the tasks this call started are stopped before the error is thrown.
     */
    List<Task> run(Launch launch, int count) {
        List<Task> started = new ArrayList<>();
        try {
            for (int left = count; left > 0; ) {
                int n = Math.min(MAX_PER_CALL, left);
                runBatch(launch, n, started);
                left -= n;
            }
            return started;
        } catch (RuntimeException e) {
            if (!started.isEmpty()) {
                LOG.warn("stopping the {} task(s) started before the launch failed", started.size());
                try {
                    stop(launch.cluster(), started.stream().map(Task::taskArn).toList(), "jcloud: launch failed");
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private void runBatch(Launch launch, int n, List<Task> started) {
        int missing = n;
        if (launch.spot()) {
            RunTaskResponse spot;
            try {
                spot = runTask(launch, missing, true);
            } catch (AwsServiceException e) {
                if (!capacityRefused(e.getMessage())) {
                    throw e;
                }
                spot = RunTaskResponse.builder()
                        .failures(Failure.builder().reason(e.getMessage()).build())
                        .build();
            }
            started.addAll(spot.tasks());
            missing -= spot.tasks().size();
            if (missing == 0) {
                return;
            }
            if (spot.failures().isEmpty() || !spot.failures().stream().allMatch(f -> capacityRefused(f.reason()))) {
                throw failed(launch, n, spot);
            }
            LOG.warn(
                    "FARGATE_SPOT refused {} of {} task(s) ({}); starting them on FARGATE",
                    missing,
                    n,
                    spot.failures().get(0).reason());
        }
        RunTaskResponse onDemand = runTask(launch, missing, false);
        started.addAll(onDemand.tasks());
        if (onDemand.tasks().size() < missing) {
            throw failed(launch, missing, onDemand);
        }
    }

    private RunTaskResponse runTask(Launch launch, int count, boolean spot) {
        Map<String, String> tags = new LinkedHashMap<>(launch.tags());
        // How the task is billed, for the cost meter (as on EC2 instances).
        tags.put(Tags.MARKET, spot ? Tags.SPOT : Tags.ON_DEMAND);
        RunTaskRequest.Builder request = RunTaskRequest.builder()
                .cluster(launch.cluster())
                .taskDefinition(launch.taskDefinition())
                .count(count)
                .platformVersion("LATEST")
                .networkConfiguration(n -> n.awsvpcConfiguration(a -> a.subnets(launch.subnets())
                        .securityGroups(launch.groupId())
                        .assignPublicIp(launch.publicIp() ? AssignPublicIp.ENABLED : AssignPublicIp.DISABLED)))
                .overrides(o -> o.containerOverrides(ContainerOverride.builder()
                        .name(FargateNames.CONTAINER)
                        .command(launch.command())
                        .build()))
                .tags(EcsTags.of(tags))
                .enableECSManagedTags(true)
                .startedBy(launch.startedBy());
        if (spot) {
            request.capacityProviderStrategy(CapacityProviderStrategyItem.builder()
                    .capacityProvider(EcsClusters.FARGATE_SPOT)
                    .weight(1)
                    .build());
        } else {
            request.launchType(LaunchType.FARGATE);
        }
        RunTaskRequest built = request.build();
        return retryWhileRolesPropagate(launch.roleDeadline(), () -> ecs.runTask(built));
    }

    /**
     * IAM is eventually consistent: right after the roles are created, ECS may not be able to assume
     * them yet (AWS documents a delay of seconds). Such a refusal is retried until {@code deadline}.
     */
    private static RunTaskResponse retryWhileRolesPropagate(
            Instant deadline, java.util.function.Supplier<RunTaskResponse> call) {
        Duration pause = Duration.ofSeconds(1);
        while (true) {
            try {
                return call.get();
            } catch (AwsServiceException e) {
                String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
                if (!message.contains("unable to assume") || !Instant.now().isBefore(deadline)) {
                    throw e;
                }
            }
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProvisionException("interrupted while starting tasks", e);
            }
            pause = pause.multipliedBy(2).compareTo(Duration.ofSeconds(10)) > 0
                    ? Duration.ofSeconds(10)
                    : pause.multipliedBy(2);
        }
    }

    /** Whether a RunTask failure is Fargate saying it has no capacity (for spot: fall back to on-demand). */
    static boolean capacityRefused(String reason) {
        String r = String.valueOf(reason).toLowerCase(Locale.ROOT);
        return r.contains("capacity") && (r.contains("unavailable") || r.contains("insufficient"));
    }

    private static ProvisionException failed(Launch launch, int asked, RunTaskResponse response) {
        String reasons = response.failures().stream()
                .map(f -> f.reason() + (f.detail() == null ? "" : " (" + f.detail() + ")"))
                .distinct()
                .collect(Collectors.joining("; "));
        return new ProvisionException("ECS started " + response.tasks().size() + " of " + asked + " task(s) of "
                + launch.taskDefinition() + ": " + (reasons.isEmpty() ? "no reason given" : reasons));
    }

    /** The tasks of the ECS cluster that are starting or running (not leaving); empty if the cluster is gone. */
    List<Task> alive(String cluster) {
        return describe(cluster, list(cluster)).stream()
                .filter(t -> !LEAVING.contains(t.lastStatus()))
                .toList();
    }

    /** The ARNs of the tasks the cluster wants running. */
    List<String> list(String cluster) {
        try {
            List<String> arns = new ArrayList<>();
            ecs.listTasksPaginator(r -> r.cluster(cluster).desiredStatus(DesiredStatus.RUNNING))
                    .taskArns()
                    .forEach(arns::add);
            return arns;
        } catch (ClusterNotFoundException e) {
            return List.of();
        }
    }

    /** The tasks among {@code arns} that ECS still knows, with their tags. */
    List<Task> describe(String cluster, Collection<String> arns) {
        List<String> all = List.copyOf(arns);
        List<Task> out = new ArrayList<>();
        try {
            for (int i = 0; i < all.size(); i += DESCRIBE_LIMIT) {
                List<String> chunk = all.subList(i, Math.min(all.size(), i + DESCRIBE_LIMIT));
                // Only this ECS cluster's tasks, whatever ARNs were passed in.
                ecs.describeTasks(r -> r.cluster(cluster).tasks(chunk).include(TaskField.TAGS)).tasks().stream()
                        .filter(t -> String.valueOf(t.clusterArn()).endsWith(":cluster/" + cluster))
                        .forEach(out::add);
            }
        } catch (ClusterNotFoundException e) {
            return List.of();
        }
        return out;
    }

    Optional<Task> describe(String cluster, String arn) {
        return describe(cluster, List.of(arn)).stream()
                .filter(t -> t.taskArn().equals(arn))
                .findFirst();
    }

    /** Asks ECS to stop those of {@code arns} that still run; tasks already stopped or unknown are skipped. */
    void stop(String cluster, Collection<String> arns, String reason) {
        for (Task t : describe(cluster, arns)) {
            if (!STOPPED.equals(t.lastStatus()) && !STOPPED.equals(t.desiredStatus())) {
                ecs.stopTask(r -> r.cluster(cluster).task(t.taskArn()).reason(reason));
            }
        }
    }

    /** Stops the tasks and waits, until {@code deadline}, until ECS reports every one of them STOPPED. */
    void stopAndWait(String cluster, Collection<String> arns, String reason, Instant deadline) {
        if (arns.isEmpty()) {
            return;
        }
        stop(cluster, arns, reason);
        Deadlines.await(
                arns.size() + " task(s) of ECS cluster " + cluster + " are stopped",
                deadline,
                () -> describe(cluster, arns).stream().allMatch(t -> STOPPED.equals(t.lastStatus())));
    }

    /** Writes each worker's name (see {@link FargateNames#worker}) to its {@code jcloud.node} tag. */
    void nameWorkers(ClusterContext cluster, List<Task> tasks) {
        for (Task t : tasks) {
            String name = FargateNames.worker(cluster.name(), t.taskArn());
            ecs.tagResource(r -> r.resourceArn(t.taskArn()).tags(EcsTags.of(Map.of(ClusterContext.NODE_TAG, name))));
        }
    }

    /** The node a task is: its role from its tag, a worker's name from its task id. */
    static Node node(ClusterContext cluster, Task t) {
        Map<String, String> tags = EcsTags.toMap(t.tags());
        String roleTag = tags.get(ClusterContext.ROLE_TAG);
        NodeRole role = roleTag != null
                ? NodeRole.valueOf(roleTag.toUpperCase(Locale.ROOT))
                : String.valueOf(t.group()).endsWith("-" + NodeRole.SCHEDULER.label())
                        ? NodeRole.SCHEDULER
                        : NodeRole.WORKER;
        String name = role == NodeRole.WORKER
                ? FargateNames.worker(cluster.name(), t.taskArn())
                : tags.getOrDefault(
                        ClusterContext.NODE_TAG, dev.jcloud.provisioner.ClusterNames.scheduler(cluster.name()));
        return new Node(t.taskArn(), name, role);
    }

    /** The private address of the task's network interface, once Fargate has assigned it. */
    static Optional<String> privateAddress(Task t) {
        return eniDetail(t, "privateIPv4Address");
    }

    /** The id of the task's network interface, once Fargate has created it. */
    static Optional<String> networkInterface(Task t) {
        return eniDetail(t, "networkInterfaceId");
    }

    private static Optional<String> eniDetail(Task t, String name) {
        for (Attachment a : t.attachments()) {
            if ("ElasticNetworkInterface".equals(a.type())) {
                for (KeyValuePair d : a.details()) {
                    if (name.equals(d.name()) && d.value() != null && !d.value().isEmpty()) {
                        return Optional.of(d.value());
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** Why a task stopped, as ECS tells it: stop code, reason, the container's exit code and reason. */
    static String stopReason(Task t) {
        StringBuilder s = new StringBuilder();
        if (t.stopCodeAsString() != null) {
            s.append(t.stopCodeAsString()).append(": ");
        }
        s.append(t.stoppedReason() == null || t.stoppedReason().isBlank() ? "no reason given" : t.stoppedReason());
        for (Container c : t.containers()) {
            if (c.exitCode() != null && STOPPED.equals(c.lastStatus())) {
                s.append("; container ")
                        .append(c.name())
                        .append(" exited with ")
                        .append(c.exitCode());
            }
            if (c.reason() != null && !c.reason().isBlank()) {
                s.append("; container ").append(c.name()).append(": ").append(c.reason());
            }
        }
        return s.toString();
    }
}
