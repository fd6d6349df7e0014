variable "name_prefix" {
  description = "Prefix of every alarm name: <name_prefix>-<key>."
  type        = string
}

variable "filters" {
  description = <<-EOT
    The metric filters to alarm on, as output by modules/metric-filters: key => {name, metric_name,
    namespace, pattern (optional: the filter's pattern, passed on in the alarms output for the alarm
    messages' exact link)}.
  EOT
  type = map(object({
    name        = string
    metric_name = string
    namespace   = string
    pattern     = optional(string)
  }))
}

variable "log_group_name" {
  description = "Log group the filters read; named in each alarm's Logs Insights query."
  type        = string
}

variable "log_group_names" {
  description = <<-EOT
    Detection key => the log group its filters read instead of log_group_name (the eventbridge
    detection path).
  EOT
  type        = map(string)
  default     = {}
}

variable "alarm_actions" {
  description = "Actions (SNS topic ARNs) for every alarm unless a detection overrides them."
  type        = list(string)
  default     = []
}

variable "ok_actions" {
  description = "Actions when an alarm returns to OK."
  type        = list(string)
  default     = []
}

variable "detections" {
  description = <<-EOT
    Per-detection alarm overrides keyed by catalog key: threshold, period, evaluation_periods,
    datapoints_to_alarm, treat_missing_data, statistic, alarm_actions.
  EOT
  type = map(object({
    threshold           = optional(number)
    period              = optional(number)
    evaluation_periods  = optional(number)
    datapoints_to_alarm = optional(number)
    treat_missing_data  = optional(string)
    statistic           = optional(string)
    alarm_actions       = optional(list(string))
  }))
  default = {}
}

variable "tags" {
  description = "Tags for the alarms."
  type        = map(string)
  default     = {}
}
