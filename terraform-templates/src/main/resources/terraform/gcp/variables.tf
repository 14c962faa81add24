# Every choice of the exported cluster is a variable; the defaults are the exported values.

variable "name" {
  description = "The cluster's name: in resource names and the jcloud-cluster label. Fixed at export (the boot scripts carry it)."
  type        = string
  default     = {{name}}

  validation {
    # GCP resource names: lower-case letters, digits and '-'; the longest name made from it is <name>-workers.
    condition     = can(regex("^[a-z][a-z0-9-]{0,38}[a-z0-9]$", var.name))
    error_message = "name must be 2 to 40 lower-case letters, digits or '-', starting with a letter and not ending with '-'."
  }
}

variable "cluster_id" {
  description = "The cluster's unique id: the jcloud-cluster-id label on every resource. Fixed at export (the boot scripts carry it)."
  type        = string
  default     = {{cluster_id}}

  validation {
    condition     = can(regex("^[a-z0-9]{1,20}$", var.cluster_id))
    error_message = "cluster_id must be 1 to 20 lower-case letters or digits."
  }
}

variable "project" {
  description = "GCP project of the cluster. Empty: the project of the Google credentials in use."
  type        = string
  default     = {{project}}
}

variable "zone" {
  description = "Zone of every machine, e.g. us-central1-a (the region is its prefix)."
  type        = string
  default     = {{zone}}

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+-[a-z]$", var.zone))
    error_message = "zone must be a GCP zone such as us-central1-a."
  }
}

variable "workers" {
  description = "Number of workers; the managed instance group keeps exactly this many (it recreates failed ones)."
  type        = number
  default     = {{workers}}

  validation {
    condition     = var.workers >= 0 && floor(var.workers) == var.workers
    error_message = "The number of workers must be a whole number >= 0."
  }
}

variable "scheduler_machine_type" {
  description = "Machine type of the scheduler."
  type        = string
  default     = {{scheduler_machine_type}}
}

variable "worker_machine_type" {
  description = "Machine type of the workers."
  type        = string
  default     = {{worker_machine_type}}
}

variable "spot" {
  description = "Run the workers as Spot VMs (much cheaper; GCP may preempt them, which deletes them, and the group recreates them). The scheduler is always a standard VM."
  type        = bool
  default     = {{spot}}
}

variable "image" {
  description = "Boot image of all machines: one with bash and curl; the boot script installs a JRE with apt-get or dnf when java is missing."
  type        = string
  default     = "debian-cloud/debian-12"
}

variable "boot_disk_gib" {
  description = "Size in GiB of every machine's boot disk."
  type        = number
  default     = 30

  validation {
    condition     = var.boot_disk_gib >= 10 && floor(var.boot_disk_gib) == var.boot_disk_gib
    error_message = "boot_disk_gib must be a whole number >= 10."
  }
}

variable "network" {
  description = "VPC network of the machines."
  type        = string
  default     = {{network}}
}

variable "subnetwork" {
  description = "Subnetwork of the machines. Empty: the network's subnetwork in the zone's region (auto-mode networks)."
  type        = string
  default     = {{subnetwork}}
}

variable "public_ips" {
  description = "Give the machines external addresses: needed for the engine download and for allow_from to reach the scheduler without Cloud NAT (inbound traffic is still only what the firewall rules allow)."
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

variable "worker_nthreads" {
  description = "Task threads per worker; 0 = one per vCPU."
  type        = number
  default     = {{nthreads}}

  validation {
    condition     = var.worker_nthreads >= 0 && floor(var.worker_nthreads) == var.worker_nthreads
    error_message = "worker_nthreads must be a whole number >= 0."
  }
}

variable "worker_memory_limit" {
  description = "Memory per worker as the engine reads it (e.g. 12GiB), or auto (the JVM's maximum heap, 75% of the machine)."
  type        = string
  default     = {{memory_limit}}

  validation {
    # Also what keeps it safe inside the boot script's quotes: digits, letters and a dot only.
    condition     = can(regex("^(auto|[0-9]+(\\.[0-9]+)?([KMGT]i?B|[KMGTkmgt]|kB|B)?)$", var.worker_memory_limit))
    error_message = "worker_memory_limit must be auto or a size such as 512MiB, 12GiB or 16GB."
  }
}

variable "join_token" {
  description = "Secret the cluster's members authenticate with (at least 32 characters, e.g. openssl rand -hex 32; give it as TF_VAR_join_token). Stored in Secret Manager, readable only by the cluster's service account, never in metadata, labels or outputs; it is in the Terraform state, so keep the state private."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.join_token) >= 32 && can(regex("^[!-~]+$", var.join_token))
    error_message = "join_token must be at least 32 printable ASCII characters without spaces, e.g. the output of openssl rand -hex 32."
  }
}

variable "labels" {
  description = "Extra labels on every resource that takes labels; jcloud's own (jcloud-*) win on a clash. GCP label rules: keys start with a lower-case letter; keys and values hold up to 63 lower-case letters, digits, '_' or '-'."
  type        = map(string)
  default     = {{tags}}

  validation {
    condition = alltrue([for k, v in var.labels :
      can(regex("^[\\p{Ll}\\p{Lo}][\\p{Ll}\\p{Lo}\\p{N}_-]{0,62}$", k)) && can(regex("^[\\p{Ll}\\p{Lo}\\p{N}_-]{0,63}$", v))
    ])
    error_message = "Every label key must start with a lower-case letter, and keys and values may hold only up to 63 lower-case letters, digits, '_' or '-'."
  }
}

variable "jcloud_version" {
  description = "The jcloud version that exported this module; the boot scripts pin its engine (re-export to change)."
  type        = string
  default     = {{jcloud_version}}
}
