# trailwatch: CloudTrail -> CloudWatch Logs -> metric filters -> alarms -> SNS.
# This file wires the data path; each stage lives in modules/<stage>.

data "aws_partition" "current" {}
data "aws_region" "current" {}

data "aws_caller_identity" "current" {
  # Cross-variable rules are checked here, at plan time, before anything is created.
  lifecycle {
    precondition {
      condition     = !local.eventbridge_path || var.existing_log_group_name == null
      error_message = <<-EOT
        detection_path = "eventbridge" writes the matched events to a log group the module creates;
        existing_log_group_name names the group a trail delivers to (the cloudwatch_logs path).
        Leave it null (log_group_name names the created group).
      EOT
    }

    precondition {
      condition     = !local.eventbridge_path || !var.is_organization_trail
      error_message = <<-EOT
        detection_path = "eventbridge" sees this account's events only (EventBridge delivers
        CloudTrail events in the account and region where they happen), so an organization trail
        would leave every member account undetected. Keep an organization trail on detection_path =
        "cloudwatch_logs", or for an organization deploy modules/eventbridge-central beside this
        module and modules/eventbridge-member in every account and region (docs/eventbridge-path.md).
      EOT
    }

    precondition {
      condition = !local.eventbridge_path || length([for k, d in var.detections : k if d.pattern != null]) == 0
      error_message = join("", [
        "detection_path = \"eventbridge\" needs each rule to mean what its metric filter means, ",
        "and a custom pattern has no EventBridge form: drop detections[*].pattern for ",
        join(", ", [for k, d in var.detections : k if d.pattern != null]),
        ", or keep detection_path = \"cloudwatch_logs\".",
      ])
    }

    precondition {
      condition     = var.create_trail || var.existing_log_group_name != null || local.eventbridge_path
      error_message = <<-EOT
        create_trail = false is bring-your-own mode: set existing_log_group_name to the log group
        your existing trail delivers to (for Control Tower: aws-controltower/CloudTrailLogs).
      EOT
    }

    precondition {
      condition     = !var.is_organization_trail || var.create_trail
      error_message = <<-EOT
        is_organization_trail = true needs create_trail = true; with an existing organization trail,
        set create_trail = false and existing_log_group_name instead.
      EOT
    }

    precondition {
      condition     = var.organization_management_account_id == null || var.is_organization_trail
      error_message = <<-EOT
        organization_management_account_id is for an organization trail created from a CloudTrail
        delegated administrator account (the management account owns it); set is_organization_trail
        = true, or leave it null.
      EOT
    }

    precondition {
      condition     = !(var.is_organization_trail && var.create_s3_bucket && var.organization_id == null)
      error_message = <<-EOT
        is_organization_trail = true needs organization_id (o-...), so that the bucket policy and
        delivery role admit member accounts' logs.
      EOT
    }

    precondition {
      condition     = var.existing_log_group_name == null || var.log_group_name == null
      error_message = <<-EOT
        existing_log_group_name and log_group_name conflict: log_group_name names a group the module
        creates; set only existing_log_group_name to use a group you already have.
      EOT
    }

    precondition {
      condition     = var.create_s3_bucket || var.s3_bucket_name != null || !var.create_trail
      error_message = "create_s3_bucket = false needs s3_bucket_name: the existing bucket the trail delivers to."
    }

    precondition {
      condition = length(
        setsubtract(
          keys(var.detections),
          local.detection_keys
        )
      ) == 0
      error_message = join("", [
        "detections: unknown key(s) ",
        join(
          ", ",
          setsubtract(
            keys(var.detections),
            local.detection_keys
          )
        ),
        ". Valid keys: ",
        join(", ", local.detection_keys),
        ".",
      ])
    }

    precondition {
      condition = length(setsubtract(keys(var.signin_events_detections), local.signin_keys)) == 0
      error_message = join("", [
        "signin_events_detections: unknown sign-in detection ",
        join(", ", setsubtract(keys(var.signin_events_detections), local.signin_keys)),
        "; valid keys are ${join(", ", local.signin_keys)}.",
      ])
    }

    precondition {
      condition = !(
        try(var.detections["console_login_unexpected_ip"].enabled, false) == true
        && length(var.allowed_source_cidrs) == 0
      )
      error_message = <<-EOT
        detections.console_login_unexpected_ip is forced on but allowed_source_cidrs is empty: every
        sign-in would alarm. List the addresses allowed to sign in.
      EOT
    }

    precondition {
      condition     = var.alarm_raw_notifications || var.alarm_messages_enabled
      error_message = <<-EOT
        alarm_raw_notifications = false needs alarm_messages_enabled = true: otherwise an alarm
        would notify nobody but alarm_actions.
      EOT
    }

    precondition {
      condition     = var.chat_enabled || length(var.chat_slack_channels) + length(var.chat_teams_channels) == 0
      error_message = <<-EOT
        chat_slack_channels / chat_teams_channels are set but chat_enabled = false: no channel
        configuration would be created. Set chat_enabled = true, or drop the channels.
      EOT
    }

    precondition {
      condition     = !var.chat_enabled || length(var.chat_topic_arns) <= 3
      error_message = <<-EOT
        chat_enabled adds the chat topic to chat_topic_arns: with it, at most 3 more chat_topic_arns
        (5 actions per alarm and 5 targets per sign-in rule, the module's topic included).
      EOT
    }

    precondition {
      condition = !(
        var.log_group_encryption == "trail"
        && var.existing_log_group_name == null
        && !(var.create_trail && var.create_kms_key)
      )
      error_message = <<-EOT
        log_group_encryption = "trail" shares the key the module creates for the trail: it needs
        create_trail = true and create_kms_key = true. Choose "dedicated" or "existing" otherwise.
      EOT
    }
  }
}

# Checks of one input against another input, the catalog file or the region. They cannot be
# validation blocks: up to Terraform 1.8 a validation reads its own variable only, and the
# floor is 1.5.7 (tests/test_version_floor.py). They are not on data.aws_caller_identity
# either: Terraform reads a data source with conditions during apply whenever something it
# depends on has a change pending, and a routed or chat topic the caller creates in the same
# apply is such a thing; the account ID would then be unknown at plan. Here only this data
# source waits, and its checks then run at apply on the known values; otherwise at plan,
# before anything is created.
data "aws_partition" "input_checks" {
  lifecycle {
    # An organization trail writes every member account's logs under its own account folder:
    # projecting the owner's account alone would make every backtest silently miss the others.
    precondition {
      condition     = !(var.athena_enabled && var.is_organization_trail) || length(var.athena_account_ids) > 0
      error_message = <<-EOT
        athena_enabled with is_organization_trail needs athena_account_ids: the member accounts
        whose logs the table projects (for example [for a in
        data.aws_organizations_organization.this.accounts : a.id], as examples/organization-trail
        reads its organization).
      EOT
    }

    precondition {
      condition = length(
        setsubtract(
          keys(var.notification_routes),
          concat(
            local.severity_levels,
            local.detection_keys
          )
        )
      ) == 0
      error_message = join("", [
        "notification_routes: unknown severity or detection key ",
        join(
          ", ",
          setsubtract(
            keys(var.notification_routes),
            concat(
              local.severity_levels,
              local.detection_keys
            )
          )
        ),
        ". Severities: ",
        join(", ", local.severity_levels),
        "; detection keys: ",
        join(", ", local.detection_keys),
        ".",
      ])
    }

    # CloudWatch alarm actions and EventBridge SNS targets must be in the alarm's (rule's) region.
    precondition {
      condition = alltrue(
        flatten([
          for k, r in var.notification_routes :
          [
            for a in concat(r.topic_arns, r.chat_topic_arns) :
            try(split(":", a)[3] == data.aws_region.current.name, true)
          ]
        ])
      )
      error_message = join("", [
        "notification_routes: ",
        join(
          ", ",
          flatten([
            for k, r in var.notification_routes :
            [
              for a in concat(r.topic_arns, r.chat_topic_arns) : "${k}: ${a}"
              if try(split(":", a)[3] != data.aws_region.current.name, false)
            ]
          ])
        ),
        " is in another region than the alarms (${data.aws_region.current.name}): CloudWatch ",
        "alarms and EventBridge rules notify SNS topics in their own region only.",
      ])
    }

    precondition {
      condition = (
        alltrue([
          for a in var.chat_topic_arns : try(split(":", a)[3] == data.aws_region.current.name, true)
        ])
        && length(var.chat_topic_arns) <= 4
      )
      error_message = join("", [
        "chat_topic_arns: at most 4 topics (with the module's topic, 5: the most an alarm or an ",
        "EventBridge rule notifies), each in the alarms' region ",
        "(${data.aws_region.current.name}); in another region: ",
        join(
          ", ",
          [
            for a in var.chat_topic_arns : a
            if try(split(":", a)[3] != data.aws_region.current.name, false)
          ]
        ),
        ".",
      ])
    }
  }
}

locals {
  # catalog/detections.json, decoded once here: every check and local of this module reads
  # it from these locals (Terraform decodes a jsondecode(file(...)) again wherever it is
  # written, in each walk of every command).
  catalog         = jsondecode(file("${path.module}/catalog/detections.json"))
  detection_keys  = keys(local.catalog.detections)
  severity_levels = local.catalog.severities.levels

  # The catalog's sign-in detections: those with a real-time EventBridge rule (not only the
  # eventbridge detection path's).
  signin_keys = [
    for k, d in local.catalog.detections : k
    if can(d.eventbridge) && !can(d.eventbridge.detection_path_only)
  ]

  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  trail_name     = coalesce(var.trail_name, var.name_prefix)
  s3_bucket_name = coalesce(var.s3_bucket_name, "${var.name_prefix}-cloudtrail-${local.account_id}-${local.region}")

  create_log_group = var.existing_log_group_name == null
  log_group_name   = coalesce(var.existing_log_group_name, var.log_group_name, "/aws/cloudtrail/${var.name_prefix}")
  log_group_arn    = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"

  # The Athena results bucket: <prefix>-athena-results-<account>-<region>, or, where that
  # passes S3's 63 characters (a long prefix in a long region), <prefix>-athena-<account>-<region>
  # (59 at the 24-character cap in ap-southeast-2). Deployments whose name fits keep it.
  athena_results_bucket = (
    length("${var.name_prefix}-athena-results-${local.account_id}-${local.region}") <= 63 ?
    "${var.name_prefix}-athena-results-${local.account_id}-${local.region}" :
    "${var.name_prefix}-athena-${local.account_id}-${local.region}"
  )

  # The created log group may share the trail's created key.
  log_group_uses_trail_key = local.create_log_group && var.log_group_encryption == "trail"

  # The eventbridge detection path: rules, not the trail, feed the log groups (modules/log-group
  # writes the resource policy that admits them):
  # one per enabled detection, <log group>/<detection>, so that each metric filter reads
  # exactly what its own rule matched (an event two rules match is written to each group
  # once, and counted once by each detection, as on the cloudwatch_logs path).
  eventbridge_path = var.detection_path == "eventbridge"
  detection_groups = local.eventbridge_path ? sort(keys(module.metric_filters.detections)) : []
}

################################################################################
# 1. Trail (with its S3 archive and KMS key)
################################################################################

module "trail" {
  source = "./modules/trail"

  create                        = var.create_trail
  name                          = local.trail_name
  is_multi_region_trail         = var.is_multi_region_trail
  include_global_service_events = var.include_global_service_events
  enable_log_file_validation    = var.enable_log_file_validation
  is_organization_trail         = var.is_organization_trail
  organization_id               = var.organization_id
  # The trail ARN, the bucket and key policies, the log prefix and (through planned_arn) the
  # delivery role's log-stream names use the owner: the management account for a trail a
  # delegated administrator creates.
  organization_management_account_id = var.organization_management_account_id
  create_s3_bucket                   = var.create_s3_bucket
  s3_bucket_name                     = local.s3_bucket_name
  s3_key_prefix                      = var.s3_key_prefix
  s3_bucket_force_destroy            = var.s3_bucket_force_destroy
  s3_lifecycle                       = var.s3_lifecycle
  create_kms_key                     = var.create_kms_key
  kms_key_arn                        = var.kms_key_arn
  kms_key_deletion_window_in_days    = var.kms_key_deletion_window_in_days
  kms_key_log_group_arns = (
    local.log_group_uses_trail_key
    ? concat(
      [local.log_group_arn],
      [for k in local.detection_groups : "${local.log_group_arn}/${k}"]
    )
    : []
  )

  # The eventbridge detection path integrates no log group: only matched events reach one.
  cloud_watch_logs_group_arn = (
    local.eventbridge_path
    ? null
    : local.create_log_group
    ? module.log_group.arn
    : local.log_group_arn
  )
  cloud_watch_logs_role_arn = local.eventbridge_path ? null : module.delivery_role.arn

  tags = var.tags
}

################################################################################
# 2. Log group
################################################################################

module "log_group" {
  source = "./modules/log-group"

  create           = local.create_log_group
  detection_groups = local.detection_groups
  name             = local.log_group_name
  # With detection_groups: the resource policy that lets the rules write to them.
  resource_policy_name = "${var.name_prefix}-eventbridge-to-logs"
  retention_in_days    = var.log_retention_days
  create_kms_key       = var.log_group_encryption == "dedicated"
  kms_key_arn = (
    local.log_group_uses_trail_key
    ? module.trail.kms_key_arn
    : var.log_group_kms_key_arn
  )
  kms_key_deletion_window_in_days = var.kms_key_deletion_window_in_days

  tags = var.tags
}

# Bring-your-own mode: the group must exist. Read at plan (no depends_on, and only in this
# mode), so a missing group fails the plan with this message and an applied stack plans
# clean (`plan -detailed-exitcode` exits 0): a data source that depends on a managed
# resource would be "read during apply" on every plan. The plural data source returns an
# empty list rather than an error when nothing matches, so the message below is the one shown.
data "aws_cloudwatch_log_groups" "existing" {
  count = local.create_log_group ? 0 : 1

  log_group_name_prefix = local.log_group_name

  lifecycle {
    postcondition {
      condition     = contains(self.log_group_names, local.log_group_name)
      error_message = <<-EOT
        existing_log_group_name ${local.log_group_name} was not found in this account and region;
        the detections need the log group your trail delivers to.
      EOT
    }
  }
}

################################################################################
# 3. Delivery role (CloudTrail -> CloudWatch Logs)
################################################################################

module "delivery_role" {
  source = "./modules/delivery-role"

  create                   = var.create_trail && !local.eventbridge_path
  name                     = coalesce(var.delivery_role_name, "${var.name_prefix}-cloudtrail-delivery")
  path                     = var.delivery_role_path
  permissions_boundary_arn = var.permissions_boundary_arn
  trail_arn                = module.trail.planned_arn
  log_group_arn            = local.log_group_arn
  organization_id          = var.is_organization_trail ? var.organization_id : null

  tags = var.tags
}

################################################################################
# 4. Metric filters (each enabled detection of catalog/detections.json; one metric each)
################################################################################

module "metric_filters" {
  source = "./modules/metric-filters"

  log_group_name                 = local.create_log_group ? module.log_group.name : local.log_group_name
  log_group_names                = { for k, g in module.log_group.detection_groups : k => g.name }
  name_prefix                    = var.name_prefix
  namespace                      = var.namespace
  cis_exact                      = var.cis_exact
  console_login_without_mfa_mode = var.console_login_without_mfa_mode
  allowed_source_cidrs           = var.allowed_source_cidrs
  detections                     = { for k, d in var.detections : k => { enabled = d.enabled, pattern = d.pattern } }
  metric_default_value           = var.metric_default_value

  unauthorized_api_calls_mode                    = var.unauthorized_api_calls_mode
  unauthorized_api_calls_excluded_event_sources  = var.unauthorized_api_calls_excluded_event_sources
  unauthorized_api_calls_excluded_principal_arns = var.unauthorized_api_calls_excluded_principal_arns
  login_profile_changes_excluded_principal_arns  = var.login_profile_changes_excluded_principal_arns
}

################################################################################
# 5. Alarms
################################################################################

module "alarms" {
  source = "./modules/alarms"

  name_prefix = var.name_prefix
  filters = {
    for k, f in module.metric_filters.filters :
    k => {
      name        = f.name,
      metric_name = f.metric_name,
      namespace   = f.namespace,
      pattern     = f.pattern
    }
  }
  log_group_name  = local.log_group_name
  log_group_names = { for k in local.detection_groups : k => "${local.log_group_name}/${k}" }
  # alarm_raw_notifications = false leaves the readable alarm messages (section 10) alone
  # on the module's, chat and routed topics.
  alarm_actions = concat(
    var.alarm_raw_notifications
    ? concat([module.notifications.topic_arn], local.chat_topic_arns)
    : [],
    var.alarm_actions
  )
  ok_actions = concat(var.notify_on_ok ? [module.notifications.topic_arn] : [], var.ok_actions)
  # A routed detection (notification_routes, section 8 below) notifies its route's topics
  # instead of the module's topic; its own detections[*].alarm_actions still wins.
  detections = {
    for k in setunion(keys(var.detections), keys(local.routed_topics)) : k => {
      threshold           = try(var.detections[k].threshold, null)
      period              = try(var.detections[k].period, null)
      evaluation_periods  = try(var.detections[k].evaluation_periods, null)
      datapoints_to_alarm = try(var.detections[k].datapoints_to_alarm, null)
      treat_missing_data  = try(var.detections[k].treat_missing_data, null)
      statistic           = try(var.detections[k].statistic, null)
      alarm_actions = (
        try(var.detections[k].alarm_actions, null) != null
        ? var.detections[k].alarm_actions
        : contains(keys(local.routed_topics), k)
        ? concat(
          var.alarm_raw_notifications
          ? concat(local.routed_topics[k].text, local.routed_topics[k].chat)
          : [],
          var.alarm_actions
        )
        : null
      )
    }
  }
  tags = var.tags
}

################################################################################
# 6. Notifications
################################################################################

module "notifications" {
  source = "./modules/notifications"

  name                            = "${var.name_prefix}-signin-alarms"
  sns_topic_arn                   = var.sns_topic_arn
  email_addresses                 = var.alarm_email_addresses
  subscriptions                   = var.sns_subscriptions
  create_kms_key                  = var.create_sns_kms_key
  kms_key_arn                     = var.sns_kms_key_arn
  kms_key_deletion_window_in_days = var.kms_key_deletion_window_in_days
  # The module's own rules, and those the caller names (modules/eventbridge-central's real-time
  # notifications of the events its members forward).
  eventbridge_rule_arns = concat(
    var.signin_events_enabled || local.eventbridge_path
    ? [module.signin_events[0].rule_arn_pattern]
    : [],
    var.sns_topic_publisher_rule_arns,
  )
  tags = var.tags
}

# The auditors of the CIS metric-filter controls (Security Hub CSPM CloudWatch.1-14, Powerpipe's
# aws_compliance) follow each filter's alarm to an SNS topic and want a subscription on it
# (Prowler does not). A warning at every plan, never an error: it changes no exit code.
check "cis_auditors_find_a_subscriber" {
  assert {
    condition = length(var.alarm_actions) > 0 || (var.alarm_raw_notifications && (
      var.sns_topic_arn != null || length(var.alarm_email_addresses) + length(var.sns_subscriptions) > 0
    ))
    # A check's message is a warning of every plan: one line (join), as Terraform wraps it itself.
    error_message = join(" ", [
      "No alarm notifies a topic that has a subscriber (alarm_email_addresses and sns_subscriptions",
      "are empty, or alarm_raw_notifications is false, and alarm_actions is empty). The detections",
      "still count, but Security Hub CSPM (CloudWatch.1-14) and Powerpipe's aws_compliance fail every",
      "CIS metric-filter control until an alarm action reaches a topic with a subscription: add an",
      "email address or a subscription, or set alarm_actions.",
    ])
  }
}

################################################################################
# 7. Real-time sign-in notifications (EventBridge -> the same topic)
################################################################################

module "signin_events" {
  source = "./modules/signin-events"
  count  = var.signin_events_enabled || local.eventbridge_path ? 1 : 0

  # The eventbridge detection path: a rule for every metric filter's detection,
  # delivering its matched events to the log group; the real-time sign-in rules are among them.
  detection_path         = local.eventbridge_path
  log_group_arns         = { for k, g in module.log_group.detection_groups : k => g.arn }
  path_detections        = local.eventbridge_path ? module.metric_filters.detections : {}
  excluded_event_sources = { unauthorized_api_calls = var.unauthorized_api_calls_excluded_event_sources }
  notify                 = var.signin_events_enabled

  name_prefix   = var.name_prefix
  sns_topic_arn = module.notifications.topic_arn
  routes = {
    for k, t in local.routed_topics : k => { topic_arns = t.text, chat_topic_arns = t.chat }
    if contains(local.signin_keys, k)
  }
  chat_topic_arns                = local.chat_topic_arns
  allowed_source_cidrs           = var.allowed_source_cidrs
  cis_exact                      = var.cis_exact
  console_login_without_mfa_mode = var.console_login_without_mfa_mode
  detections                     = var.signin_events_detections
  excluded_principal_arns = {
    login_profile_changes  = var.login_profile_changes_excluded_principal_arns,
    unauthorized_api_calls = var.unauthorized_api_calls_excluded_principal_arns
  }
  dead_letter_queue_arn = var.signin_events_dead_letter_queue_arn
  failure_alarm_actions = [module.notifications.topic_arn]
  tags                  = var.tags
}

################################################################################
# 8. Athena (optional): the detections as SQL over the trail's own bucket
#    (trailwatch backtest --athena). Kept in its own block.
################################################################################

module "athena" {
  source = "./modules/athena"
  count  = var.athena_enabled ? 1 : 0

  name = var.athena_name
  # The created archive, or in bring-your-own-bucket mode the bucket named by s3_bucket_name.
  s3_bucket_name  = local.s3_bucket_name
  s3_key_prefix   = var.s3_key_prefix
  organization_id = var.is_organization_trail ? var.organization_id : null
  account_ids = (
    length(var.athena_account_ids) > 0
    ? var.athena_account_ids
    : [coalesce(var.organization_management_account_id, local.account_id)]
  )
  regions = length(var.athena_regions) > 0 ? var.athena_regions : [local.region]

  projection_start_date          = var.athena_projection_start_date
  results_bucket_name            = coalesce(var.athena_results_bucket_name, local.athena_results_bucket)
  results_expiration_days        = var.athena_results_expiration_days
  results_bucket_force_destroy   = var.athena_results_bucket_force_destroy
  bytes_scanned_cutoff_per_query = var.athena_bytes_scanned_cutoff_per_query

  tags = var.tags

  # No depends_on on module.trail: Glue stores the table's S3 location without reading it
  # (queries read the archive, not the create call), and a module-level depends_on would
  # defer this module's data sources whenever the trail has a pending change, so a drift
  # check that finds a stopped trail would also report the results bucket policy as changed.
}

################################################################################
# 9. Severity routing (issue 13): which topics each detection's alerts go to
################################################################################

locals {
  # Each detection with a route (its own key's, else its severity's) -> its topics. A
  # detection without one notifies the module's topic, as before.
  routed_topics = {
    # No distinct(): the topic ARNs are unknown until apply, and the sign-in targets are
    # keyed by position, so each route's length must be known at plan.
    for k, d in local.catalog.detections : k => {
      text = concat(
        var.notification_routes[
          contains(keys(var.notification_routes), k) ? k : d.severity
        ].keep_default_topic
        ? [module.notifications.topic_arn]
        : [],
        var.notification_routes[contains(keys(var.notification_routes), k) ? k : d.severity].topic_arns,
      )
      chat = var.notification_routes[contains(keys(var.notification_routes), k) ? k : d.severity].chat_topic_arns
    } if contains(keys(var.notification_routes), k) || contains(keys(var.notification_routes), d.severity)
  }
}

################################################################################
# 10. Alarm messages (issue 13): a readable message, with Logs Insights links, when an
#     alarm goes to ALARM; to the same destinations as the alarm
################################################################################

module "alarm_messages" {
  source = "./modules/alarm-messages"
  count  = var.alarm_messages_enabled ? 1 : 0

  name_prefix     = var.name_prefix
  alarms          = module.alarms.alarms
  log_group_name  = local.log_group_name
  log_group_names = { for k in local.detection_groups : k => "${local.log_group_name}/${k}" }
  # A detection's destinations, as its alarm's: its own alarm_actions' SNS topics, else its
  # route, else the module's topic (text) and chat_topic_arns (chat).
  destinations = {
    for k in keys(module.alarms.alarms) : k => (
      try(var.detections[k].alarm_actions, null) != null
      ? {
        topic_arns = [
          for a in var.detections[k].alarm_actions : a
          if can(regex("^arn:[^:]+:sns:", a))
        ],
        chat_topic_arns = []
      } :
      contains(keys(local.routed_topics), k)
      ? {
        topic_arns      = local.routed_topics[k].text,
        chat_topic_arns = local.routed_topics[k].chat
      } :
      { topic_arns = [module.notifications.topic_arn], chat_topic_arns = local.chat_topic_arns }
    )
  }
  organization_trail    = coalesce(var.alarm_messages_by_account, var.is_organization_trail)
  link_margin_seconds   = var.alarm_messages_link_margin_seconds
  failure_alarm_actions = [module.notifications.topic_arn]
  dead_letter_queue_arn = var.alarm_messages_dead_letter_queue_arn
  # The encrypted topics this module creates, with their keys (the state machine's KMS grant
  # names those keys), and every topic the user brings (whose keys are not known here).
  topic_kms_keys = concat(
    var.sns_topic_arn == null && (var.create_sns_kms_key || var.sns_kms_key_arn != null)
    ? [
      { topic_arn = module.notifications.topic_arn, kms_key_arn = module.notifications.kms_key_arn }
    ]
    : [],
    var.chat_enabled
    && var.chat_topic_encrypted
    && (var.create_sns_kms_key || var.sns_kms_key_arn != null)
    ? [{ topic_arn = module.chat[0].topic_arn, kms_key_arn = module.chat[0].kms_key_arn }]
    : [],
  )
  external_topic_arns = distinct(concat(
    var.sns_topic_arn == null ? [] : [var.sns_topic_arn],
    var.chat_topic_arns,
    flatten([for r in var.notification_routes : concat(r.topic_arns, r.chat_topic_arns)]),
    flatten([
      for k, d in var.detections :
      [for a in coalesce(d.alarm_actions, []) : a if can(regex("^arn:[^:]+:sns:", a))]
    ]),
  ))
  role_path = var.delivery_role_path
  # Its own boundary when given: its roles call states:StartExecution, sns:Publish and KMS,
  # which a boundary written for the delivery role (log streams only) would deny.
  permissions_boundary_arn = (
    var.alarm_messages_permissions_boundary_arn != null
    ? var.alarm_messages_permissions_boundary_arn
    : var.permissions_boundary_arn
  )
  tags = var.tags
}

################################################################################
# 11. Chat channels (optional): a chat topic and the Slack / Teams channel
#     configurations of Amazon Q Developer in chat applications subscribed to it. The
#     topic joins chat_topic_arns, so unrouted alerts reach it (alarms natively, sign-in
#     notifications as custom notifications).
################################################################################

module "chat" {
  source = "./modules/chat"
  count  = var.chat_enabled ? 1 : 0

  name                            = "${var.name_prefix}-chat"
  create_kms_key                  = var.chat_topic_encrypted && var.create_sns_kms_key
  kms_key_arn                     = var.chat_topic_encrypted ? var.sns_kms_key_arn : null
  kms_key_deletion_window_in_days = var.kms_key_deletion_window_in_days
  eventbridge_rule_arns = (
    var.signin_events_enabled || local.eventbridge_path
    ? [module.signin_events[0].rule_arn_pattern]
    : []
  )
  slack_channels           = var.chat_slack_channels
  teams_channels           = var.chat_teams_channels
  guardrail_policy_arns    = var.chat_guardrail_policy_arns
  channel_role_policy_arns = var.chat_channel_role_policy_arns
  logging_level            = var.chat_logging_level
  permissions_boundary_arn = (
    var.chat_permissions_boundary_arn != null
    ? var.chat_permissions_boundary_arn
    : var.permissions_boundary_arn
  )
  tags = var.tags
}

locals {
  chat_topic_arns = concat(var.chat_topic_arns, var.chat_enabled ? [module.chat[0].topic_arn] : [])
}
