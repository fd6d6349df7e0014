output "organization_id" {
  description = "The organization the buses admit (the one this account belongs to)."
  value       = data.aws_organizations_organization.this.id
}

output "bus_arns" {
  description = "Detection key => ARN of its central bus."
  value       = module.trailwatch_central.bus_arns
}

output "member_rule_arns" {
  description = "Region => detection key => ARN of the forwarding rule there."
  value = {
    us-west-2 = module.trailwatch_member_us_west_2.rule_arns
  }
}

output "member_targets" {
  description = "Region => detection key => ARN of the central bus its rule forwards to."
  value = {
    us-west-2 = module.trailwatch_member_us_west_2.targets
  }
}

output "member_role_arns" {
  description = "Region => role EventBridge assumes there to put the matched events on the central buses."
  value = {
    us-west-2 = module.trailwatch_member_us_west_2.role_arn
  }
}

output "trail_arn" {
  description = "ARN of the trail (no CloudWatch Logs integration on this path)."
  value       = module.trailwatch.trail_arn
}

output "log_group_name" {
  description = "Parent log group; each detection's matched events, from every region, are in <this>/<detection>."
  value       = module.trailwatch.log_group_name
}

output "log_group_arn" {
  description = "ARN of the parent log group (without :*)."
  value       = module.trailwatch.log_group_arn
}

output "s3_bucket_name" {
  description = "Log archive bucket."
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
  description = "Detection key => event pattern (JSON) of its rule, in every region."
  value       = module.trailwatch.event_rule_patterns
}

output "notifying_detections" {
  description = "The detections whose central bus also sends each event it delivers to the topic at once."
  value       = module.trailwatch_central.notifying_detections
}

output "member_failure_topic_arns" {
  description = "Region => the topic its forwarding rules' failure alarms notify."
  value = {
    us-west-2 = module.forward_failures_us_west_2.topic_arn
  }
}
