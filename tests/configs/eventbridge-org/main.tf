# The organization-wide eventbridge path's parts, for the service-call checks
# (tests/test_service_calls.py, config "eventbridge-org") and the emulator's hop test
# (tests/test_eventbridge_org.py).
#
# The central stack, in the security account (the emulator's default, 123456789012, us-east-1),
# built from the trailwatch module's own parts as the root module wires them on
# detection_path = "eventbridge", for two detections (root_usage, single-event and notified at
# once; console_login_failures, a count): the groups, their key and the CloudWatch Logs resource
# policy for EventBridge (modules/log-group), the metric filters and alarms on the groups
# (modules/metric-filters, modules/alarms), the default bus's rules (modules/signin-events on the
# detection path, which also builds the real-time messages), the alarm topic
# (modules/notifications), and modules/eventbridge-central with its real-time notifications.
#
# Two member accounts in two regions, reached by assuming a role into each (moto maps the
# credentials STS returns to the role's account): 222222222222 runs the member part in us-west-2,
# 333333333333 in eu-west-1. (A third member, one account in both regions, cost about 3 CPU-s of
# apply and drift check here for no hop the two do not show.) The organization is the emulator's
# (a fixture).

provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "a_us_west_2"
  region = "us-west-2"

  assume_role {
    role_arn = "arn:aws:iam::222222222222:role/orgt-baseline"
  }
}

provider "aws" {
  alias  = "b_eu_west_1"
  region = "eu-west-1"

  assume_role {
    role_arn = "arn:aws:iam::333333333333:role/orgt-baseline"
  }
}

locals {
  prefix     = "orgt"
  group      = "/aws/cloudtrail/${local.prefix}"
  detections = ["console_login_failures", "root_usage"]
  catalog    = jsondecode(file("${path.module}/../../catalog/detections.json"))
  # Every other catalog detection off, as a caller's detections input switches them off.
  off       = { for k in keys(local.catalog.detections) : k => { enabled = false } if !contains(local.detections, k) }
  allowlist = ["203.0.113.0/24"]
}

data "aws_organizations_organization" "this" {}

module "metric_filters" {
  source = "../../modules/metric-filters"

  log_group_name       = module.log_group.name
  log_group_names      = { for k, g in module.log_group.detection_groups : k => g.name }
  name_prefix          = local.prefix
  allowed_source_cidrs = local.allowlist
  detections           = local.off
}

module "log_group" {
  source = "../../modules/log-group"

  name                 = local.group
  detection_groups     = local.detections
  resource_policy_name = "${local.prefix}-eventbridge-to-logs"
}

module "notifications" {
  source = "../../modules/notifications"

  name = "${local.prefix}-alarms"
  # The default bus's rules, and the central buses' notifying rules.
  eventbridge_rule_arns = [
    module.signin_events.rule_arn_pattern,
    module.central.notification_rule_arn_pattern,
  ]
}

module "alarms" {
  source = "../../modules/alarms"

  name_prefix = local.prefix
  filters = {
    for k, f in module.metric_filters.filters : k => {
      name        = f.name,
      metric_name = f.metric_name,
      namespace   = f.namespace,
      pattern     = f.pattern
    }
  }
  log_group_name  = local.group
  log_group_names = { for k in local.detections : k => "${local.group}/${k}" }
  alarm_actions   = [module.notifications.topic_arn]
}

# The central account's own events of us-east-1 (the root module's rules on the default bus);
# notify = false: the real-time messages are built (realtime_input_transformers) but these rules
# send none.
module "signin_events" {
  source = "../../modules/signin-events"

  detection_path        = true
  log_group_arns        = { for k, g in module.log_group.detection_groups : k => g.arn }
  path_detections       = module.metric_filters.detections
  notify                = false
  name_prefix           = local.prefix
  sns_topic_arn         = module.notifications.topic_arn
  allowed_source_cidrs  = local.allowlist
  failure_alarm_actions = [module.notifications.topic_arn]
}

module "central" {
  source = "../../modules/eventbridge-central"

  name_prefix            = local.prefix
  organization_id        = data.aws_organizations_organization.this.id
  log_group_arn          = module.log_group.arn
  event_patterns         = module.signin_events.event_patterns
  metric_filters         = module.metric_filters.filters
  failure_alarm_actions  = [module.notifications.topic_arn]
  realtime_notifications = true
  notification_topic_arn = module.notifications.topic_arn
  notification_messages  = module.signin_events.realtime_input_transformers
}

module "member_a_us_west_2" {
  source    = "../../modules/eventbridge-member"
  providers = { aws = aws.a_us_west_2 }

  name_prefix = local.prefix
  rules       = module.central.member_rules
}

module "member_b_eu_west_1" {
  source    = "../../modules/eventbridge-member"
  providers = { aws = aws.b_eu_west_1 }

  name_prefix = local.prefix
  rules       = module.central.member_rules
}

output "event_patterns" {
  description = "Detection key => the pattern of its rules (default bus, central bus, members)."
  value       = module.signin_events.event_patterns
}

output "notifying_detections" {
  value = module.central.notifying_detections
}

output "topic_arn" {
  value = module.notifications.topic_arn
}
