package dev.jcloud.providers.kubernetes;

import static dev.jcloud.terraform.ModuleChecks.block;
import static dev.jcloud.terraform.ModuleChecks.common;
import static dev.jcloud.terraform.ModuleChecks.read;
import static dev.jcloud.terraform.ModuleChecks.resources;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jcloud.terraform.FixedCluster;
import dev.jcloud.terraform.ManifestExport;
import dev.jcloud.terraform.ModuleChecks;
import dev.jcloud.terraform.Terraform;
import dev.jcloud.terraform.TerraformExport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported Kubernetes module's files and variables, without Terraform (see
 * {@link ModuleChecks}): the settings as variable defaults, the objects of the manifest export,
 * their labels, and the join token only in its sensitive variable and the Secret.
 */
class KubernetesModuleStructureTest {

    private static final String IMAGE = "registry.example.com/jcloud-engine:1";

    @TempDir
    Path tmp;

    private static KubernetesSpec spec(FixedCluster cluster, Map<String, String> options) {
        return (KubernetesSpec) new KubernetesTerraformExport().spec(cluster, options, Optional.empty());
    }

    @Test
    void withOptionalSettingsEveryOneIsAVariableDefault() throws Exception {
        Path dir = ModuleChecks.export(
                spec(
                        new FixedCluster("gamma", "g1", 9, 4, "6GiB", List.of(), Map.of()),
                        Map.of(
                                "kubernetes.image", IMAGE,
                                "kubernetes.namespace", "data",
                                "kubernetes.worker-cpu", "2",
                                "kubernetes.worker-memory", "8GiB",
                                "kubernetes.node-selector", "pool=spot",
                                "kubernetes.service-account", "engine",
                                "kubernetes.service-type", "LoadBalancer",
                                "kubernetes.allow-from", "203.0.113.7/32",
                                "kubernetes.label.team", "data")),
                tmp);
        common(dir, false);
        String vars = read(dir, "variables.tf");
        assertThat(block(vars, "variable namespace")).contains("default     = \"data\"");
        assertThat(block(vars, "variable image")).contains("default     = \"" + IMAGE + "\"");
        assertThat(block(vars, "variable workers")).contains("default     = 9");
        assertThat(block(vars, "variable worker_cpu")).contains("default     = \"2\"");
        assertThat(block(vars, "variable worker_memory")).contains("default     = \"8Gi\"");
        assertThat(block(vars, "variable node_selector")).contains("\"pool\" = \"spot\"");
        assertThat(block(vars, "variable service_account")).contains("default     = \"engine\"");
        assertThat(block(vars, "variable service_type")).contains("default     = \"LoadBalancer\"");
        assertThat(block(vars, "variable allow_from")).contains("[\"203.0.113.7/32\"]");
        assertThat(block(vars, "variable labels")).contains("\"team\" = \"data\"");
        assertThat(block(vars, "variable worker_nthreads")).contains("default     = 4");
        assertThat(block(vars, "variable worker_memory_limit")).contains("default     = \"6GiB\"");
        assertThat(read(dir, "versions.tf")).contains("source  = \"hashicorp/kubernetes\"", "version = \"~> 2.0\"");
        // Real Terraform's formatter (needs no provider): the module is as terraform fmt writes it.
        Terraform.withoutProviders(tmp).run(dir, "fmt", "-check", "-diff");
    }

    @Test
    void theObjectsOfTheManifestsLabelledWithTheJoinTokenOnlyInTheSecret() throws IOException {
        Path dir = ModuleChecks.export(KubernetesSpec.of("zeta", 2, IMAGE), tmp);
        common(dir, false);
        assertThat(block(read(dir, "variables.tf"), "variable service_account")).contains("default     = \"\"");
        Map<String, String> main = resources(dir, "main.tf");
        assertThat(main.keySet())
                .containsExactlyInAnyOrder(
                        "resource kubernetes_service_account_v1.scheduler",
                        "resource kubernetes_role_v1.scheduler",
                        "resource kubernetes_role_binding_v1.scheduler",
                        "resource kubernetes_secret_v1.join",
                        "resource kubernetes_network_policy_v1.cluster",
                        "resource kubernetes_service_v1.scheduler",
                        "resource kubernetes_deployment_v1.scheduler",
                        "resource kubernetes_deployment_v1.workers");
        main.forEach((k, body) ->
                assertThat(body).as(k).containsPattern("labels +?= local\\.(labels|scheduler_labels|worker_labels)"));
        String text = read(dir, "main.tf");
        assertThat(text)
                .contains(
                        "\"jcloud.dev/cluster\"    = var.name",
                        "\"jcloud.dev/cluster-id\" = var.cluster_id",
                        "merge(var.labels, {");
        // The token: in the Secret only, mounted as a file the engine commands name.
        assertThat(text.split("var\\.join_token", -1)).hasSize(2);
        assertThat(main.get("resource kubernetes_secret_v1.join")).contains("token = var.join_token");
        assertThat(main.get("resource kubernetes_deployment_v1.workers"))
                .contains(
                        "replicas = var.workers",
                        "automount_service_account_token = false",
                        "node_selector                   = var.node_selector",
                        "args              = local.worker_args",
                        "mount_path = local.join_dir");
        assertThat(main.get("resource kubernetes_deployment_v1.scheduler"))
                .contains(
                        "replicas = 1",
                        "type = \"Recreate\"",
                        "service_account_name            = local.service_account");
        // The engine commands of the manifests' pods, with the values only Terraform knows as placeholders.
        assertThat(text)
                .contains(
                        "\"--join-token-file\", \"" + KubernetesManifests.TOKEN_FILE + "\"",
                        "\"--idle-timeout\", \"0\"",
                        "\"--name\", \"$(POD_NAME)\"",
                        "\"__JCLOUD_SCHEDULER_ADDRESS__\"",
                        "\"--nthreads\", \"__JCLOUD_NTHREADS__\"",
                        "\"--memory-limit\", \"__JCLOUD_MEMORY_LIMIT__\"");
    }

    @Test
    void badSettingsFailNamingTheirKeyBeforeAnythingIsWritten() {
        assertThatThrownBy(() -> spec(FixedCluster.of("x", 1), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kubernetes.image");
        assertThatThrownBy(() -> spec(
                        FixedCluster.of("x", 1),
                        Map.of("kubernetes.image", IMAGE, "kubernetes.allow-from", "10.0.0.0/33")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kubernetes.allow-from");
        assertThatThrownBy(() -> spec(FixedCluster.of("n".repeat(47), 1), Map.of("kubernetes.image", IMAGE)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name:");
    }

    @Test
    void theProviderOffersBothExports() {
        KubernetesProvider provider = new KubernetesProvider();
        assertThat(provider.capability(TerraformExport.class)).isPresent();
        assertThat(provider.capability(ManifestExport.class)).containsSame(provider);
    }
}
