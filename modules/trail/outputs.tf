output "arn" {
  description = "ARN of the trail."
  value       = try(aws_cloudtrail.this[0].arn, null)
}

output "name" {
  description = "Name of the trail."
  value       = try(aws_cloudtrail.this[0].name, null)
}

output "home_region" {
  description = "Region the trail was created in."
  value       = try(aws_cloudtrail.this[0].home_region, null)
}

output "planned_arn" {
  description = <<-EOT
    ARN the trail has (or will have), known at plan time; use it in policies that must name the
    trail before it exists.
  EOT
  value       = local.trail_arn
}

output "s3_bucket_name" {
  description = "Name of the log archive bucket."
  value       = var.create ? var.s3_bucket_name : null
}

output "s3_bucket_arn" {
  description = "ARN of the log archive bucket."
  value       = var.create ? local.bucket_arn : null
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the log files (created or given), or null."
  value       = var.create ? local.kms_key_arn : null
}
