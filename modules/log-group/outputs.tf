output "name" {
  description = "Name of the log group."
  value       = try(aws_cloudwatch_log_group.this[0].name, null)
}

output "arn" {
  description = "ARN of the log group, without the trailing :*."
  value       = try(aws_cloudwatch_log_group.this[0].arn, null)
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the log group (created or given), or null."
  value       = var.create ? (local.create_key ? aws_kms_key.this[0].arn : var.kms_key_arn) : null
}

output "retention_in_days" {
  description = "Retention of the log group in days (0 = never expire)."
  value       = try(aws_cloudwatch_log_group.this[0].retention_in_days, null)
}

output "detection_groups" {
  description = "Detection => {name, arn (without :*)} of each group created under this one (detection_groups)."
  value       = { for k, g in aws_cloudwatch_log_group.detections : k => { name = g.name, arn = g.arn } }
}
