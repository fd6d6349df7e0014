# Helper of metric-filters and signin-events: compiles allowed_source_cidrs into the text
# forms a source address takes inside each entry. No resources, no provider calls.

locals {
  # Bare IPs become host prefixes; the network address comes back canonical
  # (lower-case, RFC 5952 compressed for IPv6), which is how CloudTrail writes addresses.
  cidrs = [for e in var.allowed_source_cidrs : strcontains(e, "/") ? e : (strcontains(e, ":") ? "${e}/128" : "${e}/32")]
  parsed = [for c in local.cidrs : {
    v6  = strcontains(c, ":")
    len = tonumber(split("/", c)[1])
    net = cidrhost(c, 0)
  }]
  # Drop duplicates and entries inside another entry, so no address is listed twice. Linear
  # in the list, never pairwise: an entry is a duplicate unless it is the first with its
  # network/length, and nested when one of its enclosing prefixes is itself listed. Only
  # the shorter prefix lengths that some entry of the same family has can enclose it, so
  # only those are looked up (a list of 5,000 /24s looks up none, where trying every
  # shorter length made 115,000 lookups and doubled the plan time).
  # (A map lookup is constant-time; contains() on a list or set walks it.)
  keys  = [for a in local.parsed : "${a.net}/${a.len}"]
  first = { for i, k in local.keys : k => i... }
  lens  = { for v6 in [false, true] : tostring(v6) => distinct([for a in local.parsed : a.len if a.v6 == v6]) }
  entries = [for i, a in local.parsed : a if local.first[local.keys[i]][0] == i && !anytrue([
    for l in local.lens[tostring(a.v6)] : can(local.first["${cidrhost("${a.net}/${l}", 0)}/${l}"]) if l < a.len
  ])]

  # Each entry left needs at least 4 characters of a filter pattern (its shortest form is a
  # 3-character regex alternative such as ^1: for 1::/16, plus the | between two), and a
  # CloudWatch Logs filter pattern holds at most 1,024: more than 256 can never fit.
  max_entries = 256
  fits        = length(local.entries) <= local.max_entries

  # IPv4 on an octet boundary: an exact string (/32) or a trailing wildcard (/24 -> "a.b.c.*").
  v4_wild = [
    for a in local.entries :
    a.len == 32 ? a.net : join(".", concat(slice(split(".", a.net), 0, floor(a.len / 8)), ["*"]))
    if !a.v6 && a.len % 8 == 0
  ]

  # IPv4 off an octet boundary: the partial octet's values, one per address form
  # (10.0.0.16/28 -> 16..31 in the last octet; 172.16.16.0/20 -> 16..31 in the third).
  v4_partial = [for a in local.entries : {
    fixed = slice(split(".", a.net), 0, floor(a.len / 8))
    lo    = tonumber(split(".", a.net)[floor(a.len / 8)])
    size  = pow(2, 8 - a.len % 8)
    last  = floor(a.len / 8) == 3
  } if !a.v6 && a.len % 8 != 0]
  # ... as wildcard strings, one per value of the partial octet (at most 128 per entry).
  v4_enumerated = flatten([for p in local.v4_partial : [
    for v in range(p.lo, p.lo + p.size) : join(".", concat(p.fixed, [tostring(v)], p.last ? [] : ["*"]))
  ]])
  # ... as anchored regex alternatives, one per run of ten values in the partial octet
  # (10.0.0.16/28 -> ^10\.0\.0\.1[6-9]$|^10\.0\.0\.2[0-9]$|^10\.0\.0\.3[0-1]$).
  v4_rx = flatten([for p in local.v4_partial : [
    for t in distinct([for v in range(p.lo, p.lo + p.size) : floor(v / 10)]) : format("^%s%s%s%s",
      join("", [for o in p.fixed : "${o}\\."]),
      t == 0 ? "" : tostring(t),
      min([for v in range(p.lo, p.lo + p.size) : v % 10 if floor(v / 10) == t]...)
      == max([for v in range(p.lo, p.lo + p.size) : v % 10 if floor(v / 10) == t]...)
      ? tostring(min([for v in range(p.lo, p.lo + p.size) : v % 10 if floor(v / 10) == t]...))
      : format(
        "[%d-%d]",
        min([for v in range(p.lo, p.lo + p.size) : v % 10 if floor(v / 10) == t]...),
        max([for v in range(p.lo, p.lo + p.size) : v % 10 if floor(v / 10) == t]...)
      ),
      p.last ? "$" : "\\."
    )
  ]])

  # IPv6: /128 is an exact string. A prefix of k whole 16-bit groups is matched in every
  # RFC 5952 text form its addresses can take: the k groups written out ("g1:g2:*"), or
  # "::" standing for a zero run inside them.
  v6 = [for a in local.entries : merge(a, {
    k     = floor(a.len / 16)
    left  = compact(split(":", split("::", a.net)[0]))
    right = compact(split(":", try(split("::", a.net)[1], "")))
  }) if a.v6]
  v6_fixed = [
    for a in local.v6 :
    slice(
      concat(a.left, [for i in range(8 - length(a.left) - length(a.right)) : "0"], a.right),
      0,
      a.k
    )
  ]
  v6_runs = [for n, a in local.v6 : [
    for s in range(a.k) : {
      s = s
      e = min(concat([for j in range(s, a.k) : j if local.v6_fixed[n][j] != "0"], [a.k])...)
    } if local.v6_fixed[n][s] == "0" && (s == 0 || local.v6_fixed[n][max(s - 1, 0)] != "0")
  ]]
  v6_wild = flatten([for n, a in local.v6 : a.len == 128 ? [a.net] : concat(
    ["${join(":", local.v6_fixed[n])}:*"],
    # A zero run followed by more fixed groups: compressed only when it is at least 2 long.
    [
      for r in local.v6_runs[n] :
      "${join(":", slice(local.v6_fixed[n], 0, r.s))}::${join(":", slice(local.v6_fixed[n], r.e, a.k))}:*"
      if r.e < a.k && r.e - r.s >= 2
    ],
    # A zero run reaching the end of the prefix, at most 2 groups long: any run starting there covers it.
    [for r in local.v6_runs[n] : "${join(":", slice(local.v6_fixed[n], 0, r.s))}::*" if r.e == a.k && r.e - r.s <= 2],
  )])
  # A trailing zero run of 3+ groups: "::" then at most 8 - k groups, as a regex (no
  # wildcard can bound the number of groups).
  v6_rx = flatten([for n, a in local.v6 : [
    for r in local.v6_runs[n] : [
      for t in range(0, 8 - a.k + 1) : format(
        "^%s::%s$",
        join(":", slice(local.v6_fixed[n], 0, r.s)),
        join(":", [for x in range(t) : "[0-9a-f]{1,4}"])
      )
    ] if r.e == a.k && r.e - r.s > 2
  ] if a.len < 128])
}
