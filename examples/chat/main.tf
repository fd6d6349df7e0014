# Alerts in Slack and Microsoft Teams: the detections and real-time sign-in notifications,
# a chat topic (KMS-encrypted) that every unrouted alert also reaches (alarms natively,
# sign-ins as Amazon Q Developer custom notifications), and one Slack and one Teams channel
# configuration subscribed to it. The workspace and tenant must be authorised once in the
# Amazon Q Developer in chat applications console first (see README.md).

provider "aws" {
  region = var.region
}

module "trailwatch" {
  source = "../../"

  name_prefix           = var.name_prefix
  allowed_source_cidrs  = var.allowed_source_cidrs
  alarm_email_addresses = var.alarm_email_addresses
  signin_events_enabled = true

  chat_enabled        = true
  chat_slack_channels = { security = { workspace_id = var.slack_workspace_id, channel_id = var.slack_channel_id } }
  chat_teams_channels = {
    security = {
      tenant_id    = var.teams_tenant_id
      team_id      = var.teams_team_id
      channel_id   = var.teams_channel_id
      channel_name = "security-alerts"
    }
  }
  chat_logging_level = "ERROR"
}
