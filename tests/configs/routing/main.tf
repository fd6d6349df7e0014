# A consumer of the module with severity routing (tests/test_routing.py): critical alerts go
# to a second topic (a pager's, say) instead of the module's topic; everything else stays on
# the module's topic; every alert also reaches a chat topic (the one chat channels subscribe
# to). One SQS queue is subscribed (raw) to each topic to see what it sends.
# Bring-your-own log group (the test creates it first), so no trail or keys are created.
# Alarm messages are on: they follow the same routes as the alarms.

provider "aws" {
  region = "us-east-1"
}

variable "log_group_name" {
  description = "Existing log group the detections read."
  type        = string
}

data "aws_caller_identity" "current" {}

resource "aws_sns_topic" "pager" {
  name = "tw-routing-pager"
}

resource "aws_sns_topic" "chat" {
  name = "tw-routing-chat"
}

# Lets this account's alarms and sign-in rules publish, as the module's own topic policy does.
resource "aws_sns_topic_policy" "routed" {
  for_each = { pager = aws_sns_topic.pager.arn, chat = aws_sns_topic.chat.arn }

  arn = each.value
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [for svc in ["cloudwatch.amazonaws.com", "events.amazonaws.com"] : {
      Effect    = "Allow"
      Principal = { Service = svc }
      Action    = "sns:Publish"
      Resource  = each.value
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}

module "trailwatch" {
  source = "../../"

  name_prefix             = "tw-routing"
  create_trail            = false
  existing_log_group_name = var.log_group_name
  create_sns_kms_key      = false
  allowed_source_cidrs    = ["203.0.113.0/24"]
  signin_events_enabled   = true
  alarm_messages_enabled  = true

  chat_topic_arns = [aws_sns_topic.chat.arn]
  notification_routes = {
    critical = { topic_arns = [aws_sns_topic.pager.arn], chat_topic_arns = [aws_sns_topic.chat.arn] }
  }
}

locals {
  topics = {
    default = module.trailwatch.sns_topic_arn
    pager   = aws_sns_topic.pager.arn
    chat    = aws_sns_topic.chat.arn
  }
}

resource "aws_sqs_queue" "feed" {
  for_each = toset(keys(local.topics))

  name = "tw-routing-${each.key}"
}

resource "aws_sns_topic_subscription" "feed" {
  for_each = toset(keys(local.topics))

  topic_arn            = local.topics[each.key]
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.feed[each.key].arn
  raw_message_delivery = true
}

output "topic_arns" {
  value = local.topics
}

output "queue_urls" {
  value = { for k, q in aws_sqs_queue.feed : k => q.url }
}
