output "trail_arn" {
  description = "ARN of the trail."
  value       = module.trailwatch.trail_arn
}

output "log_group_name" {
  description = "Log group that receives the sign-in events."
  value       = module.trailwatch.log_group_name
}

output "delivery_role_arn" {
  description = "Role CloudTrail uses to write to the log group."
  value       = module.trailwatch.delivery_role_arn
}

output "sns_topic_arn" {
  description = "Topic the alarms and the sign-in rules notify."
  value       = module.trailwatch.sns_topic_arn
}

output "alarms" {
  description = "Alarm per detection."
  value       = module.trailwatch.alarms
}

output "signin_event_rules" {
  description = "The notifying EventBridge rules in us-east-1."
  value       = module.trailwatch.signin_event_rules
}

output "signin_forward_rules" {
  description = "Region => ARN of the rule that forwards its sign-in (and other detection) events to us-east-1."
  value = merge(
    {
      "us-east-2"      = module.signin_forward_us_east_2.forward_rule_arn
      "eu-north-1"     = module.signin_forward_eu_north_1.forward_rule_arn
      "ap-southeast-2" = module.signin_forward_ap_southeast_2.forward_rule_arn
    },
    var.identity_center_region == null
    ? {}
    : { (var.identity_center_region) = module.signin_forward_identity_center[0].forward_rule_arn },
  )
}
