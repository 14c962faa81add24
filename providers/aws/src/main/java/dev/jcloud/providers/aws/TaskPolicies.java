package dev.jcloud.providers.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.NodeRole;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The IAM documents of a Fargate cluster's two roles.
 *
 * <ul>
 *   <li>The <b>execution role</b> is what ECS itself uses for the task: pull the image (from ECR,
 *       only that repository) and write the container's output to the cluster's log group.</li>
 *   <li>The <b>task role</b> is the engine's own identity: what the in-cluster controller needs to
 *       start and stop its own tasks, read its own logs and, at idle teardown, delete its own
 *       cluster. Every ECS action is scoped to the cluster's ECS cluster ARN (tasks carry it in their
 *       ARN), every IAM action to its two roles, every log action to its log group, parameters to
 *       its own {@code /jcloud/<id>/} path (its TLS material), and network deletions to resources
 *       tagged with its cluster id.</li>
 * </ul>
 *
 * <p>Actions AWS does not allow to scope by resource (EC2 Describe*, ecr:GetAuthorizationToken,
 * ecs:ListTasks/DeregisterTaskDefinition/DescribeTaskDefinition/ListTaskDefinitions,
 * logs:DescribeLogGroups) are on {@code *}; nothing else is, and no action has a wildcard.
 */
final class TaskPolicies {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** {@code <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repository>[:tag|@digest]}. */
    private static final Pattern ECR_IMAGE = Pattern.compile(
            "(\\d{12})\\.dkr\\.ecr(?:-fips)?\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/([^:@]+)(?:[:@].*)?");

    /** Where the cluster lives: the ARNs in the policies are built from it. */
    record Scope(ClusterContext cluster, String partition, String region, String account) {

        String ecsClusterArn() {
            return ecs() + "cluster/" + FargateNames.ecsCluster(cluster);
        }

        String roleArn(String roleName) {
            return "arn:" + partition + ":iam::" + account + ":role" + FargateNames.ROLE_PATH + roleName;
        }

        String logGroupArn() {
            return "arn:" + partition + ":logs:" + region + ":" + account + ":log-group:"
                    + FargateNames.logGroup(cluster);
        }

        private String ecs() {
            return "arn:" + partition + ":ecs:" + region + ":" + account + ":";
        }
    }

    private TaskPolicies() {}

    /** Lets ECS tasks of this account (and only those) assume the role. */
    static String trustPolicy(Scope s) {
        return json(Map.of(
                "Version",
                "2012-10-17",
                "Statement",
                List.of(Map.of(
                        "Effect",
                        "Allow",
                        "Principal",
                        Map.of("Service", "ecs-tasks.amazonaws.com"),
                        "Action",
                        "sts:AssumeRole",
                        // Confused-deputy protection, as AWS recommends for task roles.
                        "Condition",
                        Map.of(
                                "StringEquals", Map.of("aws:SourceAccount", s.account()),
                                "ArnLike",
                                        Map.of(
                                                "aws:SourceArn",
                                                "arn:" + s.partition() + ":ecs:" + s.region() + ":" + s.account()
                                                        + ":*"))))));
    }

    /** What ECS needs to start the task: the image (an ECR repository, if it is one) and the log group. */
    static String executionPolicy(Scope s, String image) {
        List<Object> statements = new ArrayList<>();
        ecrRepositoryArn(s.partition(), image).ifPresent(repository -> {
            statements.add(statement("EcrLogin", List.of("ecr:GetAuthorizationToken"), List.of("*"), null));
            statements.add(statement(
                    "PullEngineImage",
                    List.of("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"),
                    List.of(repository),
                    null));
        });
        statements.add(statement(
                "WriteClusterLogs",
                List.of("logs:CreateLogStream", "logs:PutLogEvents"),
                List.of(s.logGroupArn() + ":log-stream:*"),
                null));
        return json(Map.of("Version", "2012-10-17", "Statement", statements));
    }

    /** The engine's permissions: the in-cluster controller manages its own cluster and nothing else. */
    static String taskPolicy(Scope s) {
        ClusterContext c = s.cluster();
        String ecs = s.ecs();
        String clusterArn = s.ecsClusterArn();
        String ownTasks = ecs + "task/" + FargateNames.ecsCluster(c) + "/*";
        Map<String, Object> inCluster = Map.of("ArnEquals", Map.of("ecs:cluster", clusterArn));
        Map<String, Object> ownTag = Map.of("StringEquals", Map.of("aws:ResourceTag/" + ClusterContext.ID_TAG, c.id()));
        String ec2 = "arn:" + s.partition() + ":ec2:" + s.region() + ":" + s.account() + ":";
        List<String> roles = List.of(s.roleArn(FargateNames.taskRole(c)), s.roleArn(FargateNames.executionRole(c)));
        List<Object> statements = List.of(
                statement(
                        "RunOwnTaskDefinitions",
                        List.of("ecs:RunTask"),
                        List.of(
                                ecs + "task-definition/" + FargateNames.family(c, NodeRole.SCHEDULER) + ":*",
                                ecs + "task-definition/" + FargateNames.family(c, NodeRole.WORKER) + ":*"),
                        inCluster),
                statement(
                        "ManageOwnTasks",
                        List.of("ecs:StopTask", "ecs:DescribeTasks", "ecs:TagResource", "ecs:ListTagsForResource"),
                        List.of(ownTasks),
                        null),
                statement("ListOwnTasks", List.of("ecs:ListTasks"), List.of("*"), inCluster),
                statement(
                        "DeleteOwnEcsCluster",
                        List.of("ecs:DescribeClusters", "ecs:DeleteCluster"),
                        List.of(clusterArn),
                        null),
                statement(
                        "RetireTaskDefinitions",
                        List.of(
                                "ecs:DescribeTaskDefinition",
                                "ecs:ListTaskDefinitions",
                                "ecs:DeregisterTaskDefinition"),
                        List.of("*"),
                        null),
                statement(
                        "PassOwnRolesToEcs",
                        List.of("iam:PassRole"),
                        roles,
                        Map.of("StringEquals", Map.of("iam:PassedToService", "ecs-tasks.amazonaws.com"))),
                statement(
                        "DeleteOwnRoles",
                        List.of("iam:GetRole", "iam:ListRolePolicies", "iam:DeleteRolePolicy", "iam:DeleteRole"),
                        roles,
                        null),
                statement(
                        "ReadAndDeleteOwnLogs",
                        List.of("logs:GetLogEvents", "logs:DeleteLogGroup"),
                        List.of(s.logGroupArn(), s.logGroupArn() + ":log-stream:*"),
                        null),
                statement("FindLogGroups", List.of("logs:DescribeLogGroups"), List.of("*"), null),
                // The cluster's TLS material (SecureString, AWS-managed key): read when a task starts, deleted when
                // idle.
                statement(
                        "OwnSecrets",
                        List.of(
                                "ssm:GetParameter",
                                "ssm:GetParameters",
                                "ssm:GetParametersByPath",
                                "ssm:DeleteParameter",
                                "ssm:DeleteParameters"),
                        List.of(
                                "arn:" + s.partition() + ":ssm:" + s.region() + ":" + s.account() + ":parameter/jcloud/"
                                        + c.id(),
                                "arn:" + s.partition() + ":ssm:" + s.region() + ":" + s.account() + ":parameter/jcloud/"
                                        + c.id() + "/*"),
                        null),
                statement(
                        "Describe",
                        List.of(
                                "ec2:DescribeSubnets",
                                "ec2:DescribeSecurityGroups",
                                "ec2:DescribeVpcs",
                                "ec2:DescribeNetworkInterfaces",
                                "ec2:DescribeInternetGateways",
                                "ec2:DescribeRouteTables"),
                        List.of("*"),
                        null),
                statement(
                        "DeleteOwnNetwork",
                        List.of(
                                "ec2:DeleteSecurityGroup",
                                "ec2:DeleteSubnet",
                                "ec2:DeleteVpc",
                                "ec2:DeleteInternetGateway",
                                "ec2:DetachInternetGateway",
                                "ec2:DeleteRouteTable",
                                "ec2:DisassociateRouteTable"),
                        List.of(ec2 + "*"),
                        ownTag));
        return json(Map.of("Version", "2012-10-17", "Statement", statements));
    }

    /** The ARN of the ECR repository {@code image} is in, if it is an ECR image. */
    static Optional<String> ecrRepositoryArn(String partition, String image) {
        Matcher m = ECR_IMAGE.matcher(image);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of("arn:" + partition + ":ecr:" + m.group(2) + ":" + m.group(1) + ":repository/" + m.group(3));
    }

    private static Map<String, Object> statement(
            String sid, List<String> actions, List<String> resources, Map<String, Object> condition) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("Sid", sid);
        s.put("Effect", "Allow");
        s.put("Action", actions);
        s.put("Resource", resources);
        if (condition != null) {
            s.put("Condition", condition);
        }
        return s;
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
