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
  description = <<-EOT
    Your team's addresses for the alarm emails (each must confirm the subscription). No default:
    example addresses would send every alarm to nobody.
  EOT
  type        = list(string)
}

variable "allowed_source_cidrs" {
  description = <<-EOT
    Your addresses allowed to sign in to the console: IPv4 and IPv6 CIDRs or bare IPs, on an octet
    boundary or not (README.md shows a mixed list). Any other source of a successful console sign-in
    alarms and notifies. No default: example addresses would flag every real sign-in.
  EOT
  type        = list(string)
}
