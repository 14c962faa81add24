# No secrets here: names, addresses and snippets only.

output "scheduler_address" {
  description = "host:port of the scheduler inside the VPC (Cloud Map private DNS): what workers and clients in the VPC use."
  value       = local.scheduler_address
}

output "dashboard_url" {
  description = "The engine's dashboard, inside the VPC (from allow_from: the scheduler task's public address, port 8787)."
  value       = "http://${local.scheduler_host}:${local.dashboard_port}/"
}

output "ecs_cluster" {
  description = "The ECS cluster running the scheduler and worker services."
  value       = aws_ecs_cluster.cluster.name
}

output "scheduler_public_ip_command" {
  description = "Prints the scheduler task's public address (tasks get new addresses when replaced; from allow_from, connect to it on port 8786)."
  value       = "aws ecs describe-tasks --region ${var.region} --cluster ${aws_ecs_cluster.cluster.name} --tasks $(aws ecs list-tasks --region ${var.region} --cluster ${aws_ecs_cluster.cluster.name} --service-name scheduler --query 'taskArns[0]' --output text) --query \"tasks[0].attachments[0].details[?name=='networkInterfaceId'].value\" --output text | xargs -I{} aws ec2 describe-network-interfaces --region ${var.region} --network-interface-ids {} --query 'NetworkInterfaces[0].Association.PublicIp' --output text"
}

output "connect" {
  description = "How a Java program uses the cluster (inside the VPC; from outside use the scheduler's public address)."
  value       = "try (Client client = Client.builder(\"${local.scheduler_address}\").joinToken(Path.of(\"join-token\")).connect()) { ... }  // join-token: a 0600 file holding the join token this cluster was applied with"
}
