package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.ClusterContext;
import dev.jcloud.provisioner.ClusterNames;
import dev.jcloud.provisioner.NodeRole;
import dev.jcloud.provisioner.UpPlan;
import dev.jcloud.provisioner.tls.ClusterTrust;
import java.util.List;

/**
 * What {@code cluster up --dry-run} shows for {@code aws} and {@code fargate}: the steps of
 * {@link Ec2Provider#bootstrap}/{@link FargateProvider#bootstrap} and their launches, from the
 * options alone. Kept next to the providers so that a new step there is one line here.
 */
final class AwsPlans {

    private AwsPlans() {}

    /** The EC2 provider's steps. */
    static List<UpPlan.Step> ec2(ClusterContext cluster, AwsOptions options, int workers) {
        UpPlan.Builder plan = new UpPlan.Builder();
        identity(plan, options);
        plan.check(
                "instance types " + options.schedulerType() + " (scheduler), " + options.workerType() + " (workers)",
                "ec2:DescribeInstanceTypeOfferings, ec2:DescribeInstanceTypes",
                "offered in " + options.region());
        plan.check(
                options.ami()
                        .map(a -> "machine image " + a)
                        .orElse("machine image: latest Amazon Linux 2023 for the instance type's architecture"),
                options.ami().isPresent()
                        ? "ec2:DescribeImages"
                        : "ssm:GetParameter " + MachineImages.AL2023_PARAMETER + "<arch>",
                "");
        network(plan, cluster, options);
        securityGroup(plan, cluster, options);
        String role = InstanceIdentity.name(cluster);
        plan.create(
                "IAM role and instance profile " + role + " (path /jcloud/)",
                "iam:CreateRole, iam:PutRolePolicy, iam:CreateInstanceProfile, iam:AddRoleToInstanceProfile",
                "the machines may manage only resources tagged with this cluster");
        secrets(plan, cluster);
        if (options.engineUrl().isPresent()) {
            plan.check(
                    "engine " + options.engineUrl().get(),
                    "none (downloaded by the machines)",
                    "SHA-256 " + options.engineSha256().orElse("?"));
        } else {
            plan.upload(
                    "engine bundle (the engine and this provider's jars) to s3://jcloud-engine-ACCOUNT-"
                            + options.region() + " (once per version)",
                    "s3:HeadBucket, s3:CreateBucket, s3:PutBucketEncryption, s3:PutPublicAccessBlock,"
                            + " s3:PutBucketTagging, s3:HeadObject, s3:PutObject; ec2:DescribeInstances, s3:ListObjectsV2,"
                            + " s3:DeleteObject for versions no machine uses",
                    "private, encrypted; machines fetch it over a 1-hour presigned URL and check its SHA-256; versions"
                            + " older than 30 days that no machine runs are removed");
        }
        plan.launch(
                "scheduler instance " + ClusterNames.scheduler(cluster.name()) + " (" + options.schedulerType()
                        + ", on-demand)",
                "ec2:RunInstances",
                "IMDSv2 only, encrypted " + options.rootVolumeGiB() + " GiB root volume, tagged jcloud.cluster-id="
                        + cluster.id() + "; user data holds no secret");
        plan.launch(
                workers + " worker instance(s) (" + options.workerType()
                        + (options.spot()
                                ? ", spot; other zones, then on-demand, when capacity is short)"
                                : ", on-demand)"),
                "ec2:RunInstances, ec2:DescribeInstances",
                "at most " + options.maxWorkers() + " workers (aws.max-workers); they start while the scheduler boots");
        return plan.steps();
    }

    /** The Fargate provider's steps. */
    static List<UpPlan.Step> fargate(ClusterContext cluster, FargateOptions options, int workers) {
        AwsOptions aws = options.aws();
        UpPlan.Builder plan = new UpPlan.Builder();
        identity(plan, aws);
        if (options.image().isEmpty()) {
            plan.create(
                    "engine image " + EngineImages.REPOSITORY + ":ENGINE-SHA256 in ECR (the repository once per"
                            + " account and region, the image once per engine version)",
                    "ecr:CreateRepository, ecr:DescribeImages, ecr:GetAuthorizationToken, a registry push",
                    "built with Jib from this jcloud's class path on " + options.baseImage() + "; no Docker");
        }
        network(plan, cluster, aws);
        securityGroup(plan, cluster, aws);
        plan.create(
                "log group " + FargateNames.logGroup(cluster),
                "logs:CreateLogGroup, logs:PutRetentionPolicy",
                "retention " + options.logRetentionDays() + " days");
        secrets(plan, cluster);
        plan.create(
                "IAM roles " + FargateNames.taskRole(cluster) + " and " + FargateNames.executionRole(cluster),
                "iam:CreateRole, iam:PutRolePolicy",
                "the task role may manage only this cluster's tasks");
        plan.create("ECS cluster " + FargateNames.ecsCluster(cluster), "ecs:CreateCluster", "");
        plan.create(
                "task definitions " + FargateNames.family(cluster, NodeRole.SCHEDULER) + " ("
                        + options.schedulerCpu() + " CPU units, " + options.schedulerMemoryMiB() + " MiB) and "
                        + FargateNames.family(cluster, NodeRole.WORKER) + " (" + options.workerCpu() + " CPU units, "
                        + options.workerMemoryMiB() + " MiB)",
                "ecs:RegisterTaskDefinition",
                "image " + options.image().orElse("jcloud-engine:ENGINE-SHA256 in ECR")
                        + "; secrets are named, never inlined");
        plan.launch("scheduler task (FARGATE)", "ecs:RunTask", "");
        plan.launch(
                workers + " worker task(s) (" + (options.spot() ? "FARGATE_SPOT, then FARGATE" : "FARGATE") + ")",
                "ecs:RunTask, ecs:DescribeTasks",
                "");
        return plan.steps();
    }

    private static void identity(UpPlan.Builder plan, AwsOptions options) {
        plan.check("your AWS identity and region " + options.region(), "sts:GetCallerIdentity", "logged, never stored");
    }

    private static void network(UpPlan.Builder plan, ClusterContext cluster, AwsOptions options) {
        if (options.subnet().isPresent()) {
            plan.check("subnet " + options.subnet().get(), "ec2:DescribeSubnets", "");
        } else if (options.newVpc()) {
            plan.create(
                    "VPC, public subnet, internet gateway and route table for " + cluster.name(),
                    "ec2:CreateVpc, ec2:CreateSubnet, ec2:ModifySubnetAttribute, ec2:CreateInternetGateway,"
                            + " ec2:AttachInternetGateway, ec2:CreateRouteTable, ec2:CreateRoute, ec2:AssociateRouteTable",
                    "tagged with the cluster; deleted with it");
        } else if (options.vpc().isPresent()) {
            plan.check("VPC " + options.vpc().get() + " and its subnets", "ec2:DescribeSubnets", "");
        } else {
            plan.check("the region's default VPC and subnets", "ec2:DescribeVpcs, ec2:DescribeSubnets", "");
        }
    }

    private static void securityGroup(UpPlan.Builder plan, ClusterContext cluster, AwsOptions options) {
        String from = options.allowFrom().isEmpty()
                ? "your public address /32 (looked up at up)"
                : String.join(", ", options.allowFrom());
        plan.create(
                "security group " + ClusterSecurityGroup.groupName(cluster),
                "ec2:CreateSecurityGroup, ec2:AuthorizeSecurityGroupIngress",
                "tcp " + ClusterSecurityGroup.SCHEDULER_PORT + "," + ClusterSecurityGroup.DASHBOARD_PORT + " from "
                        + from + "; all traffic between the cluster's members; nothing else inbound");
    }

    private static void secrets(UpPlan.Builder plan, ClusterContext cluster) {
        if (ClusterTrust.enabled(cluster.options())) {
            plan.create(
                    "the cluster's CA, certificates and dashboard token (on this machine, 0600)",
                    "none (local)",
                    "the CA's and the client's keys never leave this machine");
            plan.store(
                    "SecureString parameters " + ClusterSecrets.prefix(cluster) + "{"
                            + String.join(",", ClusterSecrets.SCHEDULER_FILES) + ",worker.pem,worker-key.pem}",
                    "ssm:PutParameter",
                    "readable only by the cluster's role; fetched at boot into 0600 files");
        }
    }
}
