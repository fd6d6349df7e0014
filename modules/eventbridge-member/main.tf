# The member part of the organization-wide eventbridge detection path (docs/eventbridge-path.md):
# in every account's baseline, once per region. One rule per detection on this region's default
# bus, with the pattern the central stack uses (its eventbridge_member_rules output, so a member
# cannot drift from the patterns proven equal to the metric filters), forwarding each matched
# event to that detection's bus in the security account. An event several detections match is
# forwarded once to each of their buses, and counted once by each detection there.
#
# Names: rules are per account and region (<prefix>-fwd-<detection>); the role is global to the
# account, so its name carries the region (<prefix>-eb-forward-<region>).

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  region  = data.aws_region.current.name
  account = data.aws_caller_identity.current.account_id
  names   = { for k, r in var.rules : k => "${var.name_prefix}-fwd-${replace(k, "_", "-")}" }
  # arn:<partition>:events:<region>:<account>:event-bus/<name>
  bus_regions  = { for k, r in var.rules : k => split(":", r.bus_arn)[3] }
  bus_accounts = { for k, r in var.rules : k => split(":", r.bus_arn)[4] }
}

# EventBridge User Guide, "Sending and receiving events between AWS accounts in Amazon
# EventBridge": a rule whose target is a bus in another account that admits this one through its
# organization must name a role EventBridge assumes to call PutEvents on that bus. The role
# trusts events.amazonaws.com, only for this account's rules (aws:SourceAccount; as the
# signin-events forwarder's role).
data "aws_iam_policy_document" "trust" {
  count = length(var.rules) > 0 ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

data "aws_iam_policy_document" "put_events" {
  count = length(var.rules) > 0 ? 1 : 0

  statement {
    actions   = ["events:PutEvents"]
    resources = sort(distinct([for r in values(var.rules) : r.bus_arn]))
  }
}

resource "aws_iam_role" "this" {
  count = length(var.rules) > 0 ? 1 : 0

  name                 = "${var.name_prefix}-eb-forward-${local.region}"
  assume_role_policy   = data.aws_iam_policy_document.trust[0].json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "this" {
  count = length(var.rules) > 0 ? 1 : 0

  name   = "put-events-central"
  role   = aws_iam_role.this[0].id
  policy = data.aws_iam_policy_document.put_events[0].json
}

resource "aws_cloudwatch_event_rule" "this" {
  for_each = var.rules

  name          = local.names[each.key]
  description   = "trailwatch: forward ${each.key} events of ${local.region} to the security account's bus"
  event_pattern = each.value.event_pattern
  state         = each.value.state
  tags          = var.tags

  lifecycle {
    # The central stack's own rules on its default bus already deliver its account's events of
    # its region: forwarding them to its buses too would count each twice.
    precondition {
      condition = !(local.bus_accounts[each.key] == local.account && local.bus_regions[each.key] == local.region)
      error_message = join("", [
        "${each.key}: the bus ${each.value.bus_arn} is in this account and region, where the central ",
        "stack's own rules already deliver every matched event to the log groups; forwarding here too ",
        "would count each event twice. Leave this account and region out of the member part.",
      ])
    }
  }
}

resource "aws_cloudwatch_event_target" "this" {
  for_each = var.rules

  rule      = aws_cloudwatch_event_rule.this[each.key].name
  target_id = "central"
  arn       = each.value.bus_arn
  role_arn  = aws_iam_role.this[0].arn

  dynamic "dead_letter_config" {
    for_each = var.dead_letter_queue_arn == null ? [] : [var.dead_letter_queue_arn]

    content {
      arn = dead_letter_config.value
    }
  }
}

# A forwarder's failures alarm only where it has somewhere to go (alarm actions stay in their
# own region, and an alarm without one would fail Security Hub's CloudWatch.15).
module "failure_alarms" {
  source = "../rule-failure-alarms"

  rules = length(var.failure_alarm_actions) == 0 ? {} : {
    for k, r in var.rules : k => {
      name = local.names[k]
      check = join("", [
        "Check the forwarding role ${var.name_prefix}-eb-forward-${local.region}, its permissions boundary ",
        "and the central bus's policy (it must admit the organization).",
      ])
    }
  }
  dead_letter_queue = var.dead_letter_queue_arn != null
  alarm_actions     = var.failure_alarm_actions
  tags              = var.tags
}
