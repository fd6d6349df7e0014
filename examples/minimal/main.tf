# The smallest useful setup: one multi-region trail with global service events, an
# encrypted S3 archive, a log group and the role that lets CloudTrail write to it; the
# detections with your allowlist; alarm emails to your team (both required inputs).

provider "aws" {
  region = var.region
}

module "trailwatch" {
  source = "../../"

  name_prefix           = var.name_prefix
  allowed_source_cidrs  = var.allowed_source_cidrs
  alarm_email_addresses = var.alarm_email_addresses
}
