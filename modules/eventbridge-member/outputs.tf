output "rule_arns" {
  description = "Detection key => ARN of its forwarding rule."
  value       = { for k, r in aws_cloudwatch_event_rule.this : k => r.arn }
}

output "targets" {
  description = "Detection key => ARN of the central bus its rule forwards to."
  value       = { for k, t in aws_cloudwatch_event_target.this : k => t.arn }
}

output "role_arn" {
  description = "ARN of the role EventBridge assumes to put the matched events on the central buses, or null."
  value       = try(aws_iam_role.this[0].arn, null)
}

output "failure_alarms" {
  description = "Detection key => name of the alarm on its rule's failed forwards."
  value       = module.failure_alarms.alarms
}
