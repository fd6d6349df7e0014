variable "region" {
  description = "Region of the existing log group (Control Tower's home region)."
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix for every name the module creates."
  type        = string
  default     = "tw-byo"
}

variable "existing_log_group_name" {
  description = "Log group your existing trail delivers to."
  type        = string
  default     = "aws-controltower/CloudTrailLogs"
}
