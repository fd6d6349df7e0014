"""Metric filters -> datapoints -> alarm states, with CloudWatch's semantics.

No emulator evaluates metric filters or alarms (moto stores both, LocalStack community
matches every event), so this module does what CloudWatch would do with a stream of log
events:

- each metric filter publishes its metric value for every matching event, and its default
  value (if any) for every non-matching one, into the one-minute bucket of the event time;
- each alarm aggregates its metric per ``period`` (Sum, SampleCount, Average, Minimum,
  Maximum), compares it with ``threshold``, and goes to ALARM when at least
  ``datapoints_to_alarm`` of the last ``evaluation_periods`` periods breach; a period with
  no datapoint counts according to ``treat_missing_data``.

Metric-math alarms (``Metrics`` with an ``Expression``) are evaluated for the expressions
``FILL(m, v)``, ``+`` and ``-`` over metric ids, which is what an allowlist split needs.
"""

from __future__ import annotations

import operator
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from trailwatch.filterpattern import Event, FilterPattern, compile_pattern, select

MINUTE_MS = 60_000

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": operator.ge,
    "GreaterThanThreshold": operator.gt,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}


@dataclass
class MetricFilterSpec:
    name: str
    pattern: FilterPattern
    metric_name: str
    namespace: str
    metric_value: str = "1"
    default_value: float | None = None

    @classmethod
    def from_api(cls, f: dict[str, Any]) -> MetricFilterSpec:
        """From a DescribeMetricFilters item."""
        t = f["metricTransformations"][0]
        return cls(
            name=f["filterName"],
            pattern=compile_pattern(f.get("filterPattern", "")),
            metric_name=t["metricName"],
            namespace=t["metricNamespace"],
            metric_value=str(t["metricValue"]),
            default_value=t.get("defaultValue"),
        )

    def value_for(self, event: Event) -> float | None:
        """The value this filter publishes for a matching event (None: no datapoint)."""
        v = self.metric_value
        if v.startswith("$."):
            cur = select(event.doc, v)
            raw = getattr(cur, "raw", cur)
            if raw is None:
                return self.default_value
            try:
                return float(raw)
            except (TypeError, ValueError):
                return None
        return float(v)


@dataclass
class AlarmSpec:
    name: str
    metric_name: str | None
    namespace: str | None
    statistic: str
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison: str
    treat_missing_data: str
    metrics: list[dict[str, Any]] = field(default_factory=list)

    @property
    def metric_keys(self) -> set[tuple[str | None, str | None]]:
        """(namespace, metric name) of every metric the alarm reads, plain or metric math."""
        return {(self.namespace, self.metric_name)} | {
            (m["MetricStat"]["Metric"]["Namespace"], m["MetricStat"]["Metric"]["MetricName"])
            for m in self.metrics
            if "MetricStat" in m
        }

    @classmethod
    def from_api(cls, a: dict[str, Any]) -> AlarmSpec:
        """From a DescribeAlarms MetricAlarms item (or the equivalent plan values)."""
        metrics = a.get("Metrics") or []
        period = a.get("Period") or next(
            (m["MetricStat"]["Period"] for m in metrics if "MetricStat" in m), 60
        )
        return cls(
            name=a["AlarmName"],
            metric_name=a.get("MetricName"),
            namespace=a.get("Namespace"),
            statistic=a.get("Statistic") or "Sum",
            period=int(period),
            evaluation_periods=int(a["EvaluationPeriods"]),
            datapoints_to_alarm=int(a.get("DatapointsToAlarm") or a["EvaluationPeriods"]),
            threshold=float(a["Threshold"]),
            comparison=a["ComparisonOperator"],
            treat_missing_data=a.get("TreatMissingData") or "missing",
            metrics=list(metrics),
        )


def _aggregate(values: list[float], statistic: str) -> float:
    if statistic == "Sum":
        return sum(values)
    if statistic == "SampleCount":
        return float(len(values))
    if statistic == "Average":
        return sum(values) / len(values)
    if statistic == "Minimum":
        return min(values)
    if statistic == "Maximum":
        return max(values)
    raise ValueError(f"unsupported statistic {statistic}")


@dataclass
class AlarmResult:
    name: str
    would_alarm: bool
    first_alarm_ms: int | None
    matches: int
    breaching_periods: list[int] = field(default_factory=list)

    @property
    def first_alarm_time(self) -> str | None:
        if self.first_alarm_ms is None:
            return None
        return datetime.fromtimestamp(self.first_alarm_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FilterResult:
    name: str
    matches: int = 0
    samples: list[Event] = field(default_factory=list)


def _required_names(f: MetricFilterSpec) -> frozenset[str] | None:
    """The eventNames of which a match must have one, when the pattern's hint is only that."""
    hint = f.pattern.hint
    if hint is None or f.pattern.kind != "json" or any(kind != "eventName" for kind, _ in hint):
        return None
    return frozenset(v for _, v in hint)


class Evaluator:
    """Feed events in any order; then ask for filter and alarm results."""

    def __init__(
        self,
        filters: list[MetricFilterSpec],
        alarms: list[AlarmSpec],
        samples: int = 5,
        precheck: bool = True,
    ) -> None:
        self.filters = filters
        self.alarms = alarms
        self.samples = samples
        #: Try each pattern's cheap necessary condition (FilterPattern.could_match) before
        #: matching. A caller that has parsed every event already (backtest) turns it off:
        #: then the precheck's substring scans cost more than the match on the parsed doc,
        #: and only a pattern that requires one of a set of eventNames is gated, by a dict
        #: lookup on the parsed document.
        self.precheck = precheck
        self._names = {f.name: _required_names(f) for f in filters}
        self.events_scanned = 0
        self.filter_results = {f.name: FilterResult(f.name) for f in filters}
        # (namespace, metric) -> minute start (ms) -> published values
        self.points: dict[tuple[str, str], dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
        self.metric_matches: dict[tuple[str, str], int] = defaultdict(int)
        #: Earliest and latest event time seen (ms), for the span a backtest covers.
        self.first_ms: int | None = None
        self.last_ms: int | None = None

    def observe(self, timestamp_ms: int) -> None:
        if timestamp_ms <= 0:
            return
        self.first_ms = timestamp_ms if self.first_ms is None else min(self.first_ms, timestamp_ms)
        self.last_ms = timestamp_ms if self.last_ms is None else max(self.last_ms, timestamp_ms)

    def add(self, timestamp_ms: int, message: str | Event, only: Collection[str] | None = None) -> None:
        """Count one event; ``only``: the names of the filters that can match it (a caller's
        necessary condition, e.g. the backtest prefilter's), the others are not tried."""
        event = message if isinstance(message, Event) else Event(message)
        self.events_scanned += 1
        self.observe(timestamp_ms)
        minute = timestamp_ms - timestamp_ms % MINUTE_MS
        for f in self.filters:
            key = (f.namespace, f.metric_name)
            if only is not None and f.name not in only:
                candidate = False
            elif self.precheck:
                candidate = f.pattern.could_match(event)
            else:
                names = self._names[f.name]
                doc = event.doc if names is not None else None
                candidate = names is None or (isinstance(doc, dict) and doc.get("eventName") in names)
            if candidate and f.pattern.match(event) is not None:
                res = self.filter_results[f.name]
                res.matches += 1
                if len(res.samples) < self.samples:
                    res.samples.append(event)
                self.metric_matches[key] += 1
                value = f.value_for(event)
                if value is not None:
                    self.points[key][minute].append(value)
            elif f.default_value is not None:
                self.points[key][minute].append(float(f.default_value))

    def datapoints(self) -> dict[tuple[str, str], dict[int, float]]:
        """Each metric's published values summed per bucket start (ms)."""
        return {k: {t: sum(v) for t, v in sorted(b.items()) if v} for k, b in self.points.items()}

    def add_all(self, events: Iterable[tuple[int, str | Event]]) -> None:
        for ts, msg in events:
            self.add(ts, msg)

    def _series(self, namespace: str, metric: str, period_ms: int, statistic: str) -> dict[int, float]:
        buckets: dict[int, list[float]] = defaultdict(list)
        for minute, values in self.points.get((namespace, metric), {}).items():
            buckets[minute - minute % period_ms].extend(values)
        return {start: _aggregate(v, statistic) for start, v in buckets.items() if v}

    def _alarm_series(self, alarm: AlarmSpec) -> tuple[dict[int, float], int]:
        period_ms = alarm.period * 1000
        if not alarm.metrics:
            assert alarm.metric_name and alarm.namespace
            return (
                self._series(alarm.namespace, alarm.metric_name, period_ms, alarm.statistic),
                self.metric_matches.get((alarm.namespace, alarm.metric_name), 0),
            )
        by_id: dict[str, dict[int, float]] = {}
        matches = 0
        for m in alarm.metrics:
            if "MetricStat" in m:
                stat = m["MetricStat"]
                metric = stat["Metric"]
                key = (metric["Namespace"], metric["MetricName"])
                by_id[m["Id"]] = self._series(key[0], key[1], period_ms, stat["Stat"])
                matches += self.metric_matches.get(key, 0)
        expr = next(m for m in alarm.metrics if m.get("ReturnData", True) and "Expression" in m)
        return _eval_expression(expr["Expression"], by_id), matches

    def alarm_results(self) -> list[AlarmResult]:
        out = []
        for alarm in self.alarms:
            series, matches = self._alarm_series(alarm)
            period_ms = alarm.period * 1000
            compare = _COMPARE[alarm.comparison]
            breaching = sorted(t for t, v in series.items() if compare(v, alarm.threshold))
            first = None
            if series:
                start = min(series)
                end = max(series) + alarm.evaluation_periods * period_ms
                for t in range(start, end, period_ms):
                    window = [t - i * period_ms for i in range(alarm.evaluation_periods)]
                    bad = 0
                    for w in window:
                        if w in series:
                            bad += compare(series[w], alarm.threshold)
                        elif alarm.treat_missing_data == "breaching":
                            bad += 1
                    if bad >= alarm.datapoints_to_alarm:
                        first = t + period_ms
                        break
            out.append(AlarmResult(alarm.name, first is not None, first, matches, breaching))
        return out


_FILL = re.compile(r"FILL\(\s*(\w+)\s*,\s*([-\d.]+)\s*\)")


def _eval_expression(expr: str, by_id: dict[str, dict[int, float]]) -> dict[int, float]:
    """Evaluate ``a + b - FILL(c, 0)``-style metric math over aligned series."""
    terms = re.findall(r"([+-]?)\s*(FILL\(\s*\w+\s*,\s*[-\d.]+\s*\)|\w+)", expr.replace(" ", ""))
    times: set[int] = set()
    for s in by_id.values():
        times.update(s)
    out: dict[int, float] = {}
    for t in times:
        total = 0.0
        present = True
        for sign, term in terms:
            m = _FILL.fullmatch(term)
            if m:
                value: float | None = by_id[m.group(1)].get(t, float(m.group(2)))
            else:
                value = by_id[term].get(t)
            if value is None:
                present = False
                break
            total += -value if sign == "-" else value
        if present:
            out[t] = total
    return out
