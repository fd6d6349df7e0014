output "alarms" {
  description = "key => {name, arn} of every alarm."
  value       = { for key, a in aws_cloudwatch_metric_alarm.this : key => { name = a.alarm_name, arn = a.arn } }
}
