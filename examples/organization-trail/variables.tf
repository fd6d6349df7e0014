variable "region" {
  description = "Home region of the organization trail."
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix for every name the module creates."
  type        = string
  default     = "tw-org"
}
