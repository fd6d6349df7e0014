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
