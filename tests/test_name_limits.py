"""Names at the limits, from the plan: with the longest name_prefix the module accepts (24),
sign-in notifications with forwarders in the other sign-in regions, an organization trail
created from a delegated administrator account, Athena, alarm messages, chat channels and
severity routing, every name the stack generates is within AWS's limit in every region. A name that embeds a region is measured as if that region's
name were 14 characters long (ap-southeast-2, the longest sign-in region)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trailwatch.harness.emulator import Emulator
from trailwatch.harness.terraform import Stack

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("name-limits")]

PREFIX = "abcdefghij-klmnopqrstu-v"  # 24 characters, the cap
assert len(PREFIX) == 24
HOME = "ap-southeast-2"
FORWARDERS = {"us_east_1": "us-east-1", "us_east_2": "us-east-2", "eu_north_1": "eu-north-1"}
LONGEST_REGION = 14
MANAGEMENT_ACCOUNT = "210987654321"  # owns the organization trail; the emulator is 123456789012
ORG_ID = "o-abcdefghij"

# (resource type, attribute) -> AWS's maximum length
LIMITS: dict[tuple[str, str], int] = {
    ("aws_s3_bucket", "bucket"): 63,
    ("aws_cloudtrail", "name"): 128,
    ("aws_iam_role", "name"): 64,
    ("aws_iam_role_policy", "name"): 128,
    ("aws_cloudwatch_event_rule", "name"): 64,
    ("aws_sns_topic", "name"): 256,
    ("aws_cloudwatch_log_group", "name"): 512,
    ("aws_cloudwatch_log_metric_filter", "name"): 512,
    ("aws_cloudwatch_metric_alarm", "alarm_name"): 255,
    ("aws_sfn_state_machine", "name"): 80,
    ("aws_athena_workgroup", "name"): 128,
    ("aws_glue_catalog_database", "name"): 255,
    ("aws_chatbot_slack_channel_configuration", "configuration_name"): 128,
    ("aws_chatbot_teams_channel_configuration", "configuration_name"): 128,
}
METRIC_NAME_LIMIT = 255

REGIONS = (HOME, *FORWARDERS.values())


def _config() -> str:
    """HCL (the harness points every provider block it finds in *.tf at the emulator)."""
    blocks = [f'provider "aws" {{\n  region = "{HOME}"\n}}\n']
    blocks += [f'provider "aws" {{\n  alias  = "{a}"\n  region = "{r}"\n}}\n' for a, r in FORWARDERS.items()]
    blocks.append(f"""module "trailwatch" {{
  source                             = "../../"
  name_prefix                        = "{PREFIX}"
  is_organization_trail              = true
  organization_id                    = "{ORG_ID}"
  organization_management_account_id = "{MANAGEMENT_ACCOUNT}"
  allowed_source_cidrs               = ["203.0.113.10"]
  signin_events_enabled              = true
  alarm_messages_enabled             = true
  athena_enabled                     = true
  athena_account_ids                 = ["{MANAGEMENT_ACCOUNT}", "111122223333"]
  chat_enabled                       = true
  chat_slack_channels                = {{ "{"a" * 40}" = {{ workspace_id = "T012ABCDEFG", channel_id = "C0123ABCDEF" }} }}
  chat_teams_channels = {{
    "{"b" * 40}" = {{
      tenant_id  = "00000000-0000-0000-0000-000000000001"
      team_id    = "00000000-0000-0000-0000-000000000002"
      channel_id = "19%3aabcdef%40thread.tacv2"
    }}
  }}
  notification_routes = {{
    critical = {{ topic_arns = [aws_sns_topic.pager.arn] }}
  }}
}}

resource "aws_sns_topic" "pager" {{
  name = "{PREFIX}-pager"
}}
""")
    blocks += [
        f"""module "forward_{a}" {{
  source                   = "../../modules/signin-events"
  providers                = {{ aws = aws.{a} }}
  name_prefix              = "{PREFIX}"
  forward_to_event_bus_arn = module.trailwatch.signin_events_forward_bus_arn
}}
"""
        for a in FORWARDERS
    ]
    return "\n".join(blocks)


@pytest.fixture(scope="module")
def planned(emulator_session: Emulator, terraform: str) -> Iterator[dict[str, dict[str, Any]]]:
    emulator_session.reset()
    src = Path(tempfile.mkdtemp(prefix="trailwatch-src-")) / "name-limits"
    src.mkdir()
    (src / "main.tf").write_text(_config())
    stack = Stack(src, emulator=emulator_session)
    try:
        plan = stack.plan()
        yield {addr: rc for addr, rc in plan.resource_changes.items() if rc["mode"] == "managed"}
    finally:
        stack.cleanup()


def _measured(name: str) -> int:
    """Length of a name, with any region in it counted as the longest region name."""
    return len(name) + max((LONGEST_REGION - len(r) for r in REGIONS if r in name), default=0)


def test_every_generated_name_fits_in_every_region(planned: dict[str, dict[str, Any]]) -> None:
    seen: dict[str, int] = {}
    too_long: list[str] = []
    for addr, rc in planned.items():
        after = rc["change"]["after"]
        for (rtype, attr), limit in LIMITS.items():
            if rc["type"] != rtype:
                continue
            name = after[attr]
            assert isinstance(name, str) and name, f"{addr}.{attr} is not known at plan"
            seen[rtype] = max(seen.get(rtype, 0), _measured(name))
            if _measured(name) > limit:
                too_long.append(f"{addr}.{attr} = {name!r}: {_measured(name)} > {limit}")
        if rc["type"] == "aws_cloudwatch_log_metric_filter":
            for t in after["metric_transformation"]:
                if _measured(t["name"]) > METRIC_NAME_LIMIT:
                    too_long.append(f"{addr} metric {t['name']!r}")
    assert not too_long, "\n".join(too_long)
    # Every kind of name was actually generated (the stack under test is the widest one).
    assert set(seen) == {rtype for rtype, _ in LIMITS}, seen
    # The cap is tight: the default bucket name is exactly S3's maximum in the longest region.
    assert seen["aws_s3_bucket"] == 63
    # The Athena results bucket takes its shorter form there (the long one would be 67).
    buckets = {rc["change"]["after"]["bucket"] for rc in planned.values() if rc["type"] == "aws_s3_bucket"}
    assert f"{PREFIX}-athena-123456789012-{HOME}" in buckets


#: EventBridge quota "Event pattern size": 2048 characters by default (Amazon EventBridge
#: User Guide, "Amazon EventBridge quotas"); the module must fit it without a quota increase.
EVENT_PATTERN_LIMIT = 2048


def test_every_event_pattern_fits_the_default_quota(planned: dict[str, dict[str, Any]]) -> None:
    """Every rule's pattern, at the cap and with every alarm of the catalog, is within the
    default quota (a region in an ARN counted as the longest), so it does not grow with
    the number of detections past it."""
    sizes = {
        addr: _measured(rc["change"]["after"]["event_pattern"])
        for addr, rc in planned.items()
        if rc["type"] == "aws_cloudwatch_event_rule"
    }
    assert any("alarm_messages" in addr for addr in sizes)
    too_long = {addr: n for addr, n in sizes.items() if n > EVENT_PATTERN_LIMIT}
    assert not too_long, too_long


def test_every_event_rule_of_the_root_module_has_a_failure_alarm(planned: dict[str, dict[str, Any]]) -> None:
    """A broken target (a topic policy or key refusing EventBridge, a role its boundary denies)
    shows up: every rule the root module creates, with every option on, is covered by an alarm
    on its AWS/Events FailedInvocations (dimension RuleName), which notifies the module's topic."""
    rules = {
        rc["change"]["after"]["name"]
        for addr, rc in planned.items()
        if addr.startswith("module.trailwatch.") and rc["type"] == "aws_cloudwatch_event_rule"
    }
    assert len(rules) >= 10
    covered: dict[str, list[str]] = {}
    for addr, rc in planned.items():
        if not addr.startswith("module.trailwatch.") or rc["type"] != "aws_cloudwatch_metric_alarm":
            continue
        after = rc["change"]["after"]
        for q in after.get("metric_query") or []:
            for m in q.get("metric") or []:
                if m["namespace"] == "AWS/Events" and m["metric_name"] == "FailedInvocations":
                    covered.setdefault(m["dimensions"]["RuleName"], []).append(after["alarm_name"])
                    # The module's topic: known after apply.
                    assert after.get("alarm_actions") or rc["change"]["after_unknown"].get("alarm_actions")
    assert rules <= set(covered), rules - set(covered)


def test_forwarders_and_rules_exist_in_every_sign_in_region(planned: dict[str, dict[str, Any]]) -> None:
    rules = [
        rc["change"]["after"]["name"] for rc in planned.values() if rc["type"] == "aws_cloudwatch_event_rule"
    ]
    assert f"{PREFIX}-signin-console-login-unexpected-ip" in rules
    assert rules.count(f"{PREFIX}-signin-forward") == len(FORWARDERS)
    roles = {rc["change"]["after"]["name"] for rc in planned.values() if rc["type"] == "aws_iam_role"}
    assert {f"{PREFIX}-signin-forward-{r}" for r in FORWARDERS.values()} <= roles


def test_a_delegated_administrators_organization_trail_is_named_for_the_management_account(
    planned: dict[str, dict[str, Any]],
) -> None:
    """organization_management_account_id reaches the trail ARN everywhere it is built."""
    trail_arn = f"arn:aws:cloudtrail:{HOME}:{MANAGEMENT_ACCOUNT}:trail/{PREFIX}"
    by_type: dict[str, list[dict[str, Any]]] = {}
    for rc in planned.values():
        by_type.setdefault(rc["type"], []).append(rc["change"]["after"])

    # The trail's bucket policy (the Athena results bucket has its own).
    (bucket_policy,) = [
        json.loads(a["policy"]) for a in by_type["aws_s3_bucket_policy"] if "CloudTrailWrite" in a["policy"]
    ]
    for stmt in bucket_policy["Statement"]:
        if stmt["Effect"] == "Allow":
            assert stmt["Condition"]["StringEquals"]["aws:SourceArn"] == trail_arn
    write = next(s for s in bucket_policy["Statement"] if s["Sid"] == "CloudTrailWrite")
    assert any(f"/AWSLogs/{MANAGEMENT_ACCOUNT}/*" in r for r in write["Resource"])
    assert any(f"/AWSLogs/{ORG_ID}/*" in r for r in write["Resource"])

    trail_key = next(
        json.loads(a["policy"]) for a in by_type["aws_kms_key"] if "CloudTrailEncryptLogs" in a["policy"]
    )
    stmts = {s["Sid"]: s for s in trail_key["Statement"]}
    assert stmts["CloudTrailEncryptLogs"]["Condition"]["StringEquals"]["aws:SourceArn"] == trail_arn
    assert (
        stmts["CloudTrailEncryptLogs"]["Condition"]["StringLike"]["kms:EncryptionContext:aws:cloudtrail:arn"]
        == f"arn:aws:cloudtrail:*:{MANAGEMENT_ACCOUNT}:trail/*"
    )
    assert "kms:Decrypt" in stmts["CloudTrailDescribeKey"]["Action"]
    assert stmts["CloudTrailDescribeKey"]["Condition"]["StringEquals"]["aws:SourceArn"] == trail_arn

    delivery = next(
        json.loads(a["policy"])
        for a in by_type["aws_iam_role_policy"]
        if "logs:PutLogEvents" in a.get("policy", "")
    )
    (stmt,) = delivery["Statement"]
    group = f"arn:aws:logs:{HOME}:123456789012:log-group:/aws/cloudtrail/{PREFIX}"
    assert sorted(stmt["Resource"]) == sorted(
        [
            f"{group}:log-stream:{MANAGEMENT_ACCOUNT}_CloudTrail_{HOME}*",
            f"{group}:log-stream:{ORG_ID}_*",
        ]
    )
