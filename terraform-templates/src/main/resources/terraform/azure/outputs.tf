# No secrets here: addresses and a snippet only.

output "scheduler_address" {
  description = "host:port a client connects to (reachable from allow_from)."
  value       = "${azurerm_public_ip.scheduler.ip_address}:${local.scheduler_port}"
}

output "scheduler_private_address" {
  description = "host:port of the scheduler inside the virtual network (what the workers use)."
  value       = "${azurerm_network_interface.scheduler.private_ip_address}:${local.scheduler_port}"
}

output "dashboard_url" {
  description = "The engine's dashboard (reachable from allow_from)."
  value       = "http://${azurerm_public_ip.scheduler.ip_address}:${local.dashboard_port}/"
}

output "resource_group" {
  description = "The cluster's resource group: everything the module made is in it."
  value       = azurerm_resource_group.cluster.name
}

output "connect" {
  description = "How a Java program uses the cluster: members and clients authenticate with the join token (mutual TLS)."
  value       = "try (Client client = Client.builder(\"${azurerm_public_ip.scheduler.ip_address}:${local.scheduler_port}\").joinToken(Path.of(\"join-token\")).connect()) { ... }  // join-token: a 0600 file holding the join token this cluster was applied with; or: jcloud join ${azurerm_public_ip.scheduler.ip_address}:${local.scheduler_port} --token-file join-token --out DIR"
}
