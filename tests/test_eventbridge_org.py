"""The organization-wide eventbridge path on the emulator, hop by hop: modules/eventbridge-central
(two detections' buses, policies, rules and log-group targets) and modules/eventbridge-member in
two regions (us-west-2, eu-west-1) forwarding to it, applied in one small stack; then CloudTrail
records put on the members' default buses.

What this shows: each member rule forwards exactly the events its pattern matches to its own
detection's central bus in another region, the bus's rule delivers them to that detection's
group, and an event two detections match is written once to each of their groups (counted once
by each detection), from either region.

What only real AWS joins: the emulator holds one account, so the hop from a member of another
account to the central bus, under the bus policy's aws:PrincipalOrgID condition and through the
forwarding role, is not exercised here (moto enforces no policy and forwards without assuming the
role); tests/test_eventbridge_org_plan.py holds that policy and role at plan, and
tests/test_validation.py the combinations the member refuses. moto writes the whole event to a
log group (it ignores the target's input path $.detail; docs/eventbridge-path.md)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trailwatch import record_corpus as ev
from trailwatch.eventpattern import EventPattern
from trailwatch.harness.emulator import Emulator
from trailwatch.harness.terraform import Stack, destroyed_after
from trailwatch.signin_notifications import detection_pattern, envelope

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("eventbridge-org")]

PREFIX = "orgt"
GROUP = f"/aws/cloudtrail/{PREFIX}"
DETECTIONS = ("root_usage", "console_login_failures")
MEMBER_REGIONS = ("us-west-2", "eu-west-1")
PATTERNS = {k: json.dumps(detection_pattern(k, "tuned", ["203.0.113.*"])) for k in DETECTIONS}


def _config() -> dict[str, Any]:
    providers: list[dict[str, str]] = [{"region": "us-east-1"}]
    providers += [{"alias": r.replace("-", "_"), "region": r} for r in MEMBER_REGIONS]
    groups = {"parent": {"name": GROUP}} | {k: {"name": f"{GROUP}/{k}"} for k in DETECTIONS}
    return {
        "provider": {"aws": providers},
        "resource": {"aws_cloudwatch_log_group": groups},
        "module": {
            "central": {
                "source": "../../modules/eventbridge-central",
                "name_prefix": PREFIX,
                "organization_id": "o-abcdef1234",
                "log_group_arn": "${aws_cloudwatch_log_group.parent.arn}",
                "event_patterns": PATTERNS,
                "metric_filters": {k: {"pattern_id": "tuned"} for k in DETECTIONS},
                "depends_on": [f"aws_cloudwatch_log_group.{k}" for k in DETECTIONS],
            },
            **{
                f"member_{r.replace('-', '_')}": {
                    "source": "../../modules/eventbridge-member",
                    "providers": {"aws": f"aws.{r.replace('-', '_')}"},
                    "name_prefix": PREFIX,
                    "rules": "${module.central.member_rules}",
                }
                for r in MEMBER_REGIONS
            },
        },
    }


@pytest.fixture(scope="module")
def deployed(emulator_session: Emulator, terraform: str) -> Iterator[Emulator]:
    emulator_session.reset()
    src = Path(tempfile.mkdtemp(prefix="trailwatch-src-")) / "eventbridge-org"
    src.mkdir()
    (src / "main.tf.json").write_text(json.dumps(_config(), indent=2))
    stack = Stack(src, emulator=emulator_session)
    with destroyed_after(stack):
        stack.apply()
        yield emulator_session
    for region in ("us-east-1", *MEMBER_REGIONS):
        assert emulator_session.client("events", region).list_rules()["Rules"] == [], region


def _messages(emu: Emulator, key: str) -> list[dict[str, Any]]:
    logs = emu.client("logs")
    found = logs.filter_log_events(logGroupName=f"{GROUP}/{key}")["events"]
    return [json.loads(e["message"]) for e in found]


def _record_of(message: dict[str, Any]) -> dict[str, Any]:
    # AWS writes $.detail (the input path); moto writes the whole event.
    detail: dict[str, Any] = message.get("detail", message)
    return detail


def test_forward_rules_target_their_detections_central_bus(deployed: Emulator) -> None:
    central = {b["Name"]: b["Arn"] for b in deployed.client("events").list_event_buses()["EventBuses"]}
    for region in MEMBER_REGIONS:
        events = deployed.client("events", region)
        for key in DETECTIONS:
            name = f"{PREFIX}-fwd-{key.replace('_', '-')}"
            (target,) = events.list_targets_by_rule(Rule=name)["Targets"]
            assert target["Arn"] == central[f"{PREFIX}-{key.replace('_', '-')}"]
            assert target["RoleArn"].endswith(f":role/{PREFIX}-eb-forward-{region}")
            assert json.loads(events.describe_rule(Name=name)["EventPattern"]) == json.loads(PATTERNS[key])


def test_events_from_two_regions_reach_each_matching_detections_group_once(deployed: Emulator) -> None:
    records = {
        "both": ev.root_failure(ip="198.51.100.20"),  # root_usage and console_login_failures
        "failure": ev.iam_user_failure(ip="198.51.100.21"),  # console_login_failures only
        "root": ev.root_login(mfa=True, ip="198.51.100.22"),  # root_usage only
        "allowed": ev.iam_user_login(mfa=True, ip="203.0.113.5"),  # neither
    }
    expected = {
        key: {name for name, r in records.items() if EventPattern(PATTERNS[key]).matches(envelope(r))}
        for key in DETECTIONS
    }
    assert expected == {"root_usage": {"both", "root"}, "console_login_failures": {"both", "failure"}}
    for region in MEMBER_REGIONS:
        events = deployed.client("events", region)
        for name, record in records.items():
            record = {**record, "awsRegion": region, "eventID": f"{name}-{region}"}
            event = envelope(record)
            put = events.put_events(
                Entries=[
                    {
                        "Source": event["source"],
                        "DetailType": event["detail-type"],
                        "Detail": json.dumps(record),
                    }
                ]
            )
            assert put["FailedEntryCount"] == 0, put
    for key in DETECTIONS:
        got = sorted(_record_of(m)["eventID"] for m in _messages(deployed, key))
        # Once per matching event and region: an event two detections match is in each group once.
        assert got == sorted(f"{name}-{region}" for name in expected[key] for region in MEMBER_REGIONS), key
        # Attribution: the record names the region where the event happened.
        assert {_record_of(m)["awsRegion"] for m in _messages(deployed, key)} == set(MEMBER_REGIONS)
