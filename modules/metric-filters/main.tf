# Stage 4 of the data path: one metric filter per enabled detection of the catalog.
# The catalog (catalog/detections.json) is the single source of truth for the patterns.

locals {
  catalog     = jsondecode(file("${path.module}/../../catalog/detections.json"))
  placeholder = local.catalog.placeholders.allowlist

  ##############################################################################
  # Allowlist -> filter-pattern clauses that match exactly the addresses outside it
  ##############################################################################

  # Bare IPs become host prefixes; the network address comes back canonical
  # (lower-case, RFC 5952 compressed for IPv6), which is how the clauses compare.
  allow_cidrs = [for e in var.allowed_source_cidrs : strcontains(e, "/") ? e : (strcontains(e, ":") ? "${e}/128" : "${e}/32")]
  allow_parsed = [for c in local.allow_cidrs : {
    v6  = strcontains(c, ":")
    len = tonumber(split("/", c)[1])
    net = cidrhost(c, 0)
  }]
  # Drop entries inside another entry (and duplicates), so no address is listed twice.
  allow = [for i, a in local.allow_parsed : a if !anytrue([
    for j, b in local.allow_parsed : j != i && a.v6 == b.v6 && (b.len < a.len || (b.len == a.len && j < i)) && try(cidrhost("${a.net}/${b.len}", 0) == b.net, false)
  ])]

  # IPv4 on an octet boundary: an exact string (/32) or a trailing wildcard (/24 -> "a.b.c.*").
  v4_wild = [for a in local.allow : a.len == 32 ? a.net : join(".", concat(slice(split(".", a.net), 0, floor(a.len / 8)), ["*"])) if !a.v6 && a.len % 8 == 0]

  # IPv4 off an octet boundary: one anchored regex alternative per run of ten values in
  # the partial octet (10.0.0.16/28 -> ^10\.0\.0\.1[6-9]$|^10\.0\.0\.2[0-9]$|^10\.0\.0\.3[0-1]$).
  v4_partial = [for a in local.allow : {
    prefix = join("", [for o in slice(split(".", a.net), 0, floor(a.len / 8)) : "${o}\\."])
    lo     = tonumber(split(".", a.net)[floor(a.len / 8)])
    size   = pow(2, 8 - a.len % 8)
    suffix = floor(a.len / 8) == 3 ? "$" : "\\."
  } if !a.v6 && a.len % 8 != 0]
  v4_rx = flatten([for p in local.v4_partial : [
    for t in distinct([for v in range(p.lo, p.lo + p.size) : floor(v / 10)]) : format("^%s%s%s%s",
      p.prefix,
      t == 0 ? "" : tostring(t),
      min([for v in range(p.lo, p.lo + p.size) : v % 10 if floor(v / 10) == t]...) == max([for v in range(p.lo, p.lo + p.size) : v % 10 if floor(v / 10) == t]...)
      ? tostring(min([for v in range(p.lo, p.lo + p.size) : v % 10 if floor(v / 10) == t]...))
      : format("[%d-%d]", min([for v in range(p.lo, p.lo + p.size) : v % 10 if floor(v / 10) == t]...), max([for v in range(p.lo, p.lo + p.size) : v % 10 if floor(v / 10) == t]...)),
      p.suffix
    )
  ]])

  # IPv6: /128 is an exact string. A prefix of k whole 16-bit groups is matched in every
  # RFC 5952 text form its addresses can take: the k groups written out ("g1:g2:*"), or
  # "::" standing for a zero run inside them.
  v6 = [for a in local.allow : merge(a, {
    k     = floor(a.len / 16)
    left  = compact(split(":", split("::", a.net)[0]))
    right = compact(split(":", try(split("::", a.net)[1], "")))
  }) if a.v6]
  v6_fixed = [for a in local.v6 : slice(concat(a.left, [for i in range(8 - length(a.left) - length(a.right)) : "0"], a.right), 0, a.k)]
  v6_runs = [for n, a in local.v6 : [
    for s in range(a.k) : {
      s = s
      e = min(concat([for j in range(s, a.k) : j if local.v6_fixed[n][j] != "0"], [a.k])...)
    } if local.v6_fixed[n][s] == "0" && (s == 0 || local.v6_fixed[n][max(s - 1, 0)] != "0")
  ]]
  v6_wild = flatten([for n, a in local.v6 : a.len == 128 ? [a.net] : concat(
    ["${join(":", local.v6_fixed[n])}:*"],
    # A zero run followed by more fixed groups: compressed only when it is at least 2 long.
    [for r in local.v6_runs[n] : "${join(":", slice(local.v6_fixed[n], 0, r.s))}::${join(":", slice(local.v6_fixed[n], r.e, a.k))}:*" if r.e < a.k && r.e - r.s >= 2],
    # A zero run reaching the end of the prefix, at most 2 groups long: any run starting there covers it.
    [for r in local.v6_runs[n] : "${join(":", slice(local.v6_fixed[n], 0, r.s))}::*" if r.e == a.k && r.e - r.s <= 2],
  )])
  # A trailing zero run of 3+ groups: "::" then at most 8 - s - z groups, as a regex.
  v6_rx = flatten([for n, a in local.v6 : [
    for r in local.v6_runs[n] : [
      for t in range(0, 8 - a.k + 1) : format("^%s::%s$", join(":", slice(local.v6_fixed[n], 0, r.s)), join(":", [for x in range(t) : "[0-9a-f]{1,4}"]))
    ] if r.e == a.k && r.e - r.s > 2
  ] if a.len < 128])

  allow_wild = concat(local.v4_wild, local.v6_wild)
  allow_rx   = concat(local.v4_rx, local.v6_rx)

  # Plain form: one != clause per wildcard entry, one regex for the rest.
  allow_clauses_plain = join(" && ", concat(
    [for w in local.allow_wild : "($.sourceIPAddress != \"${w}\")"],
    length(local.allow_rx) > 0 ? ["($.sourceIPAddress != %${join("|", local.allow_rx)}%)"] : [],
  ))
  # Compact form, when the plain one is too long: everything as regex alternation, split
  # over the two regexes AWS allows in one pattern.
  allow_rx_all = concat(
    [for w in local.allow_wild : endswith(w, "*") ? "^${replace(trimsuffix(w, "*"), ".", "\\.")}" : "^${replace(w, ".", "\\.")}$"],
    local.allow_rx,
  )
  allow_rx_half = ceil(length(local.allow_rx_all) / 2)
  allow_clauses_compact = join(" && ", [
    for part in [slice(local.allow_rx_all, 0, local.allow_rx_half), slice(local.allow_rx_all, local.allow_rx_half, length(local.allow_rx_all))] :
    "($.sourceIPAddress != %${join("|", part)}%)" if length(part) > 0
  ])
  allow_template = one([for d in local.catalog.detections : d.patterns.tuned if strcontains(try(d.patterns.tuned, ""), local.placeholder)])
  allow_clauses  = length(replace(coalesce(local.allow_template, local.placeholder), local.placeholder, local.allow_clauses_plain)) <= 1024 ? local.allow_clauses_plain : local.allow_clauses_compact

  ##############################################################################
  # Resolve each detection: mode, overrides, allowlist
  ##############################################################################

  mfa_mode = var.cis_exact ? "cis_sso" : var.console_login_without_mfa_mode
  resolved = {
    for key, d in local.catalog.detections : key => {
      metric_name = d.metric_name
      enabled     = try(var.detections[key].enabled, null) != null ? var.detections[key].enabled : !try(d.requires_allowlist, false) || length(var.allowed_source_cidrs) > 0
      pattern_id = (
        var.cis_exact && can(d.patterns.security_hub) ? "security_hub" :
        can(d.modes) ? d.modes[local.mfa_mode] :
        can(d.patterns.tuned) ? "tuned" : "security_hub"
      )
    }
  }
  candidates = {
    for key, r in local.resolved : key => merge(r, {
      pattern = (
        try(var.detections[key].pattern, null) != null ? var.detections[key].pattern :
        replace(local.catalog.detections[key].patterns[r.pattern_id], local.placeholder, local.allow_clauses)
      )
    }) if r.enabled
  }
  regex_filters = length([for k, c in local.candidates : k if length(regexall("%[^%]*%", c.pattern)) > 0])
}

resource "aws_cloudwatch_log_metric_filter" "this" {
  for_each = local.candidates

  name           = "${var.name_prefix}-${each.key}"
  log_group_name = var.log_group_name
  pattern        = each.value.pattern

  metric_transformation {
    name          = "${var.name_prefix}-${each.value.metric_name}"
    namespace     = var.namespace
    value         = var.metric_value
    default_value = var.metric_default_value
  }

  lifecycle {
    precondition {
      condition     = length(each.value.pattern) <= 1024
      error_message = "The ${each.key} pattern is ${length(each.value.pattern)} characters; AWS allows at most 1024. For allowed_source_cidrs: merge adjacent ranges into wider prefixes, or list fewer entries."
    }

    precondition {
      condition     = length(regexall("%[^%]*%", each.value.pattern)) <= 2
      error_message = "The ${each.key} pattern uses more than 2 regular expressions; AWS allows at most 2 per pattern."
    }

    precondition {
      condition     = local.regex_filters <= 5
      error_message = "${local.regex_filters} of this module's metric filters use regular expressions; AWS allows at most 5 per log group."
    }

    precondition {
      condition     = alltrue([for a in local.allow : !a.v6 || a.len % 16 == 0])
      error_message = "IPv6 entries of allowed_source_cidrs must be /128 or a multiple of 16 bits (/16, /32, /48, /64, ...)."
    }

    precondition {
      condition     = length(local.candidates) <= 100
      error_message = "${length(local.candidates)} metric filters requested; AWS allows at most 100 per log group."
    }
  }
}
