variable "name_prefix" {
  description = "Prefix for every name the module creates."
  type        = string
  default     = "trailwatch"
}

variable "allowed_source_cidrs" {
  description = "Addresses allowed to sign in to the console."
  type        = list(string)
  default     = ["203.0.113.0/24", "2001:db8:abcd::/48"]
}

variable "alarm_email_addresses" {
  description = "Who gets the alarm emails and the sign-in notifications."
  type        = list(string)
  default     = ["security@example.com"]
}
