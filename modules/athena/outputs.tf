output "database_name" {
  description = "The Glue database holding the CloudTrail table (null when create = false)."
  value       = var.create ? aws_glue_catalog_database.this[0].name : null
}

output "table_name" {
  description = "The CloudTrail table: `trailwatch backtest --athena --database <database_name> --table <table_name>`."
  value       = var.create ? aws_glue_catalog_table.cloudtrail[0].name : null
}

output "workgroup_name" {
  description = "The Athena workgroup (configuration enforced: results location, encryption, bytes-scanned cutoff)."
  value       = var.create ? aws_athena_workgroup.this[0].name : null
}

output "results_bucket_name" {
  description = "The bucket of the workgroup's query results."
  value       = var.create ? aws_s3_bucket.results[0].id : null
}
