output "topic_arn" {
  description = "ARN of the topic the alarms notify (created or given)."
  value       = local.topic_arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the created topic, or null."
  value       = local.create_key ? aws_kms_key.this[0].arn : (local.create_topic ? var.kms_key_arn : null)
}

output "email_subscription_arns" {
  description = "email address => subscription ARN (pending until the address confirms)."
  value       = { for k, s in aws_sns_topic_subscription.email : k => s.arn }
}
