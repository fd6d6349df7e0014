variable "path" {
  description = <<-EOT
    The path that reads the catalog: "metric_filters" (every detection, its filter patterns) or
    "eventbridge" (the detections with a rule, their EventBridge patterns and opt_in).
  EOT
  type        = string

  validation {
    condition     = contains(["metric_filters", "eventbridge"], var.path)
    error_message = "path: \"metric_filters\" or \"eventbridge\"."
  }
}

variable "cis_exact" {
  description = "Security Hub's exact strings for every CIS-mapped detection (see the root module's cis_exact)."
  type        = bool
  default     = false
}

variable "console_login_without_mfa_mode" {
  description = "Mode of console_login_without_mfa: \"tuned\", \"cis\" or \"cis_sso\" (the root module validates it)."
  type        = string
  default     = "tuned"

  validation {
    condition     = contains(["tuned", "cis", "cis_sso"], var.console_login_without_mfa_mode)
    error_message = "console_login_without_mfa_mode: \"tuned\", \"cis\" or \"cis_sso\"."
  }
}

variable "unauthorized_api_calls_mode" {
  description = "Mode of unauthorized_api_calls: \"tuned\" or \"cis_v4_0_1\" (the root module validates it)."
  type        = string
  default     = "tuned"

  validation {
    condition     = contains(["tuned", "cis_v4_0_1"], var.unauthorized_api_calls_mode)
    error_message = "unauthorized_api_calls_mode: \"tuned\" or \"cis_v4_0_1\"."
  }
}

variable "enabled" {
  description = "key => true/false to switch a detection on or off; null (or absent) keeps the catalog's default."
  type        = map(bool)
  default     = {}
}

variable "allowlist_set" {
  description = <<-EOT
    Whether allowed_source_cidrs is non-empty: a detection that needs the allowlist is on by default
    only then.
  EOT
  type        = bool
  default     = false
}
