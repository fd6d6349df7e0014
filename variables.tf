################################################################################
# Naming and tags
################################################################################

variable "name_prefix" {
  description = "Prefix for the names of everything the module creates (trail, bucket, log group, role, and the detections' filters, metrics and alarms)."
  type        = string
  default     = "trailwatch"

  validation {
    # 24 keeps every generated name within AWS's limits in every region; the tightest is the
    # default bucket, <name_prefix>-cloudtrail-<12-digit account>-<region> (14 characters
    # for ap-southeast-2): 24 + 39 = 63, the S3 maximum. Next come the sign-in rules,
    # <name_prefix>-signin-console-login-unexpected-ip (EventBridge: 64).
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix)) && !strcontains(var.name_prefix, "--")
    error_message = "name_prefix must be 3-24 lower-case letters, digits or single hyphens, starting and ending with a letter or digit (it names the trail, the S3 bucket <name_prefix>-cloudtrail-<account>-<region>, which S3 caps at 63 characters, the IAM roles and the EventBridge rules)."
  }
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}

################################################################################
# Trail
################################################################################

variable "create_trail" {
  description = "Create the CloudTrail trail, its S3 bucket, KMS key and delivery role. false is bring-your-own mode: set existing_log_group_name to the group an existing trail (an organization trail, Control Tower's aws-controltower/CloudTrailLogs) already delivers to."
  type        = bool
  default     = true
}

variable "trail_name" {
  description = "Name of the trail. null uses name_prefix."
  type        = string
  default     = null
}

variable "is_organization_trail" {
  description = "Create an organization trail that records every member account. Requires create_trail = true and organization_id."
  type        = bool
  default     = false
}

variable "organization_id" {
  description = "AWS Organizations ID (o-...) for an organization trail."
  type        = string
  default     = null
}

variable "organization_management_account_id" {
  description = "For an organization trail created from a CloudTrail delegated administrator account: the organization's management account ID. The management account owns such a trail, so the trail ARN, the bucket and key policies (aws:SourceArn, encryption context), the log prefix and the delivery role's log-stream names are built with it. null (default): the account running Terraform owns the trail (the management account itself, or any account for a non-organization trail)."
  type        = string
  default     = null

  validation {
    condition     = var.organization_management_account_id == null || can(regex("^[0-9]{12}$", var.organization_management_account_id))
    error_message = "organization_management_account_id must be a 12-digit AWS account ID (the organization's management account)."
  }
}

variable "is_multi_region_trail" {
  description = "Record every region. Console sign-ins land in us-east-1, us-east-2, eu-north-1, ap-southeast-2 or a regional endpoint's region: turning this off silently misses logins."
  type        = bool
  default     = true
}

variable "include_global_service_events" {
  description = "Record global service events, which include console sign-ins. Turning this off silently misses logins."
  type        = bool
  default     = true
}

variable "enable_log_file_validation" {
  description = "Write signed digest files so tampering with the log archive can be detected."
  type        = bool
  default     = true
}

variable "create_s3_bucket" {
  description = "Create the log archive bucket. false delivers to the existing bucket named by s3_bucket_name, whose policy must admit this trail."
  type        = bool
  default     = true
}

variable "s3_bucket_name" {
  description = "Name of the log archive bucket. null uses <name_prefix>-cloudtrail-<account>-<region>."
  type        = string
  default     = null
}

variable "s3_key_prefix" {
  description = "Key prefix for the log files in the bucket."
  type        = string
  default     = null
}

variable "s3_bucket_force_destroy" {
  description = "Let terraform destroy delete the log archive even when it holds logs. Off by default so that destroy fails safe."
  type        = bool
  default     = false
}

variable "s3_lifecycle" {
  description = "Optional lifecycle rule for the log archive (see modules/trail)."
  type = object({
    expiration_days                    = number
    noncurrent_version_expiration_days = optional(number, 30)
    transition_days                    = optional(number)
    transition_storage_class           = optional(string, "GLACIER")
  })
  default = null
}

variable "create_kms_key" {
  description = "Create a customer managed KMS key for the trail's log files. Set false (with kms_key_arn) to bring your own key."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "ARN of an existing KMS key for the trail's log files, used when create_kms_key = false. Its policy must let cloudtrail.amazonaws.com encrypt for this trail."
  type        = string
  default     = null
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before a destroyed KMS key (trail's or log group's) is deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "kms_key_deletion_window_in_days must be between 7 and 30."
  }
}

################################################################################
# Log group
################################################################################

variable "existing_log_group_name" {
  description = "Name of an existing log group that receives the CloudTrail events (for example aws-controltower/CloudTrailLogs). The module then creates no log group."
  type        = string
  default     = null

  validation {
    condition     = var.existing_log_group_name == null || can(regex("^[.\\-_/#A-Za-z0-9]{1,512}$", var.existing_log_group_name))
    error_message = "existing_log_group_name must be 1-512 characters of letters, digits and . - _ / # (CloudWatch Logs log group naming rules)."
  }
}

variable "log_group_name" {
  description = "Name of the log group the module creates. null uses /aws/cloudtrail/<name_prefix>."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Days CloudWatch Logs keeps the events in the created log group (0 = never expire)."
  type        = number
  default     = 365

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts: 0 (never expire), 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "log_group_encryption" {
  description = "How the created log group is encrypted: \"dedicated\" (a KMS key of its own), \"trail\" (the trail's created key, whose policy then admits CloudWatch Logs), \"existing\" (log_group_kms_key_arn), or \"none\" (the service-owned key)."
  type        = string
  default     = "dedicated"

  validation {
    condition     = contains(["dedicated", "trail", "existing", "none"], var.log_group_encryption)
    error_message = "log_group_encryption must be \"dedicated\", \"trail\", \"existing\" or \"none\"."
  }
}

variable "log_group_kms_key_arn" {
  description = "ARN of an existing KMS key for the created log group, used with log_group_encryption = \"existing\"; its policy must admit logs.<region>.amazonaws.com."
  type        = string
  default     = null
}

################################################################################
# Delivery role
################################################################################

variable "delivery_role_name" {
  description = "Name of the role CloudTrail assumes to write to the log group. null uses <name_prefix>-cloudtrail-delivery."
  type        = string
  default     = null
}

variable "delivery_role_path" {
  description = "IAM path of the delivery role (and of the alarm-messages roles, when alarm_messages_enabled)."
  type        = string
  default     = "/"
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary for the delivery role, and for the other role families unless they have their own (alarm_messages_permissions_boundary_arn, chat_permissions_boundary_arn). A boundary shared by every role must allow what each one does: logs:CreateLogStream and logs:PutLogEvents (delivery role); states:StartExecution (alarm-messages rule role); sns:Publish, kms:GenerateDataKey* and kms:Decrypt (alarm-messages state machine role); what chat_channel_role_policy_arns grant (chat channel role). A boundary written for the delivery role alone silently denies the others: give those families their own."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-zA-Z-]*:iam::([0-9]{12}|aws):policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN (arn:aws:iam::<account>:policy/<name>)."
  }
}

variable "alarm_messages_permissions_boundary_arn" {
  description = "Permissions boundary for the two alarm-messages roles (alarm_messages_enabled), instead of permissions_boundary_arn. It must allow states:StartExecution (the rule's role) and sns:Publish, kms:GenerateDataKey* and kms:Decrypt (the state machine's role); the service-call table (docs/service-calls.md) lists each call."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_messages_permissions_boundary_arn == null || can(regex("^arn:aws[a-zA-Z-]*:iam::([0-9]{12}|aws):policy/.+$", var.alarm_messages_permissions_boundary_arn))
    error_message = "alarm_messages_permissions_boundary_arn must be an IAM policy ARN (arn:aws:iam::<account>:policy/<name>)."
  }
}

variable "chat_permissions_boundary_arn" {
  description = "Permissions boundary for the chat channel role (chat_enabled), instead of permissions_boundary_arn. It must allow what chat_channel_role_policy_arns grant (delivering notifications uses no permission of the role)."
  type        = string
  default     = null

  validation {
    condition     = var.chat_permissions_boundary_arn == null || can(regex("^arn:aws[a-zA-Z-]*:iam::([0-9]{12}|aws):policy/.+$", var.chat_permissions_boundary_arn))
    error_message = "chat_permissions_boundary_arn must be an IAM policy ARN (arn:aws:iam::<account>:policy/<name>)."
  }
}

################################################################################
# Detections (metric filters and alarms)
################################################################################

variable "allowed_source_cidrs" {
  description = "Addresses allowed to sign in to the console: IPv4/IPv6 CIDRs or bare IPs. Any other source of a successful console sign-in (IAM user, root, or federated AssumedRole session: IAM Identity Center, SAML) raises console_login_unexpected_ip, which is enabled only when this list is non-empty. IPv6 prefixes must be /128 or a multiple of 16 bits; IPv6 addresses are compared in RFC 5952 text form."
  type        = list(string)
  default     = []

  # Same rules as modules/allowlist, repeated here so that a bad entry is reported at the
  # caller's own line rather than inside the nested modules.
  validation {
    condition     = alltrue([for e in var.allowed_source_cidrs : can(cidrhost(strcontains(e, "/") ? e : (strcontains(e, ":") ? "${e}/128" : "${e}/32"), 0))])
    error_message = "allowed_source_cidrs: not an IPv4/IPv6 address or CIDR: ${join(", ", [for e in var.allowed_source_cidrs : e if !can(cidrhost(strcontains(e, "/") ? e : (strcontains(e, ":") ? "${e}/128" : "${e}/32"), 0))])}. Write 203.0.113.10, 203.0.113.0/24 or 2001:db8::/32."
  }

  validation {
    condition     = alltrue([for e in var.allowed_source_cidrs : !can(cidrhost(e, 0)) || !strcontains(e, "/") || try(cidrhost("${split("/", e)[0]}/${strcontains(e, ":") ? 128 : 32}", 0) == cidrhost(e, 0), false)])
    error_message = "allowed_source_cidrs: host bits set in ${join(", ", [for e in var.allowed_source_cidrs : "${e} (write ${cidrhost(e, 0)}/${split("/", e)[1]} for the network, or ${split("/", e)[0]} for the single host)" if can(cidrhost(e, 0)) && strcontains(e, "/") && !try(cidrhost("${split("/", e)[0]}/${strcontains(e, ":") ? 128 : 32}", 0) == cidrhost(e, 0), true)])}."
  }

  validation {
    condition     = alltrue([for e in var.allowed_source_cidrs : !strcontains(e, "/") || try(tonumber(split("/", e)[1]) > 0, true)])
    error_message = "allowed_source_cidrs: a /0 prefix would allow every address and disable the detection; list the networks you trust instead."
  }

  validation {
    condition     = alltrue([for e in var.allowed_source_cidrs : !strcontains(e, ":") || !strcontains(e, "/") || try(tonumber(split("/", e)[1]) % 16 == 0, true)])
    error_message = "allowed_source_cidrs: IPv6 prefixes must be /128 or a multiple of 16 bits (/16, /32, /48, /64, /80, /96, /112); widen ${join(", ", [for e in var.allowed_source_cidrs : e if strcontains(e, ":") && strcontains(e, "/") && try(tonumber(split("/", e)[1]) % 16 != 0, false)])} to the enclosing one."
  }
}

variable "cis_exact" {
  description = "Count every CIS-mapped detection with Security Hub's exact string (root_usage and unauthorized_api_calls then count AssumeRoot sessions, log-delivery and HeadBucket denials too): Security Hub CSPM's CloudWatch.1-14, Prowler's and Powerpipe's CIS checks all pass. The defaults pass Prowler and Powerpipe and all but CloudWatch.1 and .2."
  type        = bool
  default     = false
}

variable "console_login_without_mfa_mode" {
  description = "\"tuned\" (default: IAM users and root, successful sign-ins, root's MFAUsed \"YES\" counts, no SSO/SAML/federated false positives), \"cis\" (CIS 4.2 literal) or \"cis_sso\" (CIS 4.2 SSO variant = Security Hub CloudWatch.3)."
  type        = string
  default     = "tuned"

  validation {
    condition     = contains(["tuned", "cis", "cis_sso"], var.console_login_without_mfa_mode)
    error_message = "console_login_without_mfa_mode must be \"tuned\", \"cis\" or \"cis_sso\"."
  }
}

variable "detections" {
  description = "Per-detection overrides keyed by catalog key (catalog/detections.json): enabled, pattern, threshold, period, evaluation_periods, datapoints_to_alarm, treat_missing_data, statistic, alarm_actions."
  type = map(object({
    enabled             = optional(bool)
    pattern             = optional(string)
    threshold           = optional(number)
    period              = optional(number)
    evaluation_periods  = optional(number)
    datapoints_to_alarm = optional(number)
    treat_missing_data  = optional(string)
    statistic           = optional(string)
    alarm_actions       = optional(list(string))
  }))
  default = {}

  validation {
    condition     = alltrue([for k, d in var.detections : d.pattern == null || try(length(d.pattern) >= 1 && length(d.pattern) <= 1024, false)])
    error_message = "detections[*].pattern must be 1-1024 characters (the CloudWatch Logs limit); too long: ${join(", ", [for k, d in var.detections : "${k} (${length(d.pattern)})" if try(length(d.pattern) > 1024, false)])}."
  }

  validation {
    condition     = alltrue([for k, d in var.detections : d.pattern == null || try(length(regexall("%[^%]*%", d.pattern)) <= 2, false)])
    error_message = "detections[*].pattern may hold at most 2 regular expressions (%...%), the CloudWatch Logs limit per pattern."
  }

  validation {
    condition     = alltrue([for k, d in var.detections : d.threshold == null || try(d.threshold >= 0, false)])
    error_message = "detections[*].threshold must be >= 0."
  }

  validation {
    condition     = alltrue([for k, d in var.detections : d.period == null || try(d.period >= 60 && d.period % 60 == 0, false)])
    error_message = "detections[*].period must be a multiple of 60 seconds (metric filters publish one-minute datapoints)."
  }

  validation {
    condition     = alltrue([for k, d in var.detections : (d.evaluation_periods == null || try(d.evaluation_periods >= 1, false)) && (d.datapoints_to_alarm == null || try(d.datapoints_to_alarm >= 1, false))])
    error_message = "detections[*].evaluation_periods and datapoints_to_alarm must be >= 1."
  }

  validation {
    condition     = alltrue([for k, d in var.detections : d.treat_missing_data == null || contains(["notBreaching", "breaching", "ignore", "missing"], coalesce(d.treat_missing_data, "x"))])
    error_message = "detections[*].treat_missing_data must be notBreaching, breaching, ignore or missing."
  }

  validation {
    condition     = alltrue([for k, d in var.detections : d.statistic == null || contains(["Sum", "SampleCount", "Average", "Minimum", "Maximum"], coalesce(d.statistic, "x"))])
    error_message = "detections[*].statistic must be Sum, SampleCount, Average, Minimum or Maximum."
  }
}

variable "namespace" {
  description = "CloudWatch namespace of the detections' metrics."
  type        = string
  default     = "CloudTrailMetrics"
}

variable "metric_default_value" {
  description = "Value the metric filters publish for non-matching events. null (default) publishes only on match: cheaper, and with treat_missing_data = notBreaching the alarms behave the same."
  type        = number
  default     = null
}

################################################################################
# Notifications
################################################################################

variable "sns_topic_arn" {
  description = "Existing SNS topic for the alarms (and sign-in notifications). null creates one (KMS-encrypted, with a policy that lets only this account's alarms, and its sign-in rules when signin_events_enabled, publish). An existing topic's policy and key are yours to open to cloudwatch.amazonaws.com and events.amazonaws.com."
  type        = string
  default     = null
}

variable "alarm_email_addresses" {
  description = "Email addresses subscribed to the topic (each must confirm)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alarm_email_addresses : can(regex("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$", e))])
    error_message = "alarm_email_addresses: not an email address: ${join(", ", [for e in var.alarm_email_addresses : e if !can(regex("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$", e))])}."
  }
}

variable "sns_subscriptions" {
  description = "Extra subscriptions to the topic: {protocol = https|sqs|lambda, endpoint, raw_message_delivery}."
  type = list(object({
    protocol             = string
    endpoint             = string
    raw_message_delivery = optional(bool, false)
  }))
  default = []
}

variable "create_sns_kms_key" {
  description = "Encrypt the created topic with a new KMS key whose policy lets CloudWatch alarms use it."
  type        = bool
  default     = true
}

variable "sns_kms_key_arn" {
  description = "Existing customer managed KMS key for the created topic, used when create_sns_kms_key = false. Its policy must grant cloudwatch.amazonaws.com (and events.amazonaws.com with signin_events_enabled) kms:GenerateDataKey* and kms:Decrypt; AWS managed keys (alias/aws/sns) are refused at plan."
  type        = string
  default     = null

  # AWS managed keys (alias/aws/sns and every alias/aws/*) have a fixed key policy; see the
  # Amazon SNS Developer Guide, "Key management": event sources from AWS services need a
  # customer managed key.
  validation {
    condition     = var.sns_kms_key_arn == null || !can(regex("(^|:)alias/aws/", var.sns_kms_key_arn))
    error_message = "sns_kms_key_arn: ${coalesce(var.sns_kms_key_arn, "null")} is an AWS managed key (alias/aws/...). Its key policy cannot be edited, so it can never admit cloudwatch.amazonaws.com or events.amazonaws.com: alarms and sign-in rules would fail to publish, silently. Use a customer managed key whose policy grants both kms:GenerateDataKey* and kms:Decrypt, or leave create_sns_kms_key = true."
  }
}

variable "alarm_actions" {
  description = "Extra actions (ARNs) for every alarm, besides the topic."
  type        = list(string)
  default     = []
}

variable "ok_actions" {
  description = "Actions when an alarm returns to OK."
  type        = list(string)
  default     = []
}

variable "notify_on_ok" {
  description = "Also notify the topic when an alarm returns to OK."
  type        = bool
  default     = false
}

################################################################################
# Alarm messages (EventBridge -> Step Functions -> SNS)
################################################################################

variable "alarm_messages_enabled" {
  description = "When a detection's alarm goes to ALARM, also send one readable message to the alarm's destinations: detection title and severity, account and region, the evaluation window, how many events matched, why it matters (catalog), and CloudWatch Logs Insights console links with the detection's query and that window filled in (with an organization trail, a second link counts the matches per recipientAccountId). Text topics get text, chat_topic_arns the chat custom-notification JSON. Built from an EventBridge rule on the alarms' state changes and an EXPRESS Step Functions state machine (see the README)."
  type        = bool
  default     = false
}

variable "alarm_raw_notifications" {
  description = "Keep CloudWatch's own alarm notification (the generic \"ALARM: ...\" message) on the module's topic, chat_topic_arns and notification_routes. Set false with alarm_messages_enabled = true to get only the readable messages; alarm_actions and detections[*].alarm_actions are kept either way."
  type        = bool
  default     = true
}

variable "alarm_messages_by_account" {
  description = "Add the per-account link (matches counted per recipientAccountId) to alarm messages. null (default): on when is_organization_trail is true; set true when an existing organization trail delivers to existing_log_group_name."
  type        = bool
  default     = null
}

variable "alarm_messages_dead_letter_queue_arn" {
  description = "SQS queue that receives the alarm events EventBridge could not deliver to the alarm-messages state machine, or null. Its policy must let events.amazonaws.com send messages. Either way an alarm on the rule's failed deliveries notifies the module's topic."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_messages_dead_letter_queue_arn == null || can(regex("^arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:[0-9]{12}:.+$", var.alarm_messages_dead_letter_queue_arn))
    error_message = "alarm_messages_dead_letter_queue_arn must be an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)."
  }
}

variable "alarm_messages_link_margin_seconds" {
  description = "Seconds added before and after the alarm's evaluation window in the alarm messages' Logs Insights links (CloudTrail delivers to CloudWatch Logs minutes after the event)."
  type        = number
  default     = 300

  validation {
    condition     = var.alarm_messages_link_margin_seconds >= 0 && var.alarm_messages_link_margin_seconds <= 86400 && floor(var.alarm_messages_link_margin_seconds) == var.alarm_messages_link_margin_seconds
    error_message = "alarm_messages_link_margin_seconds: a whole number of seconds from 0 to 86400."
  }
}

################################################################################
# Real-time sign-in notifications (EventBridge)
################################################################################

variable "signin_events_enabled" {
  description = "Also send one readable message per flagged event (who, what was changed, result, source IP, MFA, region, time, user agent, why) to the topic, without the log delivery delay and alarm period, through EventBridge rules in this provider's region built from the same catalog and allowlist: every sign-in detection and the console-access changes (login profiles, console sessions from keys, MFA removal, identity providers). Events recorded in other regions (regional sign-in endpoints, IAM Identity Center's own region, regional STS) need modules/signin-events there in forward mode (see examples/signin-events-regions)."
  type        = bool
  default     = false
}

variable "signin_events_detections" {
  description = "Per-detection switches for the real-time notifications, keyed by any detection with an EventBridge rule: console_login_unexpected_ip, console_login_without_mfa, console_login_mfa_failed, root_usage, root_privileged_task, login_profile_changes, console_session_from_access_keys, mfa_device_removed, identity_provider_changes (on by default: {enabled = false} silences one; with root_privileged_task off, root_usage notifies AssumeRoot root sessions too) and console_login_failures (off by default: its meaning is a count, and the failures alarm's readable message is its notification; {enabled = true} sends one message per failed sign-in, so a password spray of 1,000 attempts sends 1,000)."
  type = map(object({
    enabled = optional(bool)
  }))
  default = {}
}

variable "signin_events_dead_letter_queue_arn" {
  description = "SQS queue that receives sign-in notifications EventBridge could not deliver to the topic, or null. Its policy must let events.amazonaws.com send messages."
  type        = string
  default     = null

  validation {
    condition     = var.signin_events_dead_letter_queue_arn == null || can(regex("^arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:[0-9]{12}:.+$", var.signin_events_dead_letter_queue_arn))
    error_message = "signin_events_dead_letter_queue_arn must be an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)."
  }
}

variable "unauthorized_api_calls_mode" {
  description = "Pattern of unauthorized_api_calls: \"tuned\" (default: AccessDenied / *UnauthorizedOperation except CloudWatch Logs delivery and S3 HeadBucket, minus the exclusions below) or \"cis_v4_0_1\" (the CIS AWS Foundations Benchmark v4.0.1 string, verbatim; exclusions do not apply). cis_exact = true uses Security Hub's CloudWatch.2 string instead."
  type        = string
  default     = "tuned"

  validation {
    condition     = contains(["tuned", "cis_v4_0_1"], var.unauthorized_api_calls_mode)
    error_message = "unauthorized_api_calls_mode must be \"tuned\" or \"cis_v4_0_1\"."
  }
}

variable "unauthorized_api_calls_excluded_event_sources" {
  description = "Event sources whose denials unauthorized_api_calls ignores, e.g. [\"s3.amazonaws.com\"] for a bucket that serves anonymous 403s. Each adds a clause to the tuned pattern (1024 characters at most in all). Risk: a denied attacker probing an excluded service goes unseen."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.unauthorized_api_calls_excluded_event_sources : can(regex("^[a-z0-9][a-z0-9.-]*\\.amazonaws\\.com$", s))])
    error_message = "unauthorized_api_calls_excluded_event_sources: each entry must be an event source such as s3.amazonaws.com (lower case, ending in .amazonaws.com)."
  }
}

variable "unauthorized_api_calls_excluded_principal_arns" {
  description = "Principal ARN patterns (matched against userIdentity.arn; * is a wildcard) whose denials unauthorized_api_calls ignores, e.g. [\"arn:aws:sts::*:assumed-role/ci-deployer/*\"] for a scanner that probes by design. Each adds a clause to the tuned pattern (1024 characters at most in all). Risk: a stolen credential of an excluded principal is denied unseen."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.unauthorized_api_calls_excluded_principal_arns : can(regex("^arn:(aws|aws-cn|aws-us-gov|\\*):(iam|sts|\\*)::([0-9]{12}|\\*):[A-Za-z0-9+=,.@_/*:-]+$", a))])
    error_message = "unauthorized_api_calls_excluded_principal_arns: each entry must be an IAM or STS ARN pattern such as arn:aws:sts::*:assumed-role/ci-deployer/* (no quotes or spaces; * as wildcard)."
  }
}

variable "login_profile_changes_excluded_principal_arns" {
  description = "Principal ARN patterns (matched against userIdentity.arn; * is a wildcard) whose CreateLoginProfile / UpdateLoginProfile calls login_profile_changes ignores, on the metric filter and the real-time rule alike: the automation that provisions console users, e.g. [\"arn:aws:sts::*:assumed-role/identity-provisioner/*\"]. Risk: a stolen credential of an excluded principal sets passwords unseen."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.login_profile_changes_excluded_principal_arns : can(regex("^arn:(aws|aws-cn|aws-us-gov|\\*):(iam|sts|\\*)::([0-9]{12}|\\*):[A-Za-z0-9+=,.@_/*:-]+$", a)) && !strcontains(a, "**")])
    error_message = "login_profile_changes_excluded_principal_arns: each entry must be an IAM or STS ARN pattern such as arn:aws:sts::*:assumed-role/identity-provisioner/* (no quotes or spaces; * as wildcard, never two in a row: EventBridge refuses **)."
  }
}

################################################################################
# Athena (optional): modules/athena
################################################################################

variable "athena_enabled" {
  description = "Create a Glue database and CloudTrail table over the trail's bucket and an Athena workgroup, for `trailwatch backtest --athena` (off by default)."
  type        = bool
  default     = false
}

variable "athena_name" {
  description = "Name of the Glue database and the Athena workgroup."
  type        = string
  default     = "trailwatch"

  validation {
    condition     = can(regex("^[a-z0-9_]{1,128}$", var.athena_name))
    error_message = "athena_name must be 1-128 lower-case letters, digits and underscores (a Glue database name)."
  }
}

variable "athena_account_ids" {
  description = "Accounts whose logs the table projects. Empty: the trail's owner only (refused for an organization trail, whose member accounts must be listed)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.athena_account_ids : can(regex("^[0-9]{12}$", a))])
    error_message = "athena_account_ids must be 12-digit AWS account IDs."
  }

  # With athena_enabled and is_organization_trail, at least one account is required: a
  # precondition in main.tf (data.aws_partition.input_checks), as it reads other variables.
}

variable "athena_regions" {
  description = "Regions whose logs the table projects. Empty: this region only; list every region a multi-region trail records."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.athena_regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", r))])
    error_message = "athena_regions must be AWS region names, such as us-east-1."
  }
}

variable "athena_projection_start_date" {
  description = "The first day (yyyy/MM/dd) the table projects: the trail's first log day."
  type        = string
  default     = "2024/01/01"

  validation {
    condition     = can(regex("^[0-9]{4}/[0-9]{2}/[0-9]{2}$", var.athena_projection_start_date))
    error_message = "athena_projection_start_date must be a date written yyyy/MM/dd, such as 2024/01/01."
  }
}

variable "athena_results_bucket_name" {
  description = "Name of the bucket created for query results. null: <name_prefix>-athena-results-<account>-<region>, or <name_prefix>-athena-<account>-<region> where the longer name passes S3's 63 characters (a long prefix in a long region name)."
  type        = string
  default     = null

  validation {
    condition     = var.athena_results_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.athena_results_bucket_name))
    error_message = "athena_results_bucket_name must be an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens."
  }
}

variable "athena_results_expiration_days" {
  description = "Days after which query results are deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.athena_results_expiration_days >= 1 && floor(var.athena_results_expiration_days) == var.athena_results_expiration_days
    error_message = "athena_results_expiration_days must be a whole number of days, at least 1."
  }
}

variable "athena_results_bucket_force_destroy" {
  description = "Let terraform destroy delete the results bucket with its objects."
  type        = bool
  default     = false
}

variable "athena_bytes_scanned_cutoff_per_query" {
  description = "The workgroup's cost guard: a query that would scan more bytes is cancelled (at least 10485760; default 1 TB, about 5 USD)."
  type        = number
  default     = 1099511627776

  validation {
    condition     = var.athena_bytes_scanned_cutoff_per_query >= 10485760 && floor(var.athena_bytes_scanned_cutoff_per_query) == var.athena_bytes_scanned_cutoff_per_query
    error_message = "athena_bytes_scanned_cutoff_per_query must be a whole number of bytes, at least 10485760 (10 MB, Athena's minimum)."
  }
}

################################################################################
# Severity routing (issue 13)
################################################################################

variable "notification_routes" {
  description = "Where alerts go, by severity (critical, high, medium, low: each detection's catalog severity) or by detection key (catalog/detections.json; a detection's own route wins over its severity's). Each route lists SNS topic ARNs in the alarms' region: topic_arns for people and pagers (an https endpoint or a team's email subscribes to the topic; sign-in notifications arrive as readable text), chat_topic_arns for topics that chat channels subscribe to (sign-in notifications arrive as chat custom notifications; see chat_topic_arns), and whether the module's topic keeps receiving those alerts too (keep_default_topic, default false). Alarms and their real-time sign-in notifications follow the same route. {} (default): every alert goes to the module's one topic. A detection's own detections[*].alarm_actions still replaces its alarm actions. Each topic's policy and key must admit cloudwatch.amazonaws.com (and events.amazonaws.com for sign-in notifications), as for sns_topic_arn."
  type = map(object({
    topic_arns         = optional(list(string), [])
    chat_topic_arns    = optional(list(string), [])
    keep_default_topic = optional(bool, false)
  }))
  default = {}

  # Unknown keys (read from the catalog file) and topics in another region: preconditions in
  # main.tf (data.aws_partition.input_checks), as they read more than this variable.

  validation {
    condition     = alltrue([for k, r in var.notification_routes : alltrue([for a in concat(r.topic_arns, r.chat_topic_arns) : can(regex("^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", a))])])
    error_message = "notification_routes: not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>): ${join(", ", flatten([for k, r in var.notification_routes : [for a in concat(r.topic_arns, r.chat_topic_arns) : "${k}: ${a}" if !can(regex("^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", a))]]))}. Subscribe a pager's https endpoint or a chat channel to a topic and route to the topic."
  }


  validation {
    condition     = alltrue([for k, r in var.notification_routes : length(r.topic_arns) + length(r.chat_topic_arns) + (r.keep_default_topic ? 1 : 0) >= 1 && length(r.topic_arns) + length(r.chat_topic_arns) + (r.keep_default_topic ? 1 : 0) <= 5])
    error_message = "notification_routes: each route needs 1-5 destinations in all (topic_arns and chat_topic_arns, plus the module's topic with keep_default_topic = true): an EventBridge rule takes at most 5 targets, and an empty route would silence its alerts; to silence a detection set detections.<key>.enabled = false."
  }
}

variable "chat_topic_arns" {
  description = "SNS topics (in the alarms' region) that chat channels (Amazon Q Developer in chat applications, Slack or Microsoft Teams) subscribe to: every alert without a notification_routes entry goes there as well as to the module's topic. Alarms render natively in chat; sign-in notifications arrive as chat custom notifications (a title and a markdown description: who, IP, MFA, region, time, why, event ID) instead of the text that email gets, which chat would show raw. Each topic's policy and key must admit cloudwatch.amazonaws.com and events.amazonaws.com."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.chat_topic_arns : can(regex("^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", a))])
    error_message = "chat_topic_arns: not an SNS topic ARN: ${join(", ", [for a in var.chat_topic_arns : a if !can(regex("^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", a))])}."
  }

  # At most 4, each in the alarms' region: a precondition in main.tf
  # (data.aws_partition.input_checks), as the region is a data source.
}

################################################################################
# Chat channels (optional): modules/chat
################################################################################

variable "chat_enabled" {
  description = "Create a chat topic (KMS-encrypted, its key and policy admitting this module's alarms and sign-in rules, as the module's topic) and the Amazon Q Developer in chat applications channel configurations below, subscribed to it; the topic joins chat_topic_arns (off by default). The Slack workspace or Teams tenant must be authorised once in the console first."
  type        = bool
  default     = false
}

variable "chat_slack_channels" {
  description = "Slack channels (chat_enabled): key => {workspace_id (from the Amazon Q Developer in chat applications console after authorising the workspace, e.g. T012ABCDEFG), channel_id (from Slack's Copy link, e.g. C0123ABCDEF)}. Checked at plan by modules/chat."
  type = map(object({
    workspace_id = string
    channel_id   = string
  }))
  default = {}

  validation {
    condition     = alltrue([for k, c in var.chat_slack_channels : can(regex("^[0-9A-Z]{1,255}$", c.workspace_id)) && can(regex("^[A-Za-z0-9]{1,255}$", c.channel_id))])
    error_message = "chat_slack_channels: workspace_id must be the workspace ID from the console (upper-case letters and digits, e.g. T012ABCDEFG) and channel_id the channel ID from Slack's Copy link (e.g. C0123ABCDEF)."
  }
}

variable "chat_teams_channels" {
  description = "Microsoft Teams channels (chat_enabled): key => {tenant_id, team_id (GUIDs from the channel link's tenantId and groupId), channel_id (the URL-encoded 19%3a...%40thread.tacv2 part of the link), channel_name, team_name (optional labels)}. Checked at plan by modules/chat."
  type = map(object({
    tenant_id    = string
    team_id      = string
    channel_id   = string
    channel_name = optional(string)
    team_name    = optional(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for k, c in var.chat_teams_channels : can(regex("^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$", c.tenant_id)) && can(regex("^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$", c.team_id)) && can(regex("^[a-zA-Z0-9-_=+/.,]*%3[aA][a-zA-Z0-9-_=+/.,]*%40[a-zA-Z0-9-_=+/.,]*$", c.channel_id))])
    error_message = "chat_teams_channels: tenant_id and team_id must be GUIDs (the channel link's tenantId and groupId) and channel_id the URL-encoded channel ID from the link (19%3a...%40thread.tacv2)."
  }
}

variable "chat_topic_encrypted" {
  description = "Encrypt the chat topic with KMS (create_sns_kms_key's key choice), as the module's own topic is. Delivery from a KMS-encrypted topic to Amazon Q Developer in chat applications is confirmed by no AWS page in reach (modules/chat/README.md): false leaves the chat topic unencrypted, a supported choice if the channels stay silent on real AWS. The risk: alarm texts are not secrets, but the sign-in messages carry source IPs and user names, then stored unencrypted by SNS."
  type        = bool
  default     = true
}

variable "chat_guardrail_policy_arns" {
  description = "Guardrail policies of the chat channels (the most a channel member can do through them). null: CloudWatchReadOnlyAccess; an empty list and AdministratorAccess are refused (the API applies AdministratorAccess when none is set)."
  type        = list(string)
  default     = null

  validation {
    condition     = var.chat_guardrail_policy_arns == null || (try(length(var.chat_guardrail_policy_arns), 0) >= 1 && alltrue([for a in coalesce(var.chat_guardrail_policy_arns, []) : !can(regex("policy/AdministratorAccess$", a))]))
    error_message = "chat_guardrail_policy_arns: at least one policy ARN, none AdministratorAccess (null keeps CloudWatchReadOnlyAccess)."
  }
}

variable "chat_channel_role_policy_arns" {
  description = "Managed policies for the chat channel role. Empty (default): none, all that delivering notifications needs."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.chat_channel_role_policy_arns : !can(regex("policy/AdministratorAccess$", a))])
    error_message = "chat_channel_role_policy_arns: AdministratorAccess is refused; the channel only reads notifications."
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
