output "rules" {
  description = "Notify mode: the rules by catalog key, each with name, arn, event_pattern (JSON) and why (the reason the message gives)."
  value = {
    for key, r in aws_cloudwatch_event_rule.this : key => {
      name          = r.name
      arn           = r.arn
      event_pattern = local.rules[key].pattern
      why           = local.rules[key].why
    }
  }
}

output "input_transformers" {
  description = "Notify mode: the input transformer of each rule's SNS target (input_paths and input_template), by catalog key."
  value = {
    for key, r in local.rules : key => {
      input_paths    = local.se.input_paths
      input_template = local.templates[key]
    }
  }
}

output "rule_arn_pattern" {
  description = "ARN pattern matching every rule this module creates in its region (for an SNS topic policy's aws:SourceArn)."
  value       = "arn:${data.aws_partition.current.partition}:events:${local.region}:${data.aws_caller_identity.current.account_id}:rule/${var.event_bus_name == "default" ? "" : "${var.event_bus_name}/"}${var.name_prefix}-signin-*"
}

output "forward_rule_arn" {
  description = "Forward mode: ARN of the rule that forwards this region's console sign-in events, or null."
  value       = try(aws_cloudwatch_event_rule.forward[0].arn, null)
}

output "forward_role_arn" {
  description = "Forward mode: ARN of the role EventBridge assumes to put events on the target bus, or null."
  value       = try(aws_iam_role.forward[0].arn, null)
}

output "allowlist_wildcards" {
  description = "The allowlist as the EventBridge wildcards excluded by console_login_unexpected_ip."
  value       = local.allow_wildcards
}

output "allowlist_not_covered" {
  description = "IPv6 entries of the allowlist some of whose text forms no EventBridge wildcard can cover: sign-ins from those forms notify (the metric filter, with regex, stays exact)."
  value       = module.allowlist.v6_unbounded
}

output "event_patterns" {
  description = "Notify mode: the event pattern (JSON) of each rule by catalog key, known at plan time."
  value       = { for key, r in local.rules : key => r.pattern }
}
