"""Where backtest gets its detections and its events from.

Detections: a Terraform plan (``terraform show -json``), or a deployed log group and the
alarms on its metrics (boto3, standard credential chain; ``AWS_ENDPOINT_URL`` reaches the
emulator). Events: CloudTrail archive files (``trailwatch.archive``), or the log group's
own events.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

from trailwatch import catalog
from trailwatch.archive import archive_files
from trailwatch.evaluate import AlarmSpec, MetricFilterSpec
from trailwatch.filterpattern import FilterPattern, InvalidPatternError, compile_pattern
from trailwatch.filterpattern.limits import MAX_PATTERN_LENGTH

__all__ = [
    "DetectionsError",
    "archive_files",
    "check_plan",
    "detections_from_catalog",
    "detections_from_log_group",
    "detections_from_plan",
    "log_group_events",
]


class DetectionsError(ValueError):
    """Detections that cannot be used: a plan of the wrong shape, or a filter pattern the
    engine refuses. str() names the resource (its plan address or filter name) and what is
    wrong with it, in AWS's words for a pattern."""


_MISSING = object()


def plan_resources(plan: Any) -> Iterator[dict[str, Any]]:
    """Every resource of a ``terraform show -json`` plan's planned values (child modules
    included); DetectionsError when the document does not have that shape."""
    if not isinstance(plan, dict):
        raise DetectionsError(f"the plan is {_kind(plan)}, not a JSON object (terraform show -json PLANFILE)")
    planned = plan.get("planned_values", {})
    if not isinstance(planned, dict):
        raise DetectionsError(f"planned_values is {_kind(planned)}, not an object")
    queue: list[tuple[str, Any]] = [("planned_values.root_module", planned.get("root_module", {}))]
    while queue:
        where, mod = queue.pop()
        if not isinstance(mod, dict):
            raise DetectionsError(f"{where} is {_kind(mod)}, not an object")
        resources = mod.get("resources", [])
        children = mod.get("child_modules", [])
        for name, items in (("resources", resources), ("child_modules", children)):
            if not isinstance(items, list):
                raise DetectionsError(f"{where}.{name} is {_kind(items)}, not an array")
        for i, res in enumerate(resources):
            if not isinstance(res, dict):
                raise DetectionsError(f"{where}.resources[{i}] is {_kind(res)}, not an object")
            yield res
        queue.extend((f"{where}.child_modules[{i}]", child) for i, child in enumerate(children))


def _kind(value: object) -> str:
    """How JSON calls a value's type, with an article."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else type(value).__name__


class _Values:
    """A resource's ``values``, read with its address in every error."""

    def __init__(self, res: dict[str, Any]) -> None:
        self.address = str(res.get("address") or res.get("type") or "a resource")
        values = res.get("values")
        if not isinstance(values, dict):
            raise DetectionsError(f"{self.address}: values is {_kind(values)}, not an object")
        self.values = values

    def get(self, key: str, kinds: tuple[type, ...], required: bool = False, where: Any = None) -> Any:
        source = self.values if where is None else where
        value = source.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                raise DetectionsError(f"{self.address}: {key} is missing")
            return None
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            wanted = " or ".join(_KIND_NAMES[k] for k in kinds)
            raise DetectionsError(f"{self.address}: {key} is {_kind(value)}, not {wanted}")
        return value

    def number(self, key: str, required: bool = False, where: Any = None) -> float | None:
        value = self.get(key, (int, float, str), required, where)
        if value is None or value == "":
            if required:
                raise DetectionsError(f"{self.address}: {key} is missing")
            return None
        try:
            number = float(value)
        except ValueError:
            raise DetectionsError(f"{self.address}: {key} is {value!r}, not a number") from None
        if not math.isfinite(number):
            raise DetectionsError(f"{self.address}: {key} is {value!r}, not a finite number")
        return number

    def objects(self, key: str, where: Any = None) -> list[dict[str, Any]]:
        items = self.get(key, (list,), where=where) or []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise DetectionsError(f"{self.address}: {key}[{i}] is {_kind(item)}, not an object")
        return list(items)


_KIND_NAMES: dict[type, str] = {
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    list: "an array",
    dict: "an object",
}


def _filter_spec(res: dict[str, Any]) -> tuple[str, tuple[str, str, str, str, str, float | None]]:
    """(address, (name, pattern, metric name, namespace, metric value, default value))."""
    v = _Values(res)
    name = v.get("name", (str,), required=True)
    pattern = v.get("pattern", (str,)) or ""
    transformations = v.objects("metric_transformation")
    if len(transformations) != 1:
        raise DetectionsError(
            f"{v.address}: metric_transformation holds {len(transformations)} items, not exactly one"
        )
    (t,) = transformations
    metric = v.get("name", (str,), required=True, where=t)
    namespace = v.get("namespace", (str,), required=True, where=t)
    value = v.get("value", (str, int, float), required=True, where=t)
    default = v.number("default_value", where=t)
    return v.address, (name, pattern, metric, namespace, str(value), default)


def _alarm_api(res: dict[str, Any]) -> dict[str, Any]:
    """A planned alarm as a DescribeAlarms item (AlarmSpec.from_api's input)."""
    v = _Values(res)
    metrics = []
    for q in v.objects("metric_query"):
        m: dict[str, Any] = {
            "Id": v.get("id", (str,), required=True, where=q),
            "ReturnData": bool(v.get("return_data", (bool,), where=q)),
        }
        expression = v.get("expression", (str,), where=q)
        if expression:
            m["Expression"] = expression
        for ms in v.objects("metric", where=q):
            m["MetricStat"] = {
                "Metric": {
                    "Namespace": v.get("namespace", (str,), required=True, where=ms),
                    "MetricName": v.get("metric_name", (str,), required=True, where=ms),
                },
                "Period": v.number("period", required=True, where=ms),
                "Stat": v.get("stat", (str,), required=True, where=ms),
            }
        metrics.append(m)
    evaluation_periods = v.number("evaluation_periods", required=True) or 0
    datapoints = v.number("datapoints_to_alarm")
    period = v.number("period")
    periods = [m["MetricStat"]["Period"] for m in metrics if "MetricStat" in m]
    periods += [] if period is None else [period]
    if evaluation_periods < 1 or evaluation_periods != int(evaluation_periods):
        raise DetectionsError(
            f"{v.address}: evaluation_periods is {evaluation_periods:g}, not a whole number >= 1"
        )
    if datapoints is not None and not 1 <= datapoints <= evaluation_periods:
        raise DetectionsError(
            f"{v.address}: datapoints_to_alarm is {datapoints:g}, not between 1 and evaluation_periods"
        )
    if any(p < 1 or p != int(p) for p in periods):
        raise DetectionsError(f"{v.address}: a period is not a whole number of seconds >= 1")
    threshold = v.number("threshold")
    if threshold is None and not v.get("threshold_metric_id", (str,)):
        raise DetectionsError(f"{v.address}: threshold is missing")
    if not metrics and not (v.get("metric_name", (str,)) and v.get("namespace", (str,))):
        raise DetectionsError(f"{v.address}: neither metric_name and namespace nor metric_query")
    return {
        "AlarmName": v.get("alarm_name", (str,), required=True),
        "MetricName": v.get("metric_name", (str,)) or None,
        "Namespace": v.get("namespace", (str,)) or None,
        "Statistic": v.get("statistic", (str,)) or None,
        "ExtendedStatistic": v.get("extended_statistic", (str,)) or None,
        "Period": period or None,
        "EvaluationPeriods": evaluation_periods,
        "DatapointsToAlarm": datapoints,
        "Threshold": threshold,
        "ComparisonOperator": v.get("comparison_operator", (str,), required=True),
        "TreatMissingData": v.get("treat_missing_data", (str,)),
        "Metrics": metrics,
    }


def check_plan(plan: Any, alarms: bool = True) -> None:
    """DetectionsError when the plan's metric filters (or, with ``alarms``, its alarms) do
    not have the shape ``terraform show -json`` gives them (patterns are not compiled).
    Without ``alarms`` only an alarm's metric queries are checked (what ``cost`` counts)."""
    for res in plan_resources(plan):
        if res.get("type") == "aws_cloudwatch_log_metric_filter":
            _filter_spec(res)
        elif res.get("type") == "aws_cloudwatch_metric_alarm":
            if alarms:
                _alarm_api(res)
            else:
                v = _Values(res)
                for q in v.objects("metric_query"):
                    v.objects("metric", where=q)


def compile_filter(where: str, name: str, pattern: str) -> FilterPattern:
    """The filter's pattern compiled; DetectionsError names the filter and gives AWS's message."""
    try:
        return compile_pattern(pattern)
    except InvalidPatternError as exc:
        raise DetectionsError(f"{where}: filter {name}: invalid filter pattern {pattern!r}: {exc}") from None


def detections_from_plan(plan: Any) -> tuple[list[MetricFilterSpec], list[AlarmSpec]]:
    """Metric filters that a ``terraform show -json`` plan would deploy, and the alarms on
    their metrics (as for a log group: an alarm that reads none of the filters' metrics, such
    as an EventBridge rule's failed-delivery alarm, is nothing a backtest can evaluate).
    DetectionsError when the plan does not have that shape or a pattern is invalid."""
    filters, alarms = _plan_detections(plan)
    metrics = {(f.namespace, f.metric_name) for f in filters}
    return filters, [a for a in alarms if a.metric_keys & metrics]


def _plan_detections(plan: Any) -> tuple[list[MetricFilterSpec], list[AlarmSpec]]:
    filters: list[MetricFilterSpec] = []
    alarms: list[AlarmSpec] = []
    for res in plan_resources(plan):
        if res.get("type") == "aws_cloudwatch_log_metric_filter":
            where, (name, pattern, metric, namespace, value, default) = _filter_spec(res)
            compiled = compile_filter(where, name, pattern)
            filters.append(MetricFilterSpec(name, compiled, metric, namespace, value, default))
        elif res.get("type") == "aws_cloudwatch_metric_alarm":
            alarms.append(AlarmSpec.from_api(_alarm_api(res)))
    return filters, alarms


def detections_from_log_group(
    logs: Any, cloudwatch: Any, log_group: str
) -> tuple[list[MetricFilterSpec], list[AlarmSpec]]:
    """The metric filters of a log group and the alarms on their metrics, read with boto3
    (paginated); works against AWS or the emulator alike."""
    filters: list[MetricFilterSpec] = []
    for page in logs.get_paginator("describe_metric_filters").paginate(logGroupName=log_group):
        for f in page["metricFilters"]:
            # A deployed pattern AWS accepted and the engine refuses: said, with the filter.
            compile_filter(log_group, f["filterName"], f.get("filterPattern", ""))
            filters.append(MetricFilterSpec.from_api(f))
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


#: The metric namespace the module's filters publish to by default (modules/metric-filters).
CATALOG_NAMESPACE = "CloudTrailMetrics"


def detections_from_catalog(
    cis_exact: bool = False, modes: dict[str, str] | None = None, allowed_sources: Sequence[str] = ()
) -> tuple[list[MetricFilterSpec], list[AlarmSpec]]:
    """The detections the module deploys with these inputs, from the catalog alone (no plan):
    for each enabled detection one filter on the pattern its metric counts with
    (``catalog.resolve``; the allowlist filled by ``catalog.allowlist_clauses``) and its alarm
    with the catalog's settings. A catalog ``deploy`` split publishes the same sums to the metric
    (its counting filters match disjoint sets whose union is the pattern's, its witnesses
    publish 0: tests/test_audits.py), so the alarms fire as the deployed ones do; each detection
    is one filter here, named by its key (an alarm's matches are its pattern's, with no
    witness's among them). DetectionsError for an allowlist entry or pattern that cannot be
    used."""
    try:
        clauses = catalog.allowlist_clauses(allowed_sources)
        chosen = catalog.resolve(cis_exact, modes, allowlist_set=bool(allowed_sources))
    except (ValueError, KeyError) as exc:
        raise DetectionsError(str(exc).strip('"')) from None
    every = catalog.detections()
    filters: list[MetricFilterSpec] = []
    alarms: list[AlarmSpec] = []
    for key, pattern_id in chosen.items():
        d = every[key]
        text = catalog.fill(d.patterns[pattern_id], clauses)
        if len(text) > MAX_PATTERN_LENGTH:
            raise DetectionsError(
                f"{key}: the allowlist makes a pattern of {len(text)} characters; AWS allows "
                f"{MAX_PATTERN_LENGTH} (the module then writes regexes: backtest a plan of the configuration)"
            )
        try:
            pattern = compile_pattern(text)
        except InvalidPatternError as exc:
            raise DetectionsError(f"{key}: {exc}") from None
        filters.append(MetricFilterSpec(key, pattern, d.metric_name, CATALOG_NAMESPACE))
        a = d.alarm
        alarms.append(
            AlarmSpec(
                name=key,
                metric_name=d.metric_name,
                namespace=CATALOG_NAMESPACE,
                statistic=a["statistic"],
                period=int(a["period"]),
                evaluation_periods=int(a["evaluation_periods"]),
                datapoints_to_alarm=int(a["datapoints_to_alarm"]),
                threshold=float(a["threshold"]),
                comparison=a["comparison_operator"],
                treat_missing_data=a["treat_missing_data"],
            )
        )
    return filters, alarms
