variable "name_prefix" {
  description = "Prefix of the rules (<prefix>-fwd-<detection>) and the role (<prefix>-eb-forward-<region>)."
  type        = string
  default     = "trailwatch"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,23}$", var.name_prefix))
    error_message = <<-EOT
      name_prefix must be 1-24 lowercase letters, digits or hyphens (the role name, with
      -eb-forward-<region>, stays within IAM's 64 characters).
    EOT
  }
}

variable "rules" {
  description = <<-EOT
    Detection key => {bus_arn, event_pattern, state}: the central stack's eventbridge_member_rules
    output (modules/eventbridge-central's member_rules), as it is.
  EOT
  type = map(object({
    bus_arn       = string
    event_pattern = string
    state         = string
  }))

  validation {
    condition = alltrue([
      for r in values(var.rules) :
      can(regex("^arn:aws[a-zA-Z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._-]+$", r.bus_arn))
    ])
    error_message = "rules: each bus_arn must be an event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)."
  }

  validation {
    condition = alltrue([
      for r in values(var.rules) : contains(["ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"], r.state)
    ])
    error_message = "rules: each state must be ENABLED or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS."
  }
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary for the forwarding role, or null."
  type        = string
  default     = null
}

variable "failure_alarm_actions" {
  description = "SNS topics (this region) the rules' FailedInvocations alarms notify; empty: no alarms."
  type        = list(string)
  default     = []
}

variable "dead_letter_queue_arn" {
  description = "SQS queue (this region) for events EventBridge could not forward, or null."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
