"""The check logic of the auditors teams run on the CIS "log metric filter and alarm" controls,
copied from their sources and pinned to their commits (tests/auditors/*.json), and run on a
deployment: Security Hub CSPM's CloudWatch.1-14, Prowler's cloudwatch_* checks (5.30 and
later, and before), and Powerpipe's aws_compliance mod (v1.7.0 and later, and before).

A `Deployment` is what the auditors read through the AWS API: trails, metric filters, alarms
and topic subscriptions. `from_plan` builds one from a plan's resources (the filters and the
alarms' metrics are known at plan; the alarm actions and the trail's log group ARN are not, so
the chain is taken as the module wires it and is audited for real on an applied stack by
`from_api`)."""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "auditors"

SECURITY_HUB = "security-hub"


@dataclass(frozen=True)
class Trail:
    log_group_name: str | None
    multi_region: bool = True
    logging: bool = True
    #: ReadWriteType of each classic event selector (a trail created without selectors has
    #: AWS's default one: all management events, read and write).
    selectors: tuple[str, ...] = ("All",)


@dataclass(frozen=True)
class Filter:
    name: str
    log_group_name: str
    pattern: str
    metric_name: str


@dataclass(frozen=True)
class Alarm:
    metric_name: str | None
    actions: tuple[str, ...] = ()


@dataclass
class Deployment:
    trails: list[Trail]
    filters: list[Filter]
    alarms: list[Alarm]
    #: topic ARN -> number of subscriptions (pending ones included)
    subscriptions: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Control:
    auditor: str
    control: str  # CloudWatch.N, or the CIS v5.0.0 item (4.1-4.15)
    check: str
    regex: str | None = None
    pattern: str | None = None  # Security Hub: the documented string


@cache
def _json(name: str) -> Any:
    if name.endswith(".gz"):
        with gzip.open(DATA / name, "rt") as fh:
            return json.load(fh)
    return json.loads((DATA / name).read_text())


def security_hub() -> list[Control]:
    return [
        Control(SECURITY_HUB, c["control"], c["control"], pattern=c["pattern"])
        for c in _json("securityhub.json")["controls"]
    ]


def prowler(generation: str) -> list[Control]:
    (gen,) = [g for g in _json("prowler.json")["generations"] if g["id"] == generation]
    return [Control(generation, c["cis"], c["check"], regex=c["regex"]) for c in gen["checks"]]


def powerpipe(generation: str) -> list[Control]:
    (gen,) = [g for g in _json("powerpipe.json")["generations"] if g["id"] == generation]
    return [Control(generation, q["cis"], q["query"], regex=q["regex"]) for q in gen["queries"]]


AUDITORS: dict[str, str] = {
    SECURITY_HUB: "Security Hub CSPM",
    **{g["id"]: g["label"] for g in _json("prowler.json")["generations"]},
    **{g["id"]: g["label"] for g in _json("powerpipe.json")["generations"]},
}


def controls(auditor: str) -> list[Control]:
    if auditor == SECURITY_HUB:
        return security_hub()
    if auditor.startswith("prowler"):
        return prowler(auditor)
    return powerpipe(auditor)


# --- pattern tests, one per tool -------------------------------------------------------------


def security_hub_matches(documented: str, pattern: str) -> bool:
    """The documented string, whitespace aside: terms, parentheses and quotes must be equal."""
    return re.sub(r"\s+", "", pattern) == re.sub(r"\s+", "", documented)


def prowler_matches(regex: str, pattern: str) -> bool:
    """metric_filters.py: ``re.search(metric_filter_pattern, metric_filter.pattern, flags=re.DOTALL)``."""
    return re.search(regex, pattern, flags=re.DOTALL) is not None


def powerpipe_matches(regex: str, pattern: str) -> bool:
    """``filter_pattern ~ '<regex>'`` in PostgreSQL: unanchored and case-sensitive, ``.`` matches
    a newline, and ``\\s`` is ASCII whitespace in Steampipe's C-locale database."""
    return re.search(regex, pattern, flags=re.DOTALL | re.ASCII) is not None


def pattern_passes(control: Control, pattern: str) -> bool:
    if control.auditor == SECURITY_HUB:
        assert control.pattern is not None
        return security_hub_matches(control.pattern, pattern)
    assert control.regex is not None
    if control.auditor.startswith("prowler"):
        return prowler_matches(control.regex, pattern)
    return powerpipe_matches(control.regex, pattern)


# --- whole checks --------------------------------------------------------------------------


def passes(control: Control, d: Deployment) -> bool:
    """Whether the control passes on the deployment, by the tool's own chain of conditions."""
    if control.auditor.startswith("prowler"):
        # Any trail's log group (its name only); the trail's other settings are not read.
        groups = {t.log_group_name for t in d.trails if t.log_group_name}
        return any(
            f.log_group_name in groups
            and pattern_passes(control, f.pattern)
            and any(a.metric_name == f.metric_name for a in d.alarms)
            for f in d.filters
        )
    # Security Hub (the CIS audit steps it runs) and Powerpipe: a multi-Region trail that is
    # logging with a read-and-write selector, the filter on its log group, an alarm on the
    # filter's metric, and one of the alarm's topics with a subscription.
    groups = {
        t.log_group_name
        for t in d.trails
        if t.log_group_name and t.multi_region and t.logging and "All" in t.selectors
    }
    return any(
        f.log_group_name in groups
        and pattern_passes(control, f.pattern)
        and any(
            a.metric_name == f.metric_name and any(d.subscriptions.get(arn, 0) > 0 for arn in a.actions)
            for a in d.alarms
        )
        for f in d.filters
    )


def audit(d: Deployment) -> dict[str, dict[str, bool]]:
    """auditor -> control -> passed."""
    return {auditor: {c.control: passes(c, d) for c in controls(auditor)} for auditor in AUDITORS}


# --- deployments -----------------------------------------------------------------------------


def _resources(module: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(module.get("resources", []))
    for child in module.get("child_modules", []):
        found += _resources(child)
    return found


def from_plan(plan: dict[str, Any], module: str, topic: str, subscribers: int) -> Deployment:
    """The filters and detection alarms one root-module call plans (module.<module>). The
    plan does not know the alarms' actions: they are taken to be `topic`, with `subscribers`
    subscriptions, as the module wires them (the applied stack checks that wiring)."""
    prefix = f"module.{module}."
    res = [r for r in _resources(plan["planned_values"]["root_module"]) if r["address"].startswith(prefix)]
    trails = [
        Trail(
            log_group_name=next(r["values"]["name"] for r in res if r["type"] == "aws_cloudwatch_log_group"),
            multi_region=r["values"]["is_multi_region_trail"],
            logging=r["values"]["enable_logging"],
            selectors=tuple(s["read_write_type"] for s in r["values"]["event_selector"]) or ("All",),
        )
        for r in res
        if r["type"] == "aws_cloudtrail"
    ]
    filters = [
        Filter(
            name=r["values"]["name"],
            log_group_name=r["values"]["log_group_name"],
            pattern=r["values"]["pattern"],
            metric_name=r["values"]["metric_transformation"][0]["name"],
        )
        for r in res
        if r["type"] == "aws_cloudwatch_log_metric_filter"
    ]
    alarms = [
        Alarm(metric_name=r["values"].get("metric_name"), actions=(topic,))
        for r in res
        if r["type"] == "aws_cloudwatch_metric_alarm" and ".module.alarms." in r["address"]
    ]
    return Deployment(trails, filters, alarms, {topic: subscribers})


def from_api(session: Any) -> Deployment:
    """What the auditors read through the AWS API (boto3 `session`, one Region)."""
    ct, logs, cw, sns = (session.client(s) for s in ("cloudtrail", "logs", "cloudwatch", "sns"))
    trails = []
    for t in ct.describe_trails()["trailList"]:
        arn = t.get("CloudWatchLogsLogGroupArn")
        got = ct.get_event_selectors(TrailName=t["TrailARN"])
        # AWS::CloudTrail::Trail EventSelector: "By default, trails created without specific
        # event selectors will be configured to log all read and write management events, and
        # no data events." AWS answers with that selector; the emulator with none.
        selectors = got.get("EventSelectors") or (
            []
            if got.get("AdvancedEventSelectors")
            else [{"ReadWriteType": "All", "IncludeManagementEvents": True}]
        )
        trails.append(
            Trail(
                log_group_name=arn.split(":")[6] if arn else None,
                multi_region=t["IsMultiRegionTrail"],
                logging=ct.get_trail_status(Name=t["TrailARN"])["IsLogging"],
                selectors=tuple(s["ReadWriteType"] for s in selectors),
            )
        )
    filters = [
        Filter(
            f["filterName"],
            f["logGroupName"],
            f.get("filterPattern", ""),
            f["metricTransformations"][0]["metricName"],
        )
        for page in logs.get_paginator("describe_metric_filters").paginate()
        for f in page["metricFilters"]
    ]
    alarms = [
        Alarm(a.get("MetricName"), tuple(a.get("AlarmActions", [])))
        for page in cw.get_paginator("describe_alarms").paginate()
        for a in page["MetricAlarms"]
    ]
    topics = {arn for a in alarms for arn in a.actions if ":sns:" in arn}
    subscriptions = {
        arn: len(sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]) for arn in topics
    }
    return Deployment(trails, filters, alarms, subscriptions)


def from_steampipe_rows(tables: dict[str, list[dict[str, Any]]], account: str) -> Deployment:
    """A Powerpipe fixture's rows (Steampipe's tables) as a deployment of one account."""
    trails = [
        Trail(
            log_group_name=t["log_group_arn"].split(":")[6] if t.get("log_group_arn") else None,
            multi_region=t.get("is_multi_region_trail") is True,
            logging=t.get("is_logging") is True,
            selectors=tuple(s.get("ReadWriteType", "") for s in t.get("event_selectors") or []),
        )
        for t in tables.get("aws_cloudtrail_trail", [])
        if t["account_id"] == account
    ]
    filters = [
        Filter(f["name"], f["log_group_name"], f.get("filter_pattern") or "", f["metric_transformation_name"])
        for f in tables.get("aws_cloudwatch_log_metric_filter", [])
    ]
    alarms = [
        Alarm(a.get("metric_name"), tuple(a.get("alarm_actions") or ()))
        for a in tables.get("aws_cloudwatch_alarm", [])
    ]
    subs: dict[str, int] = {}
    for s in tables.get("aws_sns_topic_subscription", []):
        subs[s["topic_arn"]] = subs.get(s["topic_arn"], 0) + 1
    return Deployment(trails, filters, alarms, subs)
