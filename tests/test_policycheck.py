"""The narrow policy evaluator (src/trailwatch/maint/policycheck.py) on small policies."""

from __future__ import annotations

from typing import Any

import pytest

from trailwatch.maint.policycheck import Request, UnsupportedPolicy, arn_match, evaluate, evaluate_all

TRAIL = "arn:aws:cloudtrail:us-east-1:123456789012:trail/t"
ROLE = "arn:aws:iam::123456789012:role/r"
CT = "service:cloudtrail.amazonaws.com"


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(**extra: Any) -> dict[str, Any]:
    return {"Sid": "A", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, **extra}


def test_allow_matches_principal_action_resource() -> None:
    policy = _policy(_allow(Action="s3:GetBucketAcl", Resource="arn:aws:s3:::b"))
    assert evaluate(policy, Request(CT, "s3:GetBucketAcl", "arn:aws:s3:::b")).allowed
    assert not evaluate(policy, Request(CT, "s3:PutObject", "arn:aws:s3:::b")).allowed
    assert not evaluate(policy, Request(CT, "s3:GetBucketAcl", "arn:aws:s3:::other")).allowed
    other = Request("service:events.amazonaws.com", "s3:GetBucketAcl", "arn:aws:s3:::b")
    assert not evaluate(policy, other).allowed


def test_deny_wins_over_allow() -> None:
    policy = _policy(
        _allow(Action="s3:*", Resource="arn:aws:s3:::b/*"),
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    )
    tls = Request(CT, "s3:PutObject", "arn:aws:s3:::b/k", {"aws:SecureTransport": "true"})
    plain = Request(CT, "s3:PutObject", "arn:aws:s3:::b/k", {"aws:SecureTransport": "false"})
    assert evaluate(policy, tls).allowed
    decision = evaluate(policy, plain)
    assert not decision.allowed and decision.denied_by == ("DenyInsecureTransport",)
    assert "denied by DenyInsecureTransport" in decision.explain()


def test_condition_on_a_key_the_call_does_not_carry_cannot_match() -> None:
    # The delivery-role trust policy defect: CloudTrail's AssumeRole carries no source keys.
    trust = _policy(
        _allow(Action="sts:AssumeRole", Condition={"StringEquals": {"aws:SourceArn": TRAIL}}),
    )
    assert not evaluate(trust, Request(CT, "sts:AssumeRole", ROLE, {})).allowed
    assert evaluate(trust, Request(CT, "sts:AssumeRole", ROLE, {"aws:SourceArn": TRAIL})).allowed
    # ...unless the operator says IfExists, or is negated, or is Null.
    for condition in (
        {"StringEqualsIfExists": {"aws:SourceArn": TRAIL}},
        {"StringNotEquals": {"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:999999999999:trail/x"}},
        {"Null": {"aws:SourceArn": "true"}},
        {"ForAllValues:StringEquals": {"aws:SourceArn": TRAIL}},
    ):
        assert evaluate(
            _policy(_allow(Action="sts:AssumeRole", Condition=condition)), Request(CT, "sts:AssumeRole", ROLE)
        ).allowed, condition
    for condition in (
        {"Null": {"aws:SourceArn": "false"}},
        {"ForAnyValue:StringEquals": {"aws:SourceArn": TRAIL}},
        {"ArnLike": {"aws:SourceArn": TRAIL}},
    ):
        assert not evaluate(
            _policy(_allow(Action="sts:AssumeRole", Condition=condition)), Request(CT, "sts:AssumeRole", ROLE)
        ).allowed, condition


def test_every_condition_key_must_hold_and_any_value_may() -> None:
    policy = _policy(
        _allow(
            Action="s3:PutObject",
            Resource="arn:aws:s3:::b/*",
            Condition={
                "StringEquals": {
                    "s3:x-amz-acl": "bucket-owner-full-control",
                    "aws:SourceArn": [TRAIL, "arn:x"],
                }
            },
        )
    )
    full = {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": TRAIL}
    assert evaluate(policy, Request(CT, "s3:PutObject", "arn:aws:s3:::b/k", full)).allowed
    assert not evaluate(
        policy, Request(CT, "s3:PutObject", "arn:aws:s3:::b/k", {"aws:SourceArn": TRAIL})
    ).allowed
    # Condition key names are case-insensitive, values are not (StringEquals).
    assert evaluate(
        policy,
        Request(
            CT,
            "s3:PutObject",
            "arn:aws:s3:::b/k",
            {"AWS:SOURCEARN": TRAIL, "s3:x-amz-acl": "bucket-owner-full-control"},
        ),
    ).allowed
    assert not evaluate(
        policy,
        Request(
            CT, "s3:PutObject", "arn:aws:s3:::b/k", {**full, "s3:x-amz-acl": "BUCKET-OWNER-FULL-CONTROL"}
        ),
    ).allowed


def test_wildcards_in_actions_resources_and_like_operators() -> None:
    policy = _policy(
        _allow(
            Action=["kms:GenerateDataKey*"],
            Resource="*",
            Condition={
                "StringLike": {
                    "kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:123456789012:trail/*"
                }
            },
        )
    )
    ctx = {"kms:EncryptionContext:aws:cloudtrail:arn": TRAIL}
    assert evaluate(policy, Request(CT, "kms:GenerateDataKey", "arn:aws:kms:us-east-1:1:key/k", ctx)).allowed
    assert evaluate(
        policy, Request(CT, "kms:generatedatakeywithoutplaintext", "arn:aws:kms:us-east-1:1:key/k", ctx)
    ).allowed
    assert not evaluate(policy, Request(CT, "kms:Decrypt", "arn:aws:kms:us-east-1:1:key/k", ctx)).allowed
    foreign = {
        "kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:us-east-1:999999999999:trail/t"
    }
    assert not evaluate(
        policy, Request(CT, "kms:GenerateDataKey", "arn:aws:kms:us-east-1:1:key/k", foreign)
    ).allowed
    streams = _policy(
        {
            "Effect": "Allow",
            "Action": "logs:PutLogEvents",
            "Resource": "arn:aws:logs:us-east-1:1:log-group:g:log-stream:1_CloudTrail_us-east-?*",
        }
    )
    assert evaluate(
        streams,
        Request(
            ROLE,
            "logs:PutLogEvents",
            "arn:aws:logs:us-east-1:1:log-group:g:log-stream:1_CloudTrail_us-east-1",
        ),
        attached=True,
    ).allowed
    assert not evaluate(
        streams,
        Request(
            ROLE,
            "logs:PutLogEvents",
            "arn:aws:logs:us-east-1:1:log-group:g:log-stream:o-x_2_CloudTrail_us-east-1",
        ),
        attached=True,
    ).allowed


def test_arn_operators_match_each_arn_part_on_its_own() -> None:
    assert arn_match(
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:*",
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:a:b",
    )
    assert not arn_match(
        "arn:aws:cloudwatch:*:123456789012:alarm:*", "arn:aws:cloudwatch:us-east-1:999999999999:alarm:a"
    )
    assert not arn_match("arn:aws:*", "arn:aws:s3:::b")  # fewer than six parts in the pattern
    policy = _policy(
        {
            "Sid": "Alarms",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "SNS:Publish",
            "Resource": "arn:aws:sns:us-east-1:123456789012:t",
            "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:*"}},
        }
    )
    alarm = {"aws:SourceArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:x"}
    cw = "service:cloudwatch.amazonaws.com"
    assert evaluate(policy, Request(cw, "sns:Publish", "arn:aws:sns:us-east-1:123456789012:t", alarm)).allowed


def test_not_action_and_not_resource() -> None:
    policy = _policy(
        {
            "Sid": "AllButDelete",
            "Effect": "Allow",
            "NotAction": "s3:Delete*",
            "NotResource": "arn:aws:s3:::secret/*",
        }
    )
    assert evaluate(policy, Request(ROLE, "s3:PutObject", "arn:aws:s3:::b/k"), attached=True).allowed
    assert not evaluate(policy, Request(ROLE, "s3:DeleteObject", "arn:aws:s3:::b/k"), attached=True).allowed
    assert not evaluate(policy, Request(ROLE, "s3:PutObject", "arn:aws:s3:::secret/k"), attached=True).allowed


def test_trust_policy_without_resource_applies_to_its_role() -> None:
    trust = _policy(_allow(Action="sts:AssumeRole"))
    assert evaluate(trust, Request(CT, "sts:AssumeRole", ROLE)).allowed


def test_aws_principals() -> None:
    policy = _policy(
        {
            "Sid": "Root",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
    assert evaluate(policy, Request(ROLE, "kms:Decrypt", "k")).allowed
    assert not evaluate(policy, Request("arn:aws:iam::999999999999:role/r", "kms:Decrypt", "k")).allowed
    # The account root grant does not admit a service principal.
    assert not evaluate(policy, Request(CT, "kms:Decrypt", "k")).allowed


def test_permissions_boundary_limits_the_identity_policy() -> None:
    grant = _policy({"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"})
    boundary = _policy(
        {"Effect": "Allow", "Action": "logs:*", "Resource": "arn:aws:logs:*:*:log-group:/security/*"}
    )
    inside = Request(ROLE, "logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:/security/g:log-stream:s")
    outside = Request(ROLE, "logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:/other:log-stream:s")
    assert evaluate_all(inside, [grant], boundaries=[boundary], attached=True).allowed
    decision = evaluate_all(outside, [grant], boundaries=[boundary], attached=True)
    assert not decision.allowed and "permissions boundary" in decision.explain()


def test_what_it_does_not_judge_is_refused_not_guessed() -> None:
    for condition in (
        {"NumericLessThan": {"s3:max-keys": "10"}},
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    ):
        with pytest.raises(UnsupportedPolicy):
            evaluate(
                _policy(_allow(Action="s3:*", Resource="*", Condition=condition)),
                Request(CT, "s3:GetObject", "x", {"s3:max-keys": "1", "aws:SourceIp": "203.0.113.1"}),
            )
    with pytest.raises(UnsupportedPolicy):
        evaluate(
            _policy(_allow(Action="s3:*", Resource="arn:aws:s3:::${aws:username}/*")),
            Request(CT, "s3:GetObject", "arn:aws:s3:::u/k"),
        )
    with pytest.raises(UnsupportedPolicy):
        evaluate(
            _policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}), Request(CT, "s3:GetObject", "x")
        )
