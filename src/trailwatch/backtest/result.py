"""What every backtest executor returns, and the error a strict scan stops with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trailwatch.archive import Skipped
from trailwatch.evaluate import AlarmResult, Evaluator
from trailwatch.filterpattern import Event

HOUR_MS = 3_600_000


class SkippedError(Exception):
    """Raised with ``strict=True`` at the first file or record that cannot be read."""

    def __init__(self, skipped: Skipped) -> None:
        super().__init__(str(skipped))
        self.skipped = skipped


@dataclass
class BacktestResult:
    events_scanned: int
    filters: list[tuple[str, int]]
    alarms: list[AlarmResult]
    #: alarm name -> sample events matched by the filters feeding its metric(s)
    alarm_samples: dict[str, list[Event]]
    #: (namespace, metric) -> number of distinct hours in which the metric got a datapoint
    active_hours: dict[tuple[str, str], int] = field(default_factory=dict)
    #: time between the earliest and the latest event scanned (ms)
    span_ms: int = 0
    #: files and records that could not be read (never counted as events)
    skipped: list[Skipped] = field(default_factory=list)
    #: (namespace, metric) -> bucket start (ms: a minute from the Python engine, an alarm
    #: period from the SQL executors) -> sum of the values published in it
    datapoints: dict[tuple[str, str], dict[int, float]] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        evaluator: Evaluator,
        events_scanned: int,
        alarm_samples: dict[str, list[Event]],
        skipped: list[Skipped],
    ) -> BacktestResult:
        """The result of a filled Evaluator (every executor ends here)."""
        first, last = evaluator.first_ms, evaluator.last_ms
        return cls(
            events_scanned=events_scanned,
            filters=[(f.name, evaluator.filter_results[f.name].matches) for f in evaluator.filters],
            alarms=evaluator.alarm_results(),
            alarm_samples=alarm_samples,
            active_hours=evaluator.active_hours(),
            span_ms=(last - first) if first and last else 0,
            skipped=sorted(skipped, key=lambda s: (s.path, s.record or 0)),
            datapoints=evaluator.datapoints(),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "eventsScanned": self.events_scanned,
            "errors": [s.to_json() for s in self.skipped],
            "filters": [{"filterName": n, "matches": m} for n, m in self.filters],
            "alarms": [
                {
                    "alarmName": a.name,
                    "wouldAlarm": a.would_alarm,
                    "firstAlarmTime": a.first_alarm_time,
                    "matches": a.matches,
                    "notEvaluated": (
                        {"names": a.not_evaluated, "reason": a.reason} if a.would_alarm is None else None
                    ),
                }
                for a in self.alarms
            ],
        }
