"""The root module's eventbridge detection path, at plan (one plan, two module calls: the
same inputs on each path): the trail integrates no log group and no delivery role exists;
each enabled detection is an EventBridge rule whose pattern is the catalog's (what
tests/test_eventbridge_path.py proves equal to the filter), in the state that receives
read-only events, delivering the bare record ($.detail) to the log group the unchanged
metric filters read; the group's resource policy admits EventBridge; every rule has its
FailedInvocations alarm; the real-time sign-in rules are among them and notify."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from trailwatch.harness.emulator import Emulator
from trailwatch.harness.scenarios import ALLOWLIST
from trailwatch.harness.signin_notifications import detection_pattern, path_settings, patterns
from trailwatch.harness.terraform import plan_files

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("eventbridge-path-plan")]

WILDCARDS = ["203.0.113.*", "2001:db8:abcd:*"]  # ALLOWLIST's wildcards (tests/test_scenarios.py)
SOURCES = ["secretsmanager.amazonaws.com"]
PRINCIPALS = ["arn:aws:iam::*:user/ci-*"]
PROVISIONERS = ["arn:aws:sts::*:assumed-role/identity-provisioner/*"]
ARGS: dict[str, Any] = {
    "source": "../../",
    "allowed_source_cidrs": ALLOWLIST,
    "unauthorized_api_calls_excluded_event_sources": SOURCES,
    "unauthorized_api_calls_excluded_principal_arns": PRINCIPALS,
    "login_profile_changes_excluded_principal_arns": PROVISIONERS,
    "signin_events_enabled": True,
}


@pytest.fixture(scope="module")
def planned(
    emulator_session: Emulator, terraform: str
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    doc = {
        "provider": {"aws": {"region": "us-east-1"}},
        "module": {
            "eb": {**ARGS, "name_prefix": "ebp", "detection_path": "eventbridge"},
            "cwl": {**ARGS, "name_prefix": "cwl"},
        },
        "output": {
            f"{m}__{o}": {"value": f"${{module.{m}.{o}}}"}
            for m in ("eb", "cwl")
            for o in ("metric_filters", "event_rule_patterns")
        },
    }
    plan = plan_files({"main.tf.json": json.dumps(doc, indent=2)}, emulator_session, "eventbridge-path")
    outputs = {name: plan.outputs[name] for name in plan.outputs}
    yield outputs, plan._raw["resource_changes"]


def _resources(changes: list[dict[str, Any]], module: str, rtype: str) -> dict[str, dict[str, Any]]:
    return {
        c["address"]: c["change"]
        for c in changes
        if c["address"].startswith(f"module.{module}.") and c["type"] == rtype and c["mode"] == "managed"
    }


def test_every_enabled_detection_is_a_rule_with_the_catalogs_pattern(
    planned: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    outputs, _ = planned
    filters, rules = outputs["eb__metric_filters"], outputs["eb__event_rule_patterns"]
    assert set(rules) == set(filters) and len(rules) >= 20
    for key, text in rules.items():
        assert json.loads(text) == detection_pattern(
            key,
            filters[key]["pattern_id"],
            WILDCARDS,
            SOURCES,
            PROVISIONERS if key == "login_profile_changes" else PRINCIPALS,
        ), key


def test_the_metric_filters_are_the_cloudwatch_logs_paths(
    planned: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    outputs, _ = planned
    eb, cwl = outputs["eb__metric_filters"], outputs["cwl__metric_filters"]
    assert set(eb) == set(cwl)
    for key in eb:
        assert eb[key]["pattern_id"] == cwl[key]["pattern_id"], key
        assert eb[key]["patterns"] == cwl[key]["patterns"], key


def test_no_trail_delivery_to_logs_and_rules_deliver_the_record(
    planned: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    outputs, changes = planned
    (trail,) = _resources(changes, "eb", "aws_cloudtrail").values()
    assert trail["after"].get("cloud_watch_logs_group_arn") in (None, "")
    assert not trail["after_unknown"].get("cloud_watch_logs_group_arn")
    (cwl_trail,) = _resources(changes, "cwl", "aws_cloudtrail").values()
    assert cwl_trail["after_unknown"].get("cloud_watch_logs_group_arn") or cwl_trail["after"].get(
        "cloud_watch_logs_group_arn"
    )
    assert not [a for a in _resources(changes, "eb", "aws_iam_role") if ".delivery_role." in a]
    assert [a for a in _resources(changes, "cwl", "aws_iam_role") if ".delivery_role." in a]

    rules = _resources(changes, "eb", "aws_cloudwatch_event_rule")
    assert len(rules) == len(outputs["eb__event_rule_patterns"])
    assert {r["after"]["state"] for r in rules.values()} == {path_settings()["state"]}
    targets = _resources(changes, "eb", "aws_cloudwatch_event_target")
    logs = [t for a, t in targets.items() if ".aws_cloudwatch_event_target.logs[" in a]
    assert len(logs) == len(rules)
    assert all(t["after"]["input_path"] == "$.detail" and t["after"].get("role_arn") is None for t in logs)
    # The real-time sign-in rules notify: one SNS target each (no routes or chat here).
    sns = [a for a in targets if ".aws_cloudwatch_event_target.sns[" in a]
    realtime = {k for k, eb in patterns().items() if "opt_in" not in eb} & set(rules_keys(outputs))
    assert len(sns) == len(realtime) > 5
    # Each rule has its failure alarm.
    alarms = _resources(changes, "eb", "aws_cloudwatch_metric_alarm")
    failed = [c for a, c in alarms.items() if ".failure_alarms." in a]
    assert len(failed) == len(rules)
    assert all("FailedInvocations" in json.dumps(c["after"]) for c in failed)
    watched = {
        d["value"]
        for c in failed
        for q in c["after"]["metric_query"]
        for m in q["metric"]
        for d in [{"value": m["dimensions"].get("RuleName")}]
    }
    assert {r["after"]["name"] for r in rules.values()} <= watched
    # Each detection's filters read its own group, <group>/<detection>, which its rule feeds.
    groups = {c["after"]["name"] for c in _resources(changes, "eb", "aws_cloudwatch_log_group").values()}
    assert groups == {"/aws/cloudtrail/ebp"} | {f"/aws/cloudtrail/ebp/{k}" for k in rules_keys(outputs)}
    for address, c in _resources(changes, "eb", "aws_cloudwatch_log_metric_filter").items():
        key = address.split('this["', 1)[1].split('"', 1)[0].split("/", 1)[0]
        assert c["after"]["log_group_name"] == f"/aws/cloudtrail/ebp/{key}", address
    assert len(_resources(changes, "cwl", "aws_cloudwatch_log_group")) == 1
    # The log group's resource policy for EventBridge, on the cloudwatch_logs path not at all.
    assert len(_resources(changes, "eb", "aws_cloudwatch_log_resource_policy")) == 1
    assert not _resources(changes, "cwl", "aws_cloudwatch_log_resource_policy")


def rules_keys(outputs: dict[str, Any]) -> list[str]:
    return list(outputs["eb__event_rule_patterns"])
