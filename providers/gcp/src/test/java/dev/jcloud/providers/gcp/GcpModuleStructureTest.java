package dev.jcloud.providers.gcp;

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
 * The exported GCP module's structure, without Terraform (see {@link ModuleChecks}): the
 * provider's resources, tags, groups, firewall rules and boot scripts. {@code terraform fmt},
 * {@code validate} and {@code apply} run in the ITs.
 */
class GcpModuleStructureTest {

    @TempDir
    Path tmp;

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
        Matcher m = Pattern.compile("secret_id = \"([^\"]+)\"").matcher(secret);
        assertThat(m.find()).as(secret).isTrue();
        String created = m.group(1).replace("${var.cluster_id}", clusterId);
        // ... is the one the fetcher the boot scripts name reads (its own id rule, not a copy of it).
        String prefix = GcpSpec.secretPrefix(spec.cluster());
        assertThat(SecretFiles.secretId(prefix, BootScripts.JOIN_TOKEN_FILE))
                .isEqualTo(created)
                .isEqualTo("jcloud-" + clusterId + "-join-token");
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

    private Path export(ModuleSpec spec) {
        return ModuleChecks.export(spec, tmp);
    }
}
