################################################################################
# Detection path: CloudWatch Logs ingestion of the whole trail, or EventBridge rules
################################################################################

variable "detection_path" {
  description = <<-EOT
    How events reach the metric filters. "cloudwatch_logs" (default): the trail delivers every event
    to the log group, as CIS and Security Hub CSPM's CloudWatch.1-14 controls require.
    "eventbridge": the trail has no CloudWatch Logs integration; every enabled detection is an
    EventBridge rule on this region's default bus with the same meaning as its metric filter
    (catalog eventbridge_path), and only the matched events reach the log group, where the same
    metric filters, alarms and messages run. It gives up CloudWatch.1-14 (no trail feeds a log
    group) and sees only this account's events in this region (global services and console sign-ins
    arrive in us-east-1). See docs/eventbridge-path.md.
  EOT
  type        = string
  default     = "cloudwatch_logs"

  validation {
    condition     = contains(["cloudwatch_logs", "eventbridge"], var.detection_path)
    error_message = "detection_path must be \"cloudwatch_logs\" or \"eventbridge\"."
  }
}
