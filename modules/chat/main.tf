# Optional: chat channels (Slack, Microsoft Teams) through Amazon Q Developer in chat
# applications (formerly AWS Chatbot), subscribed to one SNS topic that the root module
# sends alarms (natively) and sign-in notifications (as custom notifications) to.

data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  partition = data.aws_partition.current.partition
  # Channel configurations are global to the account: their names carry the region, so a
  # deployment of the same name in another region does not collide on them.
  configuration_prefix = "${var.name}-${data.aws_region.current.name}"
  # The guardrail caps what anyone in the channel can do through the channel role. Left
  # unset, the API applies AdministratorAccess (CreateSlackChannelConfiguration,
  # "GuardrailPolicyArns"); the default here is CloudWatch read-only: enough to show an
  # alarm's graph, nothing that changes the account.
  guardrail_policy_arns = coalesce(
    var.guardrail_policy_arns,
    ["arn:${local.partition}:iam::aws:policy/CloudWatchReadOnlyAccess"]
  )
}

################################################################################
# The chat topic: modules/notifications again, so the same topic policy and key policy as
# the module's own topic, with a key of its own (create_kms_key) or kms_key_arn's:
# cloudwatch.amazonaws.com and events.amazonaws.com publish and use the key. Nothing is added
# for the chat service: the channel configuration subscribes through the service-linked role
# ("Amazon Q Developer in chat applications Service-linked role for performing operations on
# Amazon SNS topics and CloudWatch Logs"), and SNS
# decrypts before delivering to a subscriber ("Amazon SNS data encryption" covers SSE; the
# exact sentence was not found in the stored pages). NOT CONFIRMED: a third-party report
# (nozaq/terraform-aws-secure-baseline#229) says the chat service did not deliver from
# encrypted topics; another ("When Encryption Breaks Your Slack Notifications") traced the
# same silence to CloudWatch lacking the key, with a manual publish reaching Slack: this key
# grants CloudWatch. Re-check on real AWS, or set create_kms_key = false for this topic.
################################################################################

module "topic" {
  source = "../notifications"

  name                            = var.name
  sns_topic_arn                   = var.sns_topic_arn
  create_kms_key                  = var.create_kms_key
  kms_key_arn                     = var.kms_key_arn
  kms_key_deletion_window_in_days = var.kms_key_deletion_window_in_days
  eventbridge_rule_arns           = var.eventbridge_rule_arns
  tags                            = var.tags
}

################################################################################
# Channel role: what the chat service may do in the account on the channel's behalf.
################################################################################

# The channel role is "a user-defined role that AWS Chatbot assumes. This is not the
# service-linked role" (API reference, "SlackChannelConfiguration"): trust
# chatbot.amazonaws.com. No condition: none of the pages found ("Identity-based IAM policies
# for Amazon Q Developer", "IAM resource-level permissions for Amazon Q Developer")
# documents aws:SourceArn / aws:SourceAccount on this AssumeRole, and a condition on a key
# the service does not send would deny it. The AWS page giving the trust document itself
# was not in the stored docs: re-check on real AWS.
data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "AmazonQDeveloperInChatApplications"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["chatbot.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "channel" {
  count = local.any_channel ? 1 : 0

  name = "${var.name}-channel"
  path = var.role_path
  description = join(" ", [
    "Channel role of the trailwatch chat configurations (notifications only; permissions:",
    "${length(var.channel_role_policy_arns) == 0 ? "none" : join(", ", var.channel_role_policy_arns)})",
  ])
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

# Delivering notifications needs no permission on this role (the service-linked role
# AWSServiceRoleForAWSChatbot reads the topic); by default the role has none. Add read-only
# policies (e.g. CloudWatchReadOnlyAccess) to let the channel show alarm graphs.
resource "aws_iam_role_policy_attachment" "channel" {
  for_each = local.any_channel ? toset(var.channel_role_policy_arns) : toset([])

  role       = aws_iam_role.channel[0].name
  policy_arn = each.value
}

locals {
  any_channel = length(var.slack_channels) + length(var.teams_channels) > 0
}

################################################################################
# Channel configurations
################################################################################

resource "aws_chatbot_slack_channel_configuration" "this" {
  for_each = var.slack_channels

  configuration_name          = "${local.configuration_prefix}-slack-${each.key}"
  iam_role_arn                = aws_iam_role.channel[0].arn
  slack_team_id               = each.value.workspace_id
  slack_channel_id            = each.value.channel_id
  sns_topic_arns              = [module.topic.topic_arn]
  guardrail_policy_arns       = local.guardrail_policy_arns
  logging_level               = var.logging_level
  user_authorization_required = var.user_authorization_required
  tags                        = var.tags
}

resource "aws_chatbot_teams_channel_configuration" "this" {
  for_each = var.teams_channels

  configuration_name          = "${local.configuration_prefix}-teams-${each.key}"
  iam_role_arn                = aws_iam_role.channel[0].arn
  tenant_id                   = each.value.tenant_id
  team_id                     = each.value.team_id
  channel_id                  = each.value.channel_id
  channel_name                = each.value.channel_name
  team_name                   = each.value.team_name
  sns_topic_arns              = [module.topic.topic_arn]
  guardrail_policy_arns       = local.guardrail_policy_arns
  logging_level               = var.logging_level
  user_authorization_required = var.user_authorization_required
  tags                        = var.tags
}
