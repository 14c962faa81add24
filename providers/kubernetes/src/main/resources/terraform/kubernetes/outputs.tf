# No secrets here: names, addresses and snippets only.

output "scheduler_address" {
  description = "host:port of the scheduler inside the Kubernetes cluster (the Service's DNS name): what workers and clients in the cluster use."
  value       = local.scheduler_address
}

output "dashboard_url" {
  description = "The engine's dashboard inside the Kubernetes cluster (from outside: kubectl port-forward, see port_forward_command)."
  value       = "http://${local.service}.${var.namespace}.svc:${local.dashboard_port}/"
}

output "port_forward_command" {
  description = "Forwards the scheduler and dashboard ports to this machine (the NetworkPolicy admits the API server's forwarding as the pod's own traffic)."
  value       = "kubectl port-forward -n ${var.namespace} service/${local.service} ${local.scheduler_port} ${local.dashboard_port}"
}

output "find_command" {
  description = "Lists every object of the cluster by its labels."
  value       = "kubectl get -n ${var.namespace} all,secret,sa,role,rolebinding,networkpolicy -l jcloud.dev/cluster-id=${var.cluster_id}"
}

output "connect" {
  description = "How a Java program uses the cluster (inside the Kubernetes cluster; from outside use the forwarded address)."
  value       = "try (Client client = Client.builder(\"${local.scheduler_address}\").joinToken(Path.of(\"join-token\")).connect()) { ... }  // join-token: a 0600 file holding the join token this cluster was applied with"
}
