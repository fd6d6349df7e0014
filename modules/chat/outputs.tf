output "topic_arn" {
  description = "ARN of the chat topic (created or given): the root module's chat_topic_arns."
  value       = module.topic.topic_arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the created chat topic, or null."
  value       = module.topic.kms_key_arn
}

output "channel_role_arn" {
  description = "ARN of the channel role, or null without channels."
  value       = try(aws_iam_role.channel[0].arn, null)
}

output "slack_channel_configuration_arns" {
  description = "slack_channels key => channel configuration ARN."
  value       = { for k, c in aws_chatbot_slack_channel_configuration.this : k => c.chat_configuration_arn }
}

output "teams_channel_configuration_arns" {
  description = "teams_channels key => channel configuration ARN."
  value       = { for k, c in aws_chatbot_teams_channel_configuration.this : k => c.chat_configuration_arn }
}
