output "trail_arn" {
  description = "ARN of the trail (no CloudWatch Logs integration on this path)."
  value       = module.trailwatch.trail_arn
}

output "log_group_name" {
  description = "Log group that receives the matched events only."
  value       = module.trailwatch.log_group_name
}

output "s3_bucket_name" {
  description = "Log archive bucket."
  value       = module.trailwatch.s3_bucket_name
}

output "sns_topic_arn" {
  description = "Topic the alarms and the real-time sign-in messages notify."
  value       = module.trailwatch.sns_topic_arn
}

output "alarms" {
  description = "Alarm per detection."
  value       = module.trailwatch.alarms
}

output "event_rule_patterns" {
  description = "Detection key => event pattern (JSON) of its EventBridge rule."
  value       = module.trailwatch.event_rule_patterns
}
