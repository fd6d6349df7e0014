data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  create_key = var.create && var.create_kms_key
  # The log group ARN is known before the group exists, so the key policy can name it.
  log_group_arn = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${var.name}"
}

data "aws_iam_policy_document" "kms" {
  # A key policy's Resource "*" means "this key"; every statement names its principal and
  # the service ones are scoped by aws:SourceArn/SourceAccount or the encryption context.
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

  statement {
    sid = "CloudWatchLogsUseForThisLogGroup"
    actions = [
      "kms:Encrypt*",
      "kms:Decrypt*",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:Describe*",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    # With detection groups, the groups under this one too (<name>/<detection>).
    condition {
      test     = length(var.detection_groups) > 0 ? "ArnLike" : "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values = (
        length(var.detection_groups) > 0
        ? [local.log_group_arn, "${local.log_group_arn}/*"]
        : [local.log_group_arn]
      )
    }
  }
}

resource "aws_kms_key" "this" {
  count = local.create_key ? 1 : 0

  description             = "Encrypts CloudWatch Logs log group ${var.name} (CloudTrail sign-in events)"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.kms[0].json
  tags                    = var.tags
}

resource "aws_cloudwatch_log_group" "this" {
  count = var.create ? 1 : 0

  name              = var.name
  retention_in_days = var.retention_in_days
  kms_key_id        = local.create_key ? aws_kms_key.this[0].arn : var.kms_key_arn
  skip_destroy      = var.skip_destroy
  tags              = var.tags

  lifecycle {
    precondition {
      condition     = !(var.create_kms_key && var.kms_key_arn != null)
      error_message = "Set create_kms_key = false to encrypt the log group with kms_key_arn; both were given."
    }
  }
}

# The eventbridge detection path: a group per detection, so that each metric filter reads
# exactly the events its own rule delivered (one event two rules match is written once to
# each group, and counted once by each detection).
resource "aws_cloudwatch_log_group" "detections" {
  for_each = var.create ? toset(var.detection_groups) : toset([])

  name              = "${var.name}/${each.value}"
  retention_in_days = var.retention_in_days
  kms_key_id        = local.create_key ? aws_kms_key.this[0].arn : var.kms_key_arn
  skip_destroy      = var.skip_destroy
  tags              = var.tags
}

# EventBridge User Guide, "Using resource-based policies for Amazon EventBridge" (CloudWatch
# Logs permissions): the log group's resource policy admits events.amazonaws.com and
# delivery.logs.amazonaws.com to create streams and put events; a CloudWatch Logs target
# takes no RoleArn. No condition key: the pages document none that EventBridge sends on
# this call (docs/service-calls.yaml), and a condition on an unsent key would refuse every
# delivery. The grant is the streams of the detection groups (<name>/<detection>) only.
data "aws_iam_policy_document" "eventbridge_to_logs" {
  count = var.create && length(var.detection_groups) > 0 ? 1 : 0

  statement {
    sid       = "EventBridgeRulesWriteMatchedEvents"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}/*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "delivery.logs.amazonaws.com"]
    }
  }
}

resource "aws_cloudwatch_log_resource_policy" "eventbridge_to_logs" {
  count = var.create && length(var.detection_groups) > 0 ? 1 : 0

  # One per account and region (CloudWatch Logs allows 10): the caller's name keeps stacks apart.
  policy_name     = var.resource_policy_name
  policy_document = data.aws_iam_policy_document.eventbridge_to_logs[0].json

  lifecycle {
    precondition {
      condition     = var.resource_policy_name != null
      error_message = <<-EOT
        detection_groups needs resource_policy_name: the name of the policy that lets EventBridge
        rules write to the groups.
      EOT
    }
  }
}
