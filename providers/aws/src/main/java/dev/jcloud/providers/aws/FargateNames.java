package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.NodeRole;
import java.util.Locale;

/**
 * The names of a Fargate cluster's resources, all derived from the cluster's name and id so that
 * any process finds them without local state, and the one scheme that names workers.
 *
 * <p><b>Worker names.</b> One RunTask call starts up to ten tasks that share one command and one
 * set of tags, so a name cannot be handed to each task at launch. Instead a worker's name is
 * derived from its ECS task id: {@code <cluster>-worker-<first 12 hex digits of the task id>}.
 * The provider computes it from the task ARN that RunTask returns (and writes it to the task's
 * {@code jcloud.node} tag); the container computes the same from its own task ARN, read from the
 * ECS task metadata endpoint by {@link FargateTaskMain}, and passes it to the engine as
 * {@code --name}. Both call {@link #worker}, so the provider, the tag and the scheduler always
 * agree, whatever the batch size.
 */
final class FargateNames {

    /** IAM path of the task and execution roles; distinct from the EC2 provider's {@code /jcloud/}. */
    static final String ROLE_PATH = "/jcloud-fargate/";
    /** Prefix of the log groups; {@code gc} looks here. */
    static final String LOG_GROUP_PREFIX = "/jcloud/fargate/";
    /** The one container of each task definition. */
    static final String CONTAINER = "engine";
    /** The awslogs stream prefix: streams are {@code jcloud/engine/<task id>}. */
    static final String STREAM_PREFIX = "jcloud";
    /** Tag saying which provider made a resource, so that the EC2 and Fargate gc leave each other's alone. */
    static final String PROVIDER_TAG = "jcloud.provider";

    static final String PROVIDER = "fargate";
    private static final int WORKER_SUFFIX = 12;

    private FargateNames() {}

    /** {@code jcloud-<name>-<id>}: the ECS cluster (letters, digits, hyphens; well under 255). */
    static String ecsCluster(ClusterContext cluster) {
        return "jcloud-" + cluster.name() + "-" + cluster.id();
    }

    /** {@code jcloud-<name>-<id>-scheduler|worker}: the task definition family of a role. */
    static String family(ClusterContext cluster, NodeRole role) {
        return ecsCluster(cluster) + "-" + role.label();
    }

    /**
     * {@code jcf-<name>-<id>-task}: the role the engine runs with (at most 62 of IAM's 64
     * characters; "jcf" keeps it short and distinct from the EC2 role {@code jcloud-<name>-<id>}).
     */
    static String taskRole(ClusterContext cluster) {
        return "jcf-" + cluster.name() + "-" + cluster.id() + "-task";
    }

    /** {@code jcf-<name>-<id>-exec}: the role ECS uses to pull the image and write the logs. */
    static String executionRole(ClusterContext cluster) {
        return "jcf-" + cluster.name() + "-" + cluster.id() + "-exec";
    }

    /** {@code /jcloud/fargate/<name>-<id>}: the CloudWatch log group of all its tasks. */
    static String logGroup(ClusterContext cluster) {
        return LOG_GROUP_PREFIX + cluster.name() + "-" + cluster.id();
    }

    /** The task id: the last segment of a task ARN ({@code arn:aws:ecs:r:a:task/<cluster>/<id>}). */
    static String taskId(String taskArn) {
        return taskArn.substring(taskArn.lastIndexOf('/') + 1);
    }

    /** The awslogs stream of a task's engine container. */
    static String logStream(String taskArn) {
        return STREAM_PREFIX + "/" + CONTAINER + "/" + taskId(taskArn);
    }

    /** The worker name of the task {@code taskArn} of cluster {@code clusterName}; see the class comment. */
    static String worker(String clusterName, String taskArn) {
        String digits = taskId(taskArn).toLowerCase(Locale.ROOT).replaceAll("[^0-9a-z]", "");
        if (digits.isEmpty()) {
            throw new IllegalArgumentException("not an ECS task ARN: " + taskArn);
        }
        return clusterName + "-worker-" + digits.substring(0, Math.min(WORKER_SUFFIX, digits.length()));
    }
}
