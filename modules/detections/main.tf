# Which catalog detections are on, and which of its patterns each uses: one resolution for
# both paths that read the catalog (modules/metric-filters, modules/signin-events), so that
# a metric filter and its EventBridge rule never disagree on a mode.

locals {
  catalog = jsondecode(file("${path.module}/../../catalog/detections.json"))
  rules   = var.path == "eventbridge"

  # The detections this path serves, and the pattern ids it chooses from: every detection's
  # filter patterns, or the EventBridge patterns of those that have a real-time sign-in rule
  # (a block marked detection_path_only serves the eventbridge detection path alone).
  patterns = {
    for key, d in local.catalog.detections : key => local.rules ? keys(d.eventbridge.patterns) : keys(d.patterns)
    if !local.rules || (can(d.eventbridge) && !can(d.eventbridge.detection_path_only))
  }

  # The mode input of each detection that has catalog modes; cis_exact implies the MFA
  # detection's Security Hub variant.
  modes = {
    console_login_without_mfa = var.cis_exact ? "cis_sso" : var.console_login_without_mfa_mode
    unauthorized_api_calls    = var.unauthorized_api_calls_mode
  }

  # On unless switched off; one that needs the allowlist only with one; a rule the catalog
  # marks opt_in (console_login_failures: its meaning is a count) only when switched on.
  enabled = {
    for key, p in local.patterns : key => try(var.enabled[key], null) != null ? var.enabled[key] : (
      !(local.rules && can(local.catalog.detections[key].eventbridge.opt_in)) &&
      (!try(local.catalog.detections[key].requires_allowlist, false) || var.allowlist_set)
    )
  }

  resolved = {
    for key, p in local.patterns : key => {
      enabled = local.enabled[key]
      # cis_exact: Security Hub's string, or (cis_exact_pattern) a pattern whose deployment
      # already counts with Security Hub's string verbatim. A tuned pattern that leaves events
      # to another detection (tuned_requires: root_usage leaves sts:AssumeRoot sessions to
      # root_privileged_task) is used only while that detection is on; otherwise the wider
      # pattern keeps reporting them.
      pattern_id = (
        var.cis_exact && contains(p, "security_hub")
        ? try(local.catalog.detections[key].cis_exact_pattern, "security_hub") :
        can(local.catalog.detections[key].modes) ? local.catalog.detections[key].modes[local.modes[key]] :
        contains(p, "tuned")
        && try(local.enabled[local.catalog.detections[key].tuned_requires], true)
        ? "tuned"
        : "security_hub"
      )
    }
  }

  # Catalog mistakes that would otherwise resolve silently.
  unknown_requires = [
    for key, d in local.catalog.detections : "${key}.tuned_requires = \"${d.tuned_requires}\"" if can(d.tuned_requires)
    && !contains(keys(local.catalog.detections), try(d.tuned_requires, ""))
  ]
}
