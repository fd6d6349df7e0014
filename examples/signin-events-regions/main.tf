# Real-time sign-in notifications from every region that records console sign-ins.
#
# The stack (trail, log group, filters, alarms, topic) and the notifying EventBridge rules
# live in us-east-1, where root and most IAM-user sign-ins are recorded. IAM users who sign
# in with an account-alias cookie are recorded in us-east-2, eu-north-1 or ap-southeast-2,
# so each of those regions gets modules/signin-events in forward mode: one rule that sends
# its console sign-in events to us-east-1's default bus, where the same rules judge them.
# Add a forwarder for every region whose regional sign-in endpoint your users use.
#
# IAM Identity Center portal sign-ins (UserAuthentication, CredentialVerification) are
# recorded in the Identity Center instance's region, in the account that owns the instance
# (the organization's management account): identity_center_region gets a forwarder too.
# The forwarders also carry the API-call detections' events recorded outside us-east-1
# (sts:GetFederationToken at a regional STS endpoint, signin:GetSigninToken).

provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "us_east_2"
  region = "us-east-2"
}

provider "aws" {
  alias  = "eu_north_1"
  region = "eu-north-1"
}

provider "aws" {
  alias  = "ap_southeast_2"
  region = "ap-southeast-2"
}

provider "aws" {
  alias  = "identity_center"
  region = coalesce(var.identity_center_region, "us-east-1")
}

module "trailwatch" {
  source = "../../"

  name_prefix           = var.name_prefix
  allowed_source_cidrs  = var.allowed_source_cidrs
  alarm_email_addresses = var.alarm_email_addresses
  signin_events_enabled = true
}

module "signin_forward_us_east_2" {
  source    = "../../modules/signin-events"
  providers = { aws = aws.us_east_2 }

  name_prefix              = var.name_prefix
  forward_to_event_bus_arn = module.trailwatch.signin_events_forward_bus_arn
}

module "signin_forward_eu_north_1" {
  source    = "../../modules/signin-events"
  providers = { aws = aws.eu_north_1 }

  name_prefix              = var.name_prefix
  forward_to_event_bus_arn = module.trailwatch.signin_events_forward_bus_arn
}

module "signin_forward_ap_southeast_2" {
  source    = "../../modules/signin-events"
  providers = { aws = aws.ap_southeast_2 }

  name_prefix              = var.name_prefix
  forward_to_event_bus_arn = module.trailwatch.signin_events_forward_bus_arn
}

module "signin_forward_identity_center" {
  source    = "../../modules/signin-events"
  count     = var.identity_center_region == null ? 0 : 1
  providers = { aws = aws.identity_center }

  name_prefix              = var.name_prefix
  forward_to_event_bus_arn = module.trailwatch.signin_events_forward_bus_arn
}
