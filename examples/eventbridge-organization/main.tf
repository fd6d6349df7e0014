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

  name_prefix           = var.name_prefix
  detection_path        = "eventbridge"
  allowed_source_cidrs  = var.allowed_source_cidrs
  alarm_email_addresses = var.alarm_email_addresses
}

module "trailwatch_central" {
  source = "../../modules/eventbridge-central"

  name_prefix           = var.name_prefix
  organization_id       = data.aws_organizations_organization.this.id
  log_group_arn         = module.trailwatch.log_group_arn
  event_patterns        = module.trailwatch.event_rule_patterns
  metric_filters        = module.trailwatch.metric_filters
  failure_alarm_actions = [module.trailwatch.sns_topic_arn]
}

# One block (and one aliased provider) per other region the account uses, not var.region: there
# the module's own rules feed the log groups. Terraform has no for_each over providers.
module "trailwatch_member_us_west_2" {
  source    = "../../modules/eventbridge-member"
  providers = { aws = aws.us_west_2 }

  name_prefix = var.name_prefix
  rules       = module.trailwatch_central.member_rules
}
