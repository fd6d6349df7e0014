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

variable "allowed_source_cidrs" {
  description = "Addresses allowed to sign in to the console."
  type        = list(string)
  default     = ["203.0.113.10"]
}

variable "alarm_email_addresses" {
  description = "Who gets the alarm emails."
  type        = list(string)
  default     = ["security@example.com"]
}
