variable "rules" {
  description = <<-EOT
    The EventBridge rules to watch, keyed by a name known at plan: {name = the rule's name, check =
    what to check when it fails (the end of the alarm description), event_bus_name = the rule's bus
    where it is not event_bus_name (rules on several buses: the central part of the
    organization-wide eventbridge path)}.
  EOT
  type = map(object({
    name           = string
    check          = string
    event_bus_name = optional(string)
  }))

  validation {
    condition     = alltrue([for r in values(var.rules) : can(regex("^[A-Za-z0-9._-]{1,64}$", r.name))])
    error_message = "rules: each name must be an EventBridge rule name (1-64 letters, digits, ., _ or -)."
  }
}

variable "event_bus_name" {
  description = <<-EOT
    The bus the rules are on: the RuleName dimension alone for the default bus, with EventBusName
    for another.
  EOT
  type        = string
  default     = "default"
}

variable "dead_letter_queue" {
  description = <<-EOT
    Whether the rules' targets have a dead-letter queue: then the events sent, or failed to be sent,
    there count as failed deliveries too.
  EOT
  type        = bool
  default     = false
}

variable "alarm_actions" {
  description = "SNS topics (in the rules' region) the alarms notify."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for the alarms."
  type        = map(string)
  default     = {}
}
