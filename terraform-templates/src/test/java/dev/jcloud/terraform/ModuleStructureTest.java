package dev.jcloud.terraform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.provisioner.boot.EngineArtifact;
import dev.jcloud.provisioner.boot.Shellcheck;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated modules' structure, for every provider, without Terraform: the files, every
 * choice a documented variable, the join token sensitive and nowhere else, jcloud's tags or
 * labels on every resource that takes them, the workers as a self-healing group of the exported
 * size, the narrow firewall rules, and the boot scripts embedded by reference (never a second copy
 * of the script in HCL). {@code terraform fmt}/{@code validate}/{@code apply} run in the ITs.
 */
class ModuleStructureTest {

    static final EngineArtifact ENGINE =
            EngineArtifact.of(URI.create("https://example.invalid/jcloud-engine.tar.gz"), "c".repeat(64));

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
                        "propagate_at_launch = true");
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

    @Test
    void gcp() throws IOException {
        Path dir = export(GcpSpec.of("gamma", 9, ENGINE)
                .withSpot(true)
                .withProject("my-project")
                .withCluster(c -> c.withAllowFrom(List.of("203.0.113.7/32")).withTags(Map.of("team", "data"))));
        common(dir, true);
        String vars = read(dir, "variables.tf");
        assertThat(block(vars, "variable workers")).contains("default     = 9");
        assertThat(block(vars, "variable project")).contains("default     = \"my-project\"");
        assertThat(block(vars, "variable labels")).contains("\"team\" = \"data\"", "validation");
        Map<String, String> main = resources(dir, "main.tf");
        // Firewall rules, the health check, the service account, the group manager and IAM members take no labels.
        assertTagged(
                main,
                "labels",
                Set.of(
                        "google_compute_firewall",
                        "google_compute_health_check",
                        "google_service_account",
                        "google_compute_instance_group_manager",
                        "google_secret_manager_secret_version",
                        "google_secret_manager_secret_iam_member"));
        String group = main.get("resource google_compute_instance_group_manager.workers");
        assertThat(group)
                .contains(
                        "target_size        = var.workers",
                        "auto_healing_policies",
                        "instance_template = google_compute_instance_template.worker.id");
        String template = main.get("resource google_compute_instance_template.worker");
        assertThat(template)
                .contains(
                        "provisioning_model          = var.spot ? \"SPOT\" : \"STANDARD\"",
                        "instance_termination_action = var.spot ? \"DELETE\" : null",
                        "startup-script = local.worker_script",
                        "email  = google_service_account.machines.email",
                        "create_before_destroy = true");
        assertThat(main.get("resource google_compute_instance.scheduler"))
                .contains("startup-script = file(\"${path.module}/boot/scheduler.sh\")", "local.scheduler_tag");
        assertThat(main.get("resource google_compute_firewall.allow_from"))
                .contains(
                        "source_ranges = var.allow_from",
                        "target_tags   = [local.scheduler_tag]",
                        "tostring(local.scheduler_port), tostring(local.dashboard_port)");
        assertThat(main.get("resource google_compute_firewall.members"))
                .contains("source_tags = [local.member_tag]", "target_tags = [local.member_tag]");
        assertThat(main.get("resource google_compute_firewall.health_checks"))
                .contains("ports    = [tostring(local.worker_port)]");
        // The machines' account gets no project role, only its own secret.
        assertThat(read(dir, "main.tf")).doesNotContain("google_project_iam");
        assertThat(main.get("resource google_secret_manager_secret_iam_member.machines_read_join_token"))
                .contains("roles/secretmanager.secretAccessor");
        assertThat(read(dir, "README.md")).contains("not available offline", "jcloud-cluster-id");
    }

    @Test
    void gcpBootScriptsFetchTheJoinTokenMainTfStores() throws IOException {
        GcpSpec spec = GcpSpec.of("zeta", 2, ENGINE);
        Path dir = export(spec);
        String clusterId = spec.cluster().clusterId();
        // The secret main.tf creates, with the cluster id Terraform substitutes ...
        String secret = HclBlocks.of(read(dir, "main.tf")).get("resource google_secret_manager_secret.join_token");
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("secret_id = \"([^\"]+)\"").matcher(secret);
        assertThat(m.find()).as(secret).isTrue();
        String created = m.group(1).replace("${var.cluster_id}", clusterId);
        // ... is the one the fetcher the boot scripts name reads (its own id rule, not a copy of it).
        String prefix = BootScripts.gcpSecretPrefix(spec.cluster());
        assertThat(dev.jcloud.providers.gcp.SecretFiles.secretId(prefix, BootScripts.JOIN_TOKEN_FILE))
                .isEqualTo(created)
                .isEqualTo("jcloud-" + clusterId + "-join-token");
        assertThat(BootScripts.GCP_SECRET_FILES).isEqualTo(dev.jcloud.providers.gcp.SecretFiles.class.getName());
        for (String script : List.of("boot/scheduler.sh", "boot/worker.sh")) {
            assertThat(read(dir, script))
                    .as(script)
                    .contains("java -cp \"$JCLOUD_CLASSPATH\" 'dev.jcloud.providers.gcp.SecretFiles'" + " '-' '"
                            + prefix + "' 'join-token' \"$1\"")
                    .contains("export JCLOUD_JOIN_TOKEN_FILE=")
                    .doesNotContain("aws ssm");
        }
        // The machines' account may read that secret, and the scheduler boots only once it may.
        Map<String, String> main = resources(dir, "main.tf");
        assertThat(main.get("resource google_secret_manager_secret_iam_member.machines_read_join_token"))
                .contains(
                        "secret_id = google_secret_manager_secret.join_token.id",
                        "member    = \"serviceAccount:${google_service_account.machines.email}\"");
        assertThat(main.get("resource google_compute_instance.scheduler"))
                .contains("depends_on   = [google_secret_manager_secret_iam_member.machines_read_join_token]");
        // How to connect with the token: outputs and README, as for AWS.
        String connect = HclBlocks.of(read(dir, "outputs.tf")).get("output connect");
        assertThat(connect).contains(".joinToken(Path.of(", "jcloud join ", "--token-file", "--out");
        assertThat(read(dir, "README.md"))
                .contains(
                        "jcloud join SCHEDULER:8786 --token-file FILE --out DIR",
                        "Client.builder(address).joinToken(Path.of(FILE)).connect()",
                        "dashboard token",
                        "gcloud secrets versions access latest --secret jcloud-<cluster_id>-join-token")
                .doesNotContain("does not fetch");
    }

    @Test
    void azure() throws IOException {
        Path dir = export(AzureSpec.of("delta", 4, ENGINE)
                .withSpot(true)
                .withLocation("westeurope")
                .withCluster(c -> c.withAllowFrom(List.of("198.51.100.0/24"))));
        common(dir, true);
        String vars = read(dir, "variables.tf");
        assertThat(block(vars, "variable location")).contains("default     = \"westeurope\"");
        assertThat(block(vars, "variable allow_from")).contains("[\"198.51.100.0/24\"]");
        Map<String, String> main = resources(dir, "main.tf");
        assertTagged(
                main,
                "tags",
                Set.of(
                        "azurerm_subnet",
                        "azurerm_subnet_network_security_group_association",
                        "azurerm_role_assignment",
                        "azurerm_network_interface_application_security_group_association"));
        String workers = main.get("resource azurerm_linux_virtual_machine_scale_set.workers");
        assertThat(workers)
                .contains(
                        "instances           = var.workers",
                        "priority            = var.spot ? \"Spot\" : \"Regular\"",
                        "eviction_policy     = var.spot ? \"Delete\" : null",
                        "custom_data         = base64encode(local.worker_script)",
                        "ApplicationHealthLinux",
                        "automatic_instance_repair",
                        "type         = \"UserAssigned\"");
        assertThat(main.get("resource azurerm_linux_virtual_machine.scheduler"))
                .contains("custom_data = base64encode(file(\"${path.module}/boot/scheduler.sh\"))");
        assertThat(main.get("resource azurerm_role_assignment.machines_read_group"))
                .contains(
                        "scope                = azurerm_resource_group.cluster.id",
                        "role_definition_name = \"Reader\"");
        // A public address for the scheduler only.
        assertThat(main.keySet())
                .filteredOn(k -> k.startsWith("resource azurerm_public_ip."))
                .containsExactly("resource azurerm_public_ip.scheduler");
        String nsg = main.get("resource azurerm_network_security_group.cluster");
        assertThat(nsg)
                .contains(
                        "source_address_prefixes                    = var.allow_from",
                        "\"Deny\"",
                        "source_application_security_group_ids      = [azurerm_application_security_group.members.id]");
        assertThat(main.get("resource azurerm_key_vault_secret.join_token")).contains("value        = var.join_token");
        assertThat(read(dir, "README.md")).contains("not available offline");
    }

    @Test
    void azureBootScriptsFetchTheJoinTokenMainTfStores() throws IOException {
        AzureSpec spec = AzureSpec.of("iota", 2, ENGINE);
        Path dir = export(spec);
        String clusterId = spec.cluster().clusterId();
        Map<String, String> main = resources(dir, "main.tf");
        // The vault main.tf creates, with the cluster id Terraform substitutes ...
        java.util.regex.Matcher vault = java.util.regex.Pattern.compile("name += \"([^\"]+)\"")
                .matcher(main.get("resource azurerm_key_vault.cluster"));
        assertThat(vault.find()).isTrue();
        String vaultName = vault.group(1).replace("${var.cluster_id}", clusterId);
        assertThat(vaultName).isEqualTo("jcloud-" + clusterId).hasSizeBetween(3, 24);
        // ... and the secret in it ...
        String secret = main.get("resource azurerm_key_vault_secret.join_token");
        java.util.regex.Matcher name =
                java.util.regex.Pattern.compile("name += \"([^\"]+)\"").matcher(secret);
        assertThat(name.find()).as(secret).isTrue();
        assertThat(secret).contains("key_vault_id = azurerm_key_vault.cluster.id");
        // ... are the ones the fetcher the boot scripts name reads (its own name rule, not a copy of it).
        assertThat(dev.jcloud.providers.azure.KeyVaultFiles.secretName(BootScripts.JOIN_TOKEN_FILE))
                .isEqualTo(name.group(1))
                .isEqualTo("join-token");
        assertThat(BootScripts.azureVaultUrl(spec.cluster())).isEqualTo("https://" + vaultName + ".vault.azure.net/");
        assertThat(BootScripts.AZURE_KEY_VAULT_FILES)
                .isEqualTo(dev.jcloud.providers.azure.KeyVaultFiles.class.getName());
        assertThat(BootScripts.AZURE_ONLY_IDENTITY).isEqualTo(dev.jcloud.providers.azure.KeyVaultFiles.ONLY_IDENTITY);
        for (String script : List.of("boot/scheduler.sh", "boot/worker.sh")) {
            assertThat(read(dir, script))
                    .as(script)
                    .contains("java -cp \"$JCLOUD_CLASSPATH\" 'dev.jcloud.providers.azure.KeyVaultFiles'"
                            + " '-' 'https://" + vaultName + ".vault.azure.net/' 'join-token' \"$1\"")
                    .contains("export JCLOUD_JOIN_TOKEN_FILE=")
                    .doesNotContain("aws ssm");
        }
        // The machines' identity may read that secret, and is the only identity both machine kinds carry
        // (what '-' relies on: IMDS then answers for it without a client id).
        String kv = main.get("resource azurerm_key_vault.cluster");
        assertThat(kv)
                .contains(
                        "object_id          = azurerm_user_assigned_identity.machines.principal_id",
                        "secret_permissions = [\"Get\"]");
        for (String machine : List.of(
                "resource azurerm_linux_virtual_machine.scheduler",
                "resource azurerm_linux_virtual_machine_scale_set.workers")) {
            assertThat(main.get(machine))
                    .as(machine)
                    .contains(
                            "type         = \"UserAssigned\"",
                            "identity_ids = [azurerm_user_assigned_identity.machines.id]",
                            "azurerm_key_vault_secret.join_token")
                    .doesNotContain("SystemAssigned");
        }
        // How to connect with the token: outputs and README, as for AWS and GCP.
        String connect = HclBlocks.of(read(dir, "outputs.tf")).get("output connect");
        assertThat(connect).contains(".joinToken(Path.of(", "jcloud join ", "--token-file", "--out");
        assertThat(read(dir, "README.md"))
                .contains(
                        "jcloud join SCHEDULER:8786 --token-file FILE --out DIR",
                        "Client.builder(address).joinToken(Path.of(FILE)).connect()",
                        "dashboard token",
                        "az keyvault secret show --vault-name jcloud-<cluster_id> --name join-token")
                .doesNotContain("does not fetch");
    }

    @Test
    void aNonEmptyDirectoryIsRefused() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(dir.resolve("main.tf"), "# mine");
        assertThatThrownBy(() -> new TerraformExporter().export(GcpSpec.of("epsilon", 1, ENGINE), dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not empty");
        assertThat(Files.readString(dir.resolve("main.tf"))).isEqualTo("# mine");
    }

    private Path export(ModuleSpec spec) {
        Path dir = tmp.resolve(spec.provider());
        new TerraformExporter().export(spec, dir);
        return dir;
    }

    /** What every module has, whatever the cloud. */
    private static void common(Path dir, boolean bootScripts) throws IOException {
        for (String f : TerraformExporter.MODULE_FILES) {
            assertThat(dir.resolve(f)).isRegularFile();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(f)).as(f.toString()).doesNotContain("{{");
            }
        }
        Map<String, String> vars = HclBlocks.of(read(dir, "variables.tf"));
        vars.forEach((k, body) -> assertThat(body).as(k).contains("description = "));
        assertThat(vars.get("variable join_token"))
                .contains("sensitive   = true")
                .doesNotContain("default");
        assertThat(vars)
                .containsKeys(
                        "variable workers",
                        "variable allow_from",
                        "variable worker_nthreads",
                        "variable worker_memory_limit",
                        "variable jcloud_version");
        String outputs = read(dir, "outputs.tf");
        assertThat(HclBlocks.of(outputs).keySet())
                .contains("output scheduler_address", "output dashboard_url", "output connect");
        assertThat(outputs).doesNotContain("join_token", "sensitive");
        assertThat(read(dir, "versions.tf")).containsPattern("version = \"~> [0-9]+\\.0\"");
        assertThat(read(dir, "README.md")).contains("jcloud cluster up", "no idle teardown", "TF_VAR_join_token");
        assertThat(read(dir, "terraform.tfvars.example"))
                .contains("TF_VAR_join_token")
                .doesNotContain("join_token =");
        String main = read(dir, "main.tf");
        // The one renderer's script is embedded by reference; no piece of it is copied into HCL.
        assertThat(main).doesNotContain("#!/bin/bash", "sha256sum", "jcloud_fetch");
        if (bootScripts) {
            String worker = read(dir, "boot/worker.sh");
            assertThat(worker)
                    .startsWith("#!/bin/bash")
                    .contains(
                            BootScripts.SCHEDULER_ADDRESS,
                            BootScripts.NTHREADS,
                            BootScripts.MEMORY_LIMIT,
                            "c".repeat(64));
            assertThat(read(dir, "boot/scheduler.sh")).contains("'scheduler'\n  '--host'");
            try {
                Shellcheck.assertClean(dir.getFileName() + "/boot/worker.sh", worker);
                Shellcheck.assertClean(dir.getFileName() + "/boot/scheduler.sh", read(dir, "boot/scheduler.sh"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            assertThat(main)
                    .contains(
                            "\"__JCLOUD_SCHEDULER_ADDRESS__\"",
                            "\"__JCLOUD_NTHREADS__\"",
                            "\"__JCLOUD_MEMORY_LIMIT__\"",
                            "file(\"${path.module}/boot/worker.sh\")");
        } else {
            assertThat(dir.resolve("boot")).doesNotExist();
        }
    }

    /** Every resource carries {@code attribute} (tags or labels), except the types that take none. */
    private static void assertTagged(Map<String, String> resources, String attribute, Set<String> untaggable) {
        assertThat(resources).isNotEmpty();
        resources.forEach((key, body) -> {
            String type = key.substring("resource ".length(), key.indexOf('.'));
            if (key.startsWith("resource ") && !untaggable.contains(type)) {
                assertThat(body).as(key).containsPattern("(?m)^  " + attribute + " +=");
            }
        });
    }

    private static Map<String, String> resources(Path dir, String... files) throws IOException {
        Map<String, String> all = new java.util.LinkedHashMap<>();
        for (String f : files) {
            HclBlocks.of(read(dir, f)).forEach((k, v) -> {
                if (k.startsWith("resource ")) {
                    all.put(k, v);
                }
            });
        }
        return all;
    }

    private static String block(String hcl, String key) {
        String b = HclBlocks.of(hcl).get(key);
        assertThat(b).as(key).isNotNull();
        return b;
    }

    private static String read(Path dir, String file) throws IOException {
        return Files.readString(dir.resolve(file));
    }
}
