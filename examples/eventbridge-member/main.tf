# The member part of the organization-wide eventbridge detection path
# (docs/eventbridge-path.md, "Organization-wide"), as an account's baseline includes it once per
# region: a rule per detection on this region's default bus, with the security account's
# patterns, forwarding each matched event to that detection's bus in the security account
# through one role (events:PutEvents on those buses only). No trail, no log group: the events
# are counted centrally. Here too: a topic of this region for the forwarders' failure alarms,
# since a forward refused by the central bus (or by a permissions boundary or an SCP) would
# otherwise drop this account's events without a sign.

provider "aws" {
  region = var.region
}

module "forward_failures" {
  source = "../../modules/notifications"

  name            = "${var.name_prefix}-eb-forward-failures"
  email_addresses = var.alarm_email_addresses
}

module "trailwatch_member" {
  source = "../../modules/eventbridge-member"

  name_prefix           = var.name_prefix
  rules                 = var.rules
  failure_alarm_actions = [module.forward_failures.topic_arn]
}
