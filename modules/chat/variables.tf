variable "name" {
  description = <<-EOT
    Name of the chat topic the module creates; also the prefix of the channel role and of each
    channel configuration's name.
  EOT
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,100}$", var.name))
    error_message = <<-EOT
      name must be 1-100 letters, digits, hyphens or underscores (an SNS topic name and an IAM role
      name prefix).
    EOT
  }
}

variable "sns_topic_arn" {
  description = <<-EOT
    Existing topic for the chat channels instead of creating one. Its policy must let
    cloudwatch.amazonaws.com and events.amazonaws.com publish (and its KMS key, if any, grant them
    kms:GenerateDataKey* and kms:Decrypt).
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.sns_topic_arn == null
      || can(
        regex(
          "^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$",
          var.sns_topic_arn
        )
      )
    )
    error_message = <<-EOT
      sns_topic_arn must be a standard SNS topic ARN (arn:aws:sns:<region>:<account>:<name>); chat
      channels do not take FIFO topics.
    EOT
  }
}

variable "create_kms_key" {
  description = <<-EOT
    Encrypt the created topic with a new KMS key whose policy admits cloudwatch.amazonaws.com (and
    events.amazonaws.com with eventbridge_rule_arns), as the module's own topic's key does.
  EOT
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = <<-EOT
    Existing customer managed KMS key for the created topic, used when create_kms_key = false; its
    policy must grant cloudwatch.amazonaws.com and events.amazonaws.com kms:GenerateDataKey* and
    kms:Decrypt. AWS managed keys (alias/aws/*) are refused.
  EOT
  type        = string
  default     = null
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before a destroyed KMS key is deleted."
  type        = number
  default     = 30
}

variable "eventbridge_rule_arns" {
  description = <<-EOT
    ARNs (wildcards allowed) of the EventBridge rules that publish sign-in notifications to the
    created topic (the root module's sign-in rules).
  EOT
  type        = list(string)
  default     = []
}

variable "slack_channels" {
  description = <<-EOT
    Slack channels, keyed by a short name (part of the configuration's name): workspace_id is the
    workspace ID shown in the Amazon Q Developer in chat applications console after authorising the
    workspace once (T followed by letters and digits, e.g. T012ABCDEFG); channel_id is the end of
    the channel's link in Slack (right-click the channel, Copy link; e.g. C0123ABCDEF). Private
    channels need /invite @Amazon Q first.
  EOT
  type = map(object({
    workspace_id = string
    channel_id   = string
  }))
  default = {}

  validation {
    condition = alltrue([
      for k, c in var.slack_channels :
      can(regex("^[0-9A-Z]{1,255}$", c.workspace_id))
      && can(regex("^[A-Za-z0-9]{1,255}$", c.channel_id))
      && can(regex("^[A-Za-z0-9_-]{1,40}$", k))
    ])
    error_message = join("", [
      "slack_channels: ",
      join(
        ", ",
        [
          for k, c in var.slack_channels : k
          if !(
            can(regex("^[0-9A-Z]{1,255}$", c.workspace_id))
            && can(regex("^[A-Za-z0-9]{1,255}$", c.channel_id))
            && can(regex("^[A-Za-z0-9_-]{1,40}$", k))
          )
        ]
      ),
      ": workspace_id must be the workspace ID from the console (upper-case letters and digits, ",
      "e.g. T012ABCDEFG), channel_id the channel ID from Slack's Copy link (letters and digits, ",
      "e.g. C0123ABCDEF), and the key 1-40 letters, digits, - or _.",
    ])
  }

  # One Slack channel can be configured once per account: a second configuration of it is
  # refused by the service ("Slack channel with ID ... has already been configured for AWS
  # account", InvalidRequestException), so two keys naming one channel fail at plan instead.
  validation {
    condition = (
      length(distinct([for c in values(var.slack_channels) : "${c.workspace_id}/${c.channel_id}"]))
      == length(var.slack_channels)
    )
    error_message = join("", [
      "slack_channels: a Slack channel may appear once (the service configures a channel once per ",
      "AWS account); twice: ",
      join(
        ", ",
        distinct([
          for c in values(var.slack_channels) : "${c.workspace_id}/${c.channel_id}"
          if length([
            for d in values(var.slack_channels) : d
            if d.workspace_id == c.workspace_id && d.channel_id == c.channel_id
          ]) > 1
        ])
      ),
      ".",
    ])
  }
}

variable "teams_channels" {
  description = <<-EOT
    Microsoft Teams channels, keyed by a short name: tenant_id and team_id are the GUIDs in the
    Teams channel link (Get link to channel: ...?groupId=<team_id>&tenantId=<tenant_id>), channel_id
    the URL-encoded part after /channel/ (19%3a...%40thread.tacv2); the tenant must be authorised
    once in the Amazon Q Developer in chat applications console. channel_name and team_name are
    labels shown in the console.
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
      for k, c in var.teams_channels :
      can(regex("^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$", c.tenant_id))
      && can(regex("^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$", c.team_id))
      && can(
        regex("^[a-zA-Z0-9-_=+/.,]*%3[aA][a-zA-Z0-9-_=+/.,]*%40[a-zA-Z0-9-_=+/.,]*$", c.channel_id)
      )
      && can(regex("^[A-Za-z0-9_-]{1,40}$", k))
    ])
    error_message = join("", [
      "teams_channels: ",
      join(
        ", ",
        [
          for k, c in var.teams_channels : k
          if !(
            can(regex("^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$", c.tenant_id))
            && can(regex("^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$", c.team_id))
            && can(
              regex(
                "^[a-zA-Z0-9-_=+/.,]*%3[aA][a-zA-Z0-9-_=+/.,]*%40[a-zA-Z0-9-_=+/.,]*$",
                c.channel_id
              )
            )
            && can(regex("^[A-Za-z0-9_-]{1,40}$", k))
          )
        ]
      ),
      ": tenant_id and team_id must be GUIDs (from the channel link's tenantId and groupId), ",
      "channel_id the URL-encoded channel ID from the link (19%3a...%40thread.tacv2), and the key ",
      "1-40 letters, digits, - or _.",
    ])
  }

  # The aws provider finds a Teams channel configuration by its team alone
  # (terraform-provider-aws #38943, the fix open as #47039): with two configurations of one
  # Team in the account, create waits until it times out, the resource drops out of state and
  # the next apply gets a 409. So one channel per Team here; and a Team that already has a
  # configuration in the account (made by anything) cannot be used either (see the README).
  validation {
    condition = (
      length(distinct([for c in values(var.teams_channels) : lower(c.team_id)]))
      == length(var.teams_channels)
    )
    error_message = join("", [
      "teams_channels: one channel per Microsoft Teams team: the aws provider finds a Teams ",
      "channel configuration by its team_id alone, so a second configuration of a team times out ",
      "on create and drops out of state (terraform-provider-aws #38943, #47039). Team(s) given ",
      "twice: ",
      join(
        ", ",
        distinct([
          for c in values(var.teams_channels) : lower(c.team_id)
          if length([
            for d in values(var.teams_channels) : d
            if lower(d.team_id) == lower(c.team_id)
          ]) > 1
        ])
      ),
      ".",
    ])
  }
}

variable "guardrail_policy_arns" {
  description = <<-EOT
    IAM policy ARNs applied as the channels' guardrails (the most any channel member can do through
    the channel). null: CloudWatchReadOnlyAccess. Never left unset on the API, which would apply
    AdministratorAccess.
  EOT
  type        = list(string)
  default     = null

  validation {
    condition = (
      var.guardrail_policy_arns == null
      || (
        try(length(var.guardrail_policy_arns), 0) >= 1
        && alltrue([
          for a in coalesce(var.guardrail_policy_arns, []) :
          can(regex("^arn:aws[a-zA-Z-]*:iam::(aws|[0-9]{12}):policy/.+$", a))
          && !can(regex("policy/AdministratorAccess$", a))
        ])
      )
    )
    error_message = <<-EOT
      guardrail_policy_arns: give at least one IAM policy ARN (an empty list lets the API apply
      AdministratorAccess), none of them AdministratorAccess; null keeps the
      CloudWatchReadOnlyAccess default.
    EOT
  }
}

variable "channel_role_policy_arns" {
  description = <<-EOT
    Managed policies attached to the channel role. Empty (default): the role has no permissions,
    which is all that delivering notifications needs; add
    arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess to let the channel show alarm graphs. Each is
    still capped by guardrail_policy_arns.
  EOT
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for a in var.channel_role_policy_arns :
      can(regex("^arn:aws[a-zA-Z-]*:iam::(aws|[0-9]{12}):policy/.+$", a))
      && !can(regex("policy/AdministratorAccess$", a))
    ])
    error_message = "channel_role_policy_arns must be IAM policy ARNs, not AdministratorAccess."
  }
}

variable "logging_level" {
  description = "What the channel configurations log to CloudWatch Logs: ERROR, INFO or NONE."
  type        = string
  default     = "ERROR"

  validation {
    condition     = contains(["ERROR", "INFO", "NONE"], var.logging_level)
    error_message = "logging_level must be ERROR, INFO or NONE."
  }
}

variable "user_authorization_required" {
  description = <<-EOT
    Require each channel member's own IAM role for actions from the channel (the channel role is not
    used for them).
  EOT
  type        = bool
  default     = false
}

variable "role_path" {
  description = "IAM path of the channel role."
  type        = string
  default     = "/"
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary for the channel role, or null."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
