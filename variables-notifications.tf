################################################################################
# Notifications: the topic, its subscribers, alarm actions and severity routing (stage 6)
################################################################################

variable "sns_topic_arn" {
  description = <<-EOT
    Existing SNS topic for the alarms (and sign-in notifications). null creates one (KMS-encrypted,
    with a policy that lets only this account's alarms, and its sign-in rules when
    signin_events_enabled, publish). An existing topic's policy and key are yours to open to
    cloudwatch.amazonaws.com and events.amazonaws.com.
  EOT
  type        = string
  default     = null
}

variable "sns_topic_publisher_rule_arns" {
  description = <<-EOT
    ARN patterns of further EventBridge rules of this account and region that may publish to the
    created topic (and use its key): modules/eventbridge-central's notification_rule_arn_pattern
    output, when that module sends its real-time notifications to this module's topic
    (notification_topic_arn). The module's own rules are admitted without it.
  EOT
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for a in var.sns_topic_publisher_rule_arns :
      can(regex("^arn:aws[a-zA-Z-]*:events:[a-z0-9-]+:[0-9]{12}:rule/[A-Za-z0-9._*/-]+$", a))
    ])
    error_message = <<-EOT
      sns_topic_publisher_rule_arns must be EventBridge rule ARNs or patterns
      (arn:aws:events:<region>:<account>:rule/[<bus>/]<name>, * allowed in the name).
    EOT
  }
}

variable "alarm_email_addresses" {
  description = "Email addresses subscribed to the topic (each must confirm)."
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for e in var.alarm_email_addresses :
      can(
        regex(
          "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$",
          e
        )
      )
    ])
    error_message = join("", [
      "alarm_email_addresses: not an email address: ",
      join(
        ", ",
        [
          for e in var.alarm_email_addresses : e
          if !can(
            regex(
              "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$",
              e
            )
          )
        ]
      ),
      ".",
    ])
  }
}

variable "sns_subscriptions" {
  description = "Extra subscriptions to the topic: {protocol = https|sqs|lambda, endpoint, raw_message_delivery}."
  type = list(object({
    protocol             = string
    endpoint             = string
    raw_message_delivery = optional(bool, false)
  }))
  default = []
}

variable "create_sns_kms_key" {
  description = "Encrypt the created topic with a new KMS key whose policy lets CloudWatch alarms use it."
  type        = bool
  default     = true
}

variable "sns_kms_key_arn" {
  description = <<-EOT
    Existing customer managed KMS key for the created topic, used when create_sns_kms_key = false.
    Its policy must grant cloudwatch.amazonaws.com (and events.amazonaws.com with
    signin_events_enabled) kms:GenerateDataKey* and kms:Decrypt; AWS managed keys (alias/aws/sns)
    are refused at plan.
  EOT
  type        = string
  default     = null

  # AWS managed keys (alias/aws/sns and every alias/aws/*) have a fixed key policy; see the
  # Amazon SNS Developer Guide, "Key management": event sources from AWS services need a
  # customer managed key.
  validation {
    condition     = var.sns_kms_key_arn == null || !can(regex("(^|:)alias/aws/", var.sns_kms_key_arn))
    error_message = <<-EOT
      sns_kms_key_arn: ${coalesce(var.sns_kms_key_arn, "null")} is an AWS managed key
      (alias/aws/...). Its key policy cannot be edited, so it can never admit
      cloudwatch.amazonaws.com or events.amazonaws.com: alarms and sign-in rules would fail to
      publish, silently. Use a customer managed key whose policy grants both kms:GenerateDataKey*
      and kms:Decrypt, or leave create_sns_kms_key = true.
    EOT
  }
}

variable "alarm_actions" {
  description = "Extra actions (ARNs) for every alarm, besides the topic."
  type        = list(string)
  default     = []
}

variable "ok_actions" {
  description = "Actions when an alarm returns to OK."
  type        = list(string)
  default     = []
}

variable "notify_on_ok" {
  description = "Also notify the topic when an alarm returns to OK."
  type        = bool
  default     = false
}

variable "notification_routes" {
  description = <<-EOT
    Where alerts go, by severity (critical, high, medium, low: each detection's catalog severity) or
    by detection key (catalog/detections.json; a detection's own route wins over its severity's).
    Each route lists SNS topic ARNs in the alarms' region: topic_arns for people and pagers (an
    https endpoint or a team's email subscribes to the topic; sign-in notifications arrive as
    readable text), chat_topic_arns for topics that chat channels subscribe to (sign-in
    notifications arrive as chat custom notifications; see chat_topic_arns), and whether the
    module's topic keeps receiving those alerts too (keep_default_topic, default false). Alarms and
    their real-time sign-in notifications follow the same route. {} (default): every alert goes to
    the module's one topic. A detection's own detections[*].alarm_actions still replaces its alarm
    actions. Each topic's policy and key must admit cloudwatch.amazonaws.com (and
    events.amazonaws.com for sign-in notifications), as for sns_topic_arn.
  EOT
  type = map(object({
    topic_arns         = optional(list(string), [])
    chat_topic_arns    = optional(list(string), [])
    keep_default_topic = optional(bool, false)
  }))
  default = {}

  # Unknown keys (read from the catalog file) and topics in another region: preconditions in
  # main.tf (data.aws_partition.input_checks), as they read more than this variable.

  validation {
    condition = alltrue([
      for k, r in var.notification_routes :
      alltrue([
        for a in concat(r.topic_arns, r.chat_topic_arns) :
        can(regex("^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", a))
      ])
    ])
    error_message = join("", [
      "notification_routes: not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>): ",
      join(
        ", ",
        flatten([
          for k, r in var.notification_routes :
          [
            for a in concat(r.topic_arns, r.chat_topic_arns) : "${k}: ${a}"
            if !can(regex("^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", a))
          ]
        ])
      ),
      ". Subscribe a pager's https endpoint or a chat channel to a topic and route to the topic.",
    ])
  }


  validation {
    condition = alltrue([
      for k, r in var.notification_routes :
      length(r.topic_arns) + length(r.chat_topic_arns) + (r.keep_default_topic ? 1 : 0) >= 1
      && length(r.topic_arns) + length(r.chat_topic_arns) + (r.keep_default_topic ? 1 : 0) <= 5
    ])
    error_message = <<-EOT
      notification_routes: each route needs 1-5 destinations in all (topic_arns and chat_topic_arns,
      plus the module's topic with keep_default_topic = true): an EventBridge rule takes at most 5
      targets, and an empty route would silence its alerts; to silence a detection set
      detections.<key>.enabled = false.
    EOT
  }
}

variable "chat_topic_arns" {
  description = <<-EOT
    SNS topics (in the alarms' region) that chat channels (Amazon Q Developer in chat applications,
    Slack or Microsoft Teams) subscribe to: every alert without a notification_routes entry goes
    there as well as to the module's topic. Alarms render natively in chat; sign-in notifications
    arrive as chat custom notifications (a title and a markdown description: who, IP, MFA, region,
    time, why, event ID) instead of the text that email gets, which chat would show raw. Each
    topic's policy and key must admit cloudwatch.amazonaws.com and events.amazonaws.com.
  EOT
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for a in var.chat_topic_arns :
      can(regex("^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", a))
    ])
    error_message = join("", [
      "chat_topic_arns: not an SNS topic ARN: ",
      join(
        ", ",
        [
          for a in var.chat_topic_arns : a
          if !can(regex("^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", a))
        ]
      ),
      ".",
    ])
  }

  # At most 4, each in the alarms' region: a precondition in main.tf
  # (data.aws_partition.input_checks), as the region is a data source.
}
