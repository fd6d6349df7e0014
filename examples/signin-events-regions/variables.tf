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
    Your team's addresses for the alarm emails and the sign-in notifications (each must confirm the
    subscription). No default: an example address would send every alert to nobody.
  EOT
  type        = list(string)
}

variable "identity_center_region" {
  description = <<-EOT
    Region of your IAM Identity Center instance, whose portal sign-ins are recorded there (apply
    this example in the account that owns the instance: the organization's management account). null
    when the instance is in us-east-1, us-east-2, eu-north-1 or ap-southeast-2, which this example
    already covers, or when you use no Identity Center. No default: it is your instance's region.
  EOT
  type        = string

  validation {
    condition = (
      var.identity_center_region == null
      || !contains(
        ["us-east-1", "us-east-2", "eu-north-1", "ap-southeast-2"],
        coalesce(var.identity_center_region, "x")
      )
    )
    error_message = <<-EOT
      identity_center_region: us-east-1, us-east-2, eu-north-1 and ap-southeast-2 are already
      covered by this example; set null for them.
    EOT
  }

  validation {
    condition = (
      var.identity_center_region == null
      || can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", coalesce(var.identity_center_region, "x")))
    )
    error_message = "identity_center_region must be an AWS region name such as eu-west-1, or null."
  }
}
