################################################################################
# Naming and tags
################################################################################

variable "name_prefix" {
  description = <<-EOT
    Prefix for the names of everything the module creates (trail, bucket, log group, role, and the
    detections' filters, metrics and alarms).
  EOT
  type        = string
  default     = "trailwatch"

  validation {
    # 24 keeps every generated name within AWS's limits in every region; the tightest is the
    # default bucket, <name_prefix>-cloudtrail-<12-digit account>-<region> (14 characters
    # for ap-southeast-2): 24 + 39 = 63, the S3 maximum. Next come the sign-in rules,
    # <name_prefix>-signin-console-login-unexpected-ip (EventBridge: 64).
    condition = (
      can(regex("^[a-z0-9][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix))
      && !strcontains(var.name_prefix, "--")
    )
    error_message = <<-EOT
      name_prefix must be 3-24 lower-case letters, digits or single hyphens, starting and ending
      with a letter or digit (it names the trail, the S3 bucket
      <name_prefix>-cloudtrail-<account>-<region>, which S3 caps at 63 characters, the IAM roles and
      the EventBridge rules).
    EOT
  }
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
