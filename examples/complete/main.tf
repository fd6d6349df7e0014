# Every option on: custom names and tags, a key prefix and lifecycle rule on the archive,
# the log group sharing the trail's KMS key, a longer retention, and a permissions
# boundary and path on the delivery role.

provider "aws" {
  region = var.region
}

resource "aws_iam_policy" "boundary" {
  name        = "${var.name_prefix}-delivery-boundary"
  description = "Permissions boundary for the CloudTrail delivery role: CloudWatch Logs writes only."
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "*"
    }]
  })
}

module "trailwatch" {
  source = "../../"

  name_prefix = var.name_prefix
  trail_name  = "${var.name_prefix}-signin-trail"

  s3_bucket_name          = "${var.name_prefix}-signin-archive-${var.region}"
  s3_key_prefix           = "cloudtrail"
  s3_bucket_force_destroy = false
  s3_lifecycle = {
    expiration_days                    = 2557
    noncurrent_version_expiration_days = 90
    transition_days                    = 90
    transition_storage_class           = "GLACIER"
  }

  kms_key_deletion_window_in_days = 30

  log_group_name       = "/security/${var.name_prefix}/cloudtrail"
  log_retention_days   = 400
  log_group_encryption = "trail"

  delivery_role_name       = "${var.name_prefix}-ct-to-cwl"
  delivery_role_path       = "/security/"
  permissions_boundary_arn = aws_iam_policy.boundary.arn

  tags = var.tags
}
