variable "name_prefix" {
  description = <<-EOT
    Prefix of the rule names (<name_prefix>-signin-<detection key>, or <name_prefix>-signin-forward)
    and of the forwarding role.
  EOT
  type        = string
  default     = "trailwatch"

  validation {
    # The root module's cap (24, set by its default bucket name), so that the same prefix
    # works for every stack; here the longest name is a rule,
    # <name_prefix>-signin-console-login-unexpected-ip (EventBridge allows 64).
    condition = (
      can(regex("^[a-z0-9][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix))
      && !strcontains(var.name_prefix, "--")
    )
    error_message = <<-EOT
      name_prefix must be 3-24 lower-case letters, digits or single hyphens, starting and ending
      with a letter or digit (the root module's cap, so one prefix serves every region).
    EOT
  }
}

variable "sns_topic_arn" {
  description = <<-EOT
    SNS topic in this provider's region that receives one readable message per flagged sign-in. Its
    policy must let events.amazonaws.com publish (and its KMS key, if any, let EventBridge use it);
    the root module's topic does. Set this or forward_to_event_bus_arn.
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.sns_topic_arn == null
      || can(
        regex(
          "^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$",
          var.sns_topic_arn
        )
      )
    )
    error_message = "sns_topic_arn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)."
  }
}

variable "forward_to_event_bus_arn" {
  description = <<-EOT
    Instead of notifying, forward every console sign-in event recorded in this provider's region to
    this event bus in another region (normally the default bus of the region where the module
    notifies, see the root module's signin_events_forward_bus_arn output). Set this or
    sns_topic_arn.
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.forward_to_event_bus_arn == null
      || can(
        regex(
          "^arn:aws[a-zA-Z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]+$",
          var.forward_to_event_bus_arn
        )
      )
    )
    error_message = <<-EOT
      forward_to_event_bus_arn must be an event bus ARN
      (arn:aws:events:<region>:<account>:event-bus/<name>).
    EOT
  }
}

variable "allowed_source_cidrs" {
  description = <<-EOT
    Addresses allowed to sign in to the console (IPv4/IPv6 CIDRs or bare IPs), as for the metric
    filters. Needed by console_login_unexpected_ip, which is enabled only when this list is
    non-empty.
  EOT
  type        = list(string)
  default     = []
}

variable "cis_exact" {
  description = <<-EOT
    Use the EventBridge equivalents of Security Hub's exact CIS strings (as the metric-filters
    module does).
  EOT
  type        = bool
  default     = false
}

variable "console_login_without_mfa_mode" {
  description = <<-EOT
    Semantics of console_login_without_mfa: "tuned", "cis" or "cis_sso", as for the metric filters.
    cis_exact = true implies "cis_sso".
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
    Per-detection switches keyed by catalog key, for the detections with an EventBridge rule:
    console_login_unexpected_ip (on when the allowlist is non-empty), console_login_without_mfa,
    root_usage, root_privileged_task, login_profile_changes, console_session_from_access_keys,
    mfa_device_removed, identity_provider_changes, console_login_mfa_failed (on by default; while
    root_privileged_task is on, root_usage leaves sts:AssumeRoot root sessions to it), and
    console_login_failures (off unless enabled: its meaning is a count, which the failures alarm
    reports; its rule would send one message per failed sign-in).
  EOT
  type = map(object({
    enabled = optional(bool)
  }))
  default = {}
}

variable "excluded_principal_arns" {
  description = <<-EOT
    Per-detection principal ARN patterns (userIdentity.arn, * as wildcard) whose events the rule
    ignores, as the metric filter does: detection key => patterns. Only detections whose catalog
    entry takes principal exclusions (login_profile_changes; on the detection path also
    unauthorized_api_calls) accept them.
  EOT
  type        = map(list(string))
  default     = {}

  validation {
    condition = alltrue([
      for k, v in var.excluded_principal_arns :
      contains(["login_profile_changes", "unauthorized_api_calls"], k) || length(v) == 0
    ])
    error_message = <<-EOT
      excluded_principal_arns: only login_profile_changes (and, on the detection path,
      unauthorized_api_calls) takes principal exclusions.
    EOT
  }

  validation {
    condition = alltrue(
      flatten([
        for k, v in var.excluded_principal_arns :
        [
          for a in v :
          can(
            regex(
              "^arn:(aws|aws-cn|aws-us-gov|\\*):(iam|sts|\\*)::([0-9]{12}|\\*):[A-Za-z0-9+=,.@_/*:-]+$",
              a
            )
          )
          && !strcontains(a, "**")
        ]
      ])
    )
    error_message = <<-EOT
      excluded_principal_arns: each entry must be an IAM or STS ARN pattern such as
      arn:aws:sts::*:assumed-role/identity-provisioner/* (* as wildcard, never two in a row).
    EOT
  }
}

variable "event_bus_name" {
  description = <<-EOT
    Event bus the rules listen on. AWS delivers sign-in events to the default bus only; name another
    bus only if you forward events to it yourself.
  EOT
  type        = string
  default     = "default"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]{1,256}$", var.event_bus_name))
    error_message = "event_bus_name must be 1-256 letters, digits, . _ / or -."
  }
}

variable "event_pattern_max_length" {
  description = <<-EOT
    Largest event pattern the account accepts (EventBridge quota "Event pattern size": 2048
    characters by default, up to 4096 on request). A long allowlist that does not fit fails at plan.
  EOT
  type        = number
  default     = 2048

  validation {
    condition     = var.event_pattern_max_length >= 2048 && var.event_pattern_max_length <= 4096
    error_message = <<-EOT
      event_pattern_max_length must be between 2048 (the default quota) and 4096 (the largest AWS
      grants).
    EOT
  }
}

variable "failure_alarm_actions" {
  description = <<-EOT
    SNS topics in this provider's region notified when EventBridge cannot deliver a rule's events to
    its target (an alarm per rule on AWS/Events FailedInvocations, and the dead-letter metrics with
    dead_letter_queue_arn): a topic policy or key that refuses EventBridge, a forwarding role its
    boundary denies. Notify mode always has the alarms (the root module passes its topic); forward
    mode has one only with this set, since alarm actions stay in their own region.
  EOT
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for a in var.failure_alarm_actions :
      can(regex("^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", a))
    ])
    error_message = <<-EOT
      failure_alarm_actions: each entry must be an SNS topic ARN
      (arn:aws:sns:<region>:<account>:<name>).
    EOT
  }
}

variable "dead_letter_queue_arn" {
  description = <<-EOT
    SQS queue for notifications EventBridge fails to deliver after its retries (a topic policy or
    KMS key that refuses EventBridge, for example), or null. Its policy must let
    events.amazonaws.com send messages.
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.dead_letter_queue_arn == null
      || can(regex("^arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:[0-9]{12}:.+$", var.dead_letter_queue_arn))
    )
    error_message = "dead_letter_queue_arn must be an SQS queue ARN."
  }
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary for the forwarding role (forward mode only), or null."
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

variable "tags" {
  description = "Tags for the rules and the forwarding role."
  type        = map(string)
  default     = {}
}

variable "routes" {
  description = <<-EOT
    Per-detection destinations (severity routing): detection key => {topic_arns, chat_topic_arns},
    SNS topics in this provider's region that receive that detection's notifications instead of
    sns_topic_arn and chat_topic_arns: topic_arns get the readable text (email, pagers),
    chat_topic_arns the custom notification JSON that chat channels render. 1-5 topics in all per
    detection (EventBridge takes 5 targets per rule). Detections not listed notify sns_topic_arn and
    chat_topic_arns. Each topic's policy and key must let events.amazonaws.com publish.
  EOT
  type = map(object({
    topic_arns      = list(string)
    chat_topic_arns = optional(list(string), [])
  }))
  default = {}

  validation {
    condition = alltrue([
      for k, r in var.routes :
      length(r.topic_arns) + length(r.chat_topic_arns) >= 1
      && alltrue([
        for a in concat(r.topic_arns, r.chat_topic_arns) :
        can(regex("^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", a))
      ])
    ])
    error_message = "routes: each detection needs at least one SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)."
  }

  # Each topic in this provider's region: a precondition on the detection's rule in main.tf,
  # as the region is a data source.
}

variable "chat_topic_arns" {
  description = <<-EOT
    SNS topics in this provider's region that chat channels (Amazon Q Developer in chat
    applications, Slack or Microsoft Teams) subscribe to: every detection not in routes also
    notifies them, as a custom notification (a title and a markdown description) rather than the
    text, which chat shows raw. Each topic's policy and key must let events.amazonaws.com publish.
  EOT
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for a in var.chat_topic_arns :
      can(regex("^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", a))
    ])
    error_message = "chat_topic_arns: each entry must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)."
  }
}

variable "detection_path" {
  description = <<-EOT
    The eventbridge detection path (the root module's detection_path = "eventbridge"): one rule per
    detection of path_detections, with the same meaning as its metric filter (catalog
    eventbridge_path), delivering its matched events to its group of log_group_arns; the rules of
    the real-time sign-in notifications (detections) are among them and also notify (with notify). A
    boolean of its own because the group's ARN is known only after apply.
  EOT
  type        = bool
  default     = false
}

variable "log_group_arns" {
  description = <<-EOT
    With detection_path: detection key => ARN (without :*) of the log group its rule delivers every
    matched event to, the bare CloudTrail record (the target's input path $.detail), for that
    detection's metric filters: one group per detection, so that an event two rules match is written
    once to each group and counted once by each detection. The groups' resource policy must let
    events.amazonaws.com write to them (the root module's does).
  EOT
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([
      for k, a in var.log_group_arns :
      a == null
      || can(
        regex("^arn:aws[a-zA-Z-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:[A-Za-z0-9_/.#-]{1,512}$", a)
      )
    ])
    error_message = <<-EOT
      log_group_arns: each must be a log group ARN without the trailing :*
      (arn:aws:logs:<region>:<account>:log-group:<name>).
    EOT
  }
}

variable "path_detections" {
  description = <<-EOT
    With detection_path: the detections whose metric filters read the log group, detection key =>
    {pattern_id = the catalog pattern id its filter uses} (the root module passes its metric
    filters').
  EOT
  type = map(object({
    pattern_id = string
  }))
  default = {}
}

variable "excluded_event_sources" {
  description = <<-EOT
    Per-detection event sources whose events the rule ignores, as the metric filter does: detection
    key => sources (* as wildcard). Only detections whose catalog entry takes event-source
    exclusions (unauthorized_api_calls, on the detection path) accept them.
  EOT
  type        = map(list(string))
  default     = {}

  validation {
    condition = alltrue([
      for k, v in var.excluded_event_sources :
      contains(["unauthorized_api_calls"], k) || length(v) == 0
    ])
    error_message = "excluded_event_sources: only unauthorized_api_calls takes event-source exclusions."
  }

  validation {
    condition = alltrue(
      flatten([
        for k, v in var.excluded_event_sources :
        [for s in v : can(regex("^[a-z0-9*.-]+$", s)) && !strcontains(s, "**")]
      ])
    )
    error_message = <<-EOT
      excluded_event_sources: each entry must be an event source such as
      secretsmanager.amazonaws.com (* as wildcard, never two in a row).
    EOT
  }
}

variable "notify" {
  description = <<-EOT
    With detection_path: whether the real-time sign-in rules among the detection path's rules also
    notify (sns_topic_arn, routes, chat_topic_arns). false: every rule only feeds the log group.
    Without detection_path the module always notifies (or forwards).
  EOT
  type        = bool
  default     = true
}
