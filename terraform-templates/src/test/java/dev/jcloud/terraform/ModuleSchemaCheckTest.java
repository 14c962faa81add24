package dev.jcloud.terraform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ModuleSchemaCheck} finds what a provider would refuse, at every level, against the real
 * google provider schema: a resource or data source type it lacks, arguments and blocks it lacks
 * (top level, nested, inside a dynamic block's content), a block written as an argument, required
 * arguments and blocks left out, literals of the wrong type; and accepts Terraform's own
 * meta-arguments, expressions, heredocs and interpolated strings.
 */
class ModuleSchemaCheckTest {

    @TempDir
    Path dir;

    @Test
    void findsWhatTheProviderWouldRefuseAtEveryLevel() throws Exception {
        Files.writeString(dir.resolve("main.tf"), """
                provider "google" {
                  project       = var.project
                  bogus_setting = 1
                }

                resource "google_compute_instance" "x" {
                  count        = 2
                  name         = "x-${count.index}-${join("-", ["a", "b"])}"
                  machine_type = "e2-medium"
                  boot_disk {
                    initialize_params {
                      image = "debian-12"
                      size  = "big"
                      sizee = 10
                    }
                  }
                  network_interface {
                    network = "default"
                    access_config {}
                  }
                  scheduling {
                    preemptible = "yes"
                  }
                  metadata = ["a"]
                  metadata_startup_script = <<-EOT
                    echo "} { unbalanced in a heredoc"
                  EOT
                  dynamic "service_account" {
                    for_each = [1]
                    content {
                      scopes  = ["cloud-platform"]
                      scopess = []
                    }
                  }
                  lifecycle {
                    ignore_changes = [metadata]
                  }
                  depends_on = [google_compute_firewall.f]
                }

                resource "google_compute_instanse" "typo" {}

                resource "google_compute_firewall" "f" {
                  name      = "f"
                  source_ranges = ["0.0.0.0/0"] # a comment { with a brace
                  allow {
                    protocol = "tcp"
                  }
                  log_config = "x"
                }

                data "google_compute_image" "i" {
                  family   = "debian-12"
                  projectt = "x"
                }

                resource "aws_instance" "other_provider" {
                  whatever = 1
                }
                """);

        assertThat(ModuleSchemaCheck.check(dir, ProviderSchema.of("google")))
                .containsExactlyInAnyOrder(
                        "main.tf: provider google: bogus_setting: no such argument",
                        "main.tf: resource google_compute_instance.x: boot_disk.initialize_params.size:"
                                + " STRING literal \"big\" for an argument of type number",
                        "main.tf: resource google_compute_instance.x: boot_disk.initialize_params.sizee: no such argument",
                        "main.tf: resource google_compute_instance.x: scheduling.preemptible:"
                                + " STRING literal \"yes\" for an argument of type boolean | cdktf.IResolvable",
                        "main.tf: resource google_compute_instance.x: metadata:"
                                + " LIST literal [\"a\"] for an argument of type { [key: string]: string }",
                        "main.tf: resource google_compute_instance.x: service_account.scopess: no such argument",
                        "main.tf: resource google_compute_instanse.typo: @cdktf/provider-google@16.12.1 has no resource"
                                + " type google_compute_instanse",
                        "main.tf: resource google_compute_firewall.f: network: required argument missing",
                        "main.tf: resource google_compute_firewall.f: log_config: is a block, written as an argument",
                        "main.tf: data google_compute_image.i: projectt: no such argument");
    }
}
