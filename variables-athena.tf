################################################################################
# Athena over the trail's bucket (optional): modules/athena
################################################################################

variable "athena_enabled" {
  description = <<-EOT
    Create a Glue database and CloudTrail table over the trail's bucket and an Athena workgroup, for
    `trailwatch backtest --athena` (off by default).
  EOT
  type        = bool
  default     = false
}

variable "athena_name" {
  description = "Name of the Glue database and the Athena workgroup."
  type        = string
  default     = "trailwatch"

  validation {
    condition     = can(regex("^[a-z0-9_]{1,128}$", var.athena_name))
    error_message = "athena_name must be 1-128 lower-case letters, digits and underscores (a Glue database name)."
  }
}

variable "athena_account_ids" {
  description = <<-EOT
    Accounts whose logs the table projects. Empty: the trail's owner only (refused for an
    organization trail, whose member accounts must be listed).
  EOT
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.athena_account_ids : can(regex("^[0-9]{12}$", a))])
    error_message = "athena_account_ids must be 12-digit AWS account IDs."
  }

  # With athena_enabled and is_organization_trail, at least one account is required: a
  # precondition in main.tf (data.aws_partition.input_checks), as it reads other variables.
}

variable "athena_regions" {
  description = <<-EOT
    Regions whose logs the table projects. Empty: this region only; list every region a multi-region
    trail records.
  EOT
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.athena_regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", r))])
    error_message = "athena_regions must be AWS region names, such as us-east-1."
  }
}

variable "athena_projection_start_date" {
  description = "The first day (yyyy/MM/dd) the table projects: the trail's first log day."
  type        = string
  default     = "2024/01/01"

  validation {
    condition     = can(regex("^[0-9]{4}/[0-9]{2}/[0-9]{2}$", var.athena_projection_start_date))
    error_message = "athena_projection_start_date must be a date written yyyy/MM/dd, such as 2024/01/01."
  }
}

variable "athena_results_bucket_name" {
  description = <<-EOT
    Name of the bucket created for query results. null:
    <name_prefix>-athena-results-<account>-<region>, or <name_prefix>-athena-<account>-<region>
    where the longer name passes S3's 63 characters (a long prefix in a long region name).
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.athena_results_bucket_name == null
      || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.athena_results_bucket_name))
    )
    error_message = <<-EOT
      athena_results_bucket_name must be an S3 bucket name: 3-63 lower-case letters, digits, dots
      and hyphens.
    EOT
  }
}

variable "athena_results_expiration_days" {
  description = "Days after which query results are deleted."
  type        = number
  default     = 30

  validation {
    condition = (
      var.athena_results_expiration_days >= 1
      && floor(var.athena_results_expiration_days) == var.athena_results_expiration_days
    )
    error_message = "athena_results_expiration_days must be a whole number of days, at least 1."
  }
}

variable "athena_results_bucket_force_destroy" {
  description = "Let terraform destroy delete the results bucket with its objects."
  type        = bool
  default     = false
}

variable "athena_bytes_scanned_cutoff_per_query" {
  description = <<-EOT
    The workgroup's cost guard: a query that would scan more bytes is cancelled (at least 10485760;
    default 1 TB, about 5 USD).
  EOT
  type        = number
  default     = 1099511627776

  validation {
    condition = (
      var.athena_bytes_scanned_cutoff_per_query >= 10485760
      && floor(var.athena_bytes_scanned_cutoff_per_query)
      == var.athena_bytes_scanned_cutoff_per_query
    )
    error_message = <<-EOT
      athena_bytes_scanned_cutoff_per_query must be a whole number of bytes, at least 10485760 (10
      MB, Athena's minimum).
    EOT
  }
}
