"""What a backtest evaluates: a metric filter and an alarm, as CloudWatch holds them
(DescribeMetricFilters, DescribeAlarms, or a plan's equivalent values).

Its own module so that the evaluator (trailwatch.evaluate) and the prefilter
(trailwatch.prefilter), which each need these, do not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trailwatch.filterpattern import Event, FilterPattern, compile_pattern, select


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

    @property
    def counts_events(self) -> bool:
        """Whether a match is counted among its alarm's matches: not when the filter
        publishes a constant 0 (a witness filter, which matches only events another filter
        of the same metric counts: its matches would count those events twice)."""
        v = self.metric_value
        if v.startswith("$."):
            return True
        try:
            return float(v) != 0
        except ValueError:
            return True

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
    #: None for an alarm on an anomaly-detection band (``ThresholdMetricId``)
    threshold: float | None
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
        threshold = a.get("Threshold")
        return cls(
            name=a["AlarmName"],
            metric_name=a.get("MetricName"),
            namespace=a.get("Namespace"),
            statistic=a.get("Statistic") or a.get("ExtendedStatistic") or "Sum",
            period=int(period),
            evaluation_periods=int(a["EvaluationPeriods"]),
            datapoints_to_alarm=int(a.get("DatapointsToAlarm") or a["EvaluationPeriods"]),
            threshold=None if threshold is None else float(threshold),
            comparison=a["ComparisonOperator"],
            treat_missing_data=a.get("TreatMissingData") or "missing",
            metrics=list(metrics),
        )
