output "entries" {
  description = <<-EOT
    The allowlist after canonicalisation and removal of nested and duplicate entries: objects with
    v6 (bool), len (prefix length) and net (canonical network address).
  EOT
  value       = local.entries
}

output "wildcards" {
  description = <<-EOT
    Exact strings and trailing-* wildcards covering the IPv4 entries on an octet boundary and the
    IPv6 entries (all but a trailing zero run of 3+ groups).
  EOT
  value       = concat(local.v4_wild, local.v6_wild)

  # Every caller reads this output, so a list that cannot fit stops here, before any
  # pattern is built from it.
  precondition {
    condition     = local.fits
    error_message = <<-EOT
      allowed_source_cidrs: ${length(local.entries)} entries (after removing duplicates and entries
      inside another) cannot fit: each needs at least 4 characters of a CloudWatch Logs filter
      pattern, which AWS limits to 1,024, so at most ${local.max_entries} ever fit. Merge them into
      wider prefixes (for example a /24 for the addresses of one office network).
    EOT
  }
}

output "regexes" {
  description = <<-EOT
    Anchored regex alternatives covering what wildcards cannot: IPv4 entries off an octet boundary,
    and IPv6 prefixes ending in a zero run of 3+ groups.
  EOT
  value       = concat(local.v4_rx, local.v6_rx)
}

output "v4_enumerated" {
  description = <<-EOT
    The IPv4 entries off an octet boundary as one exact string or trailing-* wildcard per value of
    the partial octet (an alternative to their regexes for matchers without regex).
  EOT
  value       = local.v4_enumerated
}

output "v6_unbounded" {
  description = <<-EOT
    IPv6 entries whose compressed text forms need a regex (a trailing zero run of 3+ groups);
    matchers without regex cannot cover every form of them.
  EOT
  value = [
    for n, a in local.v6 : "${a.net}/${a.len}"
    if a.len < 128 && anytrue([for r in local.v6_runs[n] : r.e == a.k && r.e - r.s > 2])
  ]
}
