package dev.jcloud.providers.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jcloud.provisioner.ClusterContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The IAM documents of a cluster's machine identity. The permissions policy is what the
 * in-cluster controller needs to add and remove its own workers and to tear its own cluster down,
 * and nothing more: every mutating action is limited to resources carrying the cluster's id tag
 * (or, for RunInstances, to new resources requested with that tag, in the cluster's VPC and group).
 * Describe calls cannot be scoped by resource in EC2, so they are allowed on {@code *}.
 */
final class InstancePolicies {

    private static final ObjectMapper JSON = new ObjectMapper();

    private InstancePolicies() {}

    /** Lets EC2 instances assume the role. */
    static String trustPolicy() {
        return json(Map.of(
                "Version",
                "2012-10-17",
                "Statement",
                List.of(Map.of(
                        "Effect", "Allow",
                        "Principal", Map.of("Service", "ec2.amazonaws.com"),
                        "Action", "sts:AssumeRole"))));
    }

    /**
     * The workers' permissions: read the workers' TLS files ({@link ClusterSecrets#WORKER_FILES}) of
     * their own cluster at boot, nothing else. No EC2 action at all (a worker launches, stops and
     * re-groups nothing), and not the scheduler's key or the dashboard's token.
     */
    static String workerPolicy(ClusterContext cluster, String partition, String region, String account) {
        String parameters = "arn:" + partition + ":ssm:" + region + ":" + account + ":parameter/jcloud/" + cluster.id();
        return json(Map.of(
                "Version",
                "2012-10-17",
                "Statement",
                List.of(statement(
                        "OwnWorkerSecrets",
                        List.of("ssm:GetParameter", "ssm:GetParameters"),
                        ClusterSecrets.WORKER_FILES.stream()
                                .map(f -> parameters + "/" + f)
                                .toList(),
                        null))));
    }

    /**
     * The least-privilege permissions of the cluster's scheduler machine (the in-cluster controller).
     *
     * @param partition       e.g. {@code aws}
     * @param account         the account id the cluster lives in
     * @param defaultGroupId  the VPC's default security group, which the scheduler moves into at idle
     *                        teardown (empty: the VPC has none it may see)
     * @param workerRoleName  the workers' role, the only one the controller passes to machines it launches
     */
    static String permissionsPolicy(
            ClusterContext cluster,
            String partition,
            String region,
            String account,
            String vpcId,
            String securityGroupId,
            java.util.Optional<String> defaultGroupId,
            String roleName,
            String profileName,
            String workerRoleName,
            String workerProfileName) {
        String ec2 = "arn:" + partition + ":ec2:" + region + ":" + account + ":";
        String iam = "arn:" + partition + ":iam::" + account + ":";
        Map<String, Object> ownTag =
                Map.of("StringEquals", Map.of("aws:ResourceTag/" + ClusterContext.ID_TAG, cluster.id()));
        Map<String, Object> requestTag =
                Map.of("StringEquals", Map.of("aws:RequestTag/" + ClusterContext.ID_TAG, cluster.id()));
        List<Object> statements = List.of(
                statement(
                        "Describe",
                        List.of(
                                "ec2:DescribeInstances",
                                "ec2:DescribeInstanceStatus",
                                "ec2:DescribeTags",
                                "ec2:DescribeSubnets",
                                "ec2:DescribeSecurityGroups",
                                "ec2:DescribeImages",
                                "ec2:DescribeVpcs",
                                "ec2:DescribeInternetGateways",
                                "ec2:DescribeRouteTables",
                                "ec2:DescribeInstanceTypes",
                                "ec2:DescribeInstanceTypeOfferings",
                                "ec2:DescribeIamInstanceProfileAssociations"),
                        List.of("*"),
                        null),
                statement("WhoAmI", List.of("sts:GetCallerIdentity"), List.of("*"), null),
                // New workers download the cluster's engine over a URL the controller presigns with this role.
                statement(
                        "ReadEngine",
                        List.of("s3:GetObject"),
                        List.of("arn:" + partition + ":s3:::" + EngineUploads.bucket(account, region) + "/engine/*"),
                        null),
                // The cluster's TLS material (SecureString, AWS-managed key), read at boot and deleted at idle
                // teardown.
                statement(
                        "OwnSecrets",
                        List.of(
                                "ssm:GetParameter",
                                "ssm:GetParameters",
                                "ssm:GetParametersByPath",
                                "ssm:DeleteParameter",
                                "ssm:DeleteParameters"),
                        List.of(
                                "arn:" + partition + ":ssm:" + region + ":" + account + ":parameter/jcloud/"
                                        + cluster.id(),
                                "arn:" + partition + ":ssm:" + region + ":" + account + ":parameter/jcloud/"
                                        + cluster.id() + "/*"),
                        null),
                statement(
                        "FindDefaultImage",
                        List.of("ssm:GetParameter"),
                        List.of("arn:" + partition + ":ssm:" + region + "::parameter" + MachineImages.AL2023_PARAMETER
                                + "*"),
                        null),
                statement(
                        "LaunchTaggedWorkers",
                        List.of("ec2:RunInstances"),
                        List.of(ec2 + "instance/*", ec2 + "volume/*"),
                        requestTag),
                statement(
                        "LaunchIntoClusterNetwork",
                        List.of("ec2:RunInstances"),
                        List.of(
                                ec2 + "security-group/" + securityGroupId,
                                ec2 + "network-interface/*",
                                "arn:" + partition + ":ec2:" + region + "::image/*"),
                        null),
                statement(
                        "LaunchIntoClusterSubnets",
                        List.of("ec2:RunInstances"),
                        List.of(ec2 + "subnet/*"),
                        Map.of("StringEquals", Map.of("ec2:Vpc", ec2 + "vpc/" + vpcId))),
                statement(
                        "TagOnlyAtLaunch",
                        List.of("ec2:CreateTags"),
                        List.of(ec2 + "instance/*", ec2 + "volume/*"),
                        Map.of("StringEquals", Map.of("ec2:CreateAction", "RunInstances"))),
                statement("NameOwnWorkers", List.of("ec2:CreateTags"), List.of(ec2 + "instance/*"), ownTag),
                statement(
                        "StopOwnCluster",
                        List.of(
                                "ec2:TerminateInstances",
                                "ec2:GetConsoleOutput",
                                "ec2:ModifyInstanceAttribute",
                                "ec2:DisassociateIamInstanceProfile"),
                        List.of(ec2 + "instance/*"),
                        ownTag),
                // At idle teardown the scheduler moves itself out of the cluster's group into its VPC's default group
                // (which lets nothing in from outside the VPC), to delete the cluster's: those two groups only, never
                // another group of the VPC.
                statement(
                        "LeaveOwnGroup",
                        List.of("ec2:ModifyInstanceAttribute"),
                        java.util.stream.Stream.concat(
                                        java.util.stream.Stream.of(securityGroupId), defaultGroupId.stream())
                                .map(g -> ec2 + "security-group/" + g)
                                .toList(),
                        Map.of("StringEquals", Map.of("ec2:Vpc", ec2 + "vpc/" + vpcId))),
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
                        ownTag),
                statement(
                        "PassWorkerRoleToEc2",
                        List.of("iam:PassRole"),
                        List.of(iam + "role/jcloud/" + workerRoleName),
                        Map.of("StringEquals", Map.of("iam:PassedToService", "ec2.amazonaws.com"))),
                statement(
                        "DeleteOwnIdentity",
                        List.of(
                                "iam:RemoveRoleFromInstanceProfile",
                                "iam:DeleteInstanceProfile",
                                "iam:DeleteRolePolicy",
                                "iam:DeleteRole",
                                "iam:GetInstanceProfile",
                                "iam:GetRole",
                                "iam:ListRolePolicies"),
                        List.of(
                                iam + "role/jcloud/" + roleName,
                                iam + "instance-profile/jcloud/" + profileName,
                                iam + "role/jcloud/" + workerRoleName,
                                iam + "instance-profile/jcloud/" + workerProfileName),
                        null));
        return json(Map.of("Version", "2012-10-17", "Statement", statements));
    }

    static Map<String, Object> statement(
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
