output "rules" {
  description = <<-EOT
    Notify mode: the rules by catalog key, each with name, arn, event_pattern (JSON), why (the
    reason the message gives) and state (ENABLED, or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS
    for a rule that must see read-only events).
  EOT
  value = {
    for key, r in aws_cloudwatch_event_rule.this : key => {
      name          = r.name
      arn           = r.arn
      event_pattern = local.rules[key].pattern
      why           = local.rules[key].why
      state         = local.rules[key].state
    }
  }
}

output "input_transformers" {
  description = <<-EOT
    Notify mode: the input transformer of each rule's SNS target (input_paths and input_template),
    by catalog key.
  EOT
  value = {
    for key, r in local.rules : key => {
      input_paths    = local.input_paths[key]
      input_template = local.templates[key]
    }
  }
}

output "rule_arn_pattern" {
  description = <<-EOT
    ARN pattern matching every rule this module creates in its region (for an SNS topic policy's
    aws:SourceArn).
  EOT
  value = join("", [
    "arn:${data.aws_partition.current.partition}:events:${local.region}:",
    "${data.aws_caller_identity.current.account_id}:rule/",
    var.event_bus_name == "default" ? "" : "${var.event_bus_name}/",
    "${var.name_prefix}-signin-*",
  ])
}

output "forward_event_pattern" {
  description = <<-EOT
    Forward mode: the forwarding rule's event pattern (JSON): the envelope of every enabled
    detection, or null.
  EOT
  value       = local.forward ? local.forward_pattern : null
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
  description = <<-EOT
    IPv6 entries of the allowlist some of whose text forms no EventBridge wildcard can cover:
    sign-ins from those forms notify (the metric filter, with regex, stays exact).
  EOT
  value       = module.allowlist.v6_unbounded
}

output "event_patterns" {
  description = "Notify mode: the event pattern (JSON) of each rule by catalog key, known at plan time."
  value       = { for key, r in local.rules : key => r.pattern }
}

output "failure_alarms" {
  description = "Rule key (or \"forward\") => name of the alarm on its target's failed deliveries."
  value       = module.failure_alarms.alarms
}

output "realtime_input_transformers" {
  description = <<-EOT
    The input transformer (input_paths and input_template) of the real-time message of each rule
    whose detection notifies at once (the single-event sign-in detections: the same set as notify
    mode's rules), by catalog key, whether or not this module's own rules notify (notify): what
    modules/eventbridge-central puts on its buses' rules for the events members forward.
  EOT
  value = {
    for key, r in local.rules : key => {
      input_paths    = local.input_paths[key]
      input_template = local.templates[key]
    } if contains(keys(local.notify_rules), key)
  }
}
