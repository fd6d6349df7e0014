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

An organization (``Organization``: ``trailwatch cost --accounts N --regions R``) runs the
path in every account and region: a member rule per detection on each default bus forwards
what it matched to that detection's bus in the security account (modules/eventbridge-member,
modules/eventbridge-central). Prices of that hop, us-east-1:

- matching on the default bus costs nothing (AWS management events are ingested free, as
  above);
- each event sent to a bus in another account is charged to the sending account as a custom
  event, the receiving account is not charged (EventBridge User Guide, "Sending and receiving
  events between AWS accounts in Amazon EventBridge"); an event sent to another bus of the same
  account (the security account's other regions to its central bus) is charged as a custom
  event too ("Sending events between event buses in the same account and Region" and the
  2021-05-19 What's New "Amazon EventBridge supports sharing events between event buses":
  billed as per custom events pricing). Custom events: $1.00 per million, each 64 KB chunk of
  a payload one event (Amazon EventBridge pricing, "Event buses"). The pricing page's $0.05
  per million is delivery to a *service* target in another account (its pricing example); a
  bus target is the custom-event case above, the dearer of the two, which is what is priced;
- between regions, "additional data transfer charges ... at standard AWS Data Transfer
  Charges" (the same pricing page): $0.02 per GB out of a US region to another region (Amazon
  EC2 On-Demand pricing, "Data Transfer": data transfer out to another AWS Region; other
  region pairs cost more, up to about $0.09, so for those scale this line);
- the central rules then deliver every account's matched events to the detection's group: the
  ingestion is every account's matched deliveries; their FailedInvocations alarms, one per
  central rule, and, where the members are given ``failure_alarm_actions``, one per member rule
  in every account and region.

The cloudwatch_logs path for an organization is an organization trail delivering every
account's events to one log group: its ingestion is every account's events.

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
EVENTBRIDGE_FORWARDING_SOURCES = (
    "https://aws.amazon.com/eventbridge/pricing/ (custom events $1.00 per million 64 KB chunks; "
    "data transfer between regions at standard AWS rates)",
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html (events sent to "
    "another account are charged to the sender as custom events; the receiver is not charged)",
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-bus-to-bus.html (events sent from one "
    "bus to another are charged as custom events)",
    "https://aws.amazon.com/ec2/pricing/on-demand/ (Data Transfer: $0.02 per GB out of a US region to "
    "another region)",
)
PATHS = ("cloudwatch_logs", "eventbridge")
CUSTOM_EVENT_PER_MILLION = 1.00
EVENT_CHUNK_BYTES = 64 * 1024
INTER_REGION_PER_GB = 0.02
ALARM_METRIC_MONTH = 0.10
CUSTOM_METRIC_MONTH = 0.30
INGEST_PER_GB = 0.50
HOURS_PER_MONTH = 730


@dataclass(frozen=True)
class Organization:
    """Where the detections' events arise: ``accounts`` accounts (the security account
    included), each in ``regions`` regions (the central one included), ``central_share`` of
    each account's events in the central region (default: an even split, 1/regions).
    ``--events-per-day`` and the matched deliveries are per account, over its regions."""

    accounts: int = 1
    regions: int = 1
    central_share: float | None = None
    member_failure_alarms: bool = False

    def __post_init__(self) -> None:
        if self.accounts < 1 or self.regions < 1:
            raise ValueError("--accounts and --regions must be >= 1")
        if self.central_share is not None:
            if not 0.0 <= self.central_share <= 1.0:
                raise ValueError("--central-region-share must be between 0 and 1")
            if self.regions == 1 and self.central_share != 1.0:
                raise ValueError("--central-region-share below 1 needs --regions of 2 or more")

    @property
    def share(self) -> float:
        return 1.0 / self.regions if self.central_share is None else self.central_share

    @property
    def single(self) -> bool:
        return self.accounts == 1 and self.regions == 1

    @property
    def forwarded(self) -> float:
        """Per account's matched deliveries, how many are sent to a bus in another account or
        region: all of a member account's, the security account's outside the central region."""
        return self.accounts - self.share

    @property
    def cross_region(self) -> float:
        """Per account's matched deliveries, how many cross a region."""
        return self.accounts * (1.0 - self.share)

    @property
    def member_rule_sets(self) -> int:
        """Default buses with member rules: every account and region but the central one,
        where the module's own rules feed the groups."""
        return self.accounts * self.regions - 1

    def to_json(self) -> dict[str, Any]:
        return {
            "accounts": self.accounts,
            "regions": self.regions,
            "centralRegionShare": self.share,
            "memberFailureAlarms": self.member_failure_alarms,
        }


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


def detection_rules(plan: dict[str, Any]) -> int:
    """The detections with a rule on the default bus: the log-group targets (input path
    $.detail) not on another bus (a central bus's rules are modules/eventbridge-central's)."""
    return sum(
        1
        for r in _plan_resources(plan)
        if r.get("type") == "aws_cloudwatch_event_target"
        and (r.get("values") or {}).get("input_path") == "$.detail"
        and (r.get("values") or {}).get("event_bus_name") in (None, "", "default")
    )


def has_central_buses(plan: dict[str, Any]) -> bool:
    """Whether the plan holds the central part (modules/eventbridge-central: its buses)."""
    return any(r.get("type") == "aws_cloudwatch_event_bus" for r in _plan_resources(plan))


def estimate(
    plan: dict[str, Any],
    events_per_day: float = 0.0,
    avg_event_bytes: float = 1000.0,
    active_hours: float = HOURS_PER_MONTH,
    active_hours_by_metric: dict[str, float] | None = None,
    default_zero: bool = False,
    path: str | None = None,
    matched_per_day: float = 0.0,
    organization: Organization | None = None,
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
    ``organization`` prices every account's events (both given per account) and, on the
    eventbridge path, the forwarding to the central buses (see the module docstring).
    """
    org = organization or Organization()
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
    ingested = (matched_per_day if path == "eventbridge" else events_per_day) * org.accounts
    gb = ingested * 30.4 * avg_event_bytes / 1e9
    accounts = "" if org.accounts == 1 else f" x {org.accounts} accounts"
    ingestion = (
        CostLine(
            "CloudWatch Logs ingestion of matched events (GB)",
            round(gb, 3),
            INGEST_PER_GB,
            gb * INGEST_PER_GB,
            f"{matched_per_day:,.1f} matched deliveries/day x {avg_event_bytes:,.0f} B{accounts}"
            f" (of {events_per_day:,.0f} events/day{' each' if accounts else ''})",
        )
        if path == "eventbridge"
        else CostLine(
            "CloudWatch Logs ingestion (GB)",
            round(gb, 3),
            INGEST_PER_GB,
            gb * INGEST_PER_GB,
            f"{events_per_day:,.0f} events/day x {avg_event_bytes:,.0f} B{accounts}"
            + (" (an organization trail: every account's events in one group)" if accounts else ""),
        )
    )
    rules: list[CostLine] = []
    if path == "eventbridge" and org.single:
        rules = [
            CostLine(
                "EventBridge: CloudTrail events on the default bus, same-account targets",
                float(len(metrics)),
                0.0,
                0.0,
                "one rule per detection; AWS management events are ingested free",
            )
        ]
    elif path == "eventbridge":
        n_rules = detection_rules(plan) or len(metrics)
        chunks = max(1, -(-int(avg_event_bytes) // EVENT_CHUNK_BYTES))
        forwarded = matched_per_day * org.forwarded * 30.4 * chunks / 1e6
        crossing_gb = matched_per_day * org.cross_region * 30.4 * avg_event_bytes / 1e9
        rules = [
            CostLine(
                "EventBridge: member rules on the default buses",
                float(n_rules * org.member_rule_sets),
                0.0,
                0.0,
                f"{n_rules} rules x {org.member_rule_sets} account-regions; "
                "AWS management events are ingested free",
            ),
            CostLine(
                "EventBridge: matched events sent to a central bus in another account or region (million)",
                round(forwarded, 4),
                CUSTOM_EVENT_PER_MILLION,
                forwarded * CUSTOM_EVENT_PER_MILLION,
                f"{matched_per_day:,.1f}/day x {org.forwarded:g} (of {org.accounts} accounts x "
                f"{org.regions} regions, {org.share:.0%} in the central one) x {chunks} chunk(s) of 64 KB: "
                "custom events, charged to the sender",
            ),
            CostLine(
                "data transfer between regions (GB)",
                round(crossing_gb, 4),
                INTER_REGION_PER_GB,
                crossing_gb * INTER_REGION_PER_GB,
                f"{matched_per_day:,.1f}/day x {org.cross_region:g} cross a region"
                f" x {avg_event_bytes:,.0f} B",
            ),
        ]
        if not has_central_buses(plan):
            rules.append(
                CostLine(
                    "alarms: FailedInvocations of the central buses' rules",
                    float(n_rules),
                    ALARM_METRIC_MONTH,
                    n_rules * ALARM_METRIC_MONTH,
                    "one per central rule (modules/eventbridge-central; not in this plan)",
                )
            )
        if org.member_failure_alarms:
            n = n_rules * org.member_rule_sets
            rules.append(
                CostLine(
                    "alarms: FailedInvocations of the member rules",
                    float(n),
                    ALARM_METRIC_MONTH,
                    n * ALARM_METRIC_MONTH,
                    f"{n_rules} rules x {org.member_rule_sets} account-regions"
                    " (members with failure_alarm_actions)",
                )
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
