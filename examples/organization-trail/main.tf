# One organization trail, created in the management account, records every member
# account's sign-ins into one log group.

provider "aws" {
  region = var.region
}

data "aws_organizations_organization" "this" {}

module "trailwatch" {
  source = "../../"

  name_prefix           = var.name_prefix
  is_organization_trail = true
  organization_id       = data.aws_organizations_organization.this.id
}
