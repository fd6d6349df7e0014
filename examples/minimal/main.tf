# The seed's setup: one multi-region trail with global service events, an encrypted
# S3 archive, a log group and the role that lets CloudTrail write to it.

provider "aws" {
  region = var.region
}

module "trailwatch" {
  source = "../../"

  name_prefix = var.name_prefix
}
