variable "create" {
  description = <<-EOT
    Create the Glue database and table, the Athena workgroup and its results bucket. false makes the
    module a no-op.
  EOT
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the Glue database and the Athena workgroup; the table is <name>.cloudtrail."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9_]{1,128}$", var.name))
    error_message = <<-EOT
      name must be 1-128 lower-case letters, digits and underscores (a Glue database name that
      Athena can query unquoted).
    EOT
  }
}

variable "s3_bucket_name" {
  description = "The trail's S3 bucket (the created archive, or your own for bring-your-own-bucket)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.s3_bucket_name))
    error_message = "s3_bucket_name must be an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens."
  }
}

variable "s3_key_prefix" {
  description = "The trail's S3 key prefix (null: none): logs are under <prefix>/AWSLogs/."
  type        = string
  default     = null

  validation {
    condition     = var.s3_key_prefix == null || can(regex("^[^/].*[^/]$|^[^/]$", var.s3_key_prefix))
    error_message = "s3_key_prefix must not start or end with a slash."
  }
}

variable "organization_id" {
  description = <<-EOT
    For an organization trail: the organization ID (o-...), whose logs are under
    AWSLogs/<organization_id>/<account>/. null: an account trail, under AWSLogs/<account>/.
  EOT
  type        = string
  default     = null

  validation {
    condition     = var.organization_id == null || can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must look like o-exampleorgid (o- and 10-32 lower-case letters or digits)."
  }
}

variable "account_ids" {
  description = <<-EOT
    The accounts whose logs the table projects (partition projection on account): this account for
    an account trail, every member account to query for an organization trail.
  EOT
  type        = list(string)

  validation {
    condition     = length(var.account_ids) > 0 && alltrue([for a in var.account_ids : can(regex("^[0-9]{12}$", a))])
    error_message = "account_ids must list at least one 12-digit AWS account ID."
  }
}

variable "regions" {
  description = <<-EOT
    The regions whose logs the table projects (partition projection on region). A multi-region trail
    writes one folder per region.
  EOT
  type        = list(string)

  validation {
    condition = (
      length(var.regions) > 0
      && alltrue([for r in var.regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", r))])
    )
    error_message = "regions must list at least one AWS region name, such as us-east-1."
  }
}

variable "projection_start_date" {
  description = <<-EOT
    The first day the table projects (yyyy/MM/dd): the trail's first log day. Queries before it find
    nothing.
  EOT
  type        = string
  default     = "2024/01/01"

  validation {
    condition = (
      can(regex("^[0-9]{4}/[0-9]{2}/[0-9]{2}$", var.projection_start_date))
      && can(formatdate("YYYY", "${replace(var.projection_start_date, "/", "-")}T00:00:00Z"))
    )
    error_message = "projection_start_date must be a date written yyyy/MM/dd, such as 2024/01/01."
  }
}

variable "results_bucket_name" {
  description = "Name of the S3 bucket the module creates for the workgroup's query results."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.results_bucket_name))
    error_message = "results_bucket_name must be an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens."
  }
}

variable "results_expiration_days" {
  description = "Days after which query results (and their noncurrent versions) are deleted."
  type        = number
  default     = 30

  validation {
    condition = (
      var.results_expiration_days >= 1
      && floor(var.results_expiration_days) == var.results_expiration_days
    )
    error_message = "results_expiration_days must be a whole number of days, at least 1."
  }
}

variable "results_bucket_force_destroy" {
  description = "Let terraform destroy delete the results bucket with its objects."
  type        = bool
  default     = false
}

variable "results_kms_key_arn" {
  description = <<-EOT
    KMS key to encrypt query results with (SSE_KMS). null: SSE_S3. The key's policy must let the
    workgroup's users use it.
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.results_kms_key_arn == null
      || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.results_kms_key_arn))
    )
    error_message = "results_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "bytes_scanned_cutoff_per_query" {
  description = <<-EOT
    The workgroup's cost guard: a query that would scan more bytes is cancelled. Athena's minimum is
    10 MB (10485760); the default is 1 TB (about 5 USD at 5 USD per TB scanned).
  EOT
  type        = number
  default     = 1099511627776

  validation {
    condition = (
      var.bytes_scanned_cutoff_per_query >= 10485760
      && floor(var.bytes_scanned_cutoff_per_query) == var.bytes_scanned_cutoff_per_query
    )
    error_message = <<-EOT
      bytes_scanned_cutoff_per_query must be a whole number of bytes, at least 10485760 (10 MB,
      Athena's minimum).
    EOT
  }
}

variable "tags" {
  description = "Tags for every resource that takes them."
  type        = map(string)
  default     = {}
}
