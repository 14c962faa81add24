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

variable "subnet_id" {
  description = "Subnet for all machines. Empty: a default subnet of the region's default VPC."
  type        = string
  default     = ""
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
