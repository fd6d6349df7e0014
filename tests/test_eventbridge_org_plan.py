"""The organization-wide eventbridge path, at plan (one plan, four module calls): the central
part (the root module on detection_path = "eventbridge" and modules/eventbridge-central fed its
outputs), modules/eventbridge-member in another region of the same account fed the central
module's member_rules output, and a member of another account (literal bus ARNs, so that
its preconditions are evaluated at plan).

Central: a bus per detection, each with a policy admitting the organization only
(aws:PrincipalOrgID) to put events; on each bus one rule with the detection's own pattern and
state, delivering the bare record ($.detail) to the detection's group, watched by a
FailedInvocations alarm on that bus. Member: a rule per detection with the central pattern,
forwarding to that detection's bus only (so an event is forwarded once per bus and counted once
by each detection), through one role per region that may only put events on the buses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from trailwatch.harness.emulator import ACCOUNT_ID, Emulator
from trailwatch.harness.signin_notifications import input_paths_for, path_settings, patterns, text_template
from trailwatch.harness.terraform import plan_files

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("eventbridge-org-plan")]

ORG = "o-abcdef1234"
OTHER_ACCOUNT = "111122223333"
#: The other account's member: two detections, forwarding from us-west-2 to us-east-1.
LITERAL = {
    k: {
        "bus_arn": f"arn:aws:events:us-east-1:{ACCOUNT_ID}:event-bus/org-{k.replace('_', '-')}",
        "event_pattern": json.dumps({"detail-type": [{"suffix": " via CloudTrail"}], "detail": {"k": [k]}}),
        "state": "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
    }
    for k in ("root_usage", "console_login_failures")
}


@pytest.fixture(scope="module")
def planned(
    emulator_session: Emulator, terraform: str
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    doc = {
        "provider": {"aws": [{"region": "us-east-1"}, {"alias": "west", "region": "us-west-2"}]},
        "module": {
            "trailwatch": {
                "source": "../../",
                "name_prefix": "org",
                "detection_path": "eventbridge",
                "allowed_source_cidrs": ["203.0.113.0/24"],
                # The central buses' notifying rules publish to the module's topic.
                "sns_topic_publisher_rule_arns": ["${module.central.notification_rule_arn_pattern}"],
            },
            "central": {
                "source": "../../modules/eventbridge-central",
                "name_prefix": "org",
                "organization_id": ORG,
                "log_group_arn": "${module.trailwatch.log_group_arn}",
                "event_patterns": "${module.trailwatch.event_rule_patterns}",
                "metric_filters": "${module.trailwatch.metric_filters}",
                "failure_alarm_actions": ["${module.trailwatch.sns_topic_arn}"],
                "realtime_notifications": True,
                "notification_topic_arn": "${module.trailwatch.sns_topic_arn}",
                "notification_messages": "${module.trailwatch.event_rule_notifications}",
            },
            "member": {
                "source": "../../modules/eventbridge-member",
                "providers": {"aws": "aws.west"},
                "name_prefix": "org",
                "rules": "${module.central.member_rules}",
            },
            "literal": {
                "source": "../../modules/eventbridge-member",
                "providers": {"aws": "aws.west"},
                "name_prefix": "lit",
                "rules": LITERAL,
                "failure_alarm_actions": [f"arn:aws:sns:us-west-2:{ACCOUNT_ID}:ops"],
            },
        },
        "output": {
            "metric_filters": {"value": "${module.trailwatch.metric_filters}"},
            "patterns": {"value": "${module.trailwatch.event_rule_patterns}"},
            "member_rule_keys": {"value": "${keys(module.central.member_rules)}"},
            "notifying": {"value": "${module.central.notifying_detections}"},
            "rule_arn_pattern": {"value": "${module.central.notification_rule_arn_pattern}"},
        },
    }
    plan = plan_files({"main.tf.json": json.dumps(doc, indent=2)}, emulator_session, "eventbridge-org")
    yield {name: plan.outputs[name] for name in plan.outputs}, plan._raw["resource_changes"]


def _of(
    changes: list[dict[str, Any]], prefix: str, rtype: str, mode: str = "managed"
) -> dict[str, dict[str, Any]]:
    return {
        c["address"]: c["change"]
        for c in changes
        if c["address"].startswith(prefix) and c["type"] == rtype and c["mode"] == mode
    }


def _key(address: str) -> str:
    return address.rsplit('["', 1)[1].split('"', 1)[0]


def test_central_has_a_bus_per_detection_admitting_the_organization(
    planned: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    outputs, changes = planned
    detections = set(outputs["metric_filters"])
    assert len(detections) >= 20 and set(outputs["member_rule_keys"]) == detections
    central = "module.central."
    buses = _of(changes, central, "aws_cloudwatch_event_bus")
    assert {_key(a): b["after"]["name"] for a, b in buses.items()} == {
        k: f"org-{k.replace('_', '-')}" for k in detections
    }
    policies = _of(changes, central, "aws_cloudwatch_event_bus_policy")
    assert {_key(a) for a in policies} == detections
    for doc in _of(changes, central, "aws_iam_policy_document", "data").values():
        (statement,) = json.loads(doc["after"]["json"])["Statement"]
        assert statement["Action"] == "events:PutEvents" and statement["Principal"] == {"AWS": "*"}
        assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORG}}


def test_central_rules_deliver_each_bus_to_its_detections_group(
    planned: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    outputs, changes = planned
    central = "module.central."
    rules = _of(changes, central, "aws_cloudwatch_event_rule")
    assert {_key(a) for a in rules} == set(outputs["patterns"])
    for address, r in rules.items():
        key = _key(address)
        # The very pattern of the detection's rule on the default bus (proven equal to its filter).
        assert r["after"]["event_pattern"] is None or json.loads(r["after"]["event_pattern"]) == json.loads(
            outputs["patterns"][key]
        )
        assert r["after"]["event_bus_name"] == f"org-{key.replace('_', '-')}"
        assert r["after"]["state"] == path_settings()["state"]
    targets = {a: t for a, t in _of(changes, central, "aws_cloudwatch_event_target").items() if ".logs[" in a}
    assert {_key(a) for a in targets} == {_key(a) for a in rules}
    for t in targets.values():
        assert t["after"]["input_path"] == "$.detail" and t["after"].get("role_arn") is None
    # Each central rule's target is its own detection's group (the groups' ARNs are known only
    # after apply, so the config's expression is what the plan holds): the module wires
    # module.log_group.detection_groups[k].arn, checked here by the groups' names.
    groups = {
        c["after"]["name"] for c in _of(changes, "module.trailwatch.", "aws_cloudwatch_log_group").values()
    }
    assert groups == {"/aws/cloudtrail/org"} | {f"/aws/cloudtrail/org/{k}" for k in outputs["patterns"]}
    # A FailedInvocations alarm per central rule, on the rule's own bus.
    alarms = _of(changes, central, "aws_cloudwatch_metric_alarm")
    assert len(alarms) == len(rules)
    for address, a in alarms.items():
        key = _key(address)
        (dims,) = [m["dimensions"] for q in a["after"]["metric_query"] for m in q["metric"]]
        assert dims == {
            "EventBusName": f"org-{key.replace('_', '-')}",
            "RuleName": f"org-central-{key.replace('_', '-')}",
        }


def test_member_forwards_each_detection_to_its_own_bus_with_the_central_pattern(
    planned: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    outputs, changes = planned
    rules = _of(changes, "module.member.", "aws_cloudwatch_event_rule")
    assert {_key(a) for a in rules} == set(outputs["patterns"])
    for address, r in rules.items():
        key = _key(address)
        assert r["after"]["name"] == f"org-fwd-{key.replace('_', '-')}"
        assert r["after"]["event_bus_name"] == "default"
        assert json.loads(r["after"]["event_pattern"]) == json.loads(outputs["patterns"][key])
        assert r["after"]["state"] == path_settings()["state"]
    (role,) = _of(changes, "module.member.", "aws_iam_role").values()
    assert role["after"]["name"] == "org-eb-forward-us-west-2"
    trust = json.loads(role["after"]["assume_role_policy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}}
    # No alarms without an action in the member's region.
    assert not _of(changes, "module.member.", "aws_cloudwatch_metric_alarm")


def test_a_literal_member_targets_each_bus_once_through_its_role(
    planned: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    _, changes = planned
    targets = _of(changes, "module.literal.", "aws_cloudwatch_event_target")
    assert {_key(a): t["after"]["arn"] for a, t in targets.items()} == {
        k: r["bus_arn"] for k, r in LITERAL.items()
    }
    assert all(
        t["after"]["target_id"] == "central" and "input_path" not in {k for k, v in t["after"].items() if v}
        for t in targets.values()
    )
    (policy,) = _of(changes, "module.literal.", "aws_iam_role_policy").values()
    (statement,) = json.loads(policy["after"]["policy"])["Statement"]
    assert statement["Action"] == "events:PutEvents"
    assert sorted(statement["Resource"]) == sorted(r["bus_arn"] for r in LITERAL.values())
    alarms = _of(changes, "module.literal.", "aws_cloudwatch_metric_alarm")
    assert {_key(a) for a in alarms} == set(LITERAL)


def test_central_single_event_detections_notify_at_once_with_the_default_buses_message(
    planned: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    """realtime_notifications: an SNS target on the central rule of each detection that notifies
    at once (the sign-in rules that are not opt-in: console_login_failures is a count), with the
    very input transformer of the default bus's sign-in rules, whose lines name the account
    (recipientAccountId) and region (awsRegion) of the event; none on the other buses."""
    outputs, changes = planned
    realtime = {k for k, eb in patterns().items() if "opt_in" not in eb} & set(outputs["patterns"])
    assert "root_usage" in realtime and "console_login_failures" not in realtime
    assert set(outputs["notifying"]) == realtime
    sns = {
        _key(a): t["after"]
        for a, t in _of(changes, "module.central.", "aws_cloudwatch_event_target").items()
        if ".sns[" in a
    }
    assert set(sns) == realtime
    for key, t in sns.items():
        assert t["target_id"] == "sns" and t["event_bus_name"] == f"org-{key.replace('_', '-')}"
        (transformer,) = t["input_transformer"]
        assert transformer["input_template"] == text_template(key)
        assert transformer["input_paths"] == input_paths_for(key)
        assert transformer["input_paths"]["account"] == "$.detail.recipientAccountId"
        assert transformer["input_paths"]["region"] == "$.detail.awsRegion"
    # The topic's policy admits the central rules (rule/<bus>/<rule> on custom buses).
    assert outputs["rule_arn_pattern"] == f"arn:aws:events:us-east-1:{ACCOUNT_ID}:rule/org-*/org-central-*"


def test_alarm_descriptions_query_the_account_and_region_of_each_event(
    planned: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    """The central groups hold every member account's and region's events: each alarm's Logs
    Insights query lists both, within CloudWatch's 1,024 characters."""
    _, changes = planned
    alarms = _of(changes, "module.trailwatch.module.alarms.", "aws_cloudwatch_metric_alarm")
    assert len(alarms) >= 20
    for a in alarms.values():
        description = a["after"]["alarm_description"]
        assert "fields @timestamp, recipientAccountId, awsRegion, " in description, description
        assert len(description) <= 1024
