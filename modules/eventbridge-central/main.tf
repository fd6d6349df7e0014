# The central part of the organization-wide eventbridge detection path (docs/eventbridge-path.md),
# in the security account: one event bus per detection, which the organization's accounts may
# put events on, and on each bus one rule delivering what arrives, as the bare CloudTrail record,
# to that detection's log group (<log group>/<detection>, whose metric filters, alarms and
# notifications are the root module's, unchanged).
#
# Why a bus per detection: a member forwards an event once per forwarding rule that matches it,
# and an event several detections match would reach one shared bus several times, and every
# detection's rule there would deliver every copy: counted several times. With a bus per
# detection, the event reaches the bus of each detection that matched it exactly once. (An
# event bus target carries the event as it is: EventBridge offers input transformation for
# targets that are AWS services or API destinations, EventBridge User Guide, "Configuring an
# input transformer when creating a rule in EventBridge", so a forwarded event cannot carry
# the name of the rule that forwarded it.)

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  envelope = jsondecode(file("${path.module}/../../catalog/detections.json")).eventbridge_path.envelope
  # The buses' ARNs, built from known parts so that their policies are known at plan.
  bus_arns = {
    for k, d in var.event_patterns : k => join(":", [
      "arn",
      data.aws_partition.current.partition,
      "events",
      data.aws_region.current.name,
      data.aws_caller_identity.current.account_id,
      "event-bus/${local.buses[k]}",
    ])
  }
  buses = { for k, d in var.event_patterns : k => "${var.name_prefix}-${replace(k, "_", "-")}" }
}

resource "aws_cloudwatch_event_bus" "this" {
  for_each = var.event_patterns

  name = local.buses[each.key]
  tags = var.tags

  lifecycle {
    # The patterns must be those of the eventbridge detection path: on the cloudwatch_logs path
    # the module has no detection groups, and its real-time sign-in rules (event_rule_patterns
    # with signin_events_enabled) watch the sign-in events only, with other envelopes.
    precondition {
      condition = (
        length(var.event_patterns) > 0
        && length(setsubtract(keys(var.event_patterns), keys(var.metric_filters)))
        + length(setsubtract(keys(var.metric_filters), keys(var.event_patterns))) == 0
        && alltrue([
          for p in values(var.event_patterns) :
          try(jsondecode(p)["detail-type"] == local.envelope["detail-type"] && !can(jsondecode(p).source), false)
        ])
      )
      error_message = <<-EOT
        event_patterns and metric_filters must be the outputs of a trailwatch module on
        detection_path = "eventbridge" (one rule per metric filter, each on every CloudTrail event:
        the catalog's eventbridge_path envelope); these are not (a cloudwatch_logs module's patterns
        are the real-time sign-in rules', and it has no group per detection). Set detection_path =
        "eventbridge" on that module.
      EOT
    }
  }
}

# EventBridge API Reference, "PutPermission" (and the User Guide's "Sending and receiving events
# between AWS accounts in Amazon EventBridge"): Principal "*" with the organization's ID in a
# condition admits every account of the organization, and an account admitted through its
# organization must name a RoleArn on its rule's bus target; the role is the principal whose
# aws:PrincipalOrgID the condition reads (modules/eventbridge-member creates it).
data "aws_iam_policy_document" "bus" {
  for_each = var.event_patterns

  statement {
    sid       = "OrganizationForwardsMatchedEvents"
    actions   = ["events:PutEvents"]
    resources = [local.bus_arns[each.key]]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalOrgID"
      values   = [var.organization_id]
    }
  }
}

resource "aws_cloudwatch_event_bus_policy" "this" {
  for_each = var.event_patterns

  event_bus_name = aws_cloudwatch_event_bus.this[each.key].name
  policy         = data.aws_iam_policy_document.bus[each.key].json
}

# The detection's own pattern again (what the root module's rule on the default bus uses): a
# member forwards only what it matched, and the central rule checks it once more, so that what a
# member forwards beyond the pattern (an older member stack, say) is not counted. In the same
# state as the default bus's rules (EventBridge User Guide, "Receiving read-only management
# events from AWS services": the state applies to rules on default and custom buses).
resource "aws_cloudwatch_event_rule" "this" {
  for_each = var.event_patterns

  name           = "${var.name_prefix}-central-${replace(each.key, "_", "-")}"
  description    = "trailwatch: the organization's ${each.key} events, forwarded to this bus, to their log group"
  event_bus_name = aws_cloudwatch_event_bus.this[each.key].name
  event_pattern  = each.value
  state          = var.state
  tags           = var.tags
}

# As on the default bus (modules/signin-events): the bare record ($.detail) to the detection's
# group, through the group's resource policy (the root module's; no role).
resource "aws_cloudwatch_event_target" "logs" {
  for_each = var.event_patterns

  rule           = aws_cloudwatch_event_rule.this[each.key].name
  event_bus_name = aws_cloudwatch_event_bus.this[each.key].name
  target_id      = "logs"
  arn            = "${var.log_group_arn}/${each.key}"
  input_path     = "$.detail"

  dynamic "dead_letter_config" {
    for_each = var.dead_letter_queue_arn == null ? [] : [var.dead_letter_queue_arn]

    content {
      arn = dead_letter_config.value
    }
  }
}

# Real-time notifications (realtime_notifications, to notification_topic_arn): on the bus of each
# detection that notifies at once, the rule also sends what it delivers to the topic, with the
# message the default bus's rules send (modules/signin-events builds it from the catalog; the trailwatch module's
# event_rule_notifications output carries it here, so it is written once). Its input paths read
# $.detail, the record as the member's bus received it: the Who line names the account
# (recipientAccountId) and the Region line the region (awsRegion) where the event happened.
#
# The SNS target takes no role: EventBridge publishes under the topic's resource policy (EventBridge
# User Guide, "Using resource-based policies for Amazon EventBridge", Amazon SNS permissions),
# which admits events.amazonaws.com for this account's rules only (aws:SourceAccount) and for the
# rule ARNs it names (aws:SourceArn, ArnLike; Amazon SNS Developer Guide, "Example cases for Amazon
# SNS access control"; modules/notifications). A rule on a custom bus has the ARN
# rule/<bus>/<rule> (Service Authorization Reference, "Actions, resources, and condition keys for
# Amazon EventBridge", resource type rule), which the default bus's pattern (rule/<prefix>-signin-*)
# does not match: the notification_rule_arn_pattern output is what the topic's policy must add
# (the trailwatch module's sns_topic_publisher_rule_arns). docs/service-calls.yaml, row
# eventbridge-sns-publish. The FailedInvocations alarm of each rule (module.failure_alarms below)
# covers this target too.
locals {
  notify = !var.realtime_notifications ? {} : {
    for k, m in var.notification_messages : k => m if contains(keys(var.event_patterns), k)
  }
}

resource "aws_cloudwatch_event_target" "sns" {
  for_each = local.notify

  rule           = aws_cloudwatch_event_rule.this[each.key].name
  event_bus_name = aws_cloudwatch_event_bus.this[each.key].name
  target_id      = "sns"
  arn            = var.notification_topic_arn

  input_transformer {
    input_paths    = each.value.input_paths
    input_template = each.value.input_template
  }

  dynamic "dead_letter_config" {
    for_each = var.dead_letter_queue_arn == null ? [] : [var.dead_letter_queue_arn]

    content {
      arn = dead_letter_config.value
    }
  }

  lifecycle {
    precondition {
      condition     = var.notification_topic_arn != null
      error_message = "realtime_notifications needs notification_topic_arn: the SNS topic (this region) to notify."
    }

    precondition {
      condition = length(setsubtract(keys(var.notification_messages), keys(var.event_patterns))) == 0
      error_message = join("", [
        "notification_messages: ",
        join(", ", setsubtract(keys(var.notification_messages), keys(var.event_patterns))),
        " has no bus here (not a key of event_patterns); pass the trailwatch module's ",
        "event_rule_notifications output beside its event_rule_patterns.",
      ])
    }

    precondition {
      condition = (
        var.notification_topic_arn == null
        || try(split(":", var.notification_topic_arn)[3] == data.aws_region.current.name, false)
      )
      error_message = <<-EOT
        notification_topic_arn is in region ${try(split(":", var.notification_topic_arn)[3], "?")} but this
        provider is in ${data.aws_region.current.name}: EventBridge delivers to SNS only in its own
        region.
      EOT
    }
  }
}

module "failure_alarms" {
  source = "../rule-failure-alarms"

  rules = {
    for k, d in var.event_patterns : k => {
      name           = "${var.name_prefix}-central-${replace(k, "_", "-")}"
      event_bus_name = local.buses[k]
      check = join("", [
        "Check the log group's resource policy (it must let events.amazonaws.com create streams and ",
        "put events)",
        contains(keys(local.notify), k)
        ? " and the topic's policy and key (they must let events.amazonaws.com publish)."
        : ".",
      ])
    }
  }
  dead_letter_queue = var.dead_letter_queue_arn != null
  alarm_actions     = var.failure_alarm_actions
  tags              = var.tags
}
