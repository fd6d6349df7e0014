"""The catalog: every key of the public interface, every pattern valid for AWS, and the
Security Hub strings verbatim."""

from __future__ import annotations

from trailwatch.catalog import detections, fill, load
from trailwatch.filterpattern import compile_pattern
from trailwatch.harness.terraform import REPO_ROOT

KEYS = {
    "console_login_unexpected_ip",
    "console_login_without_mfa",
    "console_login_failures",
    "root_usage",
    "root_privileged_task",
    "login_profile_changes",
    "console_session_from_access_keys",
    "mfa_device_removed",
    "identity_provider_changes",
    "console_login_mfa_failed",
    "unauthorized_api_calls",
    "iam_policy_changes",
    "cloudtrail_changes",
    "kms_key_disable_or_delete",
    "s3_bucket_policy_changes",
    "config_changes",
    "security_group_changes",
    "nacl_changes",
    "network_gateway_changes",
    "route_table_changes",
    "vpc_changes",
    "organizations_changes",
}

REFERENCE = REPO_ROOT.parent / "shared" / "reference" / "anchors-and-cis-patterns.md"


def test_keys_are_the_public_interface() -> None:
    assert set(detections()) == KEYS


def test_every_pattern_is_valid_for_aws() -> None:
    for key, det in detections().items():
        for mode, text in det.patterns.items():
            concrete = fill(
                text, '($.sourceIPAddress != "192.0.2.1")', ' && ($.eventSource != "s3.amazonaws.com")'
            )
            assert len(concrete) <= 1024, (key, mode)
            compile_pattern(concrete)  # raises InvalidPatternError like AWS would


def test_alarm_defaults_are_fast_and_quiet() -> None:
    defaults = load()["alarm_defaults"]
    assert defaults == {
        "statistic": "Sum",
        "comparison_operator": "GreaterThanOrEqualToThreshold",
        "threshold": 1,
        "period": 60,
        "evaluation_periods": 1,
        "datapoints_to_alarm": 1,
        "treat_missing_data": "notBreaching",
    }


def test_every_detection_has_a_known_severity() -> None:
    levels = load()["severities"]["levels"]
    assert {d.severity for d in detections().values()} <= set(levels)
    assert detections()["root_privileged_task"].severity != detections()["root_usage"].severity


def test_a_tuned_pattern_leaves_events_only_to_a_detection_that_exists() -> None:
    raw = load()["detections"]
    for key, d in raw.items():
        if "tuned_requires" in d:
            assert d["tuned_requires"] in raw and "tuned" in d["patterns"], key


def test_the_cis_v4_0_1_string_is_verbatim() -> None:
    """CIS AWS Foundations Benchmark v4.0.1, 4.1, as published (operator spacing included)."""
    assert detections()["unauthorized_api_calls"].patterns["cis_v4_0_1"] == (
        '{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && '
        '($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }'
    )
