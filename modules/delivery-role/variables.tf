variable "create" {
  description = "Create the role. false makes the module a no-op."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the IAM role that CloudTrail assumes to write to CloudWatch Logs."
  type        = string

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.name))
    error_message = "name must be 1-64 characters of letters, digits and + = , . @ _ - (IAM role naming rules)."
  }
}

variable "path" {
  description = "IAM path of the role."
  type        = string
  default     = "/"

  validation {
    condition     = can(regex("^/([\\x21-\\x7E]*/)?$", var.path))
    error_message = "path must begin and end with / (for example / or /security/)."
  }
}

variable "permissions_boundary_arn" {
  description = "ARN of a permissions boundary policy to attach to the role, or null."
  type        = string
  default     = null

  validation {
    condition = (
      var.permissions_boundary_arn == null
      || can(
        regex("^arn:aws[a-zA-Z-]*:iam::([0-9]{12}|aws):policy/.+$", var.permissions_boundary_arn)
      )
    )
    error_message = "permissions_boundary_arn must be an IAM policy ARN (arn:aws:iam::<account>:policy/<name>)."
  }
}

variable "trail_arn" {
  description = <<-EOT
    ARN of the trail whose events the role delivers. Its account (the trail owner's) and home region
    name the log streams the role may write (<account>_CloudTrail_<region>*), and it appears in the
    role's description. No trust condition uses it: the role policy for CloudWatch Logs delivery
    supports no aws:SourceArn or aws:SourceAccount (see README).
  EOT
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-zA-Z-]*:cloudtrail:[a-z0-9-]+:[0-9]{12}:trail/.+$", var.trail_arn))
    error_message = "trail_arn must be a CloudTrail trail ARN (arn:aws:cloudtrail:<region>:<account>:trail/<name>)."
  }
}

variable "log_group_arn" {
  description = "ARN of the log group the trail writes to, without the trailing :*."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-zA-Z-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:[^*]+$", var.log_group_arn))
    error_message = <<-EOT
      log_group_arn must be a log group ARN without the trailing :*
      (arn:aws:logs:<region>:<account>:log-group:<name>).
    EOT
  }
}

variable "organization_id" {
  description = <<-EOT
    AWS Organizations ID (o-...) when the trail is an organization trail: the role may then also
    write the o-<id>_* log streams that carry member accounts' events.
  EOT
  type        = string
  default     = null

  validation {
    condition     = var.organization_id == null || can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must look like o-abcd123456 (o- followed by 10-32 lower-case letters or digits)."
  }
}

variable "tags" {
  description = "Tags for the role."
  type        = map(string)
  default     = {}
}
