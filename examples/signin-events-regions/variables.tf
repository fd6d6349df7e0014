variable "name_prefix" {
  description = "Prefix for every name the module creates."
  type        = string
  default     = "trailwatch"
}

variable "allowed_source_cidrs" {
  description = "Addresses allowed to sign in to the console."
  type        = list(string)
  default     = ["203.0.113.0/24", "2001:db8:abcd::/48"]
}

variable "alarm_email_addresses" {
  description = "Who gets the alarm emails and the sign-in notifications."
  type        = list(string)
  default     = ["security@example.com"]
}

variable "identity_center_region" {
  description = "Region of your IAM Identity Center instance, whose portal sign-ins are recorded there (apply this example in the account that owns the instance: the organization's management account). null when the instance is in us-east-1, us-east-2, eu-north-1 or ap-southeast-2, which this example already covers, or when you use no Identity Center."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = var.identity_center_region == null || !contains(["us-east-1", "us-east-2", "eu-north-1", "ap-southeast-2"], coalesce(var.identity_center_region, "x"))
    error_message = "identity_center_region: us-east-1, us-east-2, eu-north-1 and ap-southeast-2 are already covered by this example; set null for them."
  }

  validation {
    condition     = var.identity_center_region == null || can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", coalesce(var.identity_center_region, "x")))
    error_message = "identity_center_region must be an AWS region name such as eu-west-1, or null."
  }
}
