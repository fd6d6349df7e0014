locals {
  # arn:<partition>:cloudtrail:<region>:<account>:trail/<name>
  trail_arn_parts = split(":", var.trail_arn)
  account_id      = local.trail_arn_parts[4]
  trail_region    = local.trail_arn_parts[3]

  # CloudTrail names the streams <account>_CloudTrail_<home region>[_n]; an organization
  # trail writes member accounts' events to <org id>_<account>_CloudTrail_<region>[_n].
  stream_arns = concat(
    ["${var.log_group_arn}:log-stream:${local.account_id}_CloudTrail_${local.trail_region}*"],
    var.organization_id == null ? [] : ["${var.log_group_arn}:log-stream:${var.organization_id}_*"],
  )
}

data "aws_iam_policy_document" "trust" {
  count = var.create ? 1 : 0

  statement {
    sid     = "CloudTrailOnlyForThisTrail"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [var.trail_arn]
    }
  }
}

data "aws_iam_policy_document" "delivery" {
  count = var.create ? 1 : 0

  statement {
    sid       = "WriteTrailLogStreamsOnly"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = local.stream_arns
  }
}

resource "aws_iam_role" "this" {
  count = var.create ? 1 : 0

  name                 = var.name
  path                 = var.path
  description          = "Lets CloudTrail trail ${var.trail_arn} deliver events to CloudWatch Logs"
  assume_role_policy   = data.aws_iam_policy_document.trust[0].json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "delivery" {
  count = var.create ? 1 : 0

  name   = "cloudtrail-to-cloudwatch-logs"
  role   = aws_iam_role.this[0].id
  policy = data.aws_iam_policy_document.delivery[0].json
}
