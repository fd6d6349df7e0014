output "trail_arn" {
  description = "ARN of the trail, or null in bring-your-own mode."
  value       = module.trail.arn
}

output "trail_name" {
  description = "Name of the trail, or null in bring-your-own mode."
  value       = module.trail.name
}

output "s3_bucket_name" {
  description = "Name of the log archive bucket, or null in bring-your-own mode."
  value       = module.trail.s3_bucket_name
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the trail's log files, or null."
  value       = module.trail.kms_key_arn
}

output "log_group_name" {
  description = "Name of the log group the detections read (created or existing)."
  value       = local.create_log_group ? module.log_group.name : local.log_group_name
}

output "log_group_arn" {
  description = "ARN of that log group, without the trailing :*."
  value       = local.create_log_group ? module.log_group.arn : local.log_group_arn
}

output "log_group_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the created log group, or null."
  value       = module.log_group.kms_key_arn

  # Checked here rather than on a data source: the ARN may be unknown until apply, and a
  # deferred data source would make every name in the plan unknown.
  precondition {
    condition     = (var.log_group_encryption == "existing") == (var.log_group_kms_key_arn != null)
    error_message = "log_group_kms_key_arn goes with log_group_encryption = \"existing\": set both or neither."
  }
}

output "delivery_role_arn" {
  description = "ARN of the role CloudTrail uses to write to the log group, or null in bring-your-own mode."
  value       = module.delivery_role.arn
}

output "sns_topic_arn" {
  description = "ARN of the topic the alarms notify (created or given)."
  value       = module.notifications.topic_arn
}

output "metric_filters" {
  description = "Enabled detections: key => {name, pattern, patterns, metric_name, namespace}."
  value       = module.metric_filters.filters
}

output "alarms" {
  description = "key => {name, arn} of every alarm."
  value       = { for k, a in module.alarms.alarms : k => { name = a.name, arn = a.arn } }
}

output "allowlist_clauses" {
  description = "The filter-pattern clauses compiled from allowed_source_cidrs."
  value       = module.metric_filters.allowlist_clauses
}

output "signin_event_rules" {
  description = <<-EOT
    key => {name, arn, event_pattern, why} of the EventBridge sign-in rules ({} unless
    signin_events_enabled).
  EOT
  value       = try(module.signin_events[0].rules, {})
}

output "signin_events_forward_bus_arn" {
  description = <<-EOT
    Default event bus of this region: the forward_to_event_bus_arn for modules/signin-events in the
    other regions that record sign-ins (null unless signin_events_enabled).
  EOT
  value = (
    var.signin_events_enabled
    ? "arn:${local.partition}:events:${local.region}:${local.account_id}:event-bus/default"
    : null
  )
}

output "signin_event_patterns" {
  description = <<-EOT
    The same map as event_rule_patterns (kept for existing callers): key => event pattern (JSON) of
    each EventBridge rule, known at plan time ({} unless signin_events_enabled).
  EOT
  value       = try(module.signin_events[0].event_patterns, {})
}

output "event_rule_patterns" {
  description = <<-EOT
    Detection key => event pattern (JSON) of each EventBridge rule this module plans, known at plan
    time ({} unless signin_events_enabled). Every detection with a rule is here: the sign-in
    detections and the API-call ones (login_profile_changes, console_session_from_access_keys,
    mfa_device_removed, identity_provider_changes).
  EOT
  value       = try(module.signin_events[0].event_patterns, {})
}

output "event_rule_notifications" {
  description = <<-EOT
    On detection_path = "eventbridge": detection key => {input_paths, input_template}, the
    real-time message of each detection that notifies at once (the single-event sign-in
    detections, as signin_events_enabled sends them from the default bus), for the
    notification_messages input of modules/eventbridge-central; {} on the cloudwatch_logs path.
  EOT
  value       = local.eventbridge_path ? module.signin_events[0].realtime_input_transformers : {}
}

output "athena" {
  description = <<-EOT
    The Athena database, table, workgroup and results bucket for `trailwatch backtest --athena`
    (null unless athena_enabled).
  EOT
  value = var.athena_enabled ? {
    database       = module.athena[0].database_name
    table          = module.athena[0].table_name
    workgroup      = module.athena[0].workgroup_name
    results_bucket = module.athena[0].results_bucket_name
  } : null
}

output "alarm_messages_state_machine_arn" {
  description = "ARN of the state machine that sends the readable alarm messages (null unless alarm_messages_enabled)."
  value       = try(module.alarm_messages[0].state_machine_arn, null)
}

output "chat_topic_arn" {
  description = <<-EOT
    ARN of the chat topic the Slack / Teams channel configurations subscribe to (null unless
    chat_enabled).
  EOT
  value       = var.chat_enabled ? module.chat[0].topic_arn : null
}

output "chat_channel_configuration_arns" {
  description = "{slack = key => ARN, teams = key => ARN} of the chat channel configurations ({} unless chat_enabled)."
  value = (
    var.chat_enabled
    ? {
      slack = module.chat[0].slack_channel_configuration_arns,
      teams = module.chat[0].teams_channel_configuration_arns
    }
    : {}
  )
}
