output "alarms" {
  description = <<-EOT
    key => {name, arn, period, evaluation_periods, statistic, insights_queries = {events,
    by_account}, filter_pattern} of every alarm.
  EOT
  value = {
    for key, a in aws_cloudwatch_metric_alarm.this : key => {
      name               = a.alarm_name
      arn                = a.arn
      period             = a.period
      evaluation_periods = a.evaluation_periods
      statistic          = a.statistic
      insights_queries   = local.insights_queries[key]
      filter_pattern     = var.filters[key].pattern
    }
  }
}
