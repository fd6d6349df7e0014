# The security account's stack of the organization-wide eventbridge detection path
# (docs/eventbridge-path.md, "Organization-wide"): the trailwatch module on
# detection_path = "eventbridge" (its own rules on this region's default bus, a log group per
# detection, the metric filters, alarms and emails), and modules/eventbridge-central beside it:
# a bus per detection that admits the organization's accounts (aws:PrincipalOrgID), each with a
# rule delivering what arrives to that detection's log group. Every other account, and this
# one in its other regions, runs examples/eventbridge-member with this stack's member_rules
# output.

provider "aws" {
  region = var.region
}

module "trailwatch" {
  source = "../../"

  name_prefix    = var.name_prefix
  detection_path = "eventbridge"
  # This account's own flagged sign-ins in this region, at once (the central buses below send
  # the members' ones).
  signin_events_enabled = true
  allowed_source_cidrs  = var.allowed_source_cidrs
  alarm_email_addresses = var.alarm_email_addresses
  # Readable alarm messages, with a link counting the matches per member account and region.
  alarm_messages_enabled    = true
  alarm_messages_by_account = true
  # The central buses' real-time messages publish to the module's topic.
  sns_topic_publisher_rule_arns = [module.trailwatch_central.notification_rule_arn_pattern]
}

module "trailwatch_central" {
  source = "../../modules/eventbridge-central"

  name_prefix     = var.name_prefix
  organization_id = var.organization_id
  log_group_arn   = module.trailwatch.log_group_arn
  event_patterns  = module.trailwatch.event_rule_patterns
  metric_filters  = module.trailwatch.metric_filters
  # A refused write to a log group alarms to the same team as the detections.
  failure_alarm_actions = [module.trailwatch.sns_topic_arn]
  # Each forwarded event of a single-event sign-in detection is also sent to the topic at once,
  # its message naming the account and region where it happened.
  realtime_notifications = true
  notification_topic_arn = module.trailwatch.sns_topic_arn
  notification_messages  = module.trailwatch.event_rule_notifications
}
