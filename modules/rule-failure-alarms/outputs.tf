output "alarms" {
  description = "Rule key => name of the alarm on its targets' failed deliveries."
  value       = { for key, a in aws_cloudwatch_metric_alarm.this : key => a.alarm_name }
}
