variable "allowed_source_cidrs" {
  description = <<-EOT
    Addresses allowed to sign in to the console: IPv4/IPv6 CIDRs or bare IPs. IPv6 prefixes must be
    /128 or a multiple of 16 bits.
  EOT
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for e in var.allowed_source_cidrs :
      can(cidrhost(strcontains(e, "/") ? e : (strcontains(e, ":") ? "${e}/128" : "${e}/32"), 0))
    ])
    error_message = join("", [
      "allowed_source_cidrs: not an IPv4/IPv6 address or CIDR: ",
      join(
        ", ",
        [
          for e in var.allowed_source_cidrs : e
          if !can(
            cidrhost(strcontains(e, "/") ? e : (strcontains(e, ":") ? "${e}/128" : "${e}/32"), 0)
          )
        ]
      ),
      ". Write 203.0.113.10, 203.0.113.0/24 or 2001:db8::/32.",
    ])
  }

  validation {
    condition = alltrue([
      for e in var.allowed_source_cidrs : !can(cidrhost(e, 0)) || !strcontains(e, "/") || try(
        cidrhost("${split("/", e)[0]}/${strcontains(e, ":") ? 128 : 32}", 0) == cidrhost(e, 0),
        false
      )
    ])
    error_message = join("", [
      "allowed_source_cidrs: host bits set in ",
      join(
        ", ",
        [
          for e in var.allowed_source_cidrs :
          join("", [
            "${e} (write ${cidrhost(e, 0)}/${split("/", e)[1]} for the network, ",
            "or ${split("/", e)[0]} for the single host)",
          ])
          if can(cidrhost(e, 0))
          && strcontains(e, "/")
          && !try(
            cidrhost("${split("/", e)[0]}/${strcontains(e, ":") ? 128 : 32}", 0) == cidrhost(e, 0),
            true
          )
        ]
      ),
      ".",
    ])
  }

  validation {
    condition = alltrue([
      for e in var.allowed_source_cidrs :
      !strcontains(e, "/") || try(tonumber(split("/", e)[1]) > 0, true)
    ])
    error_message = <<-EOT
      allowed_source_cidrs: a /0 prefix would allow every address and disable the detection; list
      the networks you trust instead.
    EOT
  }

  validation {
    condition = alltrue([
      for e in var.allowed_source_cidrs :
      !strcontains(e, ":") || !strcontains(e, "/") || try(tonumber(split("/", e)[1]) % 16 == 0, true)
    ])
    error_message = join("", [
      "allowed_source_cidrs: IPv6 prefixes must be /128 or a multiple of 16 bits (/16, /32, /48, ",
      "/64, /80, /96, /112); widen ",
      join(
        ", ",
        [
          for e in var.allowed_source_cidrs : e
          if strcontains(e, ":")
          && strcontains(e, "/")
          && try(tonumber(split("/", e)[1]) % 16 != 0, false)
        ]
      ),
      " to the enclosing one.",
    ])
  }
}
