################################################################################
# The trail, its log group and the delivery role (stages 1-3 of the data path)
################################################################################

variable "create_trail" {
  description = <<-EOT
    Create the CloudTrail trail, its S3 bucket, KMS key and delivery role. false is bring-your-own
    mode: set existing_log_group_name to the group an existing trail (an organization trail, Control
    Tower's aws-controltower/CloudTrailLogs) already delivers to.
  EOT
  type        = bool
  default     = true
}

variable "trail_name" {
  description = "Name of the trail. null uses name_prefix."
  type        = string
  default     = null
}

variable "is_organization_trail" {
  description = <<-EOT
    Create an organization trail that records every member account. Requires create_trail = true and
    organization_id.
  EOT
  type        = bool
  default     = false
}

variable "organization_id" {
  description = "AWS Organizations ID (o-...) for an organization trail."
  type        = string
  default     = null
}

variable "organization_management_account_id" {
  description = <<-EOT
    For an organization trail created from a CloudTrail delegated administrator account: the
    organization's management account ID. The management account owns such a trail, so the trail
    ARN, the bucket and key policies (aws:SourceArn, encryption context), the log prefix and the
    delivery role's log-stream names are built with it. null (default): the account running
    Terraform owns the trail (the management account itself, or any account for a non-organization
    trail).
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.organization_management_account_id == null
      || can(regex("^[0-9]{12}$", var.organization_management_account_id))
    )
    error_message = <<-EOT
      organization_management_account_id must be a 12-digit AWS account ID (the organization's
      management account).
    EOT
  }
}

variable "is_multi_region_trail" {
  description = <<-EOT
    Record every region. Console sign-ins land in us-east-1, us-east-2, eu-north-1, ap-southeast-2
    or a regional endpoint's region: turning this off silently misses logins.
  EOT
  type        = bool
  default     = true
}

variable "include_global_service_events" {
  description = "Record global service events, which include console sign-ins. Turning this off silently misses logins."
  type        = bool
  default     = true
}

variable "enable_log_file_validation" {
  description = "Write signed digest files so tampering with the log archive can be detected."
  type        = bool
  default     = true
}

variable "create_s3_bucket" {
  description = <<-EOT
    Create the log archive bucket. false delivers to the existing bucket named by s3_bucket_name,
    whose policy must admit this trail.
  EOT
  type        = bool
  default     = true
}

variable "s3_bucket_name" {
  description = "Name of the log archive bucket. null uses <name_prefix>-cloudtrail-<account>-<region>."
  type        = string
  default     = null
}

variable "s3_key_prefix" {
  description = "Key prefix for the log files in the bucket."
  type        = string
  default     = null
}

variable "s3_bucket_force_destroy" {
  description = <<-EOT
    Let terraform destroy delete the log archive even when it holds logs. Off by default so that
    destroy fails safe.
  EOT
  type        = bool
  default     = false
}

variable "s3_lifecycle" {
  description = "Optional lifecycle rule for the log archive (see modules/trail)."
  type = object({
    expiration_days                    = number
    noncurrent_version_expiration_days = optional(number, 30)
    transition_days                    = optional(number)
    transition_storage_class           = optional(string, "GLACIER")
  })
  default = null
}

variable "create_kms_key" {
  description = <<-EOT
    Create a customer managed KMS key for the trail's log files. Set false (with kms_key_arn) to
    bring your own key.
  EOT
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = <<-EOT
    ARN of an existing KMS key for the trail's log files, used when create_kms_key = false. Its
    policy must let cloudtrail.amazonaws.com encrypt for this trail.
  EOT
  type        = string
  default     = null
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before a destroyed KMS key (trail's or log group's) is deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "kms_key_deletion_window_in_days must be between 7 and 30."
  }
}

variable "existing_log_group_name" {
  description = <<-EOT
    Name of an existing log group that receives the CloudTrail events (for example
    aws-controltower/CloudTrailLogs). The module then creates no log group.
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.existing_log_group_name == null
      || can(regex("^[.\\-_/#A-Za-z0-9]{1,512}$", var.existing_log_group_name))
    )
    error_message = <<-EOT
      existing_log_group_name must be 1-512 characters of letters, digits and . - _ / # (CloudWatch
      Logs log group naming rules).
    EOT
  }
}

variable "log_group_name" {
  description = "Name of the log group the module creates. null uses /aws/cloudtrail/<name_prefix>."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Days CloudWatch Logs keeps the events in the created log group (0 = never expire)."
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
      var.log_retention_days
    )
    error_message = <<-EOT
      log_retention_days must be a value CloudWatch Logs accepts: 0 (never expire), 1, 3, 5, 7, 14,
      30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653.
    EOT
  }
}

variable "log_group_encryption" {
  description = <<-EOT
    How the created log group is encrypted: "dedicated" (a KMS key of its own), "trail" (the trail's
    created key, whose policy then admits CloudWatch Logs), "existing" (log_group_kms_key_arn), or
    "none" (the service-owned key).
  EOT
  type        = string
  default     = "dedicated"

  validation {
    condition     = contains(["dedicated", "trail", "existing", "none"], var.log_group_encryption)
    error_message = "log_group_encryption must be \"dedicated\", \"trail\", \"existing\" or \"none\"."
  }
}

variable "log_group_kms_key_arn" {
  description = <<-EOT
    ARN of an existing KMS key for the created log group, used with log_group_encryption =
    "existing"; its policy must admit logs.<region>.amazonaws.com.
  EOT
  type        = string
  default     = null
}

variable "delivery_role_name" {
  description = <<-EOT
    Name of the role CloudTrail assumes to write to the log group. null uses
    <name_prefix>-cloudtrail-delivery.
  EOT
  type        = string
  default     = null
}

variable "delivery_role_path" {
  description = "IAM path of the delivery role (and of the alarm-messages roles, when alarm_messages_enabled)."
  type        = string
  default     = "/"
}

variable "permissions_boundary_arn" {
  description = <<-EOT
    Permissions boundary for the delivery role, and for the other role families unless they have
    their own (alarm_messages_permissions_boundary_arn, chat_permissions_boundary_arn). A boundary
    shared by every role must allow what each one does: logs:CreateLogStream and logs:PutLogEvents
    (delivery role); states:StartExecution (alarm-messages rule role); sns:Publish,
    kms:GenerateDataKey* and kms:Decrypt (alarm-messages state machine role); what
    chat_channel_role_policy_arns grant (chat channel role). A boundary written for the delivery
    role alone silently denies the others: give those families their own.
  EOT
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
