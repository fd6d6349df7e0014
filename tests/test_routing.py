"""Severity routing (issue 13) on a consumer config of its own (tests/configs/routing):
critical detections go to a second topic, every other one to the module's topic, every one
also to a chat topic; the SQS queue subscribed to each topic receives exactly its alerts,
the chat topic's sign-in notifications as custom notifications. Alarm messages
(modules/alarm-messages) follow the same routes: the deployed state machine's Render
expression, evaluated for a critical and a medium alarm's documented state-change event
(tests/test_alarm_messages.py), publishes each message to exactly its route's topics.

What the emulator does here:
- Sign-in notifications are delivered end to end: PutEvents -> moto's rule matching -> the
  SNS-target shim (trailwatch.harness.moto_shims, which renders the input transformer) -> each
  target's topic -> moto's SNS-to-SQS delivery.
- moto's SetAlarmState only records the state: it neither invokes the alarm's actions nor
  emits an EventBridge event (moto/cloudwatch/models.py, ``update_state``). So the test
  reads each alarm's actions back as AWS stores them, then stands in for CloudWatch: for the
  alarms it sets to ALARM it publishes to exactly the stored actions, and checks which queue
  receives what.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from trailwatch.catalog import detections
from trailwatch.harness.alarm_messages import alarm_state_change_event, render, render_expression
from trailwatch.harness.emulator import ACCOUNT_ID, Emulator
from trailwatch.harness.scenarios import corpus
from trailwatch.harness.signin_notifications import chat_template_for, flagged, patterns
from trailwatch.harness.terraform import Stack, destroyed_after

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("routing")]

CONFIG = Path(__file__).parent / "configs" / "routing"
LOG_GROUP = "/test/routing/cloudtrail"
PREFIX = "tw-routing"


@pytest.fixture(scope="module")
def routed(emulator_session: Emulator, terraform: str) -> Iterator[dict[str, Any]]:
    # The worker's emulator, emptied: only this consumer config's stack is in it. (moto's
    # backends are per process, so a second in-process server would share them anyway.)
    emu = emulator_session
    emu.reset()
    emu.client("logs").create_log_group(logGroupName=LOG_GROUP)
    stack = Stack(CONFIG, emulator=emu)
    tf_vars: dict[str, object] = {"log_group_name": LOG_GROUP}
    # A failing apply or drift check is the error reported, with a failing destroy as its note.
    with destroyed_after(stack, tf_vars):
        stack.apply(tf_vars)
        code, out = stack.drift_check(tf_vars)
        assert code == 0, out
        yield {"emu": emu, "out": stack.outputs()}


def _drain(emu: Emulator, url: str) -> list[str]:
    sqs = emu.client("sqs")
    bodies: list[str] = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
        "Messages", []
    ):
        for m in got:
            bodies.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return bodies


def test_each_alarm_notifies_its_severitys_topic(routed: dict[str, Any]) -> None:
    emu: Emulator = routed["emu"]
    out = routed["out"]
    cw = emu.client("cloudwatch")
    catalog = detections()
    every = {a["AlarmName"]: a for a in cw.describe_alarms(AlarmNamePrefix=f"{PREFIX}-")["MetricAlarms"]}
    # The failure alarms of the alarm-messages state machine and of every EventBridge rule's
    # deliveries go to the module's topic only.
    assert every.pop(f"{PREFIX}-alarm-messages-failed")["AlarmActions"] == [out["topic_arns"]["default"]]
    failures = {n: every.pop(n) for n in list(every) if n.endswith("-target-failed")}
    assert f"{PREFIX}-alarm-messages-target-failed" in failures
    assert any(n.startswith(f"{PREFIX}-signin-") for n in failures)
    for name, alarm in failures.items():
        assert alarm["AlarmActions"] == [out["topic_arns"]["default"]], name
    alarms = every
    assert alarms, "no alarms applied"
    for name, alarm in alarms.items():
        key = name.removeprefix(f"{PREFIX}-")
        want = (
            out["topic_arns"]["pager"]
            if catalog[key].severity == "critical"
            else out["topic_arns"]["default"]
        )
        # CloudWatch keeps actions as a set: order is not part of the answer.
        assert sorted(alarm["AlarmActions"]) == sorted([want, out["topic_arns"]["chat"]]), (
            key,
            catalog[key].severity,
        )
    paged = {
        n.removeprefix(f"{PREFIX}-")
        for n, a in alarms.items()
        if out["topic_arns"]["pager"] in a["AlarmActions"]
    }
    assert paged == {k for k, d in catalog.items() if d.severity == "critical"}

    # Stand in for CloudWatch (moto does not act on a state change): a critical and a
    # medium alarm go to ALARM and each notifies its stored actions.
    sns = emu.client("sns")
    fired = {"root_usage": "critical", "nacl_changes": "medium"}
    for key, severity in fired.items():
        assert catalog[key].severity == severity
        name = f"{PREFIX}-{key}"
        cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test")
        for action in alarms[name]["AlarmActions"]:
            sns.publish(TopicArn=action, Message=json.dumps({"AlarmName": name, "NewStateValue": "ALARM"}))
    pager = [json.loads(b)["AlarmName"] for b in _drain(emu, out["queue_urls"]["pager"])]
    default = [json.loads(b)["AlarmName"] for b in _drain(emu, out["queue_urls"]["default"])]
    chat = sorted(json.loads(b)["AlarmName"] for b in _drain(emu, out["queue_urls"]["chat"]))
    assert pager == [f"{PREFIX}-root_usage"]
    assert default == [f"{PREFIX}-nacl_changes"]
    assert chat == [f"{PREFIX}-nacl_changes", f"{PREFIX}-root_usage"]


def _put(emu: Emulator, record: dict[str, Any]) -> None:
    entries = emu.client("events").put_events(
        Entries=[
            {
                "Source": "aws.signin",
                "DetailType": "AWS Console Sign In via CloudTrail",
                "Detail": json.dumps(record),
            }
        ]
    )
    assert entries["FailedEntryCount"] == 0, entries


def _reasons(bodies: list[str]) -> list[tuple[str, str]]:
    """(event ID, why) of each rendered sign-in message."""
    return sorted(flagged(body) for body in bodies)


def test_signin_notifications_follow_the_same_routes(routed: dict[str, Any]) -> None:
    emu: Emulator = routed["emu"]
    out = routed["out"]
    for url in out["queue_urls"].values():
        _drain(emu, url)
    c = corpus()
    why = {key: eb["why"] for key, eb in patterns().items()}
    # root_usage (critical) and console_login_without_mfa (high) for the first; the
    # allowlist (critical) for the second; console_login_mfa_failed (high) for the third (the
    # documented failure has "MFAUsed": "Yes"; the per-failure rule is opt-in and off here).
    sent = ("root_no_mfa_allowed_ip", "iam_mfa_unknown_ip", "iam_failure")
    for name in sent:
        _put(emu, c[name])
    eid = {name: c[name]["eventID"] for name in sent}
    assert _reasons(_drain(emu, out["queue_urls"]["pager"])) == sorted(
        [
            (eid["root_no_mfa_allowed_ip"], why["root_usage"]),
            (eid["iam_mfa_unknown_ip"], why["console_login_unexpected_ip"]),
        ]
    )
    assert _reasons(_drain(emu, out["queue_urls"]["default"])) == sorted(
        [
            (eid["root_no_mfa_allowed_ip"], why["console_login_without_mfa"]),
            (eid["iam_failure"], why["console_login_mfa_failed"]),
        ]
    )

    # The chat topic: every one of the four, as a custom notification (title and markdown
    # description) carrying the same facts.
    chat = [json.loads(b) for b in _drain(emu, out["queue_urls"]["chat"])]
    severity = {k: d.severity.upper() for k, d in detections().items()}
    got = sorted((n["id"], n["content"]["title"]) for n in chat)
    want = sorted(
        (eid[name], f"[{severity[key]}] trailwatch: ConsoleLogin flagged, {why[key]}")
        for name, key in (
            ("root_no_mfa_allowed_ip", "root_usage"),
            ("iam_mfa_unknown_ip", "console_login_unexpected_ip"),
            ("root_no_mfa_allowed_ip", "console_login_without_mfa"),
            ("iam_failure", "console_login_mfa_failed"),
        )
    )
    assert got == want
    for n in chat:
        assert (n["version"], n["source"], n["content"]["textType"]) == ("1.0", "custom", "client-markdown")
        record = next(c[name] for name in sent if c[name]["eventID"] == n["id"])
        description = n["content"]["description"]
        for fact in (record["sourceIPAddress"], record["awsRegion"], record["eventTime"], record["eventID"]):
            assert fact in description, (fact, description)
        assert f"*MFA used:* {record.get('additionalEventData', {}).get('MFAUsed', '')}" in description

    # The deployed chat target carries exactly the template the renderer above used.
    rule = f"{PREFIX}-signin-root-usage"
    targets = {t["Id"]: t for t in emu.client("events").list_targets_by_rule(Rule=rule)["Targets"]}
    assert set(targets) == {"sns", "chat-0"}
    assert targets["sns"]["Arn"] == out["topic_arns"]["pager"]
    assert targets["chat-0"]["Arn"] == out["topic_arns"]["chat"]
    assert targets["chat-0"]["InputTransformer"]["InputTemplate"] == chat_template_for(
        why["root_usage"], "critical"
    )


def test_alarm_messages_follow_the_same_routes(routed: dict[str, Any]) -> None:
    """Step Functions does not run on the emulator: the test evaluates the deployed Render
    expression and publishes each request it makes, standing in for the sns:publish task."""
    emu: Emulator = routed["emu"]
    out = routed["out"]
    sfn = emu.client("stepfunctions")
    [machine] = [
        m for m in sfn.list_state_machines()["stateMachines"] if m["name"] == f"{PREFIX}-alarm-messages"
    ]
    expression = render_expression(
        sfn.describe_state_machine(stateMachineArn=machine["stateMachineArn"])["definition"]
    )
    cw, sns = emu.client("cloudwatch"), emu.client("sns")
    for key in ("root_usage", "nacl_changes"):
        [alarm] = cw.describe_alarms(AlarmNames=[f"{PREFIX}-{key}"])["MetricAlarms"]
        for request in render(
            expression,
            alarm_state_change_event(
                alarm, [2.0], datetime(2026, 11, 28, 20, 1, 5, tzinfo=UTC), ACCOUNT_ID, "us-east-1"
            ),
        ):
            sns.publish(**request)
    pager = _drain(emu, out["queue_urls"]["pager"])
    default = _drain(emu, out["queue_urls"]["default"])
    chat = [json.loads(b) for b in _drain(emu, out["queue_urls"]["chat"])]
    assert [b.splitlines()[0] for b in pager] == ["[CRITICAL] Root user activity: 2 matching event(s)"]
    assert [b.splitlines()[0] for b in default] == ["[MEDIUM] Network ACL changes: 2 matching event(s)"]
    assert sorted(c["content"]["title"] for c in chat) == [
        "[CRITICAL] Root user activity: 2 matching event(s)",
        "[MEDIUM] Network ACL changes: 2 matching event(s)",
    ]
    assert all(c["version"] == "1.0" and c["source"] == "custom" for c in chat)
