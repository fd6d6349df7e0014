output "member_rules" {
  description = <<-EOT
    Detection key => {bus_arn, event_pattern, state}: the rules input of modules/eventbridge-member,
    for every account and region that forwards here.
  EOT
  value = {
    for k, d in var.event_patterns : k => {
      bus_arn       = aws_cloudwatch_event_bus.this[k].arn
      event_pattern = d
      state         = var.state
    }
  }
}

output "bus_arns" {
  description = "Detection key => ARN of its central bus."
  value       = { for k, b in aws_cloudwatch_event_bus.this : k => b.arn }
}

output "rule_names" {
  description = "Detection key => name of the rule on its bus that delivers to its log group."
  value       = { for k, r in aws_cloudwatch_event_rule.this : k => r.name }
}

output "failure_alarms" {
  description = "Detection key => name of the alarm on its central rule's failed deliveries."
  value       = module.failure_alarms.alarms
}

output "notification_rule_arn_pattern" {
  description = <<-EOT
    ARN pattern of every rule on this module's buses (for the notification topic's policy,
    aws:SourceArn): the trailwatch module's sns_topic_publisher_rule_arns input.
  EOT
  value = join("", [
    "arn:${data.aws_partition.current.partition}:events:${data.aws_region.current.name}:",
    "${data.aws_caller_identity.current.account_id}:rule/${var.name_prefix}-*/${var.name_prefix}-central-*",
  ])
}

output "notifying_detections" {
  description = "Detection keys whose central rule also sends a real-time notification."
  value       = sort(keys(local.notify))
}
