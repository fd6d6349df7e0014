variable "region" {
  description = <<-EOT
    Region of the central part: the buses, the log groups and the alarms. Not us-west-2, which the
    member covers (a member refuses the central region).
  EOT
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix for every name the modules create."
  type        = string
  default     = "trailwatch"
}

variable "allowed_source_cidrs" {
  description = <<-EOT
    Your addresses allowed to sign in to the console (IPv4/IPv6 CIDRs or bare IPs: your office
    egress, VPN pool). Any other source of a successful console sign-in alarms. No default: an
    example value would alarm on every real sign-in. [] turns that detection off.
  EOT
  type        = list(string)
}

variable "alarm_email_addresses" {
  description = <<-EOT
    Your team's addresses for the alarm emails (each must confirm the subscription). No default: an
    example address would send every alarm to nobody.
  EOT
  type        = list(string)
}
