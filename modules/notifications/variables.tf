variable "name" {
  description = "Name of the SNS topic the module creates."
  type        = string
}

variable "sns_topic_arn" {
  description = <<-EOT
    ARN of an existing topic to notify instead of creating one. Its policy must let
    cloudwatch.amazonaws.com publish (and its KMS key, if any, let CloudWatch use it). Must be known
    at plan time.
  EOT
  type        = string
  default     = null

  validation {
    condition = (
      var.sns_topic_arn == null
      || can(
        regex(
          "^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$",
          var.sns_topic_arn
        )
      )
    )
    error_message = "sns_topic_arn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)."
  }
}

variable "email_addresses" {
  description = "Email addresses to subscribe. Each must confirm the subscription from the email AWS sends."
  type        = list(string)
  default     = []
}

variable "subscriptions" {
  description = "Extra subscriptions: protocol (https, sqs or lambda) and endpoint."
  type = list(object({
    protocol             = string
    endpoint             = string
    raw_message_delivery = optional(bool, false)
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.subscriptions : contains(["https", "sqs", "lambda"], s.protocol)])
    error_message = "subscriptions[*].protocol must be https, sqs or lambda (email addresses go in email_addresses)."
  }
}

variable "eventbridge_rule_arns" {
  description = <<-EOT
    ARNs (wildcards allowed) of EventBridge rules that may publish to the created topic and use its
    KMS key; empty grants EventBridge nothing.
  EOT
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for a in var.eventbridge_rule_arns :
      can(regex("^arn:aws[a-zA-Z-]*:events:[a-z0-9-*]+:[0-9]{12}:rule/.+$", a))
    ])
    error_message = <<-EOT
      eventbridge_rule_arns must be EventBridge rule ARNs
      (arn:aws:events:<region>:<account>:rule/<name>, * allowed).
    EOT
  }
}

variable "create_kms_key" {
  description = <<-EOT
    Encrypt the created topic with a new KMS key whose policy lets CloudWatch use it (the
    AWS-managed alias/aws/sns key cannot be used by CloudWatch alarms).
  EOT
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = <<-EOT
    Existing customer managed KMS key for the created topic, used when create_kms_key = false; its
    policy must let cloudwatch.amazonaws.com (and events.amazonaws.com, with eventbridge_rule_arns)
    call kms:GenerateDataKey* and kms:Decrypt. AWS managed keys (alias/aws/*) are refused.
  EOT
  type        = string
  default     = null

  # AWS managed keys (alias/aws/sns and every alias/aws/*) have a fixed key policy; see the
  # Amazon SNS Developer Guide, "Key management": event sources from AWS services need a
  # customer managed key.
  validation {
    condition     = var.kms_key_arn == null || !can(regex("(^|:)alias/aws/", var.kms_key_arn))
    error_message = <<-EOT
      kms_key_arn: ${coalesce(var.kms_key_arn, "null")} is an AWS managed key (alias/aws/...). Its
      key policy cannot be edited, so it can never admit cloudwatch.amazonaws.com or
      events.amazonaws.com: alarms and sign-in rules would fail to publish, silently. Use a customer
      managed key whose policy grants both kms:GenerateDataKey* and kms:Decrypt, or leave
      create_kms_key = true.
    EOT
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before a destroyed KMS key is deleted."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags for the topic and key."
  type        = map(string)
  default     = {}
}
