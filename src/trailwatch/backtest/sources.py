"""Where backtest gets its detections and its events from.

Detections: a Terraform plan (``terraform show -json``), or a deployed log group and the
alarms on its metrics (boto3, standard credential chain; ``AWS_ENDPOINT_URL`` reaches the
emulator). Events: CloudTrail archive files (``trailwatch.archive``), or the log group's
own events.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from trailwatch.archive import archive_files
from trailwatch.evaluate import AlarmSpec, MetricFilterSpec
from trailwatch.filterpattern import compile_pattern

__all__ = ["archive_files", "detections_from_log_group", "detections_from_plan", "log_group_events"]


def _plan_resources(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    queue = [plan.get("planned_values", {}).get("root_module", {})]
    while queue:
        mod = queue.pop()
        yield from mod.get("resources", [])
        queue.extend(mod.get("child_modules", []))


def detections_from_plan(plan: dict[str, Any]) -> tuple[list[MetricFilterSpec], list[AlarmSpec]]:
    """Metric filters that a ``terraform show -json`` plan would deploy, and the alarms on
    their metrics (as for a log group: an alarm that reads none of the filters' metrics, such
    as an EventBridge rule's failed-delivery alarm, is nothing a backtest can evaluate)."""
    filters, alarms = _plan_detections(plan)
    metrics = {(f.namespace, f.metric_name) for f in filters}
    return filters, [a for a in alarms if a.metric_keys & metrics]


def _plan_detections(plan: dict[str, Any]) -> tuple[list[MetricFilterSpec], list[AlarmSpec]]:
    filters: list[MetricFilterSpec] = []
    alarms: list[AlarmSpec] = []
    for res in _plan_resources(plan):
        v = res.get("values") or {}
        if res.get("type") == "aws_cloudwatch_log_metric_filter":
            (t,) = v["metric_transformation"]
            filters.append(
                MetricFilterSpec(
                    name=v["name"],
                    pattern=compile_pattern(v.get("pattern") or ""),
                    metric_name=t["name"],
                    namespace=t["namespace"],
                    metric_value=str(t["value"]),
                    default_value=None if t.get("default_value") in (None, "") else float(t["default_value"]),
                )
            )
        elif res.get("type") == "aws_cloudwatch_metric_alarm":
            metrics = []
            for q in v.get("metric_query") or []:
                m: dict[str, Any] = {"Id": q["id"], "ReturnData": bool(q.get("return_data"))}
                if q.get("expression"):
                    m["Expression"] = q["expression"]
                for ms in q.get("metric") or []:
                    m["MetricStat"] = {
                        "Metric": {"Namespace": ms["namespace"], "MetricName": ms["metric_name"]},
                        "Period": ms["period"],
                        "Stat": ms["stat"],
                    }
                metrics.append(m)
            alarms.append(
                AlarmSpec.from_api(
                    {
                        "AlarmName": v["alarm_name"],
                        "MetricName": v.get("metric_name") or None,
                        "Namespace": v.get("namespace") or None,
                        "Statistic": v.get("statistic") or None,
                        "Period": v.get("period") or None,
                        "EvaluationPeriods": v["evaluation_periods"],
                        "DatapointsToAlarm": v.get("datapoints_to_alarm"),
                        "Threshold": v["threshold"],
                        "ComparisonOperator": v["comparison_operator"],
                        "TreatMissingData": v.get("treat_missing_data"),
                        "Metrics": metrics,
                    }
                )
            )
    return filters, alarms


def detections_from_log_group(
    logs: Any, cloudwatch: Any, log_group: str
) -> tuple[list[MetricFilterSpec], list[AlarmSpec]]:
    """The metric filters of a log group and the alarms on their metrics, read with boto3
    (paginated); works against AWS or the emulator alike."""
    filters: list[MetricFilterSpec] = []
    for page in logs.get_paginator("describe_metric_filters").paginate(logGroupName=log_group):
        filters.extend(MetricFilterSpec.from_api(f) for f in page["metricFilters"])
    metrics = {(f.namespace, f.metric_name) for f in filters}
    alarms: list[AlarmSpec] = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
        for a in page["MetricAlarms"]:
            spec = AlarmSpec.from_api(a)
            if spec.metric_keys & metrics:
                alarms.append(spec)
    return filters, alarms


def log_group_events(logs: Any, group: str) -> Iterator[tuple[int, str]]:
    """A log group's events (timestamp ms, message), paginated."""
    for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group):
        for e in page["events"]:
            yield int(e["timestamp"]), str(e["message"])
