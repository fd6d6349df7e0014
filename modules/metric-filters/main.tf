# Stage 4 of the data path: the metric filters of each enabled detection of the catalog (one,
# or the catalog's `deploy`: several feeding the one metric, see local.filters).
# The catalog (catalog/detections.json) is the single source of truth for the patterns.

module "allowlist" {
  source = "../allowlist"

  allowed_source_cidrs = var.allowed_source_cidrs
}

module "detections" {
  source = "../detections"

  path                           = "metric_filters"
  cis_exact                      = var.cis_exact
  console_login_without_mfa_mode = var.console_login_without_mfa_mode
  unauthorized_api_calls_mode    = var.unauthorized_api_calls_mode
  enabled                        = { for key, d in var.detections : key => d.enabled }
  allowlist_set                  = length(var.allowed_source_cidrs) > 0
}

locals {
  catalog     = module.detections.catalog
  placeholder = local.catalog.placeholders.allowlist

  ##############################################################################
  # Allowlist -> filter-pattern clauses that match exactly the addresses outside it
  ##############################################################################

  # The allowlist's text forms come from modules/allowlist (shared with signin-events).
  allow_wild = module.allowlist.wildcards
  allow_rx   = module.allowlist.regexes

  # Plain form: one != clause per wildcard entry, one regex for the rest.
  allow_clauses_plain = join(" && ", concat(
    [for w in local.allow_wild : "($.sourceIPAddress != \"${w}\")"],
    length(local.allow_rx) > 0 ? ["($.sourceIPAddress != %${join("|", local.allow_rx)}%)"] : [],
  ))
  # Compact form, when the plain one is too long: everything as regex alternation, split
  # over the two regexes AWS allows in one pattern.
  allow_rx_all = concat(
    [
      for w in local.allow_wild :
      endswith(w, "*")
      ? "^${replace(trimsuffix(w, "*"), ".", "\\.")}"
      : "^${replace(w, ".", "\\.")}$"
    ],
    local.allow_rx,
  )
  allow_rx_half = ceil(length(local.allow_rx_all) / 2)
  allow_clauses_compact = join(" && ", [
    for part in [
      slice(local.allow_rx_all, 0, local.allow_rx_half),
      slice(local.allow_rx_all, local.allow_rx_half, length(local.allow_rx_all))
    ] :
    "($.sourceIPAddress != %${join("|", part)}%)" if length(part) > 0
  ])
  allow_template = one([
    for d in local.catalog.detections : d.patterns.tuned
    if strcontains(try(d.patterns.tuned, ""), local.placeholder)
  ])
  allow_clauses = (
    length(
      replace(
        coalesce(local.allow_template, local.placeholder),
        local.placeholder,
        local.allow_clauses_plain
      )
    ) <= 1024
    ? local.allow_clauses_plain
    : local.allow_clauses_compact
  )

  ##############################################################################
  # Resolve each detection: mode, overrides, allowlist
  ##############################################################################

  # Exclusion clauses for the patterns that carry the placeholder (unauthorized_api_calls'
  # and login_profile_changes' tuned forms); the clause text comes from the catalog.
  exclusion_placeholder = local.catalog.placeholders.exclusions
  exclusion_templates   = local.catalog.exclusions.clause_templates
  exclusion_inputs = {
    unauthorized_api_calls = {
      event_source  = var.unauthorized_api_calls_excluded_event_sources,
      principal_arn = var.unauthorized_api_calls_excluded_principal_arns
    }
    login_profile_changes = { event_source = [], principal_arn = var.login_profile_changes_excluded_principal_arns }
  }
  exclusion_clauses = {
    for key, x in local.exclusion_inputs : key => join("", concat(
      [for v in x.event_source : format(local.exclusion_templates.event_source, v)],
      [for v in x.principal_arn : format(local.exclusion_templates.principal_arn, v)],
    ))
  }
  # Which detections are on and which pattern each uses: modules/detections (shared with
  # modules/signin-events).
  resolved = {
    for key, r in module.detections.resolved : key => merge(
      r,
      { metric_name = local.catalog.detections[key].metric_name }
    )
  }
  # Every text a detection can deploy, made concrete once (the allowlist and exclusion
  # placeholders replaced): its patterns by id, and its deploy parts' own texts as "part:<name>".
  filled = {
    for key, d in local.catalog.detections : key => {
      for id, text in merge(
        d.patterns,
        { for p in flatten(values(try(d.deploy, {}))) : "part:${p.name}" => p.text if can(p.text) }
      ) :
      id => replace(
        replace(text, local.placeholder, local.allow_clauses),
        local.exclusion_placeholder,
        lookup(local.exclusion_clauses, key, "")
      )
    }
  }
  candidates = {
    for key, r in local.resolved : key => merge(r, {
      pattern = (
        try(var.detections[key].pattern, null) != null
        ? var.detections[key].pattern
        : local.filled[key][r.pattern_id]
      )
      # Whether the exclusion inputs apply to this pattern (they need its placeholder).
      takes_exclusions = (
        try(var.detections[key].pattern, null) == null
        && strcontains(
          local.catalog.detections[key].patterns[r.pattern_id],
          local.exclusion_placeholder
        )
      )
    }) if r.enabled
  }

  # The filters that feed each detection's metric. Usually one, the pattern itself. A
  # catalog `deploy` entry splits a pattern into filters whose counting ones match disjoint
  # sets of events with the pattern's set as their union (so each event is counted once),
  # and adds witnesses: filters that publish 0 and match only events the counting filters
  # count, there so that an auditor that reads filter text (Prowler, Powerpipe) finds its
  # wording. tests/test_audits.py proves both properties with the engine.
  filters = merge([
    for key, c in local.candidates : {
      for part in concat(
        [
          for p in try(local.catalog.detections[key].deploy[c.pattern_id], [{ name = "", pattern = c.pattern_id }]) : {
            name    = p.name
            pattern = local.filled[key][try(p.pattern, "part:${p.name}")]
            witness = try(p.witness, false)
          } if try(var.detections[key].pattern, null) == null
        ],
        # A pattern override is one filter, as written.
        [
          for text in [c.pattern] : { name = "", pattern = text, witness = false }
          if try(var.detections[key].pattern, null) != null
        ],
        ) : (part.name == "" ? key : "${key}/${part.name}") => {
        detection = key
        name      = part.name == "" ? "${var.name_prefix}-${key}" : "${var.name_prefix}-${key}-${part.name}"
        pattern   = part.pattern
        witness   = part.witness
      }
    }
  ]...)
  regex_filters = length([for k, f in local.filters : k if length(regexall("%[^%]*%", f.pattern)) > 0])
}

resource "aws_cloudwatch_log_metric_filter" "this" {
  for_each = local.filters

  name           = each.value.name
  log_group_name = lookup(var.log_group_names, each.value.detection, var.log_group_name)
  pattern        = each.value.pattern

  metric_transformation {
    name      = "${var.name_prefix}-${local.candidates[each.value.detection].metric_name}"
    namespace = var.namespace
    # A witness publishes 0: the metric's count is the counting filters' alone.
    value         = each.value.witness ? "0" : var.metric_value
    default_value = var.metric_default_value
  }

  lifecycle {
    precondition {
      condition     = length(each.value.pattern) <= 1024
      error_message = <<-EOT
        The ${each.key} pattern is ${length(each.value.pattern)} characters; AWS allows at most
        1024. For allowed_source_cidrs: merge adjacent ranges into wider prefixes, or list fewer
        entries. For unauthorized_api_calls_excluded_event_sources / _principal_arns: exclude fewer,
        or use wildcards (arn:aws:iam::*:role/ci-*).
      EOT
    }

    precondition {
      condition = (
        lookup(local.exclusion_clauses, each.value.detection, "") == ""
        || local.candidates[each.value.detection].takes_exclusions
      )
      error_message = join("", [
        "${each.value.detection}: the ${each.value.detection}_excluded_* inputs apply to the ",
        "tuned pattern only; this configuration uses ",
        try(var.detections[each.value.detection].pattern, null) != null
        ? "a pattern override"
        : join("", [
          "the \"${local.candidates[each.value.detection].pattern_id}\" pattern",
          " (cis_exact or unauthorized_api_calls_mode)",
        ]),
        ", which must stay verbatim. Drop the exclusions, or use the tuned pattern ",
        "(unauthorized_api_calls_mode = \"tuned\" without cis_exact).",
      ])
    }

    precondition {
      condition     = length(regexall("%[^%]*%", each.value.pattern)) <= 2
      error_message = "The ${each.key} pattern uses more than 2 regular expressions; AWS allows at most 2 per pattern."
    }

    precondition {
      condition     = local.regex_filters <= 5
      error_message = <<-EOT
        ${local.regex_filters} of this module's metric filters use regular expressions; AWS allows
        at most 5 per log group.
      EOT
    }

    precondition {
      condition     = length(local.filters) <= 100
      error_message = "${length(local.filters)} metric filters requested; AWS allows at most 100 per log group."
    }
  }
}
