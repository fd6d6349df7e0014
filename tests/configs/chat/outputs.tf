output "sns_topic_arn" {
  description = "Topic the alarms notify (email)."
  value       = module.trailwatch.sns_topic_arn
}

output "chat_topic_arn" {
  description = "Topic the chat channels subscribe to."
  value       = module.trailwatch.chat_topic_arn
}

output "chat_channel_configuration_arns" {
  description = "The Slack and Teams channel configurations."
  value       = module.trailwatch.chat_channel_configuration_arns
}

output "alarms" {
  description = "Alarm per detection."
  value       = module.trailwatch.alarms
}
