data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  # The account that owns the trail: this one, or for an organization trail created from a
  # delegated administrator account, the management account. AWS CloudTrail User Guide,
  # "Organization delegated administrator": "The management account remains the owner of
  # any CloudTrail organization resources the delegated administrator creates"; and
  # "Prepare for creating a trail for your organization": "The trail ARN must use the
  # account ID of the management account."
  trail_owner = coalesce(var.organization_management_account_id, local.account_id)
  # Known before the trail exists, so the bucket, key and role policies can name it.
  trail_arn = "arn:${local.partition}:cloudtrail:${local.region}:${local.trail_owner}:trail/${var.name}"
  # The encryption context CloudTrail sets on every log file: the ARN of a trail of the owner.
  trail_context = "arn:${local.partition}:cloudtrail:*:${local.trail_owner}:trail/*"

  create_bucket = var.create && var.create_s3_bucket
  create_key    = var.create && var.create_kms_key
  kms_key_arn   = local.create_key ? aws_kms_key.this[0].arn : var.kms_key_arn
  # Decided from the inputs' presence, so that it is known at plan time.
  encrypt_with_kms = var.create_kms_key || var.kms_key_arn != null

  bucket_arn = "arn:${local.partition}:s3:::${var.s3_bucket_name}"
  key_prefix = var.s3_key_prefix == null ? "" : "${var.s3_key_prefix}/"
  # CloudTrail writes <prefix>AWSLogs/<trail owner>/...; an organization trail also writes
  # <prefix>AWSLogs/<org id>/<member account>/...
  log_object_arns = concat(
    ["${local.bucket_arn}/${local.key_prefix}AWSLogs/${local.trail_owner}/*"],
    var.is_organization_trail && var.organization_id != null
    ? ["${local.bucket_arn}/${local.key_prefix}AWSLogs/${var.organization_id}/*"]
    : [],
  )
}

################################################################################
# KMS key for the log files
################################################################################

data "aws_iam_policy_document" "kms" {
  # A key policy's Resource "*" means "this key"; every statement names its principal and
  # the service ones are scoped by aws:SourceArn/SourceAccount or the encryption context.
  #checkov:skip=CKV_AWS_111:Key policy: Resource "*" is the key itself
  #checkov:skip=CKV_AWS_356:Key policy: Resource "*" is the key itself
  #checkov:skip=CKV_AWS_109:Key policy: the account administers its own key (AWS's default key policy statement)
  count = local.create_key ? 1 : 0

  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # AWS CloudTrail User Guide, "Configure AWS KMS key policies for CloudTrail", "Granting
  # encrypt permissions": GenerateDataKey* for the encryption context of the owner's trails,
  # aws:SourceArn = the trail (for an organization trail, its ARN in the management account).
  statement {
    sid       = "CloudTrailEncryptLogs"
    actions   = ["kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.trail_arn]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:cloudtrail:arn"
      values   = [local.trail_context]
    }
  }

  # Same page, "Enable CloudTrail to describe KMS key properties" (kms:DescribeKey), and
  # kms:Decrypt for the S3 Bucket Key: the created bucket uses one (bucket_key_enabled
  # below) and an existing bucket (create_s3_bucket = false) may. The page says "If you are
  # using an existing S3 bucket with an S3 Bucket Key, kms:Decrypt permissions are required
  # to create or update a trail with SSE-KMS encryption enabled", and its section "Granting
  # decrypt permissions" gives the statement for the principal that needs them, the
  # CloudTrail service principal ("Allow CloudTrail to decrypt a trail"). Both scoped to
  # this trail by aws:SourceArn, which the page recommends for a trail's key policy.
  statement {
    sid       = "CloudTrailDescribeKey"
    actions   = ["kms:DescribeKey", "kms:Decrypt"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.trail_arn]
    }
  }

  statement {
    sid       = "AccountDecryptLogs"
    actions   = ["kms:Decrypt", "kms:ReEncryptFrom"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:CallerAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:cloudtrail:arn"
      values   = [local.trail_context]
    }
  }

  dynamic "statement" {
    for_each = length(var.kms_key_log_group_arns) > 0 ? [1] : []

    content {
      sid = "CloudWatchLogsEncryptLogGroup"
      actions = [
        "kms:Encrypt*",
        "kms:Decrypt*",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:Describe*",
      ]
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = ["logs.${local.region}.amazonaws.com"]
      }

      condition {
        test     = "ArnEquals"
        variable = "kms:EncryptionContext:aws:logs:arn"
        values   = var.kms_key_log_group_arns
      }
    }
  }
}

resource "aws_kms_key" "this" {
  count = local.create_key ? 1 : 0

  description             = "Encrypts the log files of CloudTrail trail ${var.name}"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = data.aws_iam_policy_document.kms[0].json
  tags                    = var.tags
}

################################################################################
# S3 log archive
################################################################################

resource "aws_s3_bucket" "this" {
  # CKV_AWS_18: a log archive must not log to itself; point S3 server access logs at your
  # organization's access-log bucket.
  #checkov:skip=CKV_AWS_18:A log archive must not log to itself; use your access-log bucket
  #checkov:skip=CKV2_AWS_62:CloudTrail writes here every few minutes; object notifications would only add noise and cost
  #checkov:skip=CKV_AWS_144:Replicating the archive belongs to the organization's log-archive account
  count = local.create_bucket ? 1 : 0

  bucket        = var.s3_bucket_name
  force_destroy = var.s3_bucket_force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "this" {
  count = local.create_bucket ? 1 : 0

  bucket                  = aws_s3_bucket.this[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  count = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "this" {
  count = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  count = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  rule {
    bucket_key_enabled = local.encrypt_with_kms

    apply_server_side_encryption_by_default {
      sse_algorithm     = local.encrypt_with_kms ? "aws:kms" : "AES256"
      kms_master_key_id = local.kms_key_arn
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  count = local.create_bucket && var.s3_lifecycle != null ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  rule {
    id     = "expire-cloudtrail-logs"
    status = "Enabled"

    filter {}

    dynamic "transition" {
      for_each = var.s3_lifecycle.transition_days == null ? [] : [1]

      content {
        days          = var.s3_lifecycle.transition_days
        storage_class = var.s3_lifecycle.transition_storage_class
      }
    }

    expiration {
      days = var.s3_lifecycle.expiration_days
    }

    noncurrent_version_expiration {
      noncurrent_days = var.s3_lifecycle.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

data "aws_iam_policy_document" "bucket" {
  count = local.create_bucket ? 1 : 0

  # AWS CloudTrail User Guide, "Amazon S3 bucket policy for CloudTrail": GetBucketAcl and
  # PutObject for cloudtrail.amazonaws.com, each with aws:SourceArn = the trail ARN (the
  # management account's for an organization trail).
  statement {
    sid       = "CloudTrailAclCheck"
    actions   = ["s3:GetBucketAcl"]
    resources = [local.bucket_arn]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.trail_arn]
    }
  }

  statement {
    sid       = "CloudTrailWrite"
    actions   = ["s3:PutObject"]
    resources = local.log_object_arns

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "s3:x-amz-acl"
      values   = ["bucket-owner-full-control"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.trail_arn]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.bucket_arn, "${local.bucket_arn}/*"]

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

resource "aws_s3_bucket_policy" "this" {
  count = local.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  policy = data.aws_iam_policy_document.bucket[0].json

  depends_on = [aws_s3_bucket_public_access_block.this]
}

################################################################################
# Trail
################################################################################

resource "aws_cloudtrail" "this" {
  # CKV2_AWS_10: integrated through var.cloud_watch_logs_group_arn, which the root module sets
  # on its default cloudwatch_logs path (checkov cannot follow the variable); the eventbridge
  # detection path gives the integration up on purpose (docs/eventbridge-path.md).
  #checkov:skip=CKV_AWS_252:The detections alarm through CloudWatch -> SNS; per-file SNS is noise
  #checkov:skip=CKV2_AWS_10:Set through var.cloud_watch_logs_group_arn (see the comment above)
  count = var.create ? 1 : 0

  name                          = var.name
  s3_bucket_name                = local.create_bucket ? aws_s3_bucket.this[0].id : var.s3_bucket_name
  s3_key_prefix                 = var.s3_key_prefix
  is_multi_region_trail         = var.is_multi_region_trail
  include_global_service_events = var.include_global_service_events
  enable_log_file_validation    = var.enable_log_file_validation
  enable_logging                = var.enable_logging
  is_organization_trail         = var.is_organization_trail
  kms_key_id                    = local.kms_key_arn

  # The provider dropped the :* suffix from log group ARNs in v3; CloudTrail needs it
  # (hashicorp/terraform-provider-aws#14557).
  cloud_watch_logs_group_arn = var.cloud_watch_logs_group_arn == null ? null : "${var.cloud_watch_logs_group_arn}:*"
  cloud_watch_logs_role_arn  = var.cloud_watch_logs_role_arn

  tags = var.tags

  lifecycle {
    precondition {
      condition     = !var.is_organization_trail || var.organization_id != null || !var.create_s3_bucket
      error_message = <<-EOT
        organization_id is required for an organization trail with a module-created bucket: the
        bucket policy must admit AWSLogs/<organization_id>/*.
      EOT
    }

    precondition {
      condition     = var.organization_management_account_id == null || var.is_organization_trail
      error_message = <<-EOT
        organization_management_account_id names the owner of an organization trail created from a
        delegated administrator account; it needs is_organization_trail = true.
      EOT
    }

    precondition {
      condition     = !(var.create_kms_key && var.kms_key_arn != null)
      error_message = "Set create_kms_key = false to bring your own key in kms_key_arn; both were given."
    }

    precondition {
      condition     = (var.cloud_watch_logs_group_arn == null) == (var.cloud_watch_logs_role_arn == null)
      error_message = "cloud_watch_logs_group_arn and cloud_watch_logs_role_arn go together: set both or neither."
    }
  }

  # CloudTrail checks the bucket policy and the key policy when the trail is created.
  depends_on = [
    aws_s3_bucket_policy.this,
    aws_s3_bucket_server_side_encryption_configuration.this,
    aws_kms_key.this,
  ]
}
