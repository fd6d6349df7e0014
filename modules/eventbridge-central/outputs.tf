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
