# Alarm messages (issue 13, parts 3 and 4): when a detection's alarm goes to ALARM, one
# readable message per destination instead of CloudWatch's generic alarm notification.
#
# EventBridge rule on this module's alarms' "CloudWatch Alarm State Change" events (state
# ALARM) -> an EXPRESS Step Functions state machine (QueryLanguage JSONata) that parses the
# event's reasonData, computes the evaluation window, sums the matched events, builds the
# CloudWatch Logs Insights console links and publishes (optimized SNS integration) the text
# message to each text topic and the custom-notification JSON to each chat topic. Why not an
# input transformer alone: it cannot parse reasonData (a JSON string), subtract times or
# URL-encode, so its link could only be "relative to now" (see the README).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  catalog    = jsondecode(file("${path.module}/../../catalog/detections.json"))
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  name       = "${var.name_prefix}-alarm-messages"
  # Known at plan (an ARN is fixed by the name), for the role's trust policy.
  machine_arn = "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${local.name}"

  # The console's host for the links, by partition.
  console = {
    aws        = "https://${local.region}.console.aws.amazon.com"
    aws-us-gov = "https://console.amazonaws-us-gov.com"
    aws-cn     = "https://console.amazonaws.cn"
  }[local.partition]

  # What the state machine knows of each alarm, keyed by alarm name (the event's
  # detail.alarmName): the catalog's texts, the Logs Insights queries, the window and the
  # destinations.
  detections = {
    for key, a in var.alarms : a.name => {
      key                 = key
      title               = local.catalog.detections[key].title
      severity            = local.catalog.detections[key].severity
      description         = local.catalog.detections[key].description
      why                 = local.catalog.detections[key].why_it_matters
      queries             = a.insights_queries
      filter_pattern      = a.filter_pattern
      log_group           = lookup(var.log_group_names, key, var.log_group_name)
      console             = local.console
      period              = a.period
      evaluation_periods  = a.evaluation_periods
      statistic           = a.statistic
      organization_trail  = var.organization_trail
      link_margin_seconds = var.link_margin_seconds
      topics              = { text = var.destinations[key].topic_arns, chat = var.destinations[key].chat_topic_arns }
    }
  }

  topic_arns = distinct(flatten([for d in var.destinations : concat(d.topic_arns, d.chat_topic_arns)]))
  # Destination topics whose keys the caller does not know (all but topic_kms_keys' by default).
  external_topic_arns = (
    var.external_topic_arns != null
    ? var.external_topic_arns
    : [for t in local.topic_arns : t if !contains([for k in var.topic_kms_keys : k.topic_arn], t)]
  )

  definition = jsonencode({
    Comment = join(" ", [
      "trailwatch: a readable message for each detection alarm",
      "that goes to ALARM (modules/alarm-messages)",
    ])
    QueryLanguage = "JSONata"
    StartAt       = "Render"
    States = {
      Render = {
        Type = "Pass"
        Output = join("\n", [
          "{% (",
          "$detections := ${jsonencode(local.detections)};",
          trimspace(file("${path.module}/message.jsonata")),
          ") %}",
        ])
        Next = "Publish"
      }
      Publish = {
        Type  = "Map"
        Items = "{% $states.input %}"
        ItemProcessor = {
          ProcessorConfig = { Mode = "INLINE" }
          StartAt         = "Send"
          States = {
            Send = {
              Type     = "Task"
              Resource = "arn:${local.partition}:states:::sns:publish"
              Arguments = {
                TopicArn = "{% $states.input.TopicArn %}"
                Subject  = "{% $states.input.Subject %}"
                Message  = "{% $states.input.Message %}"
              }
              Retry = [{ ErrorEquals = ["States.ALL"], IntervalSeconds = 2, MaxAttempts = 3, BackoffRate = 2 }]
              End   = true
            }
          }
        }
        End = true
      }
    }
  })
}

################################################################################
# The state machine and its role (publishes to the destination topics)
################################################################################

# Trust: states.amazonaws.com, scoped to this account's state machine with aws:SourceArn
# (ArnLike) and aws:SourceAccount (StringEquals), as the Step Functions Developer Guide's
# "Creating an IAM role for your state machine" shows under "Prevent cross-service confused
# deputy issue" (its example: ArnLike aws:SourceArn arn:aws:states:<region>:<account>:stateMachine:*).
# The page does not say which ARN is sent; its example admits the state machine's ARN, and the
# qualified form (a version or alias, <arn>:<qualifier>) is admitted too.
data "aws_iam_policy_document" "machine_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.machine_arn, "${local.machine_arn}:*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "machine" {
  name                 = "${local.name}-machine"
  path                 = var.role_path
  assume_role_policy   = data.aws_iam_policy_document.machine_trust.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "machine" {
  # The optimized integration "arn:aws:states:::sns:publish" calls sns:Publish with the
  # role ("Publish messages to an Amazon SNS topic with Step Functions"; the statement is
  # the static-resource one of "IAM policies for Amazon SNS", Step Functions Developer Guide).
  statement {
    sid       = "PublishToTheDestinations"
    actions   = ["sns:Publish"]
    resources = local.topic_arns
  }

  # Encrypted topics: SNS asks KMS for a data key on the publisher's behalf (Amazon SNS
  # Developer Guide, "Key management": a publisher to an encrypted topic needs
  # kms:GenerateDataKey* and kms:Decrypt on the topic's key), with the encryption context
  # aws:sns:topicArn. The keys of the topics the caller creates are known: this statement
  # names them. No kms:ViaService condition: no page in reach confirms that SNS's calls on a
  # publisher's behalf carry it, and a key the call lacks would refuse every publish. The
  # key's policy must let IAM policies grant it (the module's own topic key does:
  # AccountAdministration).
  dynamic "statement" {
    for_each = length(var.topic_kms_keys) > 0 ? [1] : []

    content {
      sid       = "UseTheCreatedTopicKeysThroughSns"
      actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
      resources = [for t in var.topic_kms_keys : t.kms_key_arn]
      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:aws:sns:topicArn"
        values   = [for t in var.topic_kms_keys : t.topic_arn]
      }
    }
  }

  # Topics the user brings: their keys are not known here, so Resource "*" scoped to SNS's
  # use of a key for those topics only.
  dynamic "statement" {
    for_each = length(local.external_topic_arns) > 0 ? [1] : []

    content {
      sid       = "UseTheBroughtTopicKeysThroughSns"
      actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
      resources = ["*"]
      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:aws:sns:topicArn"
        values   = local.external_topic_arns
      }
    }
  }
}

resource "aws_iam_role_policy" "machine" {
  name   = "publish-alarm-messages"
  role   = aws_iam_role.machine.id
  policy = data.aws_iam_policy_document.machine.json
}

resource "aws_sfn_state_machine" "this" {
  # CKV_AWS_285: execution logging would need the role to manage log deliveries on "*"
  # (logs:CreateLogDelivery...); a failed execution raises the ExecutionsFailed alarm below.
  #checkov:skip=CKV_AWS_285:Logging needs log-delivery rights on "*"; ExecutionsFailed alarms instead
  #checkov:skip=CKV_AWS_284:X-Ray tracing of a two-state message renderer adds cost and no security value
  name       = local.name
  type       = "EXPRESS"
  role_arn   = aws_iam_role.machine.arn
  definition = local.definition
  tags       = var.tags
}

################################################################################
# The rule on this module's alarms and its target role
################################################################################

resource "aws_cloudwatch_event_rule" "this" {
  name        = local.name
  description = "trailwatch: detection alarms that go to ALARM -> ${local.name} (readable messages)"
  # Alarm events and EventBridge (Amazon CloudWatch User Guide): source aws.cloudwatch,
  # detail-type "CloudWatch Alarm State Change", resources [the alarm ARN], detail.state.value.
  # The alarms by name prefix (an alarm's ARN is fixed by its name), not one ARN each: the
  # pattern then stays the same size whatever the number of detections (a list of ARNs was
  # over EventBridge's default 2,048 characters with the catalog's 22 alarms at the longest
  # prefix). Another alarm of the same prefix starts an execution that sends nothing (the
  # state machine keeps only its detections); this module's own failure alarm is left out.
  event_pattern = jsonencode({
    source        = ["aws.cloudwatch"]
    "detail-type" = ["CloudWatch Alarm State Change"]
    resources = [
      {
        prefix = "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name_prefix}-"
      }
    ]
    detail = {
      state     = { value = ["ALARM"] }
      alarmName = [{ "anything-but" = { prefix = local.name } }]
    }
  })

  lifecycle {
    precondition {
      condition = alltrue([
        for a in var.alarms :
        startswith(a.name, "${var.name_prefix}-") && !startswith(a.name, local.name)
      ])
      error_message = join("", [
        "alarms: every alarm name must start with \"${var.name_prefix}-\" (the rule matches the ",
        "alarms by that prefix) and none with \"${local.name}\" (this module's own alarms); not ",
        "so: ",
        join(
          ", ",
          [
            for a in var.alarms : a.name
            if !startswith(a.name, "${var.name_prefix}-") || startswith(a.name, local.name)
          ]
        ),
        ".",
      ])
    }
  }

  tags = var.tags
}

# Trust: events.amazonaws.com, scoped with aws:SourceArn (this rule) and aws:SourceAccount,
# which EventBridge sends when it assumes a target's role ("Using IAM policy conditions in
# Amazon EventBridge"), as for modules/signin-events' forward role.
data "aws_iam_policy_document" "target_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${local.name}"]
    }
  }
}

resource "aws_iam_role" "target" {
  name                 = "${local.name}-start"
  path                 = var.role_path
  assume_role_policy   = data.aws_iam_policy_document.target_trust.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

# "Step Functions state machine target" (Amazon EventBridge User Guide): the rule's role
# needs states:StartExecution on the state machine.
data "aws_iam_policy_document" "target" {
  statement {
    sid       = "StartTheMessageStateMachine"
    actions   = ["states:StartExecution"]
    resources = [aws_sfn_state_machine.this.arn]
  }
}

resource "aws_iam_role_policy" "target" {
  name   = "start-alarm-messages"
  role   = aws_iam_role.target.id
  policy = data.aws_iam_policy_document.target.json
}

resource "aws_cloudwatch_event_target" "this" {
  rule      = aws_cloudwatch_event_rule.this.name
  target_id = "alarm-messages"
  arn       = aws_sfn_state_machine.this.arn
  role_arn  = aws_iam_role.target.arn

  dynamic "dead_letter_config" {
    for_each = var.dead_letter_queue_arn == null ? [] : [var.dead_letter_queue_arn]

    content {
      arn = dead_letter_config.value
    }
  }
}

# EventBridge could not start the state machine (the target role's trust, policy or
# boundary, or Step Functions refusing): the ExecutionsFailed alarm below sees only started
# executions. An alarm on the rule's failed deliveries (modules/rule-failure-alarms).
module "failure_alarm" {
  source = "../rule-failure-alarms"

  rules = {
    rule = {
      name  = local.name,
      check = "The readable message was not sent: check the target role's trust, policy and permissions boundary."
    }
  }
  dead_letter_queue = var.dead_letter_queue_arn != null
  alarm_actions     = var.failure_alarm_actions
  tags              = var.tags
}

################################################################################
# A failed execution is itself an alarm (on the raw alarm path, to the failure topics)
################################################################################

resource "aws_cloudwatch_metric_alarm" "failed" {
  alarm_name = "${local.name}-failed"
  alarm_description = join(" ", [
    "trailwatch: a readable alarm message could not be rendered or published",
    "(${local.name} ExecutionsFailed); the detection's raw alarm notification, if on, still went",
    "out. Check the state machine's executions.",
  ])
  namespace           = "AWS/States"
  metric_name         = "ExecutionsFailed"
  dimensions          = { StateMachineArn = aws_sfn_state_machine.this.arn }
  statistic           = "Sum"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  period              = 60
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.failure_alarm_actions
  tags                = var.tags
}
