variable "name_prefix" {
  description = "Prefix of the rule, state machine, roles and failure alarm: <name_prefix>-alarm-messages."
  type        = string
}

variable "alarms" {
  description = <<-EOT
    The detection alarms, as output by modules/alarms: key => {name, period, evaluation_periods,
    statistic, insights_queries = {events, by_account}, filter_pattern (optional: the metric
    filter's pattern; with it, each message also links to exactly the events the filter counted)}.
  EOT
  type = map(object({
    name               = string
    period             = number
    evaluation_periods = number
    statistic          = string
    insights_queries   = object({ events = string, by_account = string })
    filter_pattern     = optional(string)
  }))

  validation {
    condition     = length(var.alarms) > 0
    error_message = "alarms: at least one detection alarm is needed for alarm messages."
  }
}

variable "destinations" {
  description = <<-EOT
    Per detection key (every key of alarms): topic_arns receive the readable text message,
    chat_topic_arns the chat custom-notification JSON.
  EOT
  type = map(object({
    topic_arns      = list(string)
    chat_topic_arns = list(string)
  }))

  validation {
    condition     = sum(concat([0], [for d in var.destinations : length(d.topic_arns) + length(d.chat_topic_arns)])) > 0
    error_message = <<-EOT
      destinations: no detection has an SNS topic to send its alarm message to (a detection whose
      own alarm_actions name no SNS topic gets none); route at least one to a topic, or leave alarm
      messages off.
    EOT
  }
}

variable "log_group_name" {
  description = "The log group the detections' metric filters read: the Logs Insights links query it."
  type        = string
}

variable "log_group_names" {
  description = <<-EOT
    Detection key => the log group its filters read instead of log_group_name (the eventbridge
    detection path): its links query that group.
  EOT
  type        = map(string)
  default     = {}
}

variable "organization_trail" {
  description = <<-EOT
    Several accounts write to the log group (an organization trail, or the central stack of the
    organization-wide eventbridge path): add a link whose query counts the matches per member
    account and region (recipientAccountId, awsRegion).
  EOT
  type        = bool
  default     = false
}

variable "link_margin_seconds" {
  description = <<-EOT
    Seconds added before and after the alarm's evaluation window in the Logs Insights links
    (CloudTrail delivers events to the log group minutes after they happen).
  EOT
  type        = number
  default     = 300

  validation {
    condition = (
      var.link_margin_seconds >= 0
      && var.link_margin_seconds <= 86400
      && floor(var.link_margin_seconds) == var.link_margin_seconds
    )
    error_message = "link_margin_seconds: a whole number of seconds from 0 to 86400."
  }
}

variable "topic_kms_keys" {
  description = <<-EOT
    Destination topics whose KMS key is known (the ones the caller creates), each {topic_arn,
    kms_key_arn}: the state machine's role is granted exactly those keys.
  EOT
  type = list(object({
    topic_arn   = string
    kms_key_arn = string
  }))
  default = []
}

variable "external_topic_arns" {
  description = <<-EOT
    Destination topics whose keys are not known to the caller (topics the user brings): the role may
    use any key through SNS for them only (kms:EncryptionContext:aws:sns:topicArn). null: every
    destination topic not in topic_kms_keys.
  EOT
  type        = list(string)
  default     = null
}

variable "dead_letter_queue_arn" {
  description = <<-EOT
    SQS queue for the alarm events EventBridge fails to deliver to the state machine after its
    retries, or null. Its policy must let events.amazonaws.com send messages.
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

variable "failure_alarm_actions" {
  description = <<-EOT
    Actions (SNS topic ARNs) of the alarms on the state machine's failed executions and on the
    rule's failed deliveries to it.
  EOT
  type        = list(string)
  default     = []
}

variable "role_path" {
  description = "IAM path of the two roles."
  type        = string
  default     = "/"
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary for the two roles."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
