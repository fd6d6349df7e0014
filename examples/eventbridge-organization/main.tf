# The organization-wide eventbridge detection path composed for a single account
# (docs/eventbridge-path.md, "Organization-wide"): the central part in the provider's region
# (the trailwatch module on detection_path = "eventbridge" and modules/eventbridge-central),
# and the member part in another region of the same account, through an aliased provider: one
# block per other region the account uses.
#
# Why members in a single account: EventBridge receives a CloudTrail event in the region where
# it happened. The trail's CloudWatch Logs path sees every region (a multi-region trail delivers
# them all to one log group), but the rules of one region see that region only: a console
# sign-in at a regional endpoint, or a security group opened in eu-west-1, reaches no rule in
# us-east-1. A member in each other region forwards what its rules match to the central buses.

provider "aws" {
  region = var.region
}

provider "aws" {
  alias  = "us_west_2"
  region = "us-west-2"
}

# The buses admit the organization this account belongs to.
data "aws_organizations_organization" "this" {}

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

  name_prefix           = var.name_prefix
  organization_id       = data.aws_organizations_organization.this.id
  log_group_arn         = module.trailwatch.log_group_arn
  event_patterns        = module.trailwatch.event_rule_patterns
  metric_filters        = module.trailwatch.metric_filters
  failure_alarm_actions = [module.trailwatch.sns_topic_arn]
  # Each forwarded event of a single-event sign-in detection is also sent to the topic at once,
  # its message naming the account and region where it happened.
  realtime_notifications = true
  notification_topic_arn = module.trailwatch.sns_topic_arn
  notification_messages  = module.trailwatch.event_rule_notifications
}

# One block (and one aliased provider) per other region the account uses, not var.region: there
# the module's own rules feed the log groups. Terraform has no for_each over providers.
module "trailwatch_member_us_west_2" {
  source    = "../../modules/eventbridge-member"
  providers = { aws = aws.us_west_2 }

  name_prefix           = var.name_prefix
  rules                 = module.trailwatch_central.member_rules
  failure_alarm_actions = [module.forward_failures_us_west_2.topic_arn]
}

# The member's failure alarms notify a topic of its own region (an alarm's actions must be in the
# alarm's region): a forward refused by the central bus, a boundary or an SCP would otherwise
# drop that region's events without a sign.
module "forward_failures_us_west_2" {
  source    = "../../modules/notifications"
  providers = { aws = aws.us_west_2 }

  name            = "${var.name_prefix}-eb-forward-failures"
  email_addresses = var.alarm_email_addresses
}
