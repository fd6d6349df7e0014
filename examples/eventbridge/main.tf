# The eventbridge detection path for one account: the trail keeps its encrypted S3 archive
# but delivers nothing to CloudWatch Logs; each detection is an EventBridge rule on this
# region's default bus with the same meaning as its metric filter, and only the matched
# events reach the log group, where the usual metric filters, alarms and (with
# signin_events_enabled) real-time sign-in messages work as on the default path.
# It gives up Security Hub CSPM's CloudWatch.1-14 (they want a trail integrated with a log
# group): see docs/eventbridge-path.md.

provider "aws" {
  region = var.region
}

module "trailwatch" {
  source = "../../"

  name_prefix           = var.name_prefix
  detection_path        = "eventbridge"
  signin_events_enabled = true
  allowed_source_cidrs  = var.allowed_source_cidrs
  alarm_email_addresses = var.alarm_email_addresses
}
