# Every choice of the exported cluster is a variable; the defaults are the exported values.

variable "name" {
  description = "The cluster's name: in object names and the jcloud.dev/cluster label. Fixed at export (re-export to change)."
  type        = string
  default     = {{name}}

  validation {
    # Object names are DNS labels; the longest made from it is jcloud-<name>-scheduler (63 at most).
    condition     = can(regex("^[a-z]([a-z0-9-]{0,44}[a-z0-9])?$", var.name))
    error_message = "name must be 1 to 46 lower-case letters, digits or '-', starting with a letter and not ending with '-'."
  }
}

variable "cluster_id" {
  description = "The cluster's unique id: the jcloud.dev/cluster-id label on every object, which the selectors match. Fixed at export."
  type        = string
  default     = {{cluster_id}}

  validation {
    condition     = can(regex("^[a-z0-9]{1,20}$", var.cluster_id))
    error_message = "cluster_id must be 1 to 20 lower-case letters or digits."
  }
}

variable "kubeconfig" {
  description = "The kubeconfig file the kubernetes provider uses. Empty: the provider's own configuration (KUBE_CONFIG_PATH, or in-cluster)."
  type        = string
  default     = "~/.kube/config"
}

variable "kube_context" {
  description = "The kubeconfig context to use. Empty: the kubeconfig's current context."
  type        = string
  default     = ""
}

variable "namespace" {
  description = "The namespace of every object of the cluster; it must exist."
  type        = string
  default     = {{namespace}}

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a namespace name: up to 63 lower-case letters, digits or '-'."
  }
}

variable "image" {
  description = "The engine image of every pod (built with mvn -Pimage -pl cli -am package -Djcloud.image=IMAGE); it must hold the engine of jcloud_version. Pin it by digest."
  type        = string
  default     = {{image}}

  validation {
    condition     = length(var.image) > 0 && can(regex("^[^\\s]+$", var.image))
    error_message = "image must be an image reference without spaces, e.g. registry.example.com/jcloud-engine:1."
  }
}

variable "image_pull_policy" {
  description = "When the kubelet pulls the image: Always, IfNotPresent or Never."
  type        = string
  default     = {{image_pull_policy}}

  validation {
    condition     = contains(["Always", "IfNotPresent", "Never"], var.image_pull_policy)
    error_message = "image_pull_policy must be Always, IfNotPresent or Never."
  }
}

variable "workers" {
  description = "Number of workers: the replicas of the worker Deployment, which replaces a pod whose engine exits."
  type        = number
  default     = {{workers}}

  validation {
    condition     = var.workers >= 0 && floor(var.workers) == var.workers
    error_message = "The number of workers must be a whole number >= 0."
  }
}

variable "scheduler_cpu" {
  description = "CPU the scheduler pod requests and is limited to, e.g. 1 or 500m."
  type        = string
  default     = {{scheduler_cpu}}

  validation {
    condition     = can(regex("^([0-9]+(\\.[0-9]{1,3})?|[0-9]+m)$", var.scheduler_cpu))
    error_message = "scheduler_cpu must be a CPU quantity such as 1, 1.5 or 500m."
  }
}

variable "scheduler_memory" {
  description = "Memory the scheduler pod requests and is limited to, e.g. 2Gi."
  type        = string
  default     = {{scheduler_memory}}

  validation {
    condition     = can(regex("^[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)$", var.scheduler_memory))
    error_message = "scheduler_memory must be a memory quantity such as 512Mi or 2Gi."
  }
}

variable "worker_cpu" {
  description = "CPU each worker pod requests and is limited to, e.g. 2 or 1500m."
  type        = string
  default     = {{worker_cpu}}

  validation {
    condition     = can(regex("^([0-9]+(\\.[0-9]{1,3})?|[0-9]+m)$", var.worker_cpu))
    error_message = "worker_cpu must be a CPU quantity such as 1, 1.5 or 500m."
  }
}

variable "worker_memory" {
  description = "Memory each worker pod requests and is limited to, e.g. 8Gi."
  type        = string
  default     = {{worker_memory}}

  validation {
    condition     = can(regex("^[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)$", var.worker_memory))
    error_message = "worker_memory must be a memory quantity such as 512Mi or 8Gi."
  }
}

variable "node_selector" {
  description = "Node labels the worker pods must run on, e.g. { pool = \"spot\" }. Empty: any node."
  type        = map(string)
  default     = {{node_selector}}
}

variable "service_account" {
  description = "An existing service account for the scheduler pod. Empty: the module creates jcloud-<name>-scheduler."
  type        = string
  default     = {{service_account}}
}

variable "service_type" {
  description = "Type of the scheduler's Service: ClusterIP (inside the cluster) or LoadBalancer (an external address; allow_from limits who reaches it)."
  type        = string
  default     = {{service_type}}

  validation {
    condition     = contains(["ClusterIP", "LoadBalancer"], var.service_type)
    error_message = "service_type must be ClusterIP or LoadBalancer."
  }
}

variable "allow_from" {
  description = "CIDRs that may reach the scheduler (8786) and dashboard (8787) ports, by the NetworkPolicy. Empty: only the cluster's own pods."
  type        = list(string)
  default     = {{allow_from}}

  validation {
    condition     = alltrue([for c in var.allow_from : can(cidrnetmask(c))])
    error_message = "Every allow_from entry must be an IPv4 CIDR such as 203.0.113.7/32."
  }
}

variable "worker_nthreads" {
  description = "Task threads per worker; 0 = one per CPU the pod sees."
  type        = number
  default     = {{nthreads}}

  validation {
    condition     = var.worker_nthreads >= 0 && floor(var.worker_nthreads) == var.worker_nthreads
    error_message = "worker_nthreads must be a whole number >= 0."
  }
}

variable "worker_memory_limit" {
  description = "Memory per worker as the engine reads it (e.g. 6GiB), or auto (the JVM's maximum heap)."
  type        = string
  default     = {{memory_limit}}

  validation {
    condition     = can(regex("^(auto|[0-9]+(\\.[0-9]+)?([KMGT]i?B|[KMGTkmgt]|kB|B)?)$", var.worker_memory_limit))
    error_message = "worker_memory_limit must be auto or a size such as 512MiB, 6GiB or 16GB."
  }
}

variable "join_token" {
  description = "Secret the cluster's members authenticate with (at least 32 characters, e.g. openssl rand -hex 32; give it as TF_VAR_join_token). Stored in the Secret jcloud-<name>-join, mounted read-only into the pods, never in arguments, labels or outputs; it is in the Terraform state, so keep the state private."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.join_token) >= 32 && can(regex("^[!-~]+$", var.join_token))
    error_message = "join_token must be at least 32 printable ASCII characters without spaces, e.g. the output of openssl rand -hex 32."
  }
}

variable "labels" {
  description = "Extra labels on every object; jcloud's own (jcloud.dev/*) win on a clash. Kubernetes label rules: values up to 63 letters, digits, '-', '_' or '.'."
  type        = map(string)
  default     = {{tags}}

  validation {
    condition = alltrue([for k, v in var.labels :
      can(regex("^([a-z0-9.-]{1,253}/)?[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$", k)) && can(regex("^([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$", v))
    ])
    error_message = "Every label key must be a Kubernetes label key (optional DNS prefix and '/', then up to 63 letters, digits, '-', '_' or '.'), and every value up to 63 of those, starting and ending with a letter or digit."
  }
}

variable "jcloud_version" {
  description = "The jcloud version that exported this module; the engine image must hold this version's engine."
  type        = string
  default     = {{jcloud_version}}
}
