variable "region" {
  description = <<-EOT
    Region of this member stack; a baseline applies it once per region the account uses. Not the
    security account's region in the security account itself: there its own rules already feed
    the log groups (the member refuses that combination).
  EOT
  type        = string
}

variable "name_prefix" {
  description = "Prefix of the rules (<prefix>-fwd-<detection>), the role and the failure topic."
  type        = string
  default     = "trailwatch"
}

variable "rules" {
  description = <<-EOT
    Detection key => {bus_arn, event_pattern, state}: the security account stack's member_rules
    output, as it is (`terraform output -json member_rules` there; see the README). No default:
    the buses are your security account's.
  EOT
  type = map(object({
    bus_arn       = string
    event_pattern = string
    state         = string
  }))

  validation {
    condition     = length(var.rules) > 0
    error_message = "rules is empty: pass the security account stack's member_rules output."
  }
}

variable "alarm_email_addresses" {
  description = <<-EOT
    Your team's addresses for the forwarders' failure alarms of this account and region (each must
    confirm the subscription). No default: an example address would send every alarm to nobody.
  EOT
  type        = list(string)
}
