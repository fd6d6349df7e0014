"""Bad input is refused at `terraform plan`, with a message naming the variable and the
fix, and nothing is created."""

from __future__ import annotations

import pytest
import tftest

from trailwatch.emulator import Emulator
from trailwatch.terraform import inline_stack

pytestmark = pytest.mark.emulator

CASES: dict[str, tuple[dict[str, object], list[str]]] = {
    "byo-without-log-group": ({"create_trail": False}, ["create_trail = false", "existing_log_group_name"]),
    "org-trail-without-create-trail": (
        {"create_trail": False, "is_organization_trail": True, "existing_log_group_name": "g"},
        ["is_organization_trail = true needs create_trail = true"],
    ),
    "org-trail-without-org-id": ({"is_organization_trail": True}, ["needs organization_id"]),
    "malformed-org-id": (
        {"is_organization_trail": True, "organization_id": "org-123"},
        ["organization_id must look like o-"],
    ),
    "existing-and-created-log-group": (
        {"existing_log_group_name": "a", "log_group_name": "b"},
        ["existing_log_group_name and log_group_name conflict"],
    ),
    "retention-not-accepted-by-cloudwatch": ({"log_retention_days": 42}, ["log_retention_days must be", "365"]),
    "bad-name-prefix": ({"name_prefix": "Bad_Prefix"}, ["name_prefix must be"]),
    "trail-key-shared-without-trail-key": (
        {"log_group_encryption": "trail", "create_kms_key": False},
        ['log_group_encryption = "trail"', "create_kms_key = true"],
    ),
    "unknown-log-group-encryption": ({"log_group_encryption": "aes"}, ["log_group_encryption must be"]),
    "existing-key-mode-without-key": (
        {"log_group_encryption": "existing"},
        ['log_group_kms_key_arn goes with log_group_encryption = "existing"'],
    ),
    "byo-bucket-without-name": ({"create_s3_bucket": False}, ["create_s3_bucket = false needs s3_bucket_name"]),
    "both-created-and-given-trail-key": (
        {"kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/abcd"},
        ["create_kms_key = false", "kms_key_arn"],
    ),
    "malformed-trail-key": ({"kms_key_arn": "alias/foo", "create_kms_key": False}, ["kms_key_arn must be"]),
    "short-key-deletion-window": (
        {"kms_key_deletion_window_in_days": 3},
        ["kms_key_deletion_window_in_days must be between 7 and 30"],
    ),
    "lifecycle-transition-after-expiry": (
        {"s3_lifecycle": {"expiration_days": 30, "transition_days": 60}},
        ["transition_days must be at least 1 and less than expiration_days"],
    ),
    "bad-bucket-name": ({"s3_bucket_name": "My_Bucket"}, ["s3_bucket_name must be a valid S3 bucket name"]),
    "bad-trail-name": ({"trail_name": "a--b"}, ["name must be 3-128 characters"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_at_plan(case: str, emulator: Emulator, terraform: str) -> None:
    args, expected = CASES[case]
    stack = inline_stack(args, emulator=emulator)
    try:
        with pytest.raises(tftest.TerraformTestError) as err:
            stack.plan()
    finally:
        stack.cleanup()
    # The error text Terraform wrote to stderr, with its line wrapping undone.
    message = " ".join(str(err.value.cmd_error).split())
    for fragment in expected:
        assert fragment in message, f"{fragment!r} not in: {message}"
    # Nothing was created: plan never touches the account.
    assert emulator.client("cloudtrail").describe_trails()["trailList"] == []
    assert emulator.client("s3").list_buckets()["Buckets"] == []
