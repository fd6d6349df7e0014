"""Alarm evaluation from per-period match counts, for the SQL executors (DuckDB, Athena).

A query of ``trailwatch.sql`` returns, per bucket (``period_start``, seconds), the events
and each filter's matches. A matching event publishes the filter's (constant) metric value
and a non-matching one its default value, if any, so the bucket's datapoints are known
exactly; they are put into the same ``Evaluator`` the Python engine fills from events, and
the alarms are evaluated by the same code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from trailwatch.archive import Skipped
from trailwatch.backtest.result import BacktestResult
from trailwatch.evaluate import AlarmSpec, Evaluator, MetricFilterSpec
from trailwatch.sql import Query

#: One result row: period_start (s, None when eventTime did not parse), events, first and
#: last eventTime, then each filter's matches in the query's order.
Row = Sequence[Any]


def _ms(when: object) -> int | None:
    if not isinstance(when, str):
        return None
    try:
        return int(datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


def result_from_counts(
    filters: Sequence[MetricFilterSpec],
    alarms: Sequence[AlarmSpec],
    results: Iterable[tuple[Query, Iterable[Row]]],
    skipped: Sequence[Skipped] = (),
    source: str = "query",
) -> BacktestResult:
    """The result of the per-period counts; ``source`` names where the rows come from (for
    the entry that reports records without a usable eventTime)."""
    evaluator = Evaluator(list(filters), list(alarms), precheck=False)
    events: int | None = None
    untimed = 0
    for query, rows in results:
        counted = 0
        untimed = 0
        for row in rows:
            start, n, first, last, *matches = row
            if start is None or int(start) <= 0:
                # No usable eventTime: never counted at some default time (as in the Python
                # engine, where each such record is reported skipped); reported once below.
                untimed += int(n)
                continue
            counted += int(n)
            bucket = int(start) * 1000
            for ms in (_ms(first), _ms(last)):
                if ms is not None:
                    evaluator.observe(ms)
            for f, m in zip(query.filters, matches, strict=True):
                # DuckDB's count_if is NULL when every input is NULL (Trino's is 0).
                m = int(m or 0)
                key = (f.namespace, f.metric_name)
                evaluator.filter_results[f.name].matches += m
                if m:
                    if f.counts_events:
                        evaluator.metric_matches[key] += m
                    evaluator.publish(key, bucket, float(f.metric_value), m)
                if f.default_value is not None:
                    evaluator.publish(key, bucket, float(f.default_value), int(n) - m)
        # Every query counts every event of the range: take the count once.
        events = counted if events is None else events
    skips = list(skipped)
    if untimed:
        skips.append(Skipped(source, f"{untimed:,} record(s) without a usable eventTime, not counted"))
    return BacktestResult.of(evaluator, events or 0, {a.name: [] for a in alarms}, skips)
