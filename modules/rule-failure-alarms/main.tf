# A failure signal for EventBridge rules: one alarm per rule on its targets' failed
# deliveries, used by modules/signin-events (its rules and forwarder) and
# modules/alarm-messages (its rule).
#
# Amazon EventBridge User Guide, "Monitoring Amazon EventBridge": AWS/Events
# FailedInvocations counts invocations that failed permanently, and not those counted as
# sent to (or failed to be sent to) a dead-letter queue, InvocationsSentToDlq and
# InvocationsFailedToBeSentToDlq; their dimension is RuleName on the default bus (EventBusName
# and RuleName on another), and EventBridge sends them only when they are not zero. So each
# alarm sums the three (each filled with 0) when the targets have a dead-letter queue, and is
# FailedInvocations alone otherwise. One alarm per rule: an alarm is billed per metric it
# reads, so one alarm over every rule would cost the same and say less.

locals {
  metrics = (
    var.dead_letter_queue
    ? ["FailedInvocations", "InvocationsSentToDlq", "InvocationsFailedToBeSentToDlq"]
    : ["FailedInvocations"]
  )
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = var.rules

  alarm_name = "${each.value.name}-target-failed"
  alarm_description = join("", [
    "trailwatch: EventBridge could not deliver events of rule ${each.value.name} ",
    "(${coalesce(each.value.event_bus_name, var.event_bus_name)} bus) to its target",
    var.dead_letter_queue ? "; they went, or failed to go, to the dead-letter queue" : "",
    ". ${each.value.check}",
  ])
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  tags                = var.tags

  dynamic "metric_query" {
    for_each = local.metrics

    content {
      id = "m${metric_query.key}"
      metric {
        namespace   = "AWS/Events"
        metric_name = metric_query.value
        period      = 300
        stat        = "Sum"
        dimensions = (
          coalesce(each.value.event_bus_name, var.event_bus_name) == "default"
          ? { RuleName = each.value.name }
          : { EventBusName = coalesce(each.value.event_bus_name, var.event_bus_name), RuleName = each.value.name }
        )
      }
    }
  }

  metric_query {
    id          = "failed"
    expression  = "SUM([${join(", ", [for i, _ in local.metrics : "FILL(m${i}, 0)"])}])"
    label       = "Events of ${each.value.name} not delivered to the target"
    return_data = true
  }
}
