# Optional: query the trail's archive where it lies, with Amazon Athena (trailwatch backtest
# --athena). A Glue database and CloudTrail table with partition projection, and a
# workgroup whose results go to their own encrypted bucket. No service-to-service call is
# granted here: Athena reads the archive, the results bucket and the Glue catalog with the
# querying principal's own permissions (and its KMS permissions for an SSE-KMS archive).

data "aws_partition" "current" {}

locals {
  # The table's columns, types and SerDe: catalog/cloudtrail-table.json, the one copy that
  # trailwatch sql and the DuckDB view read too.
  table = jsondecode(file("${path.module}/../../catalog/cloudtrail-table.json"))

  key_prefix = var.s3_key_prefix == null ? "" : "${var.s3_key_prefix}/"
  # AWS CloudTrail User Guide, "Finding your CloudTrail log files": an account trail writes
  # <prefix>AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<MM>/<dd>/; an organization trail
  # AWSLogs/<organization id>/<account>/CloudTrail/<region>/... for each member account.
  logs_root = (
    var.organization_id == null
    ? "s3://${var.s3_bucket_name}/${local.key_prefix}AWSLogs"
    : "s3://${var.s3_bucket_name}/${local.key_prefix}AWSLogs/${var.organization_id}"
  )

  results_arn = "arn:${data.aws_partition.current.partition}:s3:::${var.results_bucket_name}"
}

################################################################################
# Glue database and the CloudTrail table
################################################################################

resource "aws_glue_catalog_database" "this" {
  count = var.create ? 1 : 0

  name        = var.name
  description = "trailwatch: the CloudTrail table over s3://${var.s3_bucket_name}/${local.key_prefix}AWSLogs"
  tags        = var.tags
}

# Amazon Athena User Guide, "Create the table for CloudTrail logs in Athena using partition
# projection": the columns, the SerDe and input format, and projection of the date
# partition (yyyy/MM/dd, one day at a time, from a start date to NOW) into
# storage.location.template; here also region and account are projected (enum), so one
# table covers a multi-region trail and every member account of an organization trail.
resource "aws_glue_catalog_table" "cloudtrail" {
  count = var.create ? 1 : 0

  database_name = aws_glue_catalog_database.this[0].name
  name          = "cloudtrail"
  description = join(" ", [
    "CloudTrail events of s3://${var.s3_bucket_name}/${local.key_prefix}AWSLogs",
    "(partition projection on account, region, date)",
  ])
  table_type = "EXTERNAL_TABLE"

  parameters = {
    "EXTERNAL"                           = "TRUE"
    "classification"                     = "cloudtrail"
    "projection.enabled"                 = "true"
    "projection.account.type"            = "enum"
    "projection.account.values"          = join(",", var.account_ids)
    "projection.region.type"             = "enum"
    "projection.region.values"           = join(",", var.regions)
    "projection.timestamp.type"          = "date"
    "projection.timestamp.format"        = "yyyy/MM/dd"
    "projection.timestamp.interval"      = "1"
    "projection.timestamp.interval.unit" = "DAYS"
    "projection.timestamp.range"         = "${var.projection_start_date},NOW"
    "storage.location.template"          = "${local.logs_root}/$${account}/CloudTrail/$${region}/$${timestamp}"
  }

  partition_keys {
    name = "account"
    type = "string"
  }

  partition_keys {
    name = "region"
    type = "string"
  }

  partition_keys {
    name = "timestamp"
    type = "string"
  }

  storage_descriptor {
    location      = "${local.logs_root}/"
    input_format  = local.table.input_format
    output_format = local.table.output_format

    ser_de_info {
      serialization_library = local.table.serde
    }

    # Glue and Athena keep names in lower case; the JSON SerDe matches keys case-blind.
    dynamic "columns" {
      for_each = local.table.columns

      content {
        name = lower(columns.value.name)
        type = lower(columns.value.type)
      }
    }
  }
}

################################################################################
# Query results bucket
################################################################################

resource "aws_s3_bucket" "results" {
  # CKV_AWS_18: query results are short-lived copies of what the trail archive holds;
  # access-log the archive, not this scratch bucket.
  #checkov:skip=CKV_AWS_18:Short-lived copies of the trail archive; access-log the archive instead
  #checkov:skip=CKV2_AWS_62:Athena writes a result per query; object notifications would only add noise and cost
  # CKV_AWS_144: query results expire after results_expiration_days and can be recomputed:
  # cross-region replication would copy scratch data.
  #checkov:skip=CKV_AWS_144:Expiring, recomputable query results; replication would copy scratch data
  count = var.create ? 1 : 0

  bucket        = var.results_bucket_name
  force_destroy = var.results_bucket_force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "results" {
  count = var.create ? 1 : 0

  bucket                  = aws_s3_bucket.results[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "results" {
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.results[0].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "results" {
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.results[0].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "results" {
  # CKV_AWS_145: SSE-KMS when results_kms_key_arn is set; SSE-S3 otherwise, as the workgroup
  # enforces for every result it writes.
  #checkov:skip=CKV_AWS_145:SSE-KMS with results_kms_key_arn, else SSE-S3, as the workgroup enforces
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.results[0].id

  rule {
    bucket_key_enabled = var.results_kms_key_arn != null

    apply_server_side_encryption_by_default {
      sse_algorithm     = var.results_kms_key_arn != null ? "aws:kms" : "AES256"
      kms_master_key_id = var.results_kms_key_arn
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "results" {
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.results[0].id

  rule {
    id     = "expire-query-results"
    status = "Enabled"

    filter {}

    expiration {
      days = var.results_expiration_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 1
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.results]
}

data "aws_iam_policy_document" "results" {
  count = var.create ? 1 : 0

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.results_arn, "${local.results_arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "results" {
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.results[0].id
  policy = data.aws_iam_policy_document.results[0].json

  depends_on = [aws_s3_bucket_public_access_block.results]
}

################################################################################
# Athena workgroup
################################################################################

# Amazon Athena User Guide, "Override client-side settings" (enforce_workgroup_configuration:
# the results location, encryption and cutoff hold for every query, whatever the client
# asks) and "Configure per-query and per-workgroup data usage controls" (the bytes scanned
# cutoff per query).
resource "aws_athena_workgroup" "this" {
  count = var.create ? 1 : 0

  name          = var.name
  description   = "trailwatch backtest --athena over the CloudTrail table ${var.name}.cloudtrail"
  force_destroy = true
  tags          = var.tags

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff_per_query

    # trailwatch sql writes Trino SQL (json_exists, count_if, regexp_like, ...): Amazon Athena
    # User Guide, "Athena engine version 3 functions" (based on Trino).
    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      # The name, not the resource id: the location is known at plan time.
      output_location = "s3://${var.results_bucket_name}/"

      encryption_configuration {
        encryption_option = var.results_kms_key_arn != null ? "SSE_KMS" : "SSE_S3"
        kms_key_arn       = var.results_kms_key_arn
      }
    }
  }

  depends_on = [aws_s3_bucket_policy.results, aws_s3_bucket_server_side_encryption_configuration.results]
}
