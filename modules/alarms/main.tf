# Stage 5 of the data path: one alarm per metric filter, with the catalog's defaults.

locals {
  catalog  = jsondecode(file("${path.module}/../../catalog/detections.json"))
  defaults = local.catalog.alarm_defaults
  queries  = local.catalog.insights_queries
  fields   = join(", ", local.catalog.insights_fields)

  # Each detection's Logs Insights queries (catalog insights_queries filled in): the events
  # query goes into the alarm description; modules/alarm-messages links to both.
  insights_queries = {
    for key in keys(var.filters) : key => {
      for name in ["events", "by_account"] : name => replace(
        replace(local.queries[name], local.queries.fields_placeholder, local.fields),
        local.queries.filter_placeholder,
        local.catalog.detections[key].insights_filter
      )
    }
  }

  alarms = {
    for key, f in var.filters : key => {
      metric_name = f.metric_name
      namespace   = f.namespace
      filter_name = f.name
      # Catalog defaults, then the detection's catalog values, then the user's overrides.
      settings = {
        for setting in [
          "statistic",
          "comparison_operator",
          "threshold",
          "period",
          "evaluation_periods",
          "datapoints_to_alarm",
          "treat_missing_data"
        ] :
        setting => try(var.detections[key][setting], null) != null
        ? var.detections[key][setting]
        : try(local.catalog.detections[key].alarm[setting], local.defaults[setting])
      }
      actions = (
        try(var.detections[key].alarm_actions, null) != null
        ? var.detections[key].alarm_actions
        : var.alarm_actions
      )
      description = join(" ", [
        "[${upper(local.catalog.detections[key].severity)}] ${local.catalog.detections[key].title}.",
        local.catalog.detections[key].description,
        "Metric filter ${f.name} on ${lookup(var.log_group_names, key, var.log_group_name)}.",
        "Who, from where, with or without MFA - run in CloudWatch Logs Insights on",
        "${lookup(var.log_group_names, key, var.log_group_name)}:",
        local.insights_queries[key].events,
      ])
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  statistic           = each.value.settings.statistic
  comparison_operator = each.value.settings.comparison_operator
  threshold           = each.value.settings.threshold
  period              = each.value.settings.period
  evaluation_periods  = each.value.settings.evaluation_periods
  datapoints_to_alarm = each.value.settings.datapoints_to_alarm
  treat_missing_data  = each.value.settings.treat_missing_data
  alarm_actions       = each.value.actions
  ok_actions          = var.ok_actions
  actions_enabled     = true
  tags                = var.tags

  lifecycle {
    precondition {
      condition     = length(each.value.description) <= 1024
      error_message = <<-EOT
        The ${each.key} alarm description is ${length(each.value.description)} characters;
        CloudWatch allows 1024.
      EOT
    }

    precondition {
      condition     = each.value.settings.datapoints_to_alarm <= each.value.settings.evaluation_periods
      error_message = <<-EOT
        ${each.key}: datapoints_to_alarm (${each.value.settings.datapoints_to_alarm}) cannot exceed
        evaluation_periods (${each.value.settings.evaluation_periods}).
      EOT
    }
  }
}
