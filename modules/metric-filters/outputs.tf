output "filters" {
  description = <<-EOT
    Enabled detections: key => {name (its main filter's), pattern_id (the catalog pattern it uses),
    pattern (what the detection matches: the union of its counting filters' matches), patterns
    (every deployed filter's pattern), metric_name, namespace, filters = [{name, pattern, witness}]
    (every filter feeding the metric; a witness publishes 0)}.
  EOT
  value = {
    for key, c in local.candidates : key => {
      name        = aws_cloudwatch_log_metric_filter.this[key].name
      pattern_id  = c.pattern_id
      pattern     = c.pattern
      patterns    = [for k, f in local.filters : f.pattern if f.detection == key]
      metric_name = "${var.name_prefix}-${c.metric_name}"
      namespace   = var.namespace
      filters = [
        for k, f in local.filters :
        {
          name    = aws_cloudwatch_log_metric_filter.this[k].name,
          pattern = f.pattern,
          witness = f.witness
        }
        if f.detection == key
      ]
    }
  }
}

output "allowlist_clauses" {
  description = "The filter-pattern clauses compiled from allowed_source_cidrs (empty when the list is empty)."
  value       = length(var.allowed_source_cidrs) == 0 ? "" : local.allow_clauses
}

output "detections" {
  description = <<-EOT
    Enabled detections: key => {pattern_id}, from the inputs alone (no filter resource): what the
    eventbridge detection path makes rules and log groups for.
  EOT
  value       = { for key, c in local.candidates : key => { pattern_id = c.pattern_id } }
}
