variable "region" {
  description = <<-EOT
    Region to deploy to. Console sign-ins of IAM users without an alias cookie and of root are
    recorded in us-east-1.
  EOT
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix for every name the module creates."
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

variable "slack_workspace_id" {
  description = <<-EOT
    Slack workspace ID, copied from the Amazon Q Developer in chat applications console after
    authorising the workspace (Configured clients > Slack).
  EOT
  type        = string
}

variable "slack_channel_id" {
  description = "Slack channel ID: in Slack, right-click the channel, Copy link; the last part of the link."
  type        = string
}

variable "teams_tenant_id" {
  description = <<-EOT
    Microsoft Teams tenant ID: tenantId in the channel's link (Get link to channel), the tenant
    authorised in the console.
  EOT
  type        = string
}

variable "teams_team_id" {
  description = "Microsoft Teams team ID: groupId in the channel's link."
  type        = string
}

variable "teams_channel_id" {
  description = <<-EOT
    Microsoft Teams channel ID: the URL-encoded part after /channel/ in the channel's link
    (19%3a...%40thread.tacv2).
  EOT
  type        = string
}
