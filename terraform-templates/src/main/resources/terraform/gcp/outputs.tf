# No secrets here: addresses and a snippet only.

locals {
  scheduler_internal = google_compute_instance.scheduler.network_interface[0].network_ip
  scheduler_host     = var.public_ips ? google_compute_instance.scheduler.network_interface[0].access_config[0].nat_ip : local.scheduler_internal
}

output "scheduler_address" {
  description = "host:port a client connects to (reachable from allow_from)."
  value       = "${local.scheduler_host}:${local.scheduler_port}"
}

output "scheduler_internal_address" {
  description = "host:port of the scheduler inside the network (what the workers use)."
  value       = "${local.scheduler_internal}:${local.scheduler_port}"
}

output "dashboard_url" {
  description = "The engine's dashboard (reachable from allow_from)."
  value       = "http://${local.scheduler_host}:${local.dashboard_port}/"
}

output "connect" {
  description = "How a Java program uses the cluster: members and clients authenticate with the join token (mutual TLS)."
  value       = "try (Client client = Client.builder(\"${local.scheduler_host}:${local.scheduler_port}\").joinToken(Path.of(\"join-token\")).connect()) { ... }  // join-token: a 0600 file holding the join token this cluster was applied with; or: jcloud join ${local.scheduler_host}:${local.scheduler_port} --token-file join-token --out DIR"
}
