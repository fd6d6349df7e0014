variable "region" {
  description = <<-EOT
    Region of the security account's stack: the buses the members forward to, the log groups and
    the alarms. us-east-1 is where global services and most console sign-ins arrive anyway.
  EOT
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix for every name the module creates; the buses are <name_prefix>-<detection>."
  type        = string
  default     = "trailwatch"
}

variable "organization_id" {
  description = <<-EOT
    Your AWS Organizations ID (o-...): the accounts of this organization may put events on the
    buses (aws:PrincipalOrgID). `aws organizations describe-organization --query Organization.Id`
    prints it, from any account of the organization.
  EOT
  type        = string

  validation {
    condition     = can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must be an AWS Organizations ID: o- and 10 to 32 lowercase letters or digits."
  }
}

variable "allowed_source_cidrs" {
  description = <<-EOT
    Your addresses allowed to sign in to the console (IPv4/IPv6 CIDRs or bare IPs: your office
    egress, VPN pool), in every account of the organization. Any other source of a successful
    console sign-in alarms. No default: an example value would alarm on every real sign-in. []
    turns that detection off.
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
