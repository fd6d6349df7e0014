output "filters" {
  description = "Enabled detections: key => {name, pattern, patterns, metric_name, namespace}."
  value = {
    for key, c in local.candidates : key => {
      name        = aws_cloudwatch_log_metric_filter.this[key].name
      pattern     = c.pattern
      patterns    = [c.pattern]
      metric_name = "${var.name_prefix}-${c.metric_name}"
      namespace   = var.namespace
    }
  }
}

output "allowlist_clauses" {
  description = "The filter-pattern clauses compiled from allowed_source_cidrs (empty when the list is empty)."
  value       = length(var.allowed_source_cidrs) == 0 ? "" : local.allow_clauses
}
