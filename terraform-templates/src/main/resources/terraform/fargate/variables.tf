# Every choice of the exported cluster is a variable; the defaults are the exported values.

variable "name" {
  description = "The cluster's name: in resource names and the jcloud.cluster tag."
  type        = string
  default     = {{name}}
}

variable "cluster_id" {
  description = "The cluster's unique id: the jcloud.cluster-id tag every resource carries."
  type        = string
  default     = {{cluster_id}}
}

variable "region" {
  description = "AWS region of the cluster."
  type        = string
  default     = {{region}}
}

variable "workers" {
  description = "Number of worker tasks; the ECS service keeps exactly this many (it replaces stopped ones)."
  type        = number
  default     = {{workers}}

  validation {
    condition     = var.workers >= 0 && floor(var.workers) == var.workers
    error_message = "The number of workers must be a whole number >= 0."
  }
}

variable "engine_image" {
  description = "Container image of the jcloud engine, pinned to the exporting jcloud's version (best by digest, repo@sha256:...): jcloud's image (mvn -Pimage -pl cli -am package -Djcloud.image=...), whose entrypoint runs dev.jcloud.engine.process.EngineMain; the task definitions give the role and flags as the command."
  type        = string
  default     = {{engine_image}}

  validation {
    condition     = length(var.engine_image) > 0 && !can(regex("\\s", var.engine_image))
    error_message = "Set engine_image to the jcloud engine image, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/jcloud-engine@sha256:... (in terraform.tfvars)."
  }
}

variable "scheduler_cpu" {
  description = "Fargate CPU units of the scheduler task (1024 = 1 vCPU)."
  type        = number
  default     = {{scheduler_cpu}}

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.scheduler_cpu)
    error_message = "scheduler_cpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384."
  }
}

variable "scheduler_memory" {
  description = "Memory of the scheduler task in MiB (a size Fargate accepts with scheduler_cpu)."
  type        = number
  default     = {{scheduler_memory}}

  validation {
    condition     = var.scheduler_memory >= 512 && floor(var.scheduler_memory) == var.scheduler_memory
    error_message = "scheduler_memory must be a whole number of MiB >= 512."
  }
}

variable "worker_cpu" {
  description = "Fargate CPU units of each worker task (1024 = 1 vCPU)."
  type        = number
  default     = {{worker_cpu}}

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.worker_cpu)
    error_message = "worker_cpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384."
  }
}

variable "worker_memory" {
  description = "Memory of each worker task in MiB (a size Fargate accepts with worker_cpu)."
  type        = number
  default     = {{worker_memory}}

  validation {
    condition     = var.worker_memory >= 512 && floor(var.worker_memory) == var.worker_memory
    error_message = "worker_memory must be a whole number of MiB >= 512."
  }
}

variable "worker_nthreads" {
  description = "Task threads per worker; 0 = one per vCPU of the task."
  type        = number
  default     = {{nthreads}}

  validation {
    condition     = var.worker_nthreads >= 0 && floor(var.worker_nthreads) == var.worker_nthreads
    error_message = "worker_nthreads must be a whole number >= 0."
  }
}

variable "worker_memory_limit" {
  description = "Memory per worker as the engine reads it (e.g. 3GiB), or auto (the JVM's maximum heap, 75% of the task)."
  type        = string
  default     = {{memory_limit}}

  validation {
    condition     = can(regex("^(auto|[0-9]+(\\.[0-9]+)?([KMGT]i?B|[KMGTkmgt]|kB|B)?)$", var.worker_memory_limit))
    error_message = "worker_memory_limit must be auto or a size such as 512MiB, 3GiB or 4GB."
  }
}

variable "spot" {
  description = "Run the workers on FARGATE_SPOT (up to 70% cheaper; AWS may stop them with two minutes' notice, and the service starts replacements when Spot capacity allows: there is no fallback to FARGATE in a fixed cluster). The scheduler always runs on FARGATE."
  type        = bool
  default     = {{spot}}
}

variable "cpu_architecture" {
  description = "CPU architecture of the tasks: X86_64, or ARM64 for an arm64 engine image."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "assign_public_ip" {
  description = "Give the tasks public addresses: needed to pull the image and reach allow_from without a NAT gateway (inbound traffic is still only what the security group allows)."
  type        = bool
  default     = true
}

variable "allow_from" {
  description = "CIDRs that may reach the scheduler (8786) and dashboard (8787) ports. Empty: only members of the cluster."
  type        = list(string)
  default     = {{allow_from}}

  validation {
    condition     = alltrue([for c in var.allow_from : can(cidrnetmask(c))])
    error_message = "Every allow_from entry must be an IPv4 CIDR such as 203.0.113.7/32."
  }
}

variable "log_retention_days" {
  description = "How long CloudWatch Logs keeps the engine's logs."
  type        = number
  default     = 7

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts, e.g. 7, 14, 30 or 90."
  }
}

variable "join_token" {
  description = "Secret the cluster's members authenticate with (at least 32 characters, e.g. openssl rand -hex 32; give it as TF_VAR_join_token). Stored as an SSM SecureString that ECS injects into the containers (JCLOUD_JOIN_TOKEN), never in the task definitions, tags or outputs; it is in the Terraform state, so keep the state private."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.join_token) >= 32 && can(regex("^[!-~]+$", var.join_token))
    error_message = "join_token must be at least 32 printable ASCII characters without spaces, e.g. the output of openssl rand -hex 32."
  }
}

variable "create_vpc" {
  description = "Create a dedicated VPC (one public subnet, an internet gateway, a default route) for the cluster, removed with it, instead of using an existing one."
  type        = bool
  default     = {{create_vpc}}
}

variable "vpc_cidr" {
  description = "Address range of the dedicated VPC (create_vpc = true)."
  type        = string
  default     = "10.77.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr))
    error_message = "vpc_cidr must be an IPv4 CIDR such as 10.77.0.0/16."
  }
}

variable "subnet_cidr" {
  description = "Address range of the dedicated VPC's subnet (create_vpc = true); inside vpc_cidr."
  type        = string
  default     = "10.77.0.0/20"

  validation {
    condition     = can(cidrnetmask(var.subnet_cidr))
    error_message = "subnet_cidr must be an IPv4 CIDR such as 10.77.0.0/20."
  }
}

variable "subnet_ids" {
  description = "Existing subnets for the tasks (ECS spreads them over all). Empty: the subnets of vpc_id, or the default subnets of the region's default VPC."
  type        = list(string)
  default     = {{subnet_ids}}

  validation {
    condition     = alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "Every subnet_ids entry must be a subnet id such as subnet-0123abcd."
  }
}

variable "vpc_id" {
  description = "Existing VPC whose subnets to use (it needs DNS support and DNS hostnames for the scheduler's name). Empty: the region's default VPC (unless subnet_ids or create_vpc)."
  type        = string
  default     = {{vpc_id}}

  validation {
    condition     = var.vpc_id == "" || can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must be empty or a VPC id such as vpc-0123abcd."
  }
}

variable "tags" {
  description = "Extra tags on every resource; jcloud's own tags (jcloud.*) win on a clash."
  type        = map(string)
  default     = {{tags}}
}

variable "jcloud_version" {
  description = "The jcloud version that exported this module; engine_image must hold the same engine version."
  type        = string
  default     = {{jcloud_version}}
}
