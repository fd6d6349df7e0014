output "trail_arn" {
  description = "ARN of the trail."
  value       = module.trailwatch.trail_arn
}

output "log_group_name" {
  description = "Log group that receives the sign-in events."
  value       = module.trailwatch.log_group_name
}

output "delivery_role_arn" {
  description = "Role CloudTrail uses to write to the log group."
  value       = module.trailwatch.delivery_role_arn
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
