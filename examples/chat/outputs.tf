output "trail_arn" {
  description = "ARN of the trail."
  value       = module.trailwatch.trail_arn
}

output "log_group_name" {
  description = "Log group the trail delivers to."
  value       = module.trailwatch.log_group_name
}

output "sns_topic_arn" {
  description = "Topic the alarms and sign-in notifications go to (email)."
  value       = module.trailwatch.sns_topic_arn
}

output "chat_topic_arn" {
  description = "Topic the Slack and Teams channel configurations subscribe to."
  value       = module.trailwatch.chat_topic_arn
}

output "chat_channel_configuration_arns" {
  description = "The Slack and Teams channel configurations: {slack = key => ARN, teams = key => ARN}."
  value       = module.trailwatch.chat_channel_configuration_arns
}

output "alarms" {
  description = "Alarm per detection."
  value       = module.trailwatch.alarms
}

output "signin_event_rules" {
  description = "Sign-in notification rule per detection."
  value       = module.trailwatch.signin_event_rules
}

output "delivery_role_arn" {
  description = "Role CloudTrail assumes to write to the log group."
  value       = module.trailwatch.delivery_role_arn
}
