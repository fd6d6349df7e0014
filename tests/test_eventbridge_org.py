"""The organization-wide eventbridge path on the emulator, across accounts: tests/configs/eventbridge-org
(the central stack in the security account, 123456789012 in us-east-1, from the trailwatch module's
parts for two detections: groups, metric filters, alarms, topic, modules/eventbridge-central with
its real-time notifications; modules/eventbridge-member in two member accounts, 222222222222 in
us-west-2 and 333333333333 in eu-west-1, each provider assuming a role into its account) applied
once; then CloudTrail records put on the members' default buses, with each
member account's own credentials.

What this shows, hop by hop, all on one emulator that holds several accounts (moto maps the
credentials STS returns to the role's account):
- each member account's rules are in that account and region, and target their detection's bus
  in the security account;
- a record put on a member's bus crosses to the security account's bus (moto's event-bus target
  puts it on the backend of the account and region the bus ARN names), and the bus's rule writes
  it to its detection's group once, and sends the real-time message for a single-event detection
  (root_usage; console_login_failures is a count and sends none) naming the member account and
  region;
- the records the central groups hold, read back and run through `trailwatch backtest --plan`
  with this config's plan (its metric filters and alarms), fire the alarms expected, each event
  counted once, and every record names the account and region it was put in.

What only real AWS joins: moto enforces no policy and forwards without assuming the member's
role, so that the bus policy admits the member's role through aws:PrincipalOrgID (and refuses
another organization) rests on tests/test_service_calls.py's evaluation of the policies and the
pages it cites; moto re-puts a forwarded event as the security account's own (its envelope's
account and region are the bus's, where AWS keeps the member's), which nothing here reads: the
groups, the messages and the queries read the record ($.detail: recipientAccountId, awsRegion).
moto writes the whole event to a log group (it ignores the target's input path $.detail), so the
records are unwrapped from it before the backtest; on AWS the group holds the bare record
(docs/eventbridge-path.md)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from trailwatch.cli import main
from trailwatch.eventpattern import EventPattern
from trailwatch.harness import record_corpus as ev
from trailwatch.harness.emulator import ACCOUNT_ID, Emulator
from trailwatch.harness.signin_notifications import envelope
from trailwatch.harness.terraform import REPO_ROOT, Stack, destroyed_after
from trailwatch.maint.planpolicies import EVENTBRIDGE_ORG_DETECTIONS, Store

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("eventbridge-org")]

PREFIX = "orgt"  # the config's
GROUP = f"/aws/cloudtrail/{PREFIX}"
DETECTIONS = EVENTBRIDGE_ORG_DETECTIONS
#: (account, region) of each member stack of the config.
MEMBERS = (("222222222222", "us-west-2"), ("333333333333", "eu-west-1"))
#: The records put on every member's bus, and the detections each matches (checked against the
#: deployed patterns below).
RECORDS = {
    "both": ev.root_failure(ip="198.51.100.20"),  # root_usage and console_login_failures
    "failure": ev.iam_user_failure(ip="198.51.100.21"),  # console_login_failures only
    "root": ev.root_login(mfa=True, ip="198.51.100.22"),  # root_usage only
    "allowed": ev.iam_user_login(mfa=True, ip="203.0.113.5"),  # neither
}
EXPECTED = {"root_usage": {"both", "root"}, "console_login_failures": {"both", "failure"}}
AT = "2026-11-02T09:00:05Z"


def _client(emu: Emulator, service: str, region: str, account: str) -> Any:
    """A client of ``account``: credentials of a role of that account, as STS gives them."""
    if account == ACCOUNT_ID:
        return emu.client(service, region)
    creds = emu.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{PREFIX}-baseline", RoleSessionName="test"
    )["Credentials"]
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=emu.endpoint,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def _record(name: str, account: str, region: str) -> dict[str, Any]:
    """The corpus record as the member account recorded it in that region."""
    record: dict[str, Any] = json.loads(json.dumps(RECORDS[name]).replace(ev.ACCOUNT, account))
    return {**record, "awsRegion": region, "eventTime": AT, "eventID": f"{name}-{account}-{region}"}


@pytest.fixture(scope="module")
def deployed(
    emulator_session: Emulator,
    terraform: str,
    collected_store: Store,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Any]]:
    """tests/configs/eventbridge-org, applied once; its plan and state also go to
    tests/test_service_calls.py (config "eventbridge-org"), which would otherwise apply it
    again. Then the records are put on every member's bus, and a queue reads the topic."""
    emu = emulator_session
    emu.reset()
    emu.client("organizations").create_organization(FeatureSet="ALL")
    stack = Stack(REPO_ROOT / "tests" / "configs" / "eventbridge-org", emulator=emu)
    with destroyed_after(stack):
        with collected_store.producing("eventbridge-org") as publish:
            planned = stack.plan(save=True)
            plan_path = tmp_path_factory.mktemp("eventbridge-org") / "plan.json"
            plan_path.write_text(json.dumps(planned._raw))
            stack.apply_saved_plan()
            publish(dict(planned), stack.state())
        # A second plan has nothing to do, as a scheduled drift check sees it.
        code, text = stack.drift_check()
        assert code == 0, f"plan -detailed-exitcode exited {code} after apply:\n{text}"
        out = stack.outputs()
        # A queue on the topic (outside the config: the test's reader, not the stack's).
        sqs = emu.client("sqs")
        url = sqs.create_queue(QueueName="orgt-feed")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        emu.client("sns").subscribe(
            TopicArn=str(out["topic_arn"]),
            Protocol="sqs",
            Endpoint=queue_arn,
            Attributes={"RawMessageDelivery": "true"},
        )
        for account, region in MEMBERS:
            events = _client(emu, "events", region, account)
            for name in RECORDS:
                record = _record(name, account, region)
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
        yield {"emu": emu, "out": out, "plan": plan_path, "queue": url}
    for account, region in (*MEMBERS, (ACCOUNT_ID, "us-east-1")):
        assert _client(emu, "events", region, account).list_rules()["Rules"] == [], (account, region)


def _held(emu: Emulator, key: str) -> list[dict[str, Any]]:
    """The records in a detection's central group. moto writes the whole event (it ignores the
    input path $.detail); AWS writes the record itself: unwrapped here, and said so."""
    found = emu.client("logs").filter_log_events(logGroupName=f"{GROUP}/{key}")["events"]
    messages = [json.loads(e["message"]) for e in found]
    assert all("detail" in m and "detail-type" in m for m in messages)  # moto's whole event
    return [m["detail"] for m in messages]


def test_member_accounts_rules_target_their_detections_bus_in_the_security_account(
    deployed: dict[str, Any],
) -> None:
    emu: Emulator = deployed["emu"]
    patterns = {k: json.loads(str(p)) for k, p in dict(deployed["out"]["event_patterns"]).items()}
    assert set(patterns) == set(DETECTIONS)
    central = {b["Name"]: b["Arn"] for b in emu.client("events").list_event_buses()["EventBuses"]}
    for account, region in MEMBERS:
        events = _client(emu, "events", region, account)
        for key in DETECTIONS:
            name = f"{PREFIX}-fwd-{key.replace('_', '-')}"
            rule = events.describe_rule(Name=name)
            assert rule["Arn"].split(":")[3:5] == [region, account]
            assert json.loads(rule["EventPattern"]) == patterns[key]
            (target,) = events.list_targets_by_rule(Rule=name)["Targets"]
            assert target["Arn"] == central[f"{PREFIX}-{key.replace('_', '-')}"]
            assert target["Arn"].split(":")[3:5] == ["us-east-1", ACCOUNT_ID]
            assert target["RoleArn"] == f"arn:aws:iam::{account}:role/{PREFIX}-eb-forward-{region}"
    # The security account's own buses of the member regions hold none of the members' rules.
    for region in {r for _, r in MEMBERS}:
        assert emu.client("events", region).list_rules()["Rules"] == [], region
    assert {
        key: {n for n, r in RECORDS.items() if EventPattern(json.dumps(patterns[key])).matches(envelope(r))}
        for key in DETECTIONS
    } == EXPECTED


def test_each_members_events_reach_each_matching_detections_group_once_named_for_their_account_and_region(
    deployed: dict[str, Any],
) -> None:
    for key in DETECTIONS:
        held = _held(deployed["emu"], key)
        # Once per matching event and member: an event two detections match is in each group once.
        assert sorted(r["eventID"] for r in held) == sorted(
            f"{name}-{account}-{region}" for name in EXPECTED[key] for account, region in MEMBERS
        ), key
        # Attribution: each record names the account and region whose bus it was put on.
        for r in held:
            _, account, region = r["eventID"].split("-", 2)
            assert (r["recipientAccountId"], r["awsRegion"]) == (account, region), r["eventID"]


def test_single_event_detections_notify_at_once_naming_the_member_account_and_region(
    deployed: dict[str, Any],
) -> None:
    emu: Emulator = deployed["emu"]
    assert deployed["out"]["notifying_detections"] == ["root_usage"]
    sqs = emu.client("sqs")
    bodies: list[str] = []
    while got := sqs.receive_message(QueueUrl=deployed["queue"], MaxNumberOfMessages=10).get("Messages", []):
        for m in got:
            bodies.append(m["Body"])
            sqs.delete_message(QueueUrl=deployed["queue"], ReceiptHandle=m["ReceiptHandle"])
    # One message per root_usage event of each member (none for console_login_failures, a count,
    # and none from the default bus's rules, which do not notify here).
    assert len(bodies) == len(EXPECTED["root_usage"]) * len(MEMBERS), bodies
    seen = set()
    for body in bodies:
        # Each line of the template is a JSON string (modules/signin-events).
        lines = [json.loads(line) for line in body.splitlines()]
        assert lines[0] == "trailwatch: ConsoleLogin flagged, the identity is the root user", body
        event_id = next(line for line in lines if line.startswith("Event ID: ")).removeprefix("Event ID: ")
        _, account, region = event_id.split("-", 2)
        assert f"(account {account})" in lines[1] and f"Region: {region}" in lines, body
        seen.add(event_id)
    assert seen == {f"{n}-{a}-{r}" for n in EXPECTED["root_usage"] for a, r in MEMBERS}


def test_the_central_groups_backtested_through_the_central_plan_fire_the_expected_alarms(
    deployed: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each group's records (unwrapped from moto's whole event) as a CloudTrail archive file,
    run through `trailwatch backtest --plan` with the config's plan: the detection's filter counts
    each of its events once, from every member, and its alarm fires (root_usage at 1,
    console_login_failures over its threshold, 3, with 4 failures in the window)."""
    for key in DETECTIONS:
        held = _held(deployed["emu"], key)
        path = tmp_path / f"{ACCOUNT_ID}_CloudTrail_us-east-1_20261102T0905Z_{key}.json.gz"
        path.write_bytes(gzip.compress(json.dumps({"Records": held}).encode()))
        rc = main(["backtest", "--plan", str(deployed["plan"]), str(path), "--json", "--no-progress"])
        result = json.loads(capsys.readouterr().out)
        assert rc == 0 and result["eventsScanned"] == len(held) == 2 * len(MEMBERS), result
        alarms = {a["alarmName"]: a for a in result["alarms"]}
        # The plan's alarms are the two detections' (not the rules' FailedInvocations alarms).
        assert set(alarms) == {f"{PREFIX}-{k}" for k in DETECTIONS}
        mine = alarms[f"{PREFIX}-{key}"]
        assert mine["wouldAlarm"] is True and mine["matches"] == 2 * len(MEMBERS), mine
        assert mine["firstAlarmTime"] is not None and mine["firstAlarmTime"].startswith("2026-11-02T09:0")
        # Attribution in what the backtest read: every member account and region, each twice.
        pairs = sorted((r["recipientAccountId"], r["awsRegion"]) for r in held)
        assert pairs == sorted([*MEMBERS, *MEMBERS])
    # One member's failures alone (2) stay under console_login_failures' threshold (3): each event
    # is counted once, so the alarm needs both members' failures.
    one = [
        r
        for r in _held(deployed["emu"], "console_login_failures")
        if r["recipientAccountId"] == MEMBERS[0][0]
    ]
    path = tmp_path / f"{ACCOUNT_ID}_CloudTrail_us-east-1_20261102T0905Z_one.json.gz"
    path.write_bytes(gzip.compress(json.dumps({"Records": one}).encode()))
    assert main(["backtest", "--plan", str(deployed["plan"]), str(path), "--json", "--no-progress"]) == 0
    alarms = {a["alarmName"]: a for a in json.loads(capsys.readouterr().out)["alarms"]}
    assert alarms[f"{PREFIX}-console_login_failures"]["matches"] == 2
    assert alarms[f"{PREFIX}-console_login_failures"]["wouldAlarm"] is False
