output "member_rules" {
  description = <<-EOT
    Detection key => {bus_arn, event_pattern, state}: the rules input of examples/eventbridge-member
    in every account and region that forwards here (`terraform output -json member_rules`).
  EOT
  value       = module.trailwatch_central.member_rules
}

output "bus_arns" {
  description = "Detection key => ARN of its bus, which the organization's accounts forward to."
  value       = module.trailwatch_central.bus_arns
}

output "central_rule_names" {
  description = "Detection key => name of the rule on its bus that delivers to its log group."
  value       = module.trailwatch_central.rule_names
}

output "central_failure_alarms" {
  description = "Detection key => name of the alarm on its central rule's failed deliveries."
  value       = module.trailwatch_central.failure_alarms
}

output "trail_arn" {
  description = "ARN of this account's trail (no CloudWatch Logs integration on this path)."
  value       = module.trailwatch.trail_arn
}

output "log_group_name" {
  description = "Parent log group; each detection's matched events are in <this>/<detection>."
  value       = module.trailwatch.log_group_name
}

output "log_group_arn" {
  description = "ARN of the parent log group (without :*)."
  value       = module.trailwatch.log_group_arn
}

output "s3_bucket_name" {
  description = "This account's log archive bucket."
  value       = module.trailwatch.s3_bucket_name
}

output "sns_topic_arn" {
  description = "Topic the alarms notify."
  value       = module.trailwatch.sns_topic_arn
}

output "alarms" {
  description = "Alarm per detection."
  value       = module.trailwatch.alarms
}

output "event_rule_patterns" {
  description = "Detection key => event pattern (JSON) of its rule, here and on every member."
  value       = module.trailwatch.event_rule_patterns
}

output "notifying_detections" {
  description = "The detections whose central bus also sends each event it delivers to the topic at once."
  value       = module.trailwatch_central.notifying_detections
}
