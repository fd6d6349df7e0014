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

  # cloudtrail.amazonaws.com alone, as in AWS's default CloudTrail_CloudWatchLogs_Role. No
  # aws:SourceArn / aws:SourceAccount: AWS CloudTrail User Guide, "Role policy document for
  # CloudTrail to use CloudWatch Logs for monitoring": "Confused deputy prevention is not
  # applicable to the role policy for CloudWatch Logs monitoring. The role policy doesn't
  # support the use of aws:SourceArn and aws:SourceAccount." With them, CreateTrail fails
  # with InvalidCloudWatchLogsRoleArnException. What the role can do stays narrow: the
  # permissions policy below names only this trail's log streams.
  statement {
    sid     = "CloudTrailDeliversToCloudWatchLogs"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
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
