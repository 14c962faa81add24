variable "name" {
  default = {{name}}
}

variable "workers" {
  default = {{workers}}
}

variable "where" {
  default = {{where}}
}

variable "tags" {
  default = {{tags}}
}
