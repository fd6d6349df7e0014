variable "log_group_name" {
  description = "Log group that receives the CloudTrail events."
  type        = string
}

variable "log_group_names" {
  description = <<-EOT
    Detection key => the log group its filters read instead of log_group_name (the eventbridge
    detection path: each detection's rule writes to a group of its own, so that an event two
    detections match is counted once by each).
  EOT
  type        = map(string)
  default     = {}
}

variable "name_prefix" {
  description = "Prefix of every filter and metric name: <name_prefix>-<key> and <name_prefix>-<MetricName>."
  type        = string
}

variable "namespace" {
  description = "CloudWatch namespace of the metrics."
  type        = string
  default     = "CloudTrailMetrics"

  validation {
    condition     = can(regex("^[^:*$]{1,255}$", var.namespace)) && !startswith(var.namespace, "AWS/")
    error_message = <<-EOT
      namespace must be 1-255 characters without : * or $, and must not start with AWS/ (reserved
      for AWS services).
    EOT
  }
}

variable "cis_exact" {
  description = <<-EOT
    Count every CIS-mapped detection with Security Hub's exact string (a catalog cis_exact_pattern
    keeps a pattern whose deployment already counts with it): CloudWatch.1-14 pass, and Prowler's
    and Powerpipe's CIS checks.
  EOT
  type        = bool
  default     = false
}

variable "console_login_without_mfa_mode" {
  description = <<-EOT
    Pattern of console_login_without_mfa: "tuned" (IAM users and root, success only, root's MFAUsed
    "YES" counts as MFA, no SSO/SAML/federated false positives), "cis" (CIS 4.2: every ConsoleLogin
    with MFAUsed != "Yes"), or "cis_sso" (CIS 4.2's SSO variant, Security Hub CloudWatch.3).
    cis_exact = true implies "cis_sso".
  EOT
  type        = string
  default     = "tuned"

  validation {
    condition     = contains(["tuned", "cis", "cis_sso"], var.console_login_without_mfa_mode)
    error_message = "console_login_without_mfa_mode must be \"tuned\", \"cis\" or \"cis_sso\"."
  }
}

variable "allowed_source_cidrs" {
  description = <<-EOT
    Source addresses allowed to sign in to the console: IPv4 or IPv6 CIDRs or bare IPs. Validated by
    the root module.
  EOT
  type        = list(string)
  default     = []
}

variable "detections" {
  description = "Per-detection overrides keyed by catalog key; this module reads enabled and pattern."
  type = map(object({
    enabled = optional(bool)
    pattern = optional(string)
  }))
  default = {}
}

variable "metric_value" {
  description = "Value each matching event publishes."
  type        = string
  default     = "1"
}

variable "metric_default_value" {
  description = <<-EOT
    Value published for non-matching events. null (the default) publishes only on match, which is
    cheaper: an alarm with treat_missing_data = notBreaching behaves the same.
  EOT
  type        = number
  default     = null
}

variable "unauthorized_api_calls_mode" {
  description = <<-EOT
    Pattern of unauthorized_api_calls: "tuned" (denials except CloudWatch Logs delivery and S3
    HeadBucket, minus the exclusions below) or "cis_v4_0_1" (the CIS AWS Foundations Benchmark
    v4.0.1 string, verbatim). cis_exact = true uses Security Hub's CloudWatch.2 string instead.
  EOT
  type        = string
  default     = "tuned"

  validation {
    condition     = contains(["tuned", "cis_v4_0_1"], var.unauthorized_api_calls_mode)
    error_message = "unauthorized_api_calls_mode must be \"tuned\" or \"cis_v4_0_1\"."
  }
}

variable "unauthorized_api_calls_excluded_event_sources" {
  description = <<-EOT
    Event sources whose denials unauthorized_api_calls ignores (tuned pattern only), e.g.
    ["s3.amazonaws.com"]. Validated by the root module.
  EOT
  type        = list(string)
  default     = []
}

variable "unauthorized_api_calls_excluded_principal_arns" {
  description = <<-EOT
    Principal ARN patterns ($.userIdentity.arn, * as wildcard) whose denials unauthorized_api_calls
    ignores (tuned pattern only). Validated by the root module.
  EOT
  type        = list(string)
  default     = []
}

variable "login_profile_changes_excluded_principal_arns" {
  description = <<-EOT
    Principal ARN patterns ($.userIdentity.arn, * as wildcard) whose CreateLoginProfile /
    UpdateLoginProfile calls login_profile_changes ignores (provisioning automation). Validated by
    the root module.
  EOT
  type        = list(string)
  default     = []
}
