# Every choice of the exported cluster is a variable; the defaults are the exported values.

variable "name" {
  description = "The cluster's name: in resource names and the jcloud.cluster tag. Fixed at export (the boot scripts carry it)."
  type        = string
  default     = {{name}}

  validation {
    # Also a valid Linux host name prefix for the VMs.
    condition     = can(regex("^[a-z][a-z0-9-]{0,38}[a-z0-9]$", var.name))
    error_message = "name must be 2 to 40 lower-case letters, digits or '-', starting with a letter and not ending with '-'."
  }
}

variable "cluster_id" {
  description = "The cluster's unique id: the jcloud.cluster-id tag on every resource. Fixed at export (the boot scripts carry it)."
  type        = string
  default     = {{cluster_id}}

  validation {
    # The Key Vault's name is jcloud-<cluster_id>: at most 24 characters.
    condition     = can(regex("^[a-z0-9]{1,17}$", var.cluster_id))
    error_message = "cluster_id must be 1 to 17 lower-case letters or digits."
  }
}

variable "subscription_id" {
  description = "Azure subscription of the cluster (a GUID). Empty: the environment variable ARM_SUBSCRIPTION_ID must name it; azurerm 4.x no longer falls back to the Azure CLI's default subscription."
  type        = string
  default     = {{subscription_id}}

  validation {
    condition     = var.subscription_id == "" || can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.subscription_id))
    error_message = "subscription_id must be a subscription GUID (az account show --query id -o tsv), or empty with ARM_SUBSCRIPTION_ID set."
  }
}

variable "location" {
  description = "Azure region of the cluster, e.g. eastus."
  type        = string
  default     = {{location}}
}

variable "workers" {
  description = "Number of workers; the scale set keeps exactly this many (automatic repairs replace unhealthy ones)."
  type        = number
  default     = {{workers}}

  validation {
    condition     = var.workers >= 0 && floor(var.workers) == var.workers
    error_message = "The number of workers must be a whole number >= 0."
  }
}

variable "scheduler_size" {
  description = "VM size of the scheduler."
  type        = string
  default     = {{scheduler_size}}
}

variable "worker_size" {
  description = "VM size of the workers."
  type        = string
  default     = {{worker_size}}
}

variable "spot" {
  description = "Run the workers at Spot priority (much cheaper; Azure may evict them, which deletes them, and repairs do not bring them back until capacity returns). The scheduler always runs at regular priority."
  type        = bool
  default     = {{spot}}
}

variable "image" {
  description = "Marketplace image of all machines: one with bash, curl and cloud-init; the boot script installs a JRE with apt-get or dnf when java is missing."
  type = object({
    publisher = string
    offer     = string
    sku       = string
    version   = string
  })
  default = {
    publisher = "Canonical"
    offer     = "ubuntu-24_04-lts"
    sku       = "server"
    version   = "latest"
  }
}

variable "os_disk_gib" {
  description = "Size in GiB of every machine's OS disk."
  type        = number
  default     = 30

  validation {
    condition     = var.os_disk_gib >= 30 && floor(var.os_disk_gib) == var.os_disk_gib
    error_message = "os_disk_gib must be a whole number >= 30."
  }
}

variable "admin_username" {
  description = "Login of the machines' administrator account (SSH key only; passwords are off)."
  type        = string
  default     = "jcloud"
}

variable "admin_ssh_public_key" {
  description = "SSH public key (ssh-rsa of 2048 bits or more, or ssh-ed25519) of the administrator account; Azure Linux VMs need one. Only the public key: it is not a secret."
  type        = string

  validation {
    condition     = can(regex("^(ssh-rsa|ssh-ed25519) [A-Za-z0-9+/=]+( .*)?$", var.admin_ssh_public_key))
    error_message = "admin_ssh_public_key must be an OpenSSH public key starting with ssh-rsa or ssh-ed25519 (e.g. the contents of ~/.ssh/id_ed25519.pub)."
  }
}

variable "vnet_cidr" {
  description = "Address range of the cluster's virtual network."
  type        = string
  default     = "10.77.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.vnet_cidr))
    error_message = "vnet_cidr must be an IPv4 CIDR such as 10.77.0.0/16."
  }
}

variable "subnet_cidr" {
  description = "Address range of the cluster's subnet, inside vnet_cidr."
  type        = string
  default     = "10.77.0.0/20"

  validation {
    condition     = can(cidrnetmask(var.subnet_cidr))
    error_message = "subnet_cidr must be an IPv4 CIDR such as 10.77.0.0/20."
  }
}

variable "nat_gateway" {
  description = "Outbound traffic of the machines (JRE and engine download) through a NAT gateway with a Standard public IP (billed per hour and GB; it takes no inbound traffic) instead of Azure's default outbound access, which the subnet otherwise enables explicitly as `jcloud cluster up` does."
  type        = bool
  default     = false
}

variable "allow_from" {
  description = "CIDRs that may reach the scheduler (8786) and dashboard (8787) ports on its public address. Empty: only members of the cluster."
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
  description = "Secret the cluster's members authenticate with (at least 32 characters, e.g. openssl rand -hex 32; give it as TF_VAR_join_token). Stored in the cluster's Key Vault, readable only by the cluster's managed identity, never in custom data, tags or outputs; it is in the Terraform state, so keep the state private."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.join_token) >= 32 && can(regex("^[!-~]+$", var.join_token))
    error_message = "join_token must be at least 32 printable ASCII characters without spaces, e.g. the output of openssl rand -hex 32."
  }
}

variable "tags" {
  description = "Extra tags on every resource that takes tags; jcloud's own tags (jcloud.*) win on a clash."
  type        = map(string)
  default     = {{tags}}
}

variable "jcloud_version" {
  description = "The jcloud version that exported this module; the boot scripts pin its engine (re-export to change)."
  type        = string
  default     = {{jcloud_version}}
}
