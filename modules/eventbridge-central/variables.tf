variable "name_prefix" {
  description = "Prefix of the buses (<prefix>-<detection>) and rules (<prefix>-central-<detection>)."
  type        = string
  default     = "trailwatch"
}

variable "organization_id" {
  description = "The AWS Organizations ID (o-...) whose accounts may put events on the buses (aws:PrincipalOrgID)."
  type        = string

  validation {
    condition     = can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must be an AWS Organizations ID (o- and 10 to 32 lowercase letters or digits)."
  }
}

variable "log_group_arn" {
  description = <<-EOT
    ARN (without :*) of the trailwatch module's log group on detection_path = "eventbridge" (its
    log_group_arn output): each detection's bus delivers to <that group>/<detection>, the group its
    metric filters read, under the resource policy the module gives EventBridge for them.
  EOT
  type        = string

  validation {
    condition = can(regex(
      "^arn:aws[a-zA-Z-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:[A-Za-z0-9_/.#-]{1,512}$", var.log_group_arn
    ))
    error_message = <<-EOT
      log_group_arn must be a log group ARN without the trailing :* (the trailwatch module's
      log_group_arn output).
    EOT
  }
}

variable "event_patterns" {
  description = <<-EOT
    Detection key => event pattern (JSON): the trailwatch module's event_rule_patterns output on
    detection_path = "eventbridge", the patterns of its rules on the default bus (proven equal to
    the metric filters). One bus per key.
  EOT
  type        = map(string)
}

variable "metric_filters" {
  description = <<-EOT
    The trailwatch module's metric_filters output: a detection is forwarded only if its metric
    filter reads the group (checked: event_patterns must have exactly these keys).
  EOT
  type        = map(any)
}

variable "state" {
  description = <<-EOT
    State of the rules: ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS (the catalog's
    eventbridge_path state) so that read-only management events reach them too.
  EOT
  type        = string
  default     = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
}

variable "realtime_notifications" {
  description = <<-EOT
    Send the real-time notification of each forwarded event whose detection notifies at once (a
    key of notification_messages: the single-event sign-in detections) to notification_topic_arn,
    as the default bus's sign-in rules do with signin_events_enabled. false (default): the buses
    only deliver to the log groups.
  EOT
  type        = bool
  default     = false
}

variable "notification_topic_arn" {
  description = <<-EOT
    SNS topic (this region) for the real-time notifications (realtime_notifications): each bus
    whose detection notifies at once (a key of notification_messages) also sends every event it
    delivers to this topic, with the message the default bus's sign-in rules send (naming the
    account and region where the event happened). Required with realtime_notifications.
    The topic's policy must admit the rules (notification_rule_arn_pattern; the trailwatch
    module's sns_topic_publisher_rule_arns input does that for its topic).
  EOT
  type        = string
  default     = null

  validation {
    condition = var.notification_topic_arn == null || can(
      regex("^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", var.notification_topic_arn)
    )
    error_message = "notification_topic_arn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>) or null."
  }
}

variable "notification_messages" {
  description = <<-EOT
    Detection key => {input_paths, input_template}: the trailwatch module's
    event_rule_notifications output (the real-time message of each single-event detection, built
    by modules/signin-events from the catalog), as it is. Used with notification_topic_arn; each
    key must be one of event_patterns.
  EOT
  type = map(object({
    input_paths    = map(string)
    input_template = string
  }))
  default = {}

  validation {
    condition = alltrue([
      for m in values(var.notification_messages) :
      length(m.input_paths) <= 100 && length(m.input_template) > 0 && length(m.input_template) <= 8192
    ])
    error_message = <<-EOT
      notification_messages: each input transformer takes at most 100 input paths and a template of
      1 to 8192 characters (EventBridge InputTransformer); pass the trailwatch module's
      event_rule_notifications output.
    EOT
  }
}

variable "failure_alarm_actions" {
  description = "SNS topics (this region) the rules' FailedInvocations alarms notify."
  type        = list(string)
  default     = []
}

variable "dead_letter_queue_arn" {
  description = "SQS queue for events EventBridge could not deliver to a log group, or null."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
