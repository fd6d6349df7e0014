################################################################################
# Detections: metric filters and alarms (stages 4-5), their modes and exclusions
################################################################################

variable "allowed_source_cidrs" {
  description = <<-EOT
    Addresses allowed to sign in to the console: IPv4/IPv6 CIDRs or bare IPs. Any other source of a
    successful console sign-in (IAM user, root, or federated AssumedRole session: IAM Identity
    Center, SAML) raises console_login_unexpected_ip, which is enabled only when this list is
    non-empty. IPv6 prefixes must be /128 or a multiple of 16 bits; IPv6 addresses are compared in
    RFC 5952 text form.
  EOT
  type        = list(string)
  default     = []

  # Same rules as modules/allowlist, repeated here so that a bad entry is reported at the
  # caller's own line rather than inside the nested modules.
  validation {
    condition = alltrue([
      for e in var.allowed_source_cidrs :
      can(cidrhost(strcontains(e, "/") ? e : (strcontains(e, ":") ? "${e}/128" : "${e}/32"), 0))
    ])
    error_message = join("", [
      "allowed_source_cidrs: not an IPv4/IPv6 address or CIDR: ",
      join(
        ", ",
        [
          for e in var.allowed_source_cidrs : e
          if !can(
            cidrhost(strcontains(e, "/") ? e : (strcontains(e, ":") ? "${e}/128" : "${e}/32"), 0)
          )
        ]
      ),
      ". Write 203.0.113.10, 203.0.113.0/24 or 2001:db8::/32.",
    ])
  }

  validation {
    condition = alltrue([
      for e in var.allowed_source_cidrs : !can(cidrhost(e, 0)) || !strcontains(e, "/") || try(
        cidrhost("${split("/", e)[0]}/${strcontains(e, ":") ? 128 : 32}", 0) == cidrhost(e, 0),
        false
      )
    ])
    error_message = join("", [
      "allowed_source_cidrs: host bits set in ",
      join(
        ", ",
        [
          for e in var.allowed_source_cidrs :
          join("", [
            "${e} (write ${cidrhost(e, 0)}/${split("/", e)[1]} for the network, ",
            "or ${split("/", e)[0]} for the single host)",
          ])
          if can(cidrhost(e, 0))
          && strcontains(e, "/")
          && !try(
            cidrhost("${split("/", e)[0]}/${strcontains(e, ":") ? 128 : 32}", 0) == cidrhost(e, 0),
            true
          )
        ]
      ),
      ".",
    ])
  }

  validation {
    condition = alltrue([
      for e in var.allowed_source_cidrs :
      !strcontains(e, "/") || try(tonumber(split("/", e)[1]) > 0, true)
    ])
    error_message = <<-EOT
      allowed_source_cidrs: a /0 prefix would allow every address and disable the detection; list
      the networks you trust instead.
    EOT
  }

  validation {
    condition = alltrue([
      for e in var.allowed_source_cidrs :
      !strcontains(e, ":") || !strcontains(e, "/") || try(tonumber(split("/", e)[1]) % 16 == 0, true)
    ])
    error_message = join("", [
      "allowed_source_cidrs: IPv6 prefixes must be /128 or a multiple of 16 bits (/16, /32, /48, ",
      "/64, /80, /96, /112); widen ",
      join(
        ", ",
        [
          for e in var.allowed_source_cidrs : e
          if strcontains(e, ":")
          && strcontains(e, "/")
          && try(tonumber(split("/", e)[1]) % 16 != 0, false)
        ]
      ),
      " to the enclosing one.",
    ])
  }
}

variable "cis_exact" {
  description = <<-EOT
    Count every CIS-mapped detection with Security Hub's exact string (root_usage and
    unauthorized_api_calls then count AssumeRoot sessions, log-delivery and HeadBucket denials too):
    Security Hub CSPM's CloudWatch.1-14, Prowler's and Powerpipe's CIS checks all pass. The defaults
    pass Prowler and Powerpipe and all but CloudWatch.1 and .2.
  EOT
  type        = bool
  default     = false
}

variable "console_login_without_mfa_mode" {
  description = <<-EOT
    "tuned" (default: IAM users and root, successful sign-ins, root's MFAUsed "YES" counts, no
    SSO/SAML/federated false positives), "cis" (CIS 4.2 literal) or "cis_sso" (CIS 4.2 SSO variant =
    Security Hub CloudWatch.3).
  EOT
  type        = string
  default     = "tuned"

  validation {
    condition     = contains(["tuned", "cis", "cis_sso"], var.console_login_without_mfa_mode)
    error_message = "console_login_without_mfa_mode must be \"tuned\", \"cis\" or \"cis_sso\"."
  }
}

variable "detections" {
  description = <<-EOT
    Per-detection overrides keyed by catalog key (catalog/detections.json): enabled, pattern,
    threshold, period, evaluation_periods, datapoints_to_alarm, treat_missing_data, statistic,
    alarm_actions.
  EOT
  type = map(object({
    enabled             = optional(bool)
    pattern             = optional(string)
    threshold           = optional(number)
    period              = optional(number)
    evaluation_periods  = optional(number)
    datapoints_to_alarm = optional(number)
    treat_missing_data  = optional(string)
    statistic           = optional(string)
    alarm_actions       = optional(list(string))
  }))
  default = {}

  validation {
    condition = alltrue([
      for k, d in var.detections :
      d.pattern == null || try(length(d.pattern) >= 1 && length(d.pattern) <= 1024, false)
    ])
    error_message = join("", [
      "detections[*].pattern must be 1-1024 characters (the CloudWatch Logs limit); too long: ",
      join(
        ", ",
        [
          for k, d in var.detections : "${k} (${length(d.pattern)})"
          if try(length(d.pattern) > 1024, false)
        ]
      ),
      ".",
    ])
  }

  validation {
    condition = alltrue([
      for k, d in var.detections :
      d.pattern == null || try(length(regexall("%[^%]*%", d.pattern)) <= 2, false)
    ])
    error_message = <<-EOT
      detections[*].pattern may hold at most 2 regular expressions (%...%), the CloudWatch Logs
      limit per pattern.
    EOT
  }

  validation {
    condition     = alltrue([for k, d in var.detections : d.threshold == null || try(d.threshold >= 0, false)])
    error_message = "detections[*].threshold must be >= 0."
  }

  validation {
    condition = alltrue([
      for k, d in var.detections :
      d.period == null || try(d.period >= 60 && d.period % 60 == 0, false)
    ])
    error_message = <<-EOT
      detections[*].period must be a multiple of 60 seconds (metric filters publish one-minute
      datapoints).
    EOT
  }

  validation {
    condition = alltrue([
      for k, d in var.detections :
      (d.evaluation_periods == null || try(d.evaluation_periods >= 1, false))
      && (d.datapoints_to_alarm == null || try(d.datapoints_to_alarm >= 1, false))
    ])
    error_message = "detections[*].evaluation_periods and datapoints_to_alarm must be >= 1."
  }

  validation {
    condition = alltrue([
      for k, d in var.detections :
      d.treat_missing_data == null
      || contains(
        ["notBreaching", "breaching", "ignore", "missing"],
        coalesce(d.treat_missing_data, "x")
      )
    ])
    error_message = "detections[*].treat_missing_data must be notBreaching, breaching, ignore or missing."
  }

  validation {
    condition = alltrue([
      for k, d in var.detections :
      d.statistic == null
      || contains(
        ["Sum", "SampleCount", "Average", "Minimum", "Maximum"],
        coalesce(d.statistic, "x")
      )
    ])
    error_message = "detections[*].statistic must be Sum, SampleCount, Average, Minimum or Maximum."
  }
}

variable "namespace" {
  description = "CloudWatch namespace of the detections' metrics."
  type        = string
  default     = "CloudTrailMetrics"
}

variable "metric_default_value" {
  description = <<-EOT
    Value the metric filters publish for non-matching events. null (default) publishes only on
    match: cheaper, and with treat_missing_data = notBreaching the alarms behave the same.
  EOT
  type        = number
  default     = null
}

variable "unauthorized_api_calls_mode" {
  description = <<-EOT
    Pattern of unauthorized_api_calls: "tuned" (default: AccessDenied / *UnauthorizedOperation
    except CloudWatch Logs delivery and S3 HeadBucket, minus the exclusions below) or "cis_v4_0_1"
    (the CIS AWS Foundations Benchmark v4.0.1 string, verbatim; exclusions do not apply). cis_exact
    = true uses Security Hub's CloudWatch.2 string instead.
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
    Event sources whose denials unauthorized_api_calls ignores, e.g. ["s3.amazonaws.com"] for a
    bucket that serves anonymous 403s. Each adds a clause to the tuned pattern (1024 characters at
    most in all). Risk: a denied attacker probing an excluded service goes unseen.
  EOT
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for s in var.unauthorized_api_calls_excluded_event_sources :
      can(regex("^[a-z0-9][a-z0-9.-]*\\.amazonaws\\.com$", s))
    ])
    error_message = <<-EOT
      unauthorized_api_calls_excluded_event_sources: each entry must be an event source such as
      s3.amazonaws.com (lower case, ending in .amazonaws.com).
    EOT
  }
}

variable "unauthorized_api_calls_excluded_principal_arns" {
  description = <<-EOT
    Principal ARN patterns (matched against userIdentity.arn; * is a wildcard) whose denials
    unauthorized_api_calls ignores, e.g. ["arn:aws:sts::*:assumed-role/ci-deployer/*"] for a scanner
    that probes by design. Each adds a clause to the tuned pattern (1024 characters at most in all).
    Risk: a stolen credential of an excluded principal is denied unseen.
  EOT
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for a in var.unauthorized_api_calls_excluded_principal_arns :
      can(
        regex(
          "^arn:(aws|aws-cn|aws-us-gov|\\*):(iam|sts|\\*)::([0-9]{12}|\\*):[A-Za-z0-9+=,.@_/*:-]+$",
          a
        )
      )
    ])
    error_message = <<-EOT
      unauthorized_api_calls_excluded_principal_arns: each entry must be an IAM or STS ARN pattern
      such as arn:aws:sts::*:assumed-role/ci-deployer/* (no quotes or spaces; * as wildcard).
    EOT
  }
}

variable "login_profile_changes_excluded_principal_arns" {
  description = <<-EOT
    Principal ARN patterns (matched against userIdentity.arn; * is a wildcard) whose
    CreateLoginProfile / UpdateLoginProfile calls login_profile_changes ignores, on the metric
    filter and the real-time rule alike: the automation that provisions console users, e.g.
    ["arn:aws:sts::*:assumed-role/identity-provisioner/*"]. Risk: a stolen credential of an excluded
    principal sets passwords unseen.
  EOT
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for a in var.login_profile_changes_excluded_principal_arns :
      can(
        regex(
          "^arn:(aws|aws-cn|aws-us-gov|\\*):(iam|sts|\\*)::([0-9]{12}|\\*):[A-Za-z0-9+=,.@_/*:-]+$",
          a
        )
      )
      && !strcontains(a, "**")
    ])
    error_message = <<-EOT
      login_profile_changes_excluded_principal_arns: each entry must be an IAM or STS ARN pattern
      such as arn:aws:sts::*:assumed-role/identity-provisioner/* (no quotes or spaces; * as
      wildcard, never two in a row: EventBridge refuses **).
    EOT
  }
}
