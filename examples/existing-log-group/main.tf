# Bring your own log group: an existing trail already delivers to it, for example Control
# Tower's organization trail and its aws-controltower/CloudTrailLogs group. The module
# creates no trail, bucket, key, log group or role: only the detections.

provider "aws" {
  region = var.region
}

module "trailwatch" {
  source = "../../"

  name_prefix             = var.name_prefix
  create_trail            = false
  existing_log_group_name = var.existing_log_group_name
}
