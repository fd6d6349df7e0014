# Every option on: custom names and tags, a key prefix and lifecycle rule on the archive,
# the log group sharing the trail's KMS key, a longer retention, a permissions boundary
# and path on the delivery role (and another on the alarm-messages roles, with readable
# alarm messages on), your allowlist (IPv4 and IPv6, any prefix), per-detection overrides, a
# custom namespace, OK notifications, an SQS queue subscribed next to the emails, and
# real-time sign-in notifications through EventBridge (failures left to the alarm's
# threshold of 5, so a password-guessing burst sends one alarm, not one message each).

provider "aws" {
  region = var.region
}

# SSE-SQS (keys SQS owns), not SSE-KMS: with a KMS key, the key policy would also have to
# let sns.amazonaws.com call kms:GenerateDataKey and kms:Decrypt (Amazon SQS Developer
# Guide, "Access management for encrypted Amazon SQS queues with least privilege
# policies"), and the AWS managed alias/aws/sqs key cannot.
resource "aws_sqs_queue" "alarms" {
  name                    = "${var.name_prefix}-alarm-feed"
  sqs_managed_sse_enabled = true
}

# SNS delivers to the queue only if the queue policy lets it: Amazon SNS Developer Guide,
# "Fanout Amazon SNS notifications to Amazon SQS queues for asynchronous processing"
# (sns.amazonaws.com may sqs:SendMessage, with aws:SourceArn = the topic ARN). Without it
# every alarm sent to the queue is dropped.
data "aws_iam_policy_document" "alarms_queue" {
  statement {
    sid       = "TrailwatchTopicDelivers"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [module.trailwatch.sns_topic_arn]
    }
  }
}

resource "aws_sqs_queue_policy" "alarms" {
  queue_url = aws_sqs_queue.alarms.id
  policy    = data.aws_iam_policy_document.alarms_queue.json
}

resource "aws_iam_policy" "boundary" {
  name        = "${var.name_prefix}-delivery-boundary"
  description = "Permissions boundary for the CloudTrail delivery role: CloudWatch Logs writes only."
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "arn:aws:logs:${var.region}:*:log-group:/security/*"
    }]
  })
}

# The alarm-messages roles get a boundary of their own: the delivery role's (log streams
# only) would silently deny their calls (the rule's role starts the state machine, the state
# machine's role publishes to the topic through its KMS key).
resource "aws_iam_policy" "messages_boundary" {
  name = "${var.name_prefix}-alarm-messages-boundary"
  description = join(" ", [
    "Permissions boundary for the alarm-messages roles:",
    "start the message state machine, publish to SNS through its KMS key.",
  ])
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["states:StartExecution"]
        Resource = "arn:aws:states:${var.region}:*:stateMachine:${var.name_prefix}-alarm-messages"
      },
      {
        Effect   = "Allow"
        Action   = ["sns:Publish"]
        Resource = "arn:aws:sns:${var.region}:*:${var.name_prefix}-*"
      },
      {
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey*", "kms:Decrypt"]
        Resource = "arn:aws:kms:${var.region}:*:key/*"
      },
    ]
  })
}

module "trailwatch" {
  source = "../../"

  name_prefix = var.name_prefix
  trail_name  = "${var.name_prefix}-signin-trail"

  s3_bucket_name          = "${var.name_prefix}-signin-archive-${var.region}"
  s3_key_prefix           = "cloudtrail"
  s3_bucket_force_destroy = false
  s3_lifecycle = {
    expiration_days                    = 2557
    noncurrent_version_expiration_days = 90
    transition_days                    = 90
    transition_storage_class           = "GLACIER"
  }

  kms_key_deletion_window_in_days = 30

  log_group_name       = "/security/${var.name_prefix}/cloudtrail"
  log_retention_days   = 400
  log_group_encryption = "trail"

  delivery_role_name       = "${var.name_prefix}-ct-to-cwl"
  delivery_role_path       = "/security/"
  permissions_boundary_arn = aws_iam_policy.boundary.arn

  alarm_messages_enabled                  = true
  alarm_messages_permissions_boundary_arn = aws_iam_policy.messages_boundary.arn

  allowed_source_cidrs           = var.allowed_source_cidrs
  console_login_without_mfa_mode = "tuned"
  namespace                      = "Security/SignIn"
  detections = {
    console_login_failures = { threshold = 5, period = 300 }
    unauthorized_api_calls = { evaluation_periods = 5, datapoints_to_alarm = 2 }
    vpc_changes            = { enabled = false }
  }

  alarm_email_addresses = var.alarm_email_addresses
  sns_subscriptions     = [{ protocol = "sqs", endpoint = aws_sqs_queue.alarms.arn }]
  notify_on_ok          = true

  signin_events_enabled = true
  signin_events_detections = {
    console_login_failures = { enabled = false }
  }

  tags = var.tags
}
