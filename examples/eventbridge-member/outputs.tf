output "rule_arns" {
  description = "Detection key => ARN of its forwarding rule."
  value       = module.trailwatch_member.rule_arns
}

output "targets" {
  description = "Detection key => ARN of the security account's bus its rule forwards to."
  value       = module.trailwatch_member.targets
}

output "role_arn" {
  description = "Role EventBridge assumes to put the matched events on the security account's buses."
  value       = module.trailwatch_member.role_arn
}

output "failure_alarms" {
  description = "Detection key => name of the alarm on its rule's failed forwards."
  value       = module.trailwatch_member.failure_alarms
}

output "sns_topic_arn" {
  description = "Topic of this region the failure alarms notify."
  value       = module.forward_failures.topic_arn
}
