# Real-time sign-in notifications: EventBridge rules on the "AWS Console Sign In via
# CloudTrail" events of this provider's region. The patterns come from the detection
# catalog (the same file the metric filters read), with the same allowlist.
#
# Two modes, one per region:
# - notify: one rule per enabled sign-in detection -> SNS topic (same region), through an
#   input transformer that renders who / result / IP / MFA / region / time / user agent /
#   why it was flagged;
# - forward: one rule that sends every console sign-in event of this region to the bus of
#   the region that notifies (sign-in events are recorded in us-east-1 and, for some
#   sign-ins, in us-east-2, eu-north-1, ap-southeast-2 or the regional endpoint's region).

data "aws_caller_identity" "current" {
  lifecycle {
    precondition {
      condition     = !(var.detection_path && var.forward_to_event_bus_arn != null)
      error_message = <<-EOT
        detection_path (the detection path's rules, in the region of the log group) and
        forward_to_event_bus_arn (forward this region's events elsewhere) exclude each other.
      EOT
    }

    precondition {
      condition = (
        var.detection_path
        ? length(
          setunion(
            setsubtract(keys(var.log_group_arns), keys(var.path_detections)),
            setsubtract(keys(var.path_detections), keys(var.log_group_arns))
          )
        ) == 0
        : length(var.log_group_arns) == 0
      )
      error_message = join("", [
        "detection_path = true needs log_group_arns with a group for each detection of ",
        "path_detections (missing or extra: ",
        join(
          ", ",
          setunion(
            setsubtract(keys(var.log_group_arns), keys(var.path_detections)),
            setsubtract(keys(var.path_detections), keys(var.log_group_arns))
          )
        ),
        "), and log_group_arns is for detection_path = true only.",
      ])
    }

    precondition {
      condition = alltrue([
        for k, d in var.path_detections :
        can(
          local.catalog.detections[k].eventbridge.patterns[d.pattern_id]
        )
      ])
      error_message = join("", [
        "path_detections: ",
        join(
          ", ",
          [
            for k, d in var.path_detections : "${k}/${d.pattern_id}"
            if !can(
              local.catalog.detections[k].eventbridge.patterns[d.pattern_id]
            )
          ]
        ),
        " has no EventBridge pattern in the catalog.",
      ])
    }

    precondition {
      condition = length(setsubtract(keys(var.detections), keys(local.resolved))) == 0
      error_message = join("", [
        "detections: unknown sign-in detection ",
        join(", ", setsubtract(keys(var.detections), keys(local.resolved))),
        "; valid keys are ${join(", ", keys(local.resolved))}.",
      ])
    }
  }
}

data "aws_partition" "current" {}
data "aws_region" "current" {}

module "allowlist" {
  source = "../allowlist"

  allowed_source_cidrs = var.allowed_source_cidrs
}

module "detections" {
  source = "../detections"

  path                           = "eventbridge"
  cis_exact                      = var.cis_exact
  console_login_without_mfa_mode = var.console_login_without_mfa_mode
  enabled                        = { for key, d in var.detections : key => d.enabled }
  allowlist_set                  = length(var.allowed_source_cidrs) > 0
}

locals {
  catalog = module.detections.catalog
  se      = local.catalog.signin_events
  forward = var.forward_to_event_bus_arn != null
  region  = data.aws_region.current.name

  # Addresses inside the allowlist, as EventBridge wildcards (exact strings and trailing
  # "*"): anything-but cannot take a cidr, so every text form is listed. IPv4 entries off
  # an octet boundary are enumerated; IPv6 prefixes ending in 3+ zero groups have forms no
  # wildcard can bound, so those forms are left out (they notify rather than stay silent).
  allow_wildcards = distinct(concat(module.allowlist.wildcards, module.allowlist.v4_enumerated))

  # Which rules are on and which pattern each uses: modules/detections (shared with
  # modules/metric-filters).
  resolved = {
    for key, r in module.detections.resolved : key => merge(r, {
      # source and detail-type (and the event names an API-call detection watches) of the
      # events the rule reads: the console sign-in events unless the detection names others.
      envelope = try(local.catalog.detections[key].eventbridge.envelope, local.se.envelope)
      # ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS where the catalog says a watched event may
      # be read-only (EventBridge User Guide, "Receiving read-only management events from AWS
      # services": in state ENABLED a rule receives no read-only management event).
      state = (
        can(local.catalog.detections[key].eventbridge.all_management_events)
        ? "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
        : "ENABLED"
      )
    })
  }
  # The detail part: the envelope's own detail, the catalog pattern, and the principal
  # exclusions a detection takes (login_profile_changes). Strings, so that details of
  # different shapes can share one conditional.
  x_placeholder = local.catalog.exclusions.eventbridge_placeholder
  details = {
    for key, r in local.resolved : key => (
      length(lookup(var.excluded_principal_arns, key, [])) > 0 ?
      replace(
        jsonencode(
          merge(
            try(r.envelope.detail, {}),
            local.catalog.detections[key].eventbridge.patterns[r.pattern_id],
            local.catalog.exclusions.eventbridge_principal_arn
          )
        ),
        jsonencode(local.x_placeholder),
        jsonencode(var.excluded_principal_arns[key])
      ) :
      jsonencode(merge(try(r.envelope.detail, {}), local.catalog.detections[key].eventbridge.patterns[r.pattern_id]))
    )
  }
  notify_rules = {
    for key, r in local.resolved : key => {
      name   = "${var.name_prefix}-signin-${replace(key, "_", "-")}"
      why    = local.catalog.detections[key].eventbridge.why
      state  = r.state
      notify = true
      pattern = replace(
        jsonencode(
          merge(
            { source = r.envelope.source, "detail-type" = r.envelope["detail-type"] },
            { detail = jsondecode(local.details[key]) }
          )
        ),
        jsonencode(local.se.allowlist_placeholder),
        jsonencode(local.allow_wildcards),
      )
    } if r.enabled && !local.forward
  }

  # The eventbridge detection path (log_group_arn set): a rule for every detection whose
  # metric filter reads the log group, with the catalog's eventbridge_path meaning: every
  # CloudTrail event (its envelope, in its state), as detail the detection's envelope detail,
  # its pattern for the filter's pattern id, and the exclusions where that filter takes them
  # (of the kinds the detection takes); the allowlist as above. Those that are real-time
  # sign-in rules (notify_rules) also notify. tests/test_eventbridge_path.py proves each
  # pattern equal to its filter; the plan test, that this is what the HCL builds.
  path      = var.detection_path
  eb_path   = local.catalog.eventbridge_path
  x_sources = local.catalog.exclusions.eventbridge_event_source_placeholder
  path_details = {
    for key, d in var.path_detections : key => merge(
      try(local.catalog.detections[key].eventbridge.envelope.detail, {}),
      local.catalog.detections[key].eventbridge.patterns[d.pattern_id],
      jsondecode(
        strcontains(
          local.catalog.detections[key].patterns[d.pattern_id],
          local.catalog.placeholders.exclusions
        )
        && contains(try(local.catalog.detections[key].exclusions, []), "event_source")
        && length(lookup(var.excluded_event_sources, key, [])) > 0 ?
        replace(
          jsonencode(local.catalog.exclusions.eventbridge_event_source),
          jsonencode(local.x_sources),
          jsonencode(lookup(var.excluded_event_sources, key, []))
        )
        : "{}"
      ),
      jsondecode(
        strcontains(
          local.catalog.detections[key].patterns[d.pattern_id],
          local.catalog.placeholders.exclusions
        )
        && contains(try(local.catalog.detections[key].exclusions, []), "principal_arn")
        && length(lookup(var.excluded_principal_arns, key, [])) > 0 ?
        replace(
          jsonencode(local.catalog.exclusions.eventbridge_principal_arn),
          jsonencode(local.x_placeholder),
          jsonencode(lookup(var.excluded_principal_arns, key, []))
        )
        : "{}"
      ),
    )
  }
  path_rules = {
    for key, d in var.path_detections : key => {
      name   = "${var.name_prefix}-signin-${replace(key, "_", "-")}"
      why    = local.catalog.detections[key].eventbridge.why
      state  = local.eb_path.state
      notify = var.notify && contains(keys(local.notify_rules), key)
      pattern = replace(
        jsonencode(merge(local.eb_path.envelope, { detail = local.path_details[key] })),
        jsonencode(local.se.allowlist_placeholder),
        jsonencode(local.allow_wildcards)
      )
    } if local.path
  }
  rules = local.path ? local.path_rules : local.notify_rules

  # The message: the catalog's sign-in or change lines, with the detection's subject lines
  # (what was changed) where __SUBJECT__ stands; the subject's paths join the input paths.
  messages = { for key, r in local.rules : key => try(local.catalog.detections[key].eventbridge.message, "signin") }
  subjects = { for key, r in local.rules : key => try(local.catalog.detections[key].eventbridge.subject, []) }
  lines    = { signin = local.se.input_template_lines, change = local.se.change_template_lines }
  # Each subject line's label and its paths' placeholders (keys() lists them in order), for the
  # text lines and the chat description alike.
  subject_lines = {
    for key, items in local.subjects : key => [
      for item in items :
      { label = item.label, values = join(" ", [for name in keys(item.paths) : "<${name}>"]) }
    ]
  }
  input_paths = {
    for key, r in local.rules : key => merge(
      local.se.input_paths,
      [for item in local.subjects[key] : { for name, path in item.paths : name => path }]...
    )
  }
  # Each line is a JSON string, so a value with a quote stays on its line; format(), not
  # jsonencode(), keeps the <placeholders> unescaped.
  templates = {
    for key, r in local.rules : key => join("\n", [
      for line in flatten([
        for l in local.lines[local.messages[key]] : l == local.se.subject_placeholder
        ? [for line in local.subject_lines[key] : "${line.label}: ${line.values}"]
        : [l]
      ]) : format("\"%s\"", replace(line, local.se.why_placeholder, r.why))
    ])
  }
  # The forwarding rule carries every enabled detection's envelope (one, or "$or" of them).
  # (JSON text: the envelopes differ in shape, and distinct() takes one type.)
  forward_envelopes = distinct([for key, r in local.resolved : jsonencode(r.envelope) if r.enabled])
  forward_pattern = (
    length(local.forward_envelopes) == 0
    ? jsonencode(local.se.envelope)
    : length(local.forward_envelopes) == 1
    ? local.forward_envelopes[0]
    : "{\"$or\":[${join(",", local.forward_envelopes)}]}"
  )
  forward_state = (
    anytrue([for key, r in local.resolved : r.enabled && r.state != "ENABLED"])
    ? "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    : "ENABLED"
  )

  # The chat form (custom notification JSON): the description for the rule's message, with
  # its subject lines, goes where the template's placeholder stands. jsonencode() escapes <
  # and > as \u003c and \u003e, which would hide the <placeholders> from EventBridge, so they
  # are put back.
  chat = local.se.chat_notification
  chat_templates = {
    for key, r in local.rules : key => replace(replace(replace(replace(replace(
      jsonencode(local.chat.template),
      local.chat.description_placeholder,
      trimsuffix(
        trimprefix(
          jsonencode(
            replace(
              local.chat.descriptions[local.messages[key]],
              local.se.subject_placeholder,
              join("", [for line in local.subject_lines[key] : "*${line.label}:* ${line.values}\n"])
            )
          ),
          "\""
        ),
        "\""
      ),
      ), "\\u003c", "<"), "\\u003e", ">"),
      local.se.why_placeholder, trimsuffix(trimprefix(jsonencode(r.why), "\""), "\"")),
      local.chat.severity_placeholder, upper(local.catalog.detections[key].severity),
    )
  }
}

resource "aws_cloudwatch_event_rule" "this" {
  for_each = local.rules

  name           = each.value.name
  description    = "trailwatch: ${each.value.why} (catalog detection ${each.key})"
  event_bus_name = var.event_bus_name
  event_pattern  = each.value.pattern
  # Set explicitly: with state left out, a rule disabled outside Terraform is never enabled
  # again (terraform-provider-aws issue #35616).
  state = each.value.state
  tags  = var.tags

  lifecycle {
    precondition {
      condition     = var.sns_topic_arn != null || !each.value.notify
      error_message = <<-EOT
        signin-events needs sns_topic_arn (notify in this region) or forward_to_event_bus_arn
        (forward this region's sign-ins to the region that notifies).
      EOT
    }

    precondition {
      condition     = !each.value.notify || try(split(":", var.sns_topic_arn)[3] == local.region, false)
      error_message = <<-EOT
        sns_topic_arn is in region ${try(split(":", var.sns_topic_arn)[3], "?")} but this provider
        is in ${local.region}: EventBridge delivers to SNS only in its own region. In other regions
        set forward_to_event_bus_arn to the notifying region's default bus instead.
      EOT
    }

    # The rule's route (var.routes) in this provider's region. A check of var.routes that
    # reads the region (a data source) cannot be a validation block up to Terraform 1.8 (the
    # floor is 1.5.7: tests/test_version_floor.py); here, on the rule that the route feeds.
    precondition {
      condition = alltrue([
        for a in concat(
          try(var.routes[each.key].topic_arns, []),
          try(var.routes[each.key].chat_topic_arns, [])
        )
        :
        try(split(":", a)[3] == local.region, true)
      ])
      error_message = join("", [
        "routes: ",
        join(
          ", ",
          [
            for a in concat(
              try(var.routes[each.key].topic_arns, []),
              try(var.routes[each.key].chat_topic_arns, [])
            )
            :
            "${each.key}: ${a}"
            if try(split(":", a)[3] != local.region, false)
          ]
        ),
        " is in another region than this provider (${local.region}): EventBridge delivers to SNS ",
        "only in its own region.",
      ])
    }

    precondition {
      condition = (
        length(local.text_topics[each.key])
        + length(local.chat_topics[each.key])
        + (local.path ? 1 : 0) <= 5
      )
      error_message = join("", [
        "${each.key}: ",
        length(local.text_topics[each.key]) + length(local.chat_topics[each.key]),
        " destination topics${local.path ? " and the log group" : ""}; an EventBridge rule takes ",
        "at most 5 targets.",
      ])
    }

    precondition {
      condition     = each.key != "console_login_unexpected_ip" || length(local.allow_wildcards) > 0
      error_message = <<-EOT
        console_login_unexpected_ip needs allowed_source_cidrs: with an empty allowlist every
        sign-in would be outside it.
      EOT
    }

    precondition {
      condition     = length(each.value.pattern) <= var.event_pattern_max_length
      error_message = <<-EOT
        The ${each.key} event pattern is ${length(each.value.pattern)} characters; the account
        allows ${var.event_pattern_max_length} (EventBridge quota "Event pattern size", 2048 by
        default, up to 4096 on request). Entries of allowed_source_cidrs off an octet boundary list
        every value of their partial octet: prefer /8, /16, /24 or /32 boundaries, or raise the
        quota and event_pattern_max_length.
      EOT
    }
  }
}

# One target per destination topic: sns_topic_arn, or the detection's route (var.routes),
# with the text message; then one per chat topic with the custom notification. The first
# keeps the address <key> and target ID "sns"; further ones are <key>#<n> ("sns-<n>") and
# <key>#chat<n> ("chat-<n>").
locals {
  text_topics = {
    for key, r in local.rules : key => (
      !r.notify ? [] : contains(keys(var.routes), key) ? var.routes[key].topic_arns : [var.sns_topic_arn]
    )
  }
  chat_topics = {
    for key, r in local.rules : key => (
      !r.notify ? [] : contains(keys(var.routes), key) ? var.routes[key].chat_topic_arns : var.chat_topic_arns
    )
  }
  targets = merge(concat(
    [for key, arns in local.text_topics : {
      for i, arn in arns : (i == 0 ? key : "${key}#${i}") => {
        rule      = key,
        target_id = i == 0 ? "sns" : "sns-${i}",
        arn       = arn,
        template  = local.templates[key]
      }
    }],
    [for key, arns in local.chat_topics : {
      for i, arn in arns : "${key}#chat${i}" => {
        rule      = key,
        target_id = "chat-${i}",
        arn       = arn,
        template  = local.chat_templates[key]
      }
    }],
  )...)
}

resource "aws_cloudwatch_event_target" "sns" {
  for_each = local.targets

  rule           = aws_cloudwatch_event_rule.this[each.value.rule].name
  event_bus_name = var.event_bus_name
  target_id      = each.value.target_id
  arn            = each.value.arn

  input_transformer {
    input_paths    = local.input_paths[each.value.rule]
    input_template = each.value.template
  }

  dynamic "dead_letter_config" {
    for_each = var.dead_letter_queue_arn == null ? [] : [var.dead_letter_queue_arn]

    content {
      arn = dead_letter_config.value
    }
  }
}

# The detection path: each rule's matched events to its detection's log group, as the bare CloudTrail
# record (input path $.detail), which is what CloudTrail itself writes to a log group, so the
# metric filters, Logs Insights queries and alarm messages read it unchanged. No role: for a
# CloudWatch Logs target EventBridge uses the log group's resource policy (EventBridge User
# Guide, "Using resource-based policies for Amazon EventBridge", CloudWatch Logs permissions).
resource "aws_cloudwatch_event_target" "logs" {
  for_each = local.path ? local.rules : {}

  rule           = aws_cloudwatch_event_rule.this[each.key].name
  event_bus_name = var.event_bus_name
  target_id      = "logs"
  arn            = var.log_group_arns[each.key]
  input_path     = "$.detail"

  dynamic "dead_letter_config" {
    for_each = var.dead_letter_queue_arn == null ? [] : [var.dead_letter_queue_arn]

    content {
      arn = dead_letter_config.value
    }
  }
}

################################################################################
# Forward mode
################################################################################

data "aws_iam_policy_document" "forward_trust" {
  count = local.forward ? 1 : 0

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_iam_policy_document" "forward" {
  count = local.forward ? 1 : 0

  statement {
    actions   = ["events:PutEvents"]
    resources = [var.forward_to_event_bus_arn]
  }
}

resource "aws_iam_role" "forward" {
  count = local.forward ? 1 : 0

  name                 = "${var.name_prefix}-signin-forward-${local.region}"
  assume_role_policy   = data.aws_iam_policy_document.forward_trust[0].json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "forward" {
  count = local.forward ? 1 : 0

  name   = "put-events"
  role   = aws_iam_role.forward[0].id
  policy = data.aws_iam_policy_document.forward[0].json
}

resource "aws_cloudwatch_event_rule" "forward" {
  count = local.forward ? 1 : 0

  name = "${var.name_prefix}-signin-forward"
  description = join(" ", [
    "trailwatch: forward the events the detections read in ${local.region} to",
    "${var.forward_to_event_bus_arn}",
  ])
  event_bus_name = var.event_bus_name
  event_pattern  = local.forward_pattern
  state          = local.forward_state
  tags           = var.tags

  lifecycle {
    precondition {
      condition     = var.sns_topic_arn == null
      error_message = "Set sns_topic_arn or forward_to_event_bus_arn, not both."
    }

    precondition {
      condition     = split(":", var.forward_to_event_bus_arn)[3] != local.region
      error_message = <<-EOT
        forward_to_event_bus_arn is in this provider's region (${local.region}); forwarding a bus's
        sign-ins to itself would loop. In the notifying region set sns_topic_arn instead.
      EOT
    }
  }
}

resource "aws_cloudwatch_event_target" "forward" {
  count = local.forward ? 1 : 0

  rule           = aws_cloudwatch_event_rule.forward[0].name
  event_bus_name = var.event_bus_name
  target_id      = "forward"
  arn            = var.forward_to_event_bus_arn
  role_arn       = aws_iam_role.forward[0].arn

  dynamic "dead_letter_config" {
    for_each = var.dead_letter_queue_arn == null ? [] : [var.dead_letter_queue_arn]

    content {
      arn = dead_letter_config.value
    }
  }
}

################################################################################
# Failure signal: EventBridge could not deliver a rule's events to its targets
################################################################################

# One alarm per rule (modules/rule-failure-alarms). Notify mode always watches its rules (the
# root module passes its topic); a forwarder only with failure_alarm_actions, since alarm
# actions stay in their own region and an alarm without one would fail Security Hub's
# CloudWatch.15.
module "failure_alarms" {
  source = "../rule-failure-alarms"

  rules = merge(
    {
      for key, r in local.rules :
      key => {
        name = r.name,
        check = (
          local.path
          ? join("", [
            "Check the log group's resource policy ",
            "(it must let events.amazonaws.com create streams and put events)",
            r.notify
            ? " and the target topics' policies and keys (they must let events.amazonaws.com publish)"
            : "",
            ".",
          ])
          : "Check the target topics' policies and keys (they must let events.amazonaws.com publish)."
        )
      }
    },
    local.forward && length(var.failure_alarm_actions) > 0
    ? {
      forward = {
        name  = "${var.name_prefix}-signin-forward",
        check = "Check the forwarding role, its permissions boundary and the target bus."
      }
    }
    : {},
  )
  event_bus_name    = var.event_bus_name
  dead_letter_queue = var.dead_letter_queue_arn != null
  alarm_actions     = var.failure_alarm_actions
  tags              = var.tags
}
