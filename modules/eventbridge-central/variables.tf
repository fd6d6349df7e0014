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
