output "trail_arn" {
  description = "ARN of the organization trail."
  value       = module.trailwatch.trail_arn
}

output "log_group_name" {
  description = "Log group that receives every member account's sign-in events."
  value       = module.trailwatch.log_group_name
}

output "delivery_role_arn" {
  description = "Role CloudTrail uses to write to the log group."
  value       = module.trailwatch.delivery_role_arn
}

output "organization_id" {
  description = "The organization the trail records."
  value       = data.aws_organizations_organization.this.id
}

output "sns_topic_arn" {
  description = "Topic the alarms notify."
  value       = module.trailwatch.sns_topic_arn
}

output "alarms" {
  description = "Alarm per detection."
  value       = module.trailwatch.alarms
}

output "subscribers" {
  description = <<-EOT
    Who the alarms reach: nobody yet. This example subscribes no one to the topic (sns_topic_arn);
    subscribe your team's email, a pager's https endpoint or a chat channel to it, or add
    alarm_email_addresses to the module call.
  EOT
  value = join(" ", [
    "nobody: this example subscribes no one to ${module.trailwatch.sns_topic_arn};",
    "subscribe your team (email, pager, chat) to it, or set alarm_email_addresses on the module",
  ])
}
