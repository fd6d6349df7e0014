output "arn" {
  description = "ARN of the delivery role."
  value       = try(aws_iam_role.this[0].arn, null)

  # CloudTrail checks at CreateTrail that the role can write: expose the ARN only once
  # its policy is attached.
  depends_on = [aws_iam_role_policy.delivery]
}

output "name" {
  description = "Name of the delivery role."
  value       = try(aws_iam_role.this[0].name, null)
}

output "log_stream_arns" {
  description = "Log stream ARNs the role may write to."
  value       = var.create ? local.stream_arns : []
}
