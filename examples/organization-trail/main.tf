# One organization trail records every member account's sign-ins into one log group.
# Run it in the management account or in a CloudTrail delegated administrator account: the
# management account owns the trail either way, so its ID (read from Organizations) names
# the trail in the ARN, the bucket and key policies and the log-stream names.

provider "aws" {
  region = var.region
}

data "aws_organizations_organization" "this" {}

module "trailwatch" {
  source = "../../"

  name_prefix           = var.name_prefix
  is_organization_trail = true
  organization_id       = data.aws_organizations_organization.this.id

  organization_management_account_id = data.aws_organizations_organization.this.master_account_id
}
