variable "region" {
  description = "Region to deploy to."
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix for every name the module creates."
  type        = string
  default     = "tw-complete"
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default = {
    Project   = "trailwatch"
    ManagedBy = "terraform"
  }
}

variable "alarm_email_addresses" {
  description = "Who gets the alarm emails."
  type        = list(string)
  default     = ["security@example.com", "oncall@example.com"]
}
