package dev.jcloud.providers.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jcloud.provisioner.ClusterContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The least IAM policy a user needs to run jcloud on EC2 ({@code jcloud iam-policy --provider
 * aws}): every action the provider calls, listed one by one (no {@code *} actions); deleting and
 * stopping limited to resources carrying a jcloud cluster tag; IAM limited to the {@code /jcloud/}
 * path; S3 to the engine buckets; SSM to the cluster parameters and the public AMI parameter.
 * {@code UserPolicyIT} checks that every call the provider makes against the emulator is allowed.
 */
public final class UserPolicies {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private UserPolicies() {}

    /** The policy document for EC2 clusters. */
    public static String ec2() {
        Map<String, Object> tagged = Map.of("Null", Map.of("aws:ResourceTag/" + ClusterContext.ID_TAG, "false"));
        List<Object> statements = List.of(
                statement(
                        "Read",
                        List.of(
                                "sts:GetCallerIdentity",
                                "ec2:DescribeInstances",
                                "ec2:DescribeImages",
                                "ec2:DescribeSubnets",
                                "ec2:DescribeVpcs",
                                "ec2:DescribeSecurityGroups",
                                "ec2:DescribeInternetGateways",
                                "ec2:DescribeRouteTables",
                                "ec2:DescribeInstanceTypes",
                                "ec2:DescribeInstanceTypeOfferings",
                                "ec2:DescribeTags",
                                "ec2:GetConsoleOutput",
                                "iam:ListRoles",
                                "iam:ListInstanceProfiles"),
                        List.of("*"),
                        null),
                statement(
                        "CreateClusterResources",
                        List.of(
                                "ec2:RunInstances",
                                "ec2:CreateTags",
                                "ec2:CreateVpc",
                                "ec2:CreateSubnet",
                                "ec2:ModifySubnetAttribute",
                                "ec2:CreateInternetGateway",
                                "ec2:AttachInternetGateway",
                                "ec2:CreateRouteTable",
                                "ec2:CreateRoute",
                                "ec2:AssociateRouteTable",
                                "ec2:CreateSecurityGroup",
                                "ec2:AuthorizeSecurityGroupIngress"),
                        List.of("*"),
                        null),
                statement(
                        "RemoveOnlyJcloudResources",
                        List.of(
                                "ec2:TerminateInstances",
                                "ec2:DeleteSecurityGroup",
                                "ec2:DeleteSubnet",
                                "ec2:DeleteVpc",
                                "ec2:DetachInternetGateway",
                                "ec2:DeleteInternetGateway",
                                "ec2:DeleteRouteTable",
                                "ec2:DisassociateRouteTable"),
                        List.of("*"),
                        tagged),
                statement(
                        "MachineIdentityUnderJcloudPath",
                        List.of(
                                "iam:CreateRole",
                                "iam:GetRole",
                                "iam:TagRole",
                                "iam:PutRolePolicy",
                                "iam:ListRolePolicies",
                                "iam:DeleteRolePolicy",
                                "iam:DeleteRole",
                                "iam:CreateInstanceProfile",
                                "iam:GetInstanceProfile",
                                "iam:TagInstanceProfile",
                                "iam:AddRoleToInstanceProfile",
                                "iam:RemoveRoleFromInstanceProfile",
                                "iam:DeleteInstanceProfile"),
                        List.of("arn:aws:iam::*:role/jcloud/*", "arn:aws:iam::*:instance-profile/jcloud/*"),
                        null),
                statement(
                        "PassOnlyJcloudRolesToEc2",
                        List.of("iam:PassRole"),
                        List.of("arn:aws:iam::*:role/jcloud/*"),
                        Map.of("StringEquals", Map.of("iam:PassedToService", "ec2.amazonaws.com"))),
                statement(
                        "EngineBuckets",
                        List.of(
                                "s3:CreateBucket",
                                "s3:ListBucket",
                                "s3:PutBucketPublicAccessBlock",
                                "s3:PutEncryptionConfiguration",
                                "s3:GetLifecycleConfiguration",
                                "s3:PutLifecycleConfiguration",
                                "s3:PutBucketTagging"),
                        List.of("arn:aws:s3:::jcloud-engine-*"),
                        null),
                statement(
                        "EngineObjects",
                        List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject"),
                        List.of("arn:aws:s3:::jcloud-engine-*/engine/*"),
                        null),
                statement(
                        "ClusterSecrets",
                        List.of(
                                "ssm:PutParameter",
                                "ssm:GetParameter",
                                "ssm:GetParametersByPath",
                                "ssm:DeleteParameters",
                                "ssm:AddTagsToResource"),
                        List.of("arn:aws:ssm:*:*:parameter/jcloud/*"),
                        null),
                statement(
                        "DefaultImage",
                        List.of("ssm:GetParameter"),
                        List.of("arn:aws:ssm:*::parameter" + MachineImages.AL2023_PARAMETER + "*"),
                        null));
        return document(statements);
    }

    /**
     * The policy document for Fargate clusters: the EC2 network and security-group actions, ECS,
     * CloudWatch Logs, the task roles under {@code /jcloud-fargate/} and the cluster parameters.
     * The actions are those {@code FargateProviderIT} recorded over a whole cluster life.
     */
    public static String fargate() {
        Map<String, Object> tagged = Map.of("Null", Map.of("aws:ResourceTag/" + ClusterContext.ID_TAG, "false"));
        List<Object> statements = List.of(
                statement(
                        "Read",
                        List.of(
                                "sts:GetCallerIdentity",
                                "ec2:DescribeSubnets",
                                "ec2:DescribeVpcs",
                                "ec2:DescribeSecurityGroups",
                                "ec2:DescribeInternetGateways",
                                "ec2:DescribeRouteTables",
                                "ec2:DescribeNetworkInterfaces",
                                "ecs:DescribeClusters",
                                "ecs:ListClusters",
                                "ecs:DescribeTaskDefinition",
                                "ecs:ListTaskDefinitions",
                                "ecs:DescribeTasks",
                                "ecs:ListTasks",
                                "logs:DescribeLogGroups",
                                "logs:ListTagsLogGroup",
                                "logs:GetLogEvents",
                                "iam:ListRoles"),
                        List.of("*"),
                        null),
                statement(
                        "CreateClusterResources",
                        List.of(
                                "ec2:CreateTags",
                                "ec2:CreateVpc",
                                "ec2:ModifyVpcAttribute",
                                "ec2:CreateSubnet",
                                "ec2:ModifySubnetAttribute",
                                "ec2:CreateInternetGateway",
                                "ec2:AttachInternetGateway",
                                "ec2:CreateRouteTable",
                                "ec2:CreateRoute",
                                "ec2:AssociateRouteTable",
                                "ec2:CreateSecurityGroup",
                                "ec2:AuthorizeSecurityGroupIngress",
                                "ecs:CreateCluster",
                                "ecs:PutClusterCapacityProviders",
                                "ecs:RegisterTaskDefinition",
                                "ecs:RunTask",
                                "ecs:TagResource",
                                "logs:CreateLogGroup",
                                "logs:PutRetentionPolicy",
                                "logs:TagResource",
                                "logs:TagLogGroup"),
                        List.of("*"),
                        null),
                statement(
                        "RemoveOnlyJcloudResources",
                        List.of(
                                "ec2:DeleteSecurityGroup",
                                "ec2:DeleteSubnet",
                                "ec2:DeleteVpc",
                                "ec2:DetachInternetGateway",
                                "ec2:DeleteInternetGateway",
                                "ec2:DeleteRouteTable",
                                "ec2:DisassociateRouteTable",
                                "ecs:StopTask",
                                "ecs:DeleteCluster",
                                "ecs:DeregisterTaskDefinition"),
                        List.of("*"),
                        tagged),
                statement(
                        "RemoveJcloudLogGroups",
                        List.of("logs:DeleteLogGroup"),
                        List.of("arn:aws:logs:*:*:log-group:/jcloud/*"),
                        null),
                statement(
                        "TaskRolesUnderJcloudPath",
                        List.of(
                                "iam:CreateRole",
                                "iam:GetRole",
                                "iam:TagRole",
                                "iam:ListRoleTags",
                                "iam:PutRolePolicy",
                                "iam:ListRolePolicies",
                                "iam:DeleteRolePolicy",
                                "iam:DeleteRole"),
                        List.of("arn:aws:iam::*:role/jcloud-fargate/*"),
                        null),
                statement(
                        "PassOnlyJcloudRolesToEcs",
                        List.of("iam:PassRole"),
                        List.of("arn:aws:iam::*:role/jcloud-fargate/*"),
                        Map.of("StringEquals", Map.of("iam:PassedToService", "ecs-tasks.amazonaws.com"))),
                statement(
                        "ClusterSecrets",
                        List.of(
                                "ssm:PutParameter",
                                "ssm:GetParameter",
                                "ssm:GetParametersByPath",
                                "ssm:DeleteParameters",
                                "ssm:AddTagsToResource"),
                        List.of("arn:aws:ssm:*:*:parameter/jcloud/*"),
                        null),
                statement("EngineImageLogin", List.of("ecr:GetAuthorizationToken"), List.of("*"), null),
                statement(
                        // Without fargate.image: up builds the engine image and pushes it here (the registry
                        // calls of a push are the ecr:*Layer* and PutImage actions), and removes versions no
                        // task definition uses any more (BatchDeleteImage).
                        "EngineImageRepository",
                        List.of(
                                "ecr:DescribeRepositories",
                                "ecr:CreateRepository",
                                "ecr:TagResource",
                                "ecr:DescribeImages",
                                "ecr:BatchCheckLayerAvailability",
                                "ecr:BatchGetImage",
                                "ecr:GetDownloadUrlForLayer",
                                "ecr:InitiateLayerUpload",
                                "ecr:UploadLayerPart",
                                "ecr:CompleteLayerUpload",
                                "ecr:PutImage",
                                "ecr:BatchDeleteImage"),
                        List.of("arn:aws:ecr:*:*:repository/" + EngineImages.REPOSITORY),
                        null));
        return document(statements);
    }

    private static String document(List<Object> statements) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("Version", "2012-10-17");
        doc.put("Statement", statements);
        try {
            return JSON.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> statement(
            String sid, List<String> actions, List<String> resources, Map<String, Object> condition) {
        return InstancePolicies.statement(sid, actions, resources, condition);
    }
}
