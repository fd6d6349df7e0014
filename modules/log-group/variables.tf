variable "detection_groups" {
  description = <<-EOT
    Names of groups to create under this one, <name>/<each>, with its retention and key (the
    eventbridge detection path: one group per detection). The created key's policy then admits them
    too.
  EOT
  type        = list(string)
  default     = []
}

variable "create" {
  description = "Create the log group. false makes the module a no-op."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the CloudWatch Logs log group that CloudTrail delivers to."
  type        = string

  validation {
    condition     = can(regex("^[.\\-_/#A-Za-z0-9]{1,512}$", var.name))
    error_message = <<-EOT
      name must be 1-512 characters of letters, digits and . - _ / # (CloudWatch Logs log group
      naming rules).
    EOT
  }
}

variable "retention_in_days" {
  description = "Days CloudWatch Logs keeps the sign-in events. 0 keeps them forever."
  type        = number
  default     = 365

  validation {
    condition = contains(
      [
        0,
        1,
        3,
        5,
        7,
        14,
        30,
        60,
        90,
        120,
        150,
        180,
        365,
        400,
        545,
        731,
        1096,
        1827,
        2192,
        2557,
        2922,
        3288,
        3653
      ],
      var.retention_in_days
    )
    error_message = <<-EOT
      retention_in_days must be one of the values CloudWatch Logs accepts: 0 (never expire), 1, 3,
      5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
      3653.
    EOT
  }
}

variable "create_kms_key" {
  description = <<-EOT
    Create a dedicated customer managed KMS key for the log group. Set false to use kms_key_arn (or
    the service-owned key when that is null).
  EOT
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = <<-EOT
    ARN of an existing KMS key to encrypt the log group with (for example the trail's key), used
    when create_kms_key = false. Its policy must allow logs.<region>.amazonaws.com.
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.kms_key_arn == null
      || can(regex("^arn:aws[a-zA-Z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    )
    error_message = <<-EOT
      kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); CloudWatch Logs
      does not accept aliases.
    EOT
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before a destroyed KMS key is deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "kms_key_deletion_window_in_days must be between 7 and 30."
  }
}

variable "skip_destroy" {
  description = "Keep the log group (and its events) in AWS when it is destroyed in Terraform."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}

variable "resource_policy_name" {
  description = <<-EOT
    With detection_groups: the name of the CloudWatch Logs resource policy that lets EventBridge
    rules write to them (one per account and region, at most 10: make it unique per stack).
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.resource_policy_name == null
      || try(length(var.resource_policy_name) >= 1 && length(var.resource_policy_name) <= 255, false)
    )
    error_message = "resource_policy_name must be 1-255 characters."
  }
}
