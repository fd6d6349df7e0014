################################################################################
# Readable alarm messages (EventBridge -> Step Functions -> SNS): modules/alarm-messages
################################################################################

variable "alarm_messages_enabled" {
  description = <<-EOT
    When a detection's alarm goes to ALARM, also send one readable message to the alarm's
    destinations: detection title and severity, account and region, the evaluation window, how many
    events matched, why it matters (catalog), and CloudWatch Logs Insights console links with the
    detection's query and that window filled in (with an organization trail or
    alarm_messages_by_account, a second link counts the matches per recipientAccountId and
    awsRegion). Text topics get text, chat_topic_arns the chat
    custom-notification JSON. Built from an EventBridge rule on the alarms' state changes and an
    EXPRESS Step Functions state machine (see the README).
  EOT
  type        = bool
  default     = false
}

variable "alarm_raw_notifications" {
  description = <<-EOT
    Keep CloudWatch's own alarm notification (the generic "ALARM: ..." message) on the module's
    topic, chat_topic_arns and notification_routes. Set false with alarm_messages_enabled = true to
    get only the readable messages; alarm_actions and detections[*].alarm_actions are kept either
    way.
  EOT
  type        = bool
  default     = true
}

variable "alarm_messages_by_account" {
  description = <<-EOT
    Add the per-account-and-region link (matches counted per recipientAccountId and awsRegion) to
    alarm messages. null (default): on when is_organization_trail is true; set true when an
    existing organization trail delivers to existing_log_group_name, and on the central stack of the
    organization-wide eventbridge path (beside modules/eventbridge-central), whose groups receive
    every member account's and region's events.
  EOT
  type        = bool
  default     = null
}

variable "alarm_messages_dead_letter_queue_arn" {
  description = <<-EOT
    SQS queue that receives the alarm events EventBridge could not deliver to the alarm-messages
    state machine, or null. Its policy must let events.amazonaws.com send messages. Either way an
    alarm on the rule's failed deliveries notifies the module's topic.
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.alarm_messages_dead_letter_queue_arn == null
      || can(
        regex(
          "^arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:[0-9]{12}:.+$",
          var.alarm_messages_dead_letter_queue_arn
        )
      )
    )
    error_message = <<-EOT
      alarm_messages_dead_letter_queue_arn must be an SQS queue ARN
      (arn:aws:sqs:<region>:<account>:<name>).
    EOT
  }
}

variable "alarm_messages_link_margin_seconds" {
  description = <<-EOT
    Seconds added before and after the alarm's evaluation window in the alarm messages' Logs
    Insights links (CloudTrail delivers to CloudWatch Logs minutes after the event).
  EOT
  type        = number
  default     = 300

  validation {
    condition = (
      var.alarm_messages_link_margin_seconds >= 0
      && var.alarm_messages_link_margin_seconds <= 86400
      && floor(var.alarm_messages_link_margin_seconds) == var.alarm_messages_link_margin_seconds
    )
    error_message = "alarm_messages_link_margin_seconds: a whole number of seconds from 0 to 86400."
  }
}

variable "alarm_messages_permissions_boundary_arn" {
  description = <<-EOT
    Permissions boundary for the two alarm-messages roles (alarm_messages_enabled), instead of
    permissions_boundary_arn. It must allow states:StartExecution (the rule's role) and sns:Publish,
    kms:GenerateDataKey* and kms:Decrypt (the state machine's role); the service-call table
    (docs/service-calls.md) lists each call.
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.alarm_messages_permissions_boundary_arn == null
      || can(
        regex(
          "^arn:aws[a-zA-Z-]*:iam::([0-9]{12}|aws):policy/.+$",
          var.alarm_messages_permissions_boundary_arn
        )
      )
    )
    error_message = <<-EOT
      alarm_messages_permissions_boundary_arn must be an IAM policy ARN
      (arn:aws:iam::<account>:policy/<name>).
    EOT
  }
}
