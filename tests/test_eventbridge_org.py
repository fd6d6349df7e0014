"""The organization-wide eventbridge path on the emulator, hop by hop: tests/configs/eventbridge-org
(modules/eventbridge-central for two detections: buses, policies, rules and log-group targets;
modules/eventbridge-member in two regions, us-west-2 and eu-west-1, forwarding to it) applied
with the catalog's patterns; then CloudTrail records put on the members' default buses.

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
from collections.abc import Iterator
from typing import Any

import pytest

from trailwatch.catalog import load
from trailwatch.eventpattern import EventPattern
from trailwatch.filterpattern import compile_pattern
from trailwatch.harness import record_corpus as ev
from trailwatch.harness.emulator import Emulator
from trailwatch.harness.signin_notifications import envelope
from trailwatch.harness.terraform import REPO_ROOT, Stack, destroyed_after
from trailwatch.maint.planpolicies import EVENTBRIDGE_ORG_DETECTIONS, Store, eventbridge_org_patterns

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("eventbridge-org")]

PREFIX = "orgt"  # the config's
GROUP = f"/aws/cloudtrail/{PREFIX}"
DETECTIONS = EVENTBRIDGE_ORG_DETECTIONS
MEMBER_REGIONS = ("us-west-2", "eu-west-1")
PATTERNS = eventbridge_org_patterns()


@pytest.fixture(scope="module")
def deployed(emulator_session: Emulator, terraform: str, collected_store: Store) -> Iterator[Emulator]:
    """tests/configs/eventbridge-org with the catalog's patterns, applied once; its plan and
    state also go to tests/test_service_calls.py (config "eventbridge-org"), which would
    otherwise apply it again."""
    emulator_session.reset()
    emulator_session.client("organizations").create_organization(FeatureSet="ALL")
    stack = Stack(REPO_ROOT / "tests" / "configs" / "eventbridge-org", emulator=emulator_session)
    tf_vars: dict[str, object] = {"event_patterns": PATTERNS}
    with destroyed_after(stack, tf_vars):
        with collected_store.producing("eventbridge-org") as publish:
            plan = dict(stack.plan(save=True, tf_vars=tf_vars))
            stack.apply_saved_plan()
            publish(plan, stack.state())
        # A second plan has nothing to do, as a scheduled drift check sees it.
        code, text = stack.drift_check(tf_vars)
        assert code == 0, f"plan -detailed-exitcode exited {code} after apply:\n{text}"
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
        # Attribution: the record names the account and region where the event happened.
        records_in_group = [_record_of(m) for m in _messages(deployed, key)]
        assert {r["awsRegion"] for r in records_in_group} == set(MEMBER_REGIONS)
        assert {r["recipientAccountId"] for r in records_in_group} == {ev.ACCOUNT}
        # The detection's unchanged metric filter, over the bare records in its group, counts
        # each event once: two matching events from each of the two regions.
        metric_filter = compile_pattern(load()["detections"][key]["patterns"]["tuned"])
        assert sum(metric_filter.matches(json.dumps(r)) for r in records_in_group) == 2 * len(MEMBER_REGIONS)
