"""Alarm messages (issue 13, parts 3 and 4) on the shared applied root stack.

What runs here: the root module with every optional path on (alarm_messages_enabled) is
applied on the emulator (tests/conftest.py `root_applied`); the rule, its target and role, and
the state machine are read back; then, for EVERY detection alarm, the documented "CloudWatch
Alarm State Change" event (Amazon CloudWatch User Guide, "Alarm events and EventBridge": a
single metric alarm's event, reasonData a JSON string with the evaluated datapoints) is matched
against the deployed rule (trailwatch.eventpattern) and fed to the deployed Render expression,
evaluated by jsonata-python (trailwatch.harness.alarm_messages). Each message's Logs Insights link is
decoded and checked: its query is the detection's catalog query and its time range contains the
alarm's evaluation window.

What only real AWS exercises: moto's SetAlarmState publishes no event to EventBridge, moto runs
no JSONata state machine (its Step Functions needs a JVM for JSONata), and nothing here
delivers to SNS. That Step Functions' own JSONata (2.0.6) evaluates the expression exactly as
jsonata-python does, the optimized sns:publish call, the roles' trust (no policy is enforced
here; tests/test_service_calls.py evaluates them against docs/service-calls.yaml), and the
console opening the link are checked on AWS only.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import audit_checks as au
from conftest import ROOT_APPLIED, RootApplied
from trailwatch import catalog
from trailwatch.eventpattern import matches
from trailwatch.harness.alarm_messages import (
    alarm_state_change_event,
    decode_insights_link,
    decode_pattern_link,
    is_insights_link,
    render,
    render_expression,
)
from trailwatch.harness.emulator import ACCOUNT_ID, Emulator
from trailwatch.maint.planpolicies import ROOT_MODULE_ARGS

pytestmark = [pytest.mark.emulator, ROOT_APPLIED]

PREFIX = str(ROOT_MODULE_ARGS["name_prefix"])
NAME = f"{PREFIX}-alarm-messages"
REGION = "us-east-1"
LOG_GROUP = f"/aws/cloudtrail/{PREFIX}"
URL = re.compile(r"https://\S+?(?=\)|\s|$)")


@pytest.fixture(scope="module")
def deployed(root_applied: RootApplied, emulator_session: Emulator) -> dict[str, Any]:
    emu = emulator_session
    sfn = emu.client("stepfunctions")
    machine = next(m for m in sfn.list_state_machines()["stateMachines"] if m["name"] == NAME)
    described = sfn.describe_state_machine(stateMachineArn=machine["stateMachineArn"])
    events = emu.client("events")
    rule = events.describe_rule(Name=NAME)
    targets = events.list_targets_by_rule(Rule=NAME)["Targets"]
    cw = emu.client("cloudwatch")
    alarms = {
        a["AlarmName"]: a
        for page in cw.get_paginator("describe_alarms").paginate(AlarmNamePrefix=f"{PREFIX}-")
        for a in page["MetricAlarms"]
    }
    # The deployed metric filters' patterns, by metric name (what each alarm watches).
    filters: dict[str, set[str]] = {}
    for page in emu.client("logs").get_paginator("describe_metric_filters").paginate(logGroupName=LOG_GROUP):
        for f in page["metricFilters"]:
            filters.setdefault(f["metricTransformations"][0]["metricName"], set()).add(f["filterPattern"])
    # What each metric counts: a detection's pattern, the union of its counting filters'
    # matches where several filters feed it (tests/test_audits.py proves the union).
    planned = root_applied.stack.outputs()["metric_filters"]
    assert isinstance(planned, dict)
    assert filters == {f["metric_name"]: set(f["patterns"]) for f in planned.values()}
    patterns = {f["metric_name"]: f["pattern"] for f in planned.values()}
    return {
        "machine": described,
        "rule": rule,
        "targets": targets,
        "alarms": alarms,
        "patterns": patterns,
        "emu": emu,
    }


def _links(text: str) -> tuple[list[str], list[str]]:
    """(Logs Insights links, log-events links) in a message, in order."""
    urls = URL.findall(text)
    return [u for u in urls if is_insights_link(u)], [u for u in urls if not is_insights_link(u)]


def _detection_alarms(deployed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    keys = catalog.detections()
    return {name: a for name, a in deployed["alarms"].items() if name.removeprefix(f"{PREFIX}-") in keys}


def _query(key: str, name: str) -> str:
    raw = catalog.load()
    q = raw["insights_queries"]
    return str(
        q[name]
        .replace(q["fields_placeholder"], ", ".join(raw["insights_fields"]))
        .replace(q["filter_placeholder"], raw["detections"][key]["insights_filter"])
    )


def test_the_rule_starts_the_state_machine_on_each_detection_alarm_going_to_alarm(
    deployed: dict[str, Any],
) -> None:
    pattern = json.loads(deployed["rule"]["EventPattern"])
    [target] = deployed["targets"]
    assert target["Arn"] == deployed["machine"]["stateMachineArn"]
    assert target["RoleArn"].endswith(f"/{NAME}-start")
    assert "InputTransformer" not in target and "Input" not in target  # the whole event
    changed = datetime(2026, 11, 28, 20, 1, 5, 125000, tzinfo=UTC)
    alarms = _detection_alarms(deployed)
    assert len(alarms) == len([k for k in catalog.detections() if f"{PREFIX}-{k}" in deployed["alarms"]]) > 10
    for alarm in alarms.values():
        event = alarm_state_change_event(alarm, [1.0], changed, ACCOUNT_ID, REGION)
        assert matches(pattern, event), alarm["AlarmName"]
        event["detail"]["state"]["value"] = "OK"
        assert not matches(pattern, event), alarm["AlarmName"]
    # Not the failure alarm of the state machine itself.
    failed = deployed["alarms"][f"{NAME}-failed"]
    assert not matches(pattern, alarm_state_change_event(failed, [1.0], changed, ACCOUNT_ID, REGION))
    # The pattern names the alarms by prefix: its size does not grow with the catalog.
    assert len(deployed["rule"]["EventPattern"]) < 400
    # Another alarm of the same prefix (the user's own, say) starts the machine, which then
    # sends nothing for it.
    other = {**next(iter(alarms.values())), "AlarmName": f"{PREFIX}-my-own-alarm"}
    other["AlarmArn"] = other["AlarmArn"].rsplit(":", 1)[0] + f":{other['AlarmName']}"
    event = alarm_state_change_event(other, [1.0], changed, ACCOUNT_ID, REGION)
    assert matches(pattern, event)
    assert render(render_expression(deployed["machine"]["definition"]), event) == []


def test_the_state_machine_role_trusts_only_this_state_machine(deployed: dict[str, Any]) -> None:
    """Step Functions Developer Guide, "Creating an IAM role for your state machine": the
    confused-deputy conditions (aws:SourceArn with ArnLike, aws:SourceAccount), here scoped to
    this state machine's ARN (and its qualified form)."""
    machine = deployed["machine"]
    role = deployed["emu"].client("iam").get_role(RoleName=machine["roleArn"].split("/")[-1])["Role"]
    (stmt,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert stmt["Principal"] == {"Service": "states.amazonaws.com"}
    arn = machine["stateMachineArn"]
    assert sorted(stmt["Condition"]["ArnLike"]["aws:SourceArn"]) == sorted([arn, f"{arn}:*"])
    assert stmt["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT_ID


def test_the_state_machine_role_names_the_keys_of_the_topics_the_module_creates(
    deployed: dict[str, Any],
) -> None:
    """The root module creates the topic and its key: the role is granted that key by ARN, with
    the encryption context of that topic, and no Resource "*" (there is no topic the user
    brought whose key the module cannot name)."""
    emu: Emulator = deployed["emu"]
    iam = emu.client("iam")
    role = deployed["machine"]["roleArn"].split("/")[-1]
    doc = iam.get_role_policy(RoleName=role, PolicyName="publish-alarm-messages")["PolicyDocument"]
    kms = [st for st in doc["Statement"] if any(str(a).startswith("kms:") for a in _list(st["Action"]))]
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{PREFIX}-signin-alarms"
    key = emu.client("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["KmsMasterKeyId"]
    (stmt,) = kms
    assert stmt["Sid"] == "UseTheCreatedTopicKeysThroughSns"
    assert _list(stmt["Resource"]) == [key]
    assert _list(stmt["Condition"]["StringEquals"]["kms:EncryptionContext:aws:sns:topicArn"]) == [topic]


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v]


def test_the_state_machine_is_express_jsonata_and_publishes_with_the_optimized_sns_integration(
    deployed: dict[str, Any],
) -> None:
    machine = deployed["machine"]
    assert machine["type"] == "EXPRESS"
    definition = json.loads(machine["definition"])
    assert definition["QueryLanguage"] == "JSONata"
    send = definition["States"]["Publish"]["ItemProcessor"]["States"]["Send"]
    assert send["Resource"] == "arn:aws:states:::sns:publish"
    assert set(send["Arguments"]) == {"TopicArn", "Subject", "Message"}


def test_every_detection_renders_a_message_with_a_link_to_its_query_over_the_window(
    deployed: dict[str, Any],
) -> None:
    """Done-when of issue 13: the message carries the title, the account, the match count and a
    Logs Insights link whose query decodes to the detection's query and whose time range
    contains the alarm's evaluation window; here for root usage and every other detection."""
    expression = render_expression(deployed["machine"]["definition"])
    detections = catalog.detections()
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{PREFIX}-signin-alarms"
    changed = datetime(2026, 11, 28, 20, 1, 5, 125000, tzinfo=UTC)
    alarms = _detection_alarms(deployed)
    assert f"{PREFIX}-root_usage" in alarms
    for name, alarm in alarms.items():
        key = name.removeprefix(f"{PREFIX}-")
        d = detections[key]
        matched = [2.0, 3.0] if alarm["EvaluationPeriods"] >= 2 else [5.0]
        event = alarm_state_change_event(alarm, matched, changed, ACCOUNT_ID, REGION)
        [message] = render(expression, event)
        assert message["TopicArn"] == topic
        assert len(message["Subject"]) <= 100 and "\n" not in message["Subject"]
        text = message["Message"]
        assert f"[{d.severity.upper()}] {d.title}" in text, key
        assert f"Account {ACCOUNT_ID}, region {REGION}" in text
        assert f"Matched: {int(sum(matched))} " in text
        assert catalog.load()["detections"][key]["why_it_matters"] in text
        [url], [exact_url] = _links(text)
        link = decode_insights_link(url)
        assert link.region == REGION and link.time_type == "ABSOLUTE" and link.tz == "UTC"
        assert link.log_groups == [LOG_GROUP]
        assert link.query == _query(key, "events")
        stamps = [
            datetime.strptime(p["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z")
            for p in json.loads(event["detail"]["state"]["reasonData"])["evaluatedDatapoints"]
        ]
        window = (min(stamps), max(stamps) + timedelta(seconds=alarm["Period"]))
        assert link.start <= window[0] and window[1] <= link.end, (key, link, window)
        assert link.end - link.start <= window[1] - window[0] + timedelta(minutes=10)
        # The exact link: the log group searched with the deployed filter's own pattern
        # (FilterLogEvents takes the metric filters' syntax), over the same range.
        exact = decode_pattern_link(exact_url)
        assert exact.region == REGION and exact.log_group == LOG_GROUP
        assert exact.pattern == deployed["patterns"][alarm["MetricName"]], key
        assert (exact.start, exact.end) == (link.start, link.end)
        assert "exactly what the filter counted" in text


def test_without_datapoints_the_window_is_anchored_on_the_state_change_and_says_so(
    deployed: dict[str, Any],
) -> None:
    expression = render_expression(deployed["machine"]["definition"])
    alarm = deployed["alarms"][f"{PREFIX}-root_usage"]
    changed = datetime(2026, 11, 28, 20, 1, 5, 125000, tzinfo=UTC)
    event = alarm_state_change_event(alarm, [1.0], changed, ACCOUNT_ID, REGION)
    del event["detail"]["state"]["reasonData"]
    [message] = render(expression, event)
    width = alarm["Period"] * alarm["EvaluationPeriods"]
    assert f"anchored on the state change, {width} s wide" in message["Message"]
    [insights], [exact] = _links(message["Message"])
    for link in (decode_insights_link(insights), decode_pattern_link(exact)):
        assert link.start <= changed - timedelta(seconds=width) and changed <= link.end


def test_an_organization_trail_adds_a_link_counting_matches_per_account_and_region(
    deployed: dict[str, Any],
) -> None:
    """The root stack is not an organization trail: the deployed expression is evaluated with
    its root_usage entry's organization_trail constant set as modules/alarm-messages sets it
    for one (the JSONata is the deployed text)."""
    expression = render_expression(deployed["machine"]["definition"])
    org = expression.replace('"organization_trail":false', '"organization_trail":true')
    assert org != expression
    alarm = deployed["alarms"][f"{PREFIX}-root_usage"]
    [message] = render(
        org,
        alarm_state_change_event(
            alarm, [4.0], datetime(2026, 11, 28, 20, 1, 5, tzinfo=UTC), ACCOUNT_ID, REGION
        ),
    )
    queries = [decode_insights_link(u).query for u in _links(message["Message"])[0]]
    assert queries == [_query("root_usage", "events"), _query("root_usage", "by_account")]
    # Per account and region: an organization trail's group, or the central groups of the
    # organization-wide eventbridge path, hold every member account's events of every region.
    assert "by recipientAccountId, awsRegion" in queries[1]
    assert "recipientAccountId, awsRegion" in queries[0]
    assert "Matches per account and region" in message["Message"]
    assert "any member account and region" in message["Message"]


def test_chat_topics_get_the_custom_notification_json(deployed: dict[str, Any]) -> None:
    """The root stack has no chat topic: the deployed expression is evaluated with root_usage's
    topics moved to a chat topic (its constants only)."""
    expression = render_expression(deployed["machine"]["definition"])
    chat = "arn:aws:sns:us-east-1:123456789012:chat"
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{PREFIX}-signin-alarms"
    moved = expression.replace(
        f'"topics":{{"chat":[],"text":["{topic}"]}}', f'"topics":{{"chat":["{chat}"],"text":[]}}'
    )
    assert moved != expression
    alarm = deployed["alarms"][f"{PREFIX}-root_usage"]
    [message] = render(
        moved,
        alarm_state_change_event(
            alarm, [2.0], datetime(2026, 11, 28, 20, 1, 5, tzinfo=UTC), ACCOUNT_ID, REGION
        ),
    )
    assert message["TopicArn"] == chat
    body = json.loads(message["Message"])
    assert body["version"] == "1.0" and body["source"] == "custom"
    assert body["content"]["title"] == "[CRITICAL] Root user activity: 2 matching event(s)"
    [url], [exact] = _links(body["content"]["description"])
    assert decode_insights_link(url).query == _query("root_usage", "events")
    # Markdown links: nothing in either URL ends the link early.
    assert "(" not in url + exact and ")" not in url + exact
    root_alarm = deployed["alarms"][f"{PREFIX}-root_usage"]
    assert decode_pattern_link(exact).pattern == deployed["patterns"][root_alarm["MetricName"]]


def test_the_auditors_read_the_applied_stack_as_the_plan_promised(deployed: dict[str, Any]) -> None:
    """The whole chain each auditor follows, read back through the API as the tools read it
    (tests/audit_checks.py): the trail, the filters on its log group, the alarms on their
    metrics, the topic in the alarms' actions and its email subscription. The defaults: every
    Prowler and Powerpipe control passes; Security Hub fails only the two tuned on purpose."""
    results = au.audit(au.from_api(deployed["emu"]))
    failed = {auditor: {c for c, ok in r.items() if not ok} for auditor, r in results.items()}
    assert failed == {
        au.SECURITY_HUB: {"CloudWatch.1", "CloudWatch.2"},
        "prowler>=5.30": set(),
        "prowler<5.30": set(),
        "powerpipe>=1.7": set(),
        "powerpipe<1.7": set(),
    }
