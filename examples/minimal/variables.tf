variable "region" {
  description = "Region to deploy to. Console sign-ins of IAM users without an alias cookie and of root are recorded in us-east-1."
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix for every name the module creates."
  type        = string
  default     = "trailwatch"
}
