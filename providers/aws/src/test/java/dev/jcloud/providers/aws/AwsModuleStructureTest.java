package dev.jcloud.providers.aws;

import static dev.jcloud.terraform.ModuleChecks.ENGINE;
import static dev.jcloud.terraform.ModuleChecks.assertTagged;
import static dev.jcloud.terraform.ModuleChecks.block;
import static dev.jcloud.terraform.ModuleChecks.common;
import static dev.jcloud.terraform.ModuleChecks.read;
import static dev.jcloud.terraform.ModuleChecks.resources;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.terraform.BootScripts;
import dev.jcloud.terraform.Hcl;
import dev.jcloud.terraform.ModuleChecks;
import dev.jcloud.terraform.ModuleSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported EC2 and Fargate module's structure, without Terraform (see {@link ModuleChecks}): the
 * provider's resources, tags, groups, firewall rules and boot scripts. {@code terraform fmt},
 * {@code validate} and {@code apply} run in the ITs.
 */
class AwsModuleStructureTest {

    @TempDir
    Path tmp;

    @Test
    void aws() throws IOException {
        Path dir = export(AwsSpec.of("alpha", 5, ENGINE)
                .withNetwork(AwsNetwork.newVpc())
                .withCluster(c -> c.withNthreads(4).withMemoryLimit("6GiB")));
        common(dir, true);
        String vars = read(dir, "variables.tf");
        assertThat(block(vars, "variable create_vpc")).contains("default     = true");
        assertThat(block(vars, "variable worker_nthreads")).contains("default     = 4");
        assertThat(block(vars, "variable worker_memory_limit")).contains("default     = \"6GiB\"");
        Map<String, String> main = resources(dir, "main.tf", "network.tf");
        assertTagged(
                main, "tags", Set.of("aws_iam_role_policy", "aws_route_table_association", "aws_autoscaling_group"));
        assertThat(main.get("resource aws_autoscaling_group.workers"))
                .contains(
                        "min_size                  = var.workers",
                        "max_size                  = var.workers",
                        "desired_capacity          = var.workers",
                        "propagate_at_launch = true",
                        // A worker that powers off (failed boot, engine exit) is gone, and the group replaces it.
                        "health_check_type         = \"EC2\"");
        for (String template :
                List.of("resource aws_launch_template.scheduler", "resource aws_launch_template.worker")) {
            assertThat(main.get(template))
                    .as(template)
                    .contains("instance_initiated_shutdown_behavior = \"terminate\"");
        }
        assertThat(main.get("resource aws_vpc.cluster")).contains("count                = var.create_vpc ? 1 : 0");
        assertThat(main.get("resource aws_internet_gateway.cluster")).contains("aws_vpc.cluster[0].id");
        assertThat(main.get("resource aws_ssm_parameter.join_token")).contains("SecureString", "var.join_token");
        assertThat(read(dir, "boot/worker.sh"))
                .contains("'--death-timeout'\n  '0'", "'-XX:MaxRAMPercentage=75'", "aws ssm get-parameter");
    }

    @Test
    void fargate() throws IOException {
        Path dir = export(FargateSpec.of("beta", 7)
                .withSpot(true)
                .withImage("example.org/jcloud-engine@sha256:" + "d".repeat(64)));
        common(dir, false);
        String vars = read(dir, "variables.tf");
        assertThat(block(vars, "variable spot")).contains("default     = true");
        assertThat(block(vars, "variable engine_image")).contains("example.org/jcloud-engine@sha256:");
        assertThat(block(vars, "variable create_vpc")).contains("default     = false");
        Map<String, String> main = resources(dir, "main.tf", "network.tf");
        assertTagged(
                main,
                "tags",
                Set.of("aws_iam_role_policy", "aws_route_table_association", "aws_ecs_cluster_capacity_providers"));
        assertThat(main.get("resource aws_ecs_service.workers"))
                .contains(
                        "desired_count           = var.workers",
                        "var.spot ? \"FARGATE_SPOT\" : \"FARGATE\"",
                        "propagate_tags          = \"SERVICE\"");
        assertThat(main.get("resource aws_ecs_service.scheduler"))
                .contains(
                        "desired_count                      = 1",
                        "service_registries",
                        "deployment_maximum_percent         = 100");
        assertThat(main.get("resource aws_cloudwatch_log_group.cluster"))
                .contains("retention_in_days = var.log_retention_days");
        // The container command is the renderer's argument list, as an HCL list literal.
        assertThat(read(dir, "main.tf"))
                .contains(Hcl.list(BootScripts.workerCommand().arguments()))
                .contains(Hcl.list(BootScripts.schedulerCommand().arguments()));
        assertThat(main.get("resource aws_ecs_task_definition.worker"))
                .contains("valueFrom = aws_ssm_parameter.join_token.arn")
                .doesNotContain("var.join_token");
        assertThat(main.get("resource aws_iam_role.task")).contains("ecs-tasks.amazonaws.com");
        assertThat(main).doesNotContainKey("resource aws_iam_role_policy.task");
    }

    private Path export(ModuleSpec spec) {
        return ModuleChecks.export(spec, tmp);
    }
}
