variable "create" {
  description = "Create the trail and its bucket and key. false makes the module a no-op."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the CloudTrail trail."
  type        = string

  validation {
    condition = (
      can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$", var.name))
      && !can(regex("(\\.\\.|[._-][._-])", var.name))
    )
    error_message = <<-EOT
      name must be 3-128 characters of letters, digits, periods, underscores and dashes, start and
      end with a letter or digit, and have no adjacent separators (CloudTrail trail naming rules).
    EOT
  }
}

variable "is_multi_region_trail" {
  description = <<-EOT
    Record events in every region. Console sign-ins are recorded in us-east-1, us-east-2,
    eu-north-1, ap-southeast-2 or the regional sign-in endpoint's region, so a single-region trail
    misses logins.
  EOT
  type        = bool
  default     = true
}

variable "include_global_service_events" {
  description = "Record global service events (IAM, STS, console sign-in). Without it, sign-ins are silently missed."
  type        = bool
  default     = true
}

variable "enable_log_file_validation" {
  description = "Write signed digest files so tampering with the S3 log archive can be detected."
  type        = bool
  default     = true
}

variable "enable_logging" {
  description = "Start logging when the trail is created."
  type        = bool
  default     = true
}

variable "is_organization_trail" {
  description = <<-EOT
    Make the trail an organization trail (it must be created in the management or delegated
    administrator account).
  EOT
  type        = bool
  default     = false
}

variable "organization_id" {
  description = <<-EOT
    AWS Organizations ID (o-...); required for an organization trail so the bucket policy admits the
    member accounts' log prefix.
  EOT
  type        = string
  default     = null

  validation {
    condition     = var.organization_id == null || can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must look like o-abcd123456 (o- followed by 10-32 lower-case letters or digits)."
  }
}

variable "organization_management_account_id" {
  description = <<-EOT
    Account ID of the organization's management account, for an organization trail created from a
    CloudTrail delegated administrator account: the management account owns such a trail, so its
    ARN, the bucket and key policies' aws:SourceArn, the log prefix and the encryption context name
    that account. null: the trail belongs to the account running Terraform.
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.organization_management_account_id == null
      || can(regex("^[0-9]{12}$", var.organization_management_account_id))
    )
    error_message = "organization_management_account_id must be a 12-digit AWS account ID."
  }
}

variable "create_s3_bucket" {
  description = <<-EOT
    Create the S3 bucket for the log archive. false delivers to the existing bucket s3_bucket_name,
    whose policy must already admit this trail.
  EOT
  type        = bool
  default     = true
}

variable "s3_bucket_name" {
  description = "Name of the log archive bucket (created, or existing when create_s3_bucket = false)."
  type        = string

  validation {
    condition = (
      can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.s3_bucket_name))
      && !can(regex("\\.\\.", var.s3_bucket_name))
    )
    error_message = <<-EOT
      s3_bucket_name must be a valid S3 bucket name: 3-63 lower-case letters, digits, dots and
      hyphens, starting and ending with a letter or digit.
    EOT
  }
}

variable "s3_key_prefix" {
  description = "Key prefix for the log files in the bucket, or null."
  type        = string
  default     = null

  validation {
    condition     = var.s3_key_prefix == null || can(regex("^[^/].{0,199}[^/]$|^[^/]$", var.s3_key_prefix))
    error_message = "s3_key_prefix must not start or end with / and must be at most 200 characters."
  }
}

variable "s3_bucket_force_destroy" {
  description = <<-EOT
    Let terraform destroy delete a bucket that still holds logs. Off by default: destroying a log
    archive should fail safe.
  EOT
  type        = bool
  default     = false
}

variable "s3_lifecycle" {
  description = <<-EOT
    Optional lifecycle rule for the log archive: expire current and noncurrent log versions, and
    optionally transition them to a colder storage class first.
  EOT
  type = object({
    expiration_days                    = number
    noncurrent_version_expiration_days = optional(number, 30)
    transition_days                    = optional(number)
    transition_storage_class           = optional(string, "GLACIER")
  })
  default = null

  validation {
    condition = (
      var.s3_lifecycle == null
      || try(
        var.s3_lifecycle.expiration_days >= 1
        && var.s3_lifecycle.noncurrent_version_expiration_days >= 1,
        false
      )
    )
    error_message = "s3_lifecycle.expiration_days and noncurrent_version_expiration_days must be at least 1."
  }

  validation {
    condition = (
      var.s3_lifecycle == null
      || try(
        var.s3_lifecycle.transition_days == null
        || (
          var.s3_lifecycle.transition_days >= 1
          && var.s3_lifecycle.transition_days < var.s3_lifecycle.expiration_days
        ),
        false
      )
    )
    error_message = "s3_lifecycle.transition_days must be at least 1 and less than expiration_days."
  }

  validation {
    condition = (
      var.s3_lifecycle == null
      || try(
        contains(
          [
            "STANDARD_IA",
            "ONEZONE_IA",
            "INTELLIGENT_TIERING",
            "GLACIER",
            "GLACIER_IR",
            "DEEP_ARCHIVE"
          ],
          var.s3_lifecycle.transition_storage_class
        ),
        false
      )
    )
    error_message = <<-EOT
      s3_lifecycle.transition_storage_class must be one of STANDARD_IA, ONEZONE_IA,
      INTELLIGENT_TIERING, GLACIER, GLACIER_IR, DEEP_ARCHIVE.
    EOT
  }
}

variable "create_kms_key" {
  description = <<-EOT
    Create a customer managed KMS key that encrypts the log files. Set false to bring your own key
    in kms_key_arn.
  EOT
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = <<-EOT
    ARN of an existing KMS key for the log files, used when create_kms_key = false; its policy must
    let CloudTrail encrypt. null with create_kms_key = false leaves the files SSE-S3 encrypted.
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.kms_key_arn == null
      || can(regex("^arn:aws[a-zA-Z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+$", var.kms_key_arn))
    )
    error_message = "kms_key_arn must be a KMS key or alias ARN (arn:aws:kms:<region>:<account>:key/<id>)."
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

variable "kms_key_log_group_arns" {
  description = <<-EOT
    Log group ARNs (without :*) that may also be encrypted with the created key: adds a statement
    for logs.<region>.amazonaws.com scoped to them.
  EOT
  type        = list(string)
  default     = []
}

variable "cloud_watch_logs_group_arn" {
  description = <<-EOT
    ARN of the log group to deliver events to, without the trailing :* (the module appends it). null
    delivers to S3 only.
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.cloud_watch_logs_group_arn == null
      || can(
        regex(
          "^arn:aws[a-zA-Z-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:[^*]+$",
          var.cloud_watch_logs_group_arn
        )
      )
    )
    error_message = "cloud_watch_logs_group_arn must be a log group ARN without the trailing :*."
  }
}

variable "cloud_watch_logs_role_arn" {
  description = "ARN of the role CloudTrail assumes to write to the log group."
  type        = string
  default     = null

  validation {
    condition = (
      var.cloud_watch_logs_role_arn == null
      || can(regex("^arn:aws[a-zA-Z-]*:iam::[0-9]{12}:role/.+$", var.cloud_watch_logs_role_arn))
    )
    error_message = "cloud_watch_logs_role_arn must be an IAM role ARN."
  }
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
