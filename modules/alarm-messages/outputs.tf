output "state_machine_arn" {
  description = "ARN of the EXPRESS state machine that renders and publishes the alarm messages."
  value       = aws_sfn_state_machine.this.arn
}

output "rule_arn" {
  description = "ARN of the EventBridge rule on the detection alarms' state changes to ALARM."
  value       = aws_cloudwatch_event_rule.this.arn
}
