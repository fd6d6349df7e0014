# Stage 6 of the data path: the SNS topic the alarms notify, and who it emails.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  create_topic = var.sns_topic_arn == null
  create_key   = local.create_topic && var.create_kms_key
  account_id   = data.aws_caller_identity.current.account_id
  partition    = data.aws_partition.current.partition
  region       = data.aws_region.current.name
  topic_arn    = local.create_topic ? aws_sns_topic.this[0].arn : var.sns_topic_arn
  alarm_arns   = "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:*"

  # The AWS services that publish to the topic (and so use its key); the topic policy
  # limits each to this account and to the ARNs of its own alarms or rules. EventBridge publishes the sign-in
  # notifications of modules/signin-events.
  publishers = merge(
    {
      CloudWatchAlarms = {
        service = "cloudwatch.amazonaws.com",
        sid     = "CloudWatchAlarmsOfThisAccount",
        arns    = [local.alarm_arns]
      }
    },
    length(var.eventbridge_rule_arns) == 0
    ? {}
    : {
      EventBridgeRules = {
        service = "events.amazonaws.com",
        sid     = "EventBridgeRulesOfThisAccount",
        arns    = var.eventbridge_rule_arns
      }
    },
  )
}

data "aws_iam_policy_document" "kms" {
  # A key policy's Resource "*" means "this key"; every statement names its principal.
  #checkov:skip=CKV_AWS_111:Key policy: Resource "*" is the key itself
  #checkov:skip=CKV_AWS_356:Key policy: Resource "*" is the key itself
  #checkov:skip=CKV_AWS_109:Key policy: the account administers its own key (AWS's default key policy statement)
  count = local.create_key ? 1 : 0

  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # The services that publish to the topic use its key: kms:GenerateDataKey* and
  # kms:Decrypt for the service principal, and no source condition. Amazon SNS Developer
  # Guide, "Key management" (section "Enable compatibility between event sources from AWS
  # services and encrypted topics") gives this statement without any condition, and
  # EventBridge to an encrypted topic does not support aws:SourceArn / aws:SourceAccount in
  # the key policy: with them every sign-in notification is a FailedInvocation. CloudWatch
  # alarms get the same documented statement. Who may publish is decided by the topic
  # policy below, where both services carry aws:SourceAccount and aws:SourceArn; this key
  # encrypts this topic alone.
  dynamic "statement" {
    for_each = local.publishers

    content {
      sid       = "${statement.key}PublishEncrypted"
      actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = [statement.value.service]
      }
    }
  }
}

resource "aws_kms_key" "this" {
  count = local.create_key ? 1 : 0

  description             = "Encrypts SNS topic ${var.name} (trailwatch sign-in alarms)"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.kms[0].json
  tags                    = var.tags
}

resource "aws_sns_topic" "this" {
  count = local.create_topic ? 1 : 0

  name              = var.name
  kms_master_key_id = local.create_key ? aws_kms_key.this[0].arn : var.kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "topic" {
  count = local.create_topic ? 1 : 0

  statement {
    sid = "AccountOwner"
    actions = [
      "SNS:GetTopicAttributes",
      "SNS:SetTopicAttributes",
      "SNS:AddPermission",
      "SNS:RemovePermission",
      "SNS:DeleteTopic",
      "SNS:Subscribe",
      "SNS:ListSubscriptionsByTopic",
      "SNS:Publish",
    ]
    resources = [aws_sns_topic.this[0].arn]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "StringEquals"
      variable = "AWS:SourceOwner"
      values   = [local.account_id]
    }
  }

  # Amazon SNS Developer Guide, "Example cases for Amazon SNS access control": a service
  # that publishes to a topic is scoped with aws:SourceAccount and aws:SourceArn, which
  # CloudWatch alarms and EventBridge rules both send with sns:Publish.
  dynamic "statement" {
    for_each = local.publishers

    content {
      sid       = statement.value.sid
      actions   = ["SNS:Publish"]
      resources = [aws_sns_topic.this[0].arn]

      principals {
        type        = "Service"
        identifiers = [statement.value.service]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account_id]
      }

      condition {
        test     = "ArnLike"
        variable = "aws:SourceArn"
        values   = statement.value.arns
      }
    }
  }
}

resource "aws_sns_topic_policy" "this" {
  count = local.create_topic ? 1 : 0

  arn    = aws_sns_topic.this[0].arn
  policy = data.aws_iam_policy_document.topic[0].json
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.email_addresses)

  topic_arn = local.topic_arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_sns_topic_subscription" "extra" {
  # Keyed by position: endpoints are often ARNs that are unknown until apply.
  for_each = { for i, s in var.subscriptions : "${i}-${s.protocol}" => s }

  topic_arn            = local.topic_arn
  protocol             = each.value.protocol
  endpoint             = each.value.endpoint
  raw_message_delivery = each.value.protocol == "lambda" ? null : each.value.raw_message_delivery
}
