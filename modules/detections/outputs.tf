output "catalog" {
  description = "catalog/detections.json, decoded."
  value       = local.catalog
}

output "resolved" {
  description = "key => {enabled, pattern_id} of every detection this path serves."
  value       = local.resolved

  precondition {
    condition     = length(local.unknown_requires) == 0
    error_message = "catalog/detections.json: tuned_requires names no detection: ${join(", ", local.unknown_requires)}."
  }
}
