output "trail_arn" {
  description = "ARN of the trail."
  value       = module.trailwatch.trail_arn
}

output "s3_bucket_name" {
  description = "Log archive bucket."
  value       = module.trailwatch.s3_bucket_name
}

output "kms_key_arn" {
  description = "Key that encrypts the log files and the log group."
  value       = module.trailwatch.kms_key_arn
}

output "log_group_name" {
  description = "Log group that receives the sign-in events."
  value       = module.trailwatch.log_group_name
}

output "log_group_kms_key_arn" {
  description = "Key that encrypts the log group (the trail's key here)."
  value       = module.trailwatch.log_group_kms_key_arn
}

output "delivery_role_arn" {
  description = "Role CloudTrail uses to write to the log group."
  value       = module.trailwatch.delivery_role_arn
}

output "sns_topic_arn" {
  description = "Topic the alarms notify."
  value       = module.trailwatch.sns_topic_arn
}

output "alarms" {
  description = "Alarm per detection."
  value       = module.trailwatch.alarms
}

output "metric_filters" {
  description = "Metric filter per detection."
  value       = module.trailwatch.metric_filters
}

output "signin_event_rules" {
  description = "EventBridge rule per sign-in detection that notifies in real time."
  value       = module.trailwatch.signin_event_rules
}
