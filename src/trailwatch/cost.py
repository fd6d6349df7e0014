"""`trailwatch cost --plan plan.json`: monthly CloudWatch cost of what a plan deploys.

Prices: us-east-1, from the Amazon CloudWatch pricing page (aws.amazon.com/cloudwatch/pricing),
as summarized in this project's reference notes on 2026-11-28:

- standard-resolution alarm: $0.10 per alarm metric per month (a metric-math alarm pays
  for each metric it reads);
- custom metric (what a metric filter publishes): $0.30 per metric per month for the first
  10,000, billed pro rata by the hour, and only for hours in which a datapoint is published;
- CloudWatch Logs standard ingestion: $0.50 per GB.

On the eventbridge detection path (a plan whose EventBridge rules write the bare record,
input path ``$.detail``, to log groups) only the rules' matched events are ingested: each
event once per detection that matches it (each detection has its own group). EventBridge
itself adds nothing there: AWS management events are ingested by the default bus for free and
the targets are in the same account (Amazon EventBridge pricing page,
aws.amazon.com/eventbridge/pricing, "Event buses": the AWS Free Tier line for AWS management
events; delivery to another account or another bus is what it bills, which this single-account
path does not do).

The free tier (10 metrics, 10 alarms, 5 GB of logs) is not subtracted. A metric filter
with a default value publishes for every event, so its metric is billed every hour of the
month; without one it is billed only for the hours in which a sign-in (or change) matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trailwatch.archive import Skipped
from trailwatch.backtest.sources import plan_resources as _plan_resources

PRICES_AS_OF = "2026-11-28"
PRICE_SOURCE = "https://aws.amazon.com/cloudwatch/pricing/ (us-east-1)"
EVENTBRIDGE_PRICE_SOURCE = (
    "https://aws.amazon.com/eventbridge/pricing/ (AWS management events on the default bus: ingested free)"
)
PATHS = ("cloudwatch_logs", "eventbridge")
ALARM_METRIC_MONTH = 0.10
CUSTOM_METRIC_MONTH = 0.30
INGEST_PER_GB = 0.50
HOURS_PER_MONTH = 730


@dataclass
class CostLine:
    item: str
    quantity: float
    unit_price: float
    monthly: float
    note: str


def detection_path(plan: dict[str, Any]) -> str:
    """The plan's detection path: "eventbridge" when EventBridge rules write the bare record
    (input path $.detail) to log groups, else "cloudwatch_logs"."""
    for r in _plan_resources(plan):
        v = r.get("values") or {}
        if r.get("type") == "aws_cloudwatch_event_target" and v.get("input_path") == "$.detail":
            return "eventbridge"
    return "cloudwatch_logs"


def estimate(
    plan: dict[str, Any],
    events_per_day: float = 0.0,
    avg_event_bytes: float = 1000.0,
    active_hours: float = HOURS_PER_MONTH,
    active_hours_by_metric: dict[str, float] | None = None,
    default_zero: bool = False,
    path: str | None = None,
    matched_per_day: float = 0.0,
) -> list[CostLine]:
    """Cost lines for a ``terraform show -json`` plan.

    ``active_hours`` is the number of hours per month in which a publish-on-match metric
    receives at least one datapoint (730: every hour, the worst case);
    ``active_hours_by_metric`` gives it per metric name instead (see ``measure``).
    ``default_zero`` prices the same detections as if every filter had
    ``default_value = 0`` (the terraform-aws-modules cis-alarms style).
    ``path`` prices the detections on that detection path (default: the plan's own); on the
    eventbridge path the ingestion is ``matched_per_day`` deliveries (an event once per
    detection matching it) of ``avg_event_bytes``, not ``events_per_day``.
    """
    path = path or detection_path(plan)
    if path not in PATHS:
        raise ValueError(f"path must be one of {PATHS}, not {path!r}")
    filters = [
        r["values"] for r in _plan_resources(plan) if r.get("type") == "aws_cloudwatch_log_metric_filter"
    ]
    alarms = [r["values"] for r in _plan_resources(plan) if r.get("type") == "aws_cloudwatch_metric_alarm"]

    def has_default(f: dict[str, Any]) -> bool:
        return default_zero or f["metric_transformation"][0].get("default_value") not in (None, "")

    def hours_of(f: dict[str, Any]) -> float:
        name = f["metric_transformation"][0]["name"]
        h = active_hours if active_hours_by_metric is None else active_hours_by_metric.get(name, 0.0)
        return min(max(h, 0.0), HOURS_PER_MONTH)

    # A custom metric is billed once however many filters publish to it (a detection's metric
    # may be fed by several: the catalog's deploy), every hour if one of them has a default.
    metrics: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for f in filters:
        t = f["metric_transformation"][0]
        metrics.setdefault((t["namespace"], t["name"]), []).append(f)
    always = sum(1 for fs in metrics.values() if any(has_default(f) for f in fs))
    on_match_hours = [hours_of(fs[0]) for fs in metrics.values() if not any(has_default(f) for f in fs)]
    on_match = len(on_match_hours)
    average = sum(on_match_hours) / on_match if on_match else 0.0
    alarm_metrics = sum(
        max(1, sum(1 for q in a.get("metric_query") or [] if q.get("metric"))) for a in alarms
    )
    ingested = matched_per_day if path == "eventbridge" else events_per_day
    gb = ingested * 30.4 * avg_event_bytes / 1e9
    ingestion = (
        CostLine(
            "CloudWatch Logs ingestion of matched events (GB)",
            round(gb, 3),
            INGEST_PER_GB,
            gb * INGEST_PER_GB,
            f"{matched_per_day:,.1f} matched deliveries/day x {avg_event_bytes:,.0f} B"
            f" (of {events_per_day:,.0f} events/day)",
        )
        if path == "eventbridge"
        else CostLine(
            "CloudWatch Logs ingestion (GB)",
            round(gb, 3),
            INGEST_PER_GB,
            gb * INGEST_PER_GB,
            f"{events_per_day:,.0f} events/day x {avg_event_bytes:,.0f} B",
        )
    )
    rules = (
        [
            CostLine(
                "EventBridge: CloudTrail events on the default bus, same-account targets",
                float(len(metrics)),
                0.0,
                0.0,
                "one rule per detection; AWS management events are ingested free",
            )
        ]
        if path == "eventbridge"
        else []
    )
    return [
        CostLine(
            "alarms (standard resolution)",
            alarm_metrics,
            ALARM_METRIC_MONTH,
            alarm_metrics * ALARM_METRIC_MONTH,
            "per alarm metric per month",
        ),
        CostLine(
            "custom metrics with a default value",
            always,
            CUSTOM_METRIC_MONTH,
            always * CUSTOM_METRIC_MONTH,
            "publish on every event: billed every hour",
        ),
        CostLine(
            "custom metrics published only on match",
            on_match,
            CUSTOM_METRIC_MONTH,
            CUSTOM_METRIC_MONTH * sum(on_match_hours) / HOURS_PER_MONTH,
            f"billed for {average:.1f} of {HOURS_PER_MONTH} hours on average",
        ),
        ingestion,
        *rules,
    ]


def to_json(lines: list[CostLine]) -> dict[str, Any]:
    return {
        "region": "us-east-1",
        "pricesAsOf": PRICES_AS_OF,
        "priceSource": PRICE_SOURCE,
        "lines": [
            {
                "item": c.item,
                "quantity": c.quantity,
                "unitPrice": c.unit_price,
                "monthly": round(c.monthly, 4),
                "note": c.note,
            }
            for c in lines
        ],
        "monthlyTotal": round(sum(c.monthly for c in lines), 4),
    }


def measure(plan: dict[str, Any], files: list[Path]) -> tuple[dict[str, float], float, list[Skipped]]:
    """Hours per month in which each metric of the plan would get a datapoint, measured by
    backtesting the plan over a CloudTrail archive and scaling its span to a month.

    Returns (metric name -> active hours per month, span of the archive in hours, the files
    and records that could not be read and were not counted).
    """
    from trailwatch.backtest import HOUR_MS, backtest, detections_from_plan

    filters, alarms = detections_from_plan(plan)
    result = backtest(filters, alarms, files)
    span_hours = max(result.span_ms / HOUR_MS, 1.0)
    scale = HOURS_PER_MONTH / span_hours
    rates = {
        f.metric_name: min(
            float(HOURS_PER_MONTH), result.active_hours.get((f.namespace, f.metric_name), 0) * scale
        )
        for f in filters
    }
    return rates, span_hours, result.skipped


@dataclass
class Deliveries:
    """What an archive says about the two paths' ingestion."""

    events_per_day: float
    matched_per_day: float
    avg_event_bytes: float
    span_hours: float

    @property
    def matched_share(self) -> float:
        return self.matched_per_day / self.events_per_day if self.events_per_day else 0.0

    def to_json(self) -> dict[str, float]:
        return {
            "eventsPerDay": round(self.events_per_day, 1),
            "matchedDeliveriesPerDay": round(self.matched_per_day, 3),
            "matchedShare": self.matched_share,
            "avgEventBytes": round(self.avg_event_bytes, 1),
            "spanHours": round(self.span_hours, 1),
        }


def measure_deliveries(plan: dict[str, Any], files: list[Path]) -> tuple[Deliveries, list[Skipped]]:
    """Events per day, the eventbridge path's deliveries per day (each event once per
    detection whose filters count it: the sum of the counting filters' matches, a witness
    publishing 0 left out) and the average record size, measured on a CloudTrail archive."""
    from trailwatch.archive import read, records
    from trailwatch.backtest import HOUR_MS, backtest, detections_from_plan

    filters, alarms = detections_from_plan(plan)
    result = backtest(filters, alarms, files)
    counting = {f.name for f in filters if f.metric_value != "0"}
    matched = sum(n for name, n in result.filters if name in counting)
    size = count = 0
    for path in files:
        fr = records(read(path), str(path), None)
        for _, raw in fr.selected:
            size += len(raw)
            count += 1
    span_hours = max(result.span_ms / HOUR_MS, 1.0)
    days = span_hours / 24
    return (
        Deliveries(result.events_scanned / days, matched / days, size / count if count else 0.0, span_hours),
        result.skipped,
    )
