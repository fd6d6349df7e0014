################################################################################
# Real-time sign-in notifications (EventBridge): modules/signin-events
################################################################################

variable "signin_events_enabled" {
  description = <<-EOT
    Also send one readable message per flagged event (who, what was changed, result, source IP, MFA,
    region, time, user agent, why) to the topic, without the log delivery delay and alarm period,
    through EventBridge rules in this provider's region built from the same catalog and allowlist:
    every sign-in detection and the console-access changes (login profiles, console sessions from
    keys, MFA removal, identity providers). Events recorded in other regions (regional sign-in
    endpoints, IAM Identity Center's own region, regional STS) need modules/signin-events there in
    forward mode (see examples/signin-events-regions).
  EOT
  type        = bool
  default     = false
}

variable "signin_events_detections" {
  description = <<-EOT
    Per-detection switches for the real-time notifications, keyed by any detection with an
    EventBridge rule: console_login_unexpected_ip, console_login_without_mfa,
    console_login_mfa_failed, root_usage, root_privileged_task, login_profile_changes,
    console_session_from_access_keys, mfa_device_removed, identity_provider_changes (on by default:
    {enabled = false} silences one; with root_privileged_task off, root_usage notifies AssumeRoot
    root sessions too) and console_login_failures (off by default: its meaning is a count, and the
    failures alarm's readable message is its notification; {enabled = true} sends one message per
    failed sign-in, so a password spray of 1,000 attempts sends 1,000).
  EOT
  type = map(object({
    enabled = optional(bool)
  }))
  default = {}
}

variable "signin_events_dead_letter_queue_arn" {
  description = <<-EOT
    SQS queue that receives sign-in notifications EventBridge could not deliver to the topic, or
    null. Its policy must let events.amazonaws.com send messages.
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.signin_events_dead_letter_queue_arn == null
      || can(
        regex(
          "^arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:[0-9]{12}:.+$",
          var.signin_events_dead_letter_queue_arn
        )
      )
    )
    error_message = <<-EOT
      signin_events_dead_letter_queue_arn must be an SQS queue ARN
      (arn:aws:sqs:<region>:<account>:<name>).
    EOT
  }
}
