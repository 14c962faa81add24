package dev.jcloud.providers.azure;

import static dev.jcloud.terraform.ModuleChecks.ENGINE;
import static dev.jcloud.terraform.ModuleChecks.assertTagged;
import static dev.jcloud.terraform.ModuleChecks.block;
import static dev.jcloud.terraform.ModuleChecks.common;
import static dev.jcloud.terraform.ModuleChecks.read;
import static dev.jcloud.terraform.ModuleChecks.resources;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jcloud.terraform.BootScripts;
import dev.jcloud.terraform.HclBlocks;
import dev.jcloud.terraform.ModuleChecks;
import dev.jcloud.terraform.ModuleSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported Azure module's structure, without Terraform (see {@link ModuleChecks}): the
 * provider's resources, tags, groups, firewall rules and boot scripts. {@code terraform fmt},
 * {@code validate} and {@code apply} run in the ITs.
 */
class AzureModuleStructureTest {

    @TempDir
    Path tmp;

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
                        "azurerm_network_interface_application_security_group_association",
                        "azurerm_nat_gateway_public_ip_association",
                        "azurerm_subnet_nat_gateway_association"));
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
        // Public addresses for the scheduler and the NAT gateway only, both explicitly Standard; none per worker.
        assertThat(main.keySet())
                .filteredOn(k -> k.startsWith("resource azurerm_public_ip."))
                .containsExactlyInAnyOrder("resource azurerm_public_ip.scheduler", "resource azurerm_public_ip.nat");
        assertThat(main.get("resource azurerm_public_ip.nat"))
                .contains("count               = var.nat_gateway ? 1 : 0", "sku                 = \"Standard\"");
        assertThat(main.get("resource azurerm_subnet.cluster"))
                .contains("default_outbound_access_enabled = !var.nat_gateway");
        assertThat(workers).doesNotContain("public_ip_address");
        assertThat(read(dir, "versions.tf")).contains("ARM_SUBSCRIPTION_ID");
        assertThat(block(vars, "variable subscription_id")).contains("validation", "ARM_SUBSCRIPTION_ID");
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
        Matcher vault = Pattern.compile("name += \"([^\"]+)\"").matcher(main.get("resource azurerm_key_vault.cluster"));
        assertThat(vault.find()).isTrue();
        String vaultName = vault.group(1).replace("${var.cluster_id}", clusterId);
        assertThat(vaultName).isEqualTo("jcloud-" + clusterId).hasSizeBetween(3, 24);
        // ... and the secret in it ...
        String secret = main.get("resource azurerm_key_vault_secret.join_token");
        Matcher name = Pattern.compile("name += \"([^\"]+)\"").matcher(secret);
        assertThat(name.find()).as(secret).isTrue();
        assertThat(secret).contains("key_vault_id = azurerm_key_vault.cluster.id");
        // ... are the ones the fetcher the boot scripts name reads (its own name rule, not a copy of it).
        assertThat(KeyVaultFiles.secretName(BootScripts.JOIN_TOKEN_FILE))
                .isEqualTo(name.group(1))
                .isEqualTo("join-token");
        assertThat(AzureSpec.vaultUrl(spec.cluster())).isEqualTo("https://" + vaultName + ".vault.azure.net/");
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

    private Path export(ModuleSpec spec) {
        return ModuleChecks.export(spec, tmp);
    }
}
