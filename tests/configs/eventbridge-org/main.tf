# The organization-wide eventbridge path's parts on their own, for the service-call checks
# (tests/test_service_calls.py, config "eventbridge-org") and the emulator's hop test
# (tests/test_eventbridge_org.py): the central part (a bus per detection, its policy, a rule to
# the detection's log group) for two detections, with the groups, their key, the CloudWatch Logs
# resource policy for EventBridge and an alarm topic as the trailwatch module makes them
# (modules/log-group, modules/notifications), and the member part in two other regions of the
# same account (the emulator holds one). The organization is the emulator's (a fixture).

provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "us_west_2"
  region = "us-west-2"
}

provider "aws" {
  alias  = "eu_west_1"
  region = "eu-west-1"
}

variable "event_patterns" {
  description = <<-EOT
    Detection key => its eventbridge-path pattern: the harness passes the catalog's
    (trailwatch.maint.planpolicies.eventbridge_org_patterns): no pattern is written here.
  EOT
  type        = map(string)
}

data "aws_organizations_organization" "this" {}

module "log_group" {
  source = "../../modules/log-group"

  name                 = "/aws/cloudtrail/orgt"
  detection_groups     = sort(keys(var.event_patterns))
  resource_policy_name = "orgt-eventbridge-to-logs"
}

module "notifications" {
  source = "../../modules/notifications"

  name = "orgt-alarms"
}

module "central" {
  source = "../../modules/eventbridge-central"

  name_prefix           = "orgt"
  organization_id       = data.aws_organizations_organization.this.id
  log_group_arn         = module.log_group.arn
  event_patterns        = var.event_patterns
  metric_filters        = { for k in keys(var.event_patterns) : k => { pattern_id = "tuned" } }
  failure_alarm_actions = [module.notifications.topic_arn]

  depends_on = [module.log_group]
}

module "member_us_west_2" {
  source    = "../../modules/eventbridge-member"
  providers = { aws = aws.us_west_2 }

  name_prefix = "orgt"
  rules       = module.central.member_rules
}

module "member_eu_west_1" {
  source    = "../../modules/eventbridge-member"
  providers = { aws = aws.eu_west_1 }

  name_prefix = "orgt"
  rules       = module.central.member_rules
}
