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
  description = "Number of workers; the Auto Scaling group keeps exactly this many (it replaces failed ones)."
  type        = number
  default     = {{workers}}

  validation {
    condition     = var.workers >= 0 && floor(var.workers) == var.workers
    error_message = "The number of workers must be a whole number >= 0."
  }
}

variable "worker_nthreads" {
  description = "Task threads per worker; 0 = one per core."
  type        = number
  default     = {{nthreads}}

  validation {
    condition     = var.worker_nthreads >= 0 && floor(var.worker_nthreads) == var.worker_nthreads
    error_message = "worker_nthreads must be a whole number >= 0."
  }
}

variable "worker_memory_limit" {
  description = "Memory per worker as the engine reads it (e.g. 6GiB), or auto (the JVM's maximum heap, 75% of the machine)."
  type        = string
  default     = {{memory_limit}}

  validation {
    # Also what keeps it safe inside the boot script's quotes: digits, letters and a dot only.
    condition     = can(regex("^(auto|[0-9]+(\\.[0-9]+)?([KMGT]i?B|[KMGTkmgt]|kB|B)?)$", var.worker_memory_limit))
    error_message = "worker_memory_limit must be auto or a size such as 512MiB, 6GiB or 8GB."
  }
}

variable "join_token" {
  description = "Secret the cluster's members authenticate with (at least 32 characters, e.g. openssl rand -hex 32; give it as TF_VAR_join_token). Stored as an SSM SecureString only the cluster's role may read, never in user data, tags or outputs; it is in the Terraform state, so keep the state private."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.join_token) >= 32 && can(regex("^[!-~]+$", var.join_token))
    error_message = "join_token must be at least 32 printable ASCII characters without spaces, e.g. the output of openssl rand -hex 32."
  }
}

variable "scheduler_type" {
  description = "EC2 instance type of the scheduler."
  type        = string
  default     = {{scheduler_type}}
}

variable "worker_type" {
  description = "EC2 instance type of the workers."
  type        = string
  default     = {{worker_type}}
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

variable "ami_id" {
  description = "Machine image of all machines: one with bash and curl (Amazon Linux 2023 is a good choice)."
  type        = string
  default     = {{ami_id}}

  validation {
    condition     = can(regex("^ami-[0-9a-f]{8,17}$", var.ami_id))
    error_message = "Set ami_id to an AMI id such as ami-0123abcd (e.g. in terraform.tfvars)."
  }
}

variable "root_device_name" {
  description = "Device name of the AMI's root volume (/dev/xvda on Amazon Linux, /dev/sda1 on Ubuntu)."
  type        = string
  default     = "/dev/xvda"
}

variable "root_volume_gib" {
  description = "Size in GiB of every machine's encrypted root volume."
  type        = number
  default     = {{root_volume_gib}}
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
  description = "Existing subnets for the machines (the first is used). Empty: the subnets of vpc_id, or of the region's default VPC."
  type        = list(string)
  default     = {{subnet_ids}}

  validation {
    condition     = alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "Every subnet_ids entry must be a subnet id such as subnet-0123abcd."
  }
}

variable "vpc_id" {
  description = "Existing VPC whose subnets to use. Empty: the region's default VPC (unless subnet_ids or create_vpc)."
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
  description = "The jcloud version that exported this module; the boot scripts pin its engine (re-export to change)."
  type        = string
  default     = {{jcloud_version}}
}

variable "wait_for_capacity_timeout" {
  description = "How long terraform apply waits for the workers to be in service (\"0\" does not wait)."
  type        = string
  default     = "10m"
}
