output "log_group_name" {
  description = "Log group the detections read."
  value       = module.trailwatch.log_group_name
}

output "log_group_arn" {
  description = "ARN of that log group."
  value       = module.trailwatch.log_group_arn
}

output "trail_arn" {
  description = "null: no trail is created in bring-your-own mode."
  value       = module.trailwatch.trail_arn
}

output "sns_topic_arn" {
  description = "Topic the alarms notify."
  value       = module.trailwatch.sns_topic_arn
}

output "alarms" {
  description = "Alarm per detection."
  value       = module.trailwatch.alarms
}
