################################################################################
# Chat channels (optional): modules/chat
################################################################################

variable "chat_enabled" {
  description = <<-EOT
    Create a chat topic (KMS-encrypted, its key and policy admitting this module's alarms and
    sign-in rules, as the module's topic) and the Amazon Q Developer in chat applications channel
    configurations below, subscribed to it; the topic joins chat_topic_arns (off by default). The
    Slack workspace or Teams tenant must be authorised once in the console first.
  EOT
  type        = bool
  default     = false
}

variable "chat_slack_channels" {
  description = <<-EOT
    Slack channels (chat_enabled): key => {workspace_id (from the Amazon Q Developer in chat
    applications console after authorising the workspace, e.g. T012ABCDEFG), channel_id (from
    Slack's Copy link, e.g. C0123ABCDEF)}. Checked at plan by modules/chat.
  EOT
  type = map(object({
    workspace_id = string
    channel_id   = string
  }))
  default = {}

  validation {
    condition = alltrue([
      for k, c in var.chat_slack_channels :
      can(regex("^[0-9A-Z]{1,255}$", c.workspace_id))
      && can(regex("^[A-Za-z0-9]{1,255}$", c.channel_id))
    ])
    error_message = <<-EOT
      chat_slack_channels: workspace_id must be the workspace ID from the console (upper-case
      letters and digits, e.g. T012ABCDEFG) and channel_id the channel ID from Slack's Copy link
      (e.g. C0123ABCDEF).
    EOT
  }
}

variable "chat_teams_channels" {
  description = <<-EOT
    Microsoft Teams channels (chat_enabled): key => {tenant_id, team_id (GUIDs from the channel
    link's tenantId and groupId), channel_id (the URL-encoded 19%3a...%40thread.tacv2 part of the
    link), channel_name, team_name (optional labels)}. Checked at plan by modules/chat.
  EOT
  type = map(object({
    tenant_id    = string
    team_id      = string
    channel_id   = string
    channel_name = optional(string)
    team_name    = optional(string)
  }))
  default = {}

  validation {
    condition = alltrue([
      for k, c in var.chat_teams_channels :
      can(regex("^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$", c.tenant_id))
      && can(regex("^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$", c.team_id))
      && can(
        regex("^[a-zA-Z0-9-_=+/.,]*%3[aA][a-zA-Z0-9-_=+/.,]*%40[a-zA-Z0-9-_=+/.,]*$", c.channel_id)
      )
    ])
    error_message = <<-EOT
      chat_teams_channels: tenant_id and team_id must be GUIDs (the channel link's tenantId and
      groupId) and channel_id the URL-encoded channel ID from the link (19%3a...%40thread.tacv2).
    EOT
  }
}

variable "chat_topic_encrypted" {
  description = <<-EOT
    Encrypt the chat topic with KMS (create_sns_kms_key's key choice), as the module's own topic is.
    Delivery from a KMS-encrypted topic to Amazon Q Developer in chat applications is confirmed by
    no AWS page in reach (modules/chat/README.md): false leaves the chat topic unencrypted, a
    supported choice if the channels stay silent on real AWS. The risk: alarm texts are not secrets,
    but the sign-in messages carry source IPs and user names, then stored unencrypted by SNS.
  EOT
  type        = bool
  default     = true
}

variable "chat_guardrail_policy_arns" {
  description = <<-EOT
    Guardrail policies of the chat channels (the most a channel member can do through them). null:
    CloudWatchReadOnlyAccess; an empty list and AdministratorAccess are refused (the API applies
    AdministratorAccess when none is set).
  EOT
  type        = list(string)
  default     = null

  validation {
    condition = (
      var.chat_guardrail_policy_arns == null
      || (
        try(length(var.chat_guardrail_policy_arns), 0) >= 1
        && alltrue([
          for a in coalesce(var.chat_guardrail_policy_arns, []) :
          !can(regex("policy/AdministratorAccess$", a))
        ])
      )
    )
    error_message = <<-EOT
      chat_guardrail_policy_arns: at least one policy ARN, none AdministratorAccess (null keeps
      CloudWatchReadOnlyAccess).
    EOT
  }
}

variable "chat_channel_role_policy_arns" {
  description = <<-EOT
    Managed policies for the chat channel role. Empty (default): none, all that delivering
    notifications needs.
  EOT
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for a in var.chat_channel_role_policy_arns : !can(regex("policy/AdministratorAccess$", a))
    ])
    error_message = <<-EOT
      chat_channel_role_policy_arns: AdministratorAccess is refused; the channel only reads
      notifications.
    EOT
  }
}

variable "chat_logging_level" {
  description = "Logging level of the chat channel configurations: ERROR, INFO or NONE."
  type        = string
  default     = "ERROR"

  validation {
    condition     = contains(["ERROR", "INFO", "NONE"], var.chat_logging_level)
    error_message = "chat_logging_level must be ERROR, INFO or NONE."
  }
}

variable "chat_permissions_boundary_arn" {
  description = <<-EOT
    Permissions boundary for the chat channel role (chat_enabled), instead of
    permissions_boundary_arn. It must allow what chat_channel_role_policy_arns grant (delivering
    notifications uses no permission of the role).
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.chat_permissions_boundary_arn == null
      || can(
        regex(
          "^arn:aws[a-zA-Z-]*:iam::([0-9]{12}|aws):policy/.+$",
          var.chat_permissions_boundary_arn
        )
      )
    )
    error_message = "chat_permissions_boundary_arn must be an IAM policy ARN (arn:aws:iam::<account>:policy/<name>)."
  }
}
