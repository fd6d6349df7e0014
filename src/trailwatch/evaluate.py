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

Metric-math alarms (``Metrics`` with an ``Expression``) are evaluated by
:mod:`trailwatch.metricmath`, which parses the whole expression language and evaluates
exactly what CloudWatch documents exactly. An alarm that cannot be evaluated exactly (a
function such as ``RATE``, an extended statistic such as ``p99``, an anomaly-detection
comparison) gets no answer, never a guess: its result names what was not evaluated.

Only the periods that can change the answer are visited: each period holding a datapoint
and the evaluation window after it, and the first period of every gap (every window
without a datapoint in it evaluates the same). Two events years apart cost a few windows,
not one per period in between.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from trailwatch import metricmath
from trailwatch.filterpattern import Event

# Re-exported: the specs were defined here, and most readers import them from here.
from trailwatch.specs import AlarmSpec as AlarmSpec
from trailwatch.specs import MetricFilterSpec as MetricFilterSpec

MINUTE_MS = 60_000
HOUR_MS = 3_600_000

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": operator.ge,
    "GreaterThanThreshold": operator.gt,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}
#: The statistics a period's datapoints are aggregated with (an extended statistic such as
#: ``p99`` or ``TM(10%:90%)`` is not evaluated).
STATISTICS = ("Sum", "SampleCount", "Average", "Minimum", "Maximum")


#: A metric's datapoints in one bucket, aggregated as CloudWatch keeps them: [sum, sample
#: count, minimum, maximum] (memory grows with the buckets, not with the events).
Agg = list[float]


def _constant(f: MetricFilterSpec) -> float | None:
    """The value a filter publishes on every match, None when it is read from the event or
    is no number (``MetricFilterSpec.value_for`` then says what it is, at the match)."""
    if f.metric_value.startswith("$."):
        return None
    try:
        return float(f.metric_value)
    except ValueError:
        return None


def _add(bucket: dict[int, Agg], t: int, value: float, n: int = 1) -> None:
    """Publish ``value`` ``n`` times into the bucket starting at ``t``."""
    agg = bucket.get(t)
    if agg is None:
        bucket[t] = [value * n, float(n), value, value]
    else:
        agg[0] += value * n
        agg[1] += n
        if value < agg[2]:
            agg[2] = value
        if value > agg[3]:
            agg[3] = value


def _merge(bucket: dict[int, Agg], t: int, other: Agg) -> None:
    agg = bucket.get(t)
    if agg is None:
        bucket[t] = list(other)
    else:
        agg[0] += other[0]
        agg[1] += other[1]
        agg[2] = min(agg[2], other[2])
        agg[3] = max(agg[3], other[3])


def _aggregate(agg: Agg, statistic: str) -> float:
    if statistic == "Sum":
        return agg[0]
    if statistic == "SampleCount":
        return agg[1]
    if statistic == "Average":
        return agg[0] / agg[1]
    if statistic == "Minimum":
        return agg[2]
    if statistic == "Maximum":
        return agg[3]
    raise ValueError(f"unsupported statistic {statistic}")


@dataclass
class AlarmResult:
    name: str
    #: None when the alarm could not be evaluated exactly (``not_evaluated`` says why)
    would_alarm: bool | None
    first_alarm_ms: int | None
    matches: int
    breaching_periods: list[int] = field(default_factory=list)
    #: What was not evaluated, by name (a function, a statistic, a comparison), and why
    not_evaluated: list[str] = field(default_factory=list)
    reason: str | None = None

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


def _event(message: str | bytes | Event) -> Event:
    if isinstance(message, Event):
        return message
    return Event(message if isinstance(message, str) else message.decode("utf-8"))


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
        #: Try each pattern's cheap necessary condition (prefilter.may_match) before
        #: matching. A caller that has parsed every event already (backtest) turns it off:
        #: then the precheck's substring scans cost more than the match on the parsed doc,
        #: and only a pattern that requires one of a set of eventNames is gated, by a dict
        #: lookup on the parsed document.
        self.precheck = precheck
        # The prefilter's record stage, the one hint test (imported when an evaluator is
        # made: the prefilter loads Hyperscan, which the demo and the tests of the
        # evaluator alone do not need).
        from trailwatch.prefilter import may_match

        self._may_match = may_match
        self._names = {f.name: _required_names(f) for f in filters}
        #: The filters of each name, in order (``add(..., only=...)`` tries only those).
        self._named: dict[str, list[MetricFilterSpec]] = {}
        for f in filters:
            self._named.setdefault(f.name, []).append(f)
        #: Each filter's (value read from the event, constant value, counts_events, metric,
        #: result), by id.
        self.events_scanned = 0
        self.filter_results = {f.name: FilterResult(f.name) for f in filters}
        self._published = {
            id(f): (
                f.metric_value.startswith("$."),
                _constant(f),
                f.counts_events,
                (f.namespace, f.metric_name),
                self.filter_results[f.name],
            )
            for f in filters
        }
        #: (namespace, metric) -> minute start (ms) -> the values published on match (Agg)
        self.points: dict[tuple[str, str], dict[int, Agg]] = defaultdict(dict)
        self.metric_matches: dict[tuple[str, str], int] = defaultdict(int)
        #: With a default_value filter: events per minute (every event, matched or not, the
        #: prefilter's unselected ones included: see count_events), and each such filter's
        #: matches per minute. A minute's default values are its events minus the filter's
        #: matches: published when the points are read (published()), never one per event.
        self.defaults = [f for f in filters if f.default_value is not None]
        self.event_minutes: dict[int, int] = defaultdict(int)
        self.default_matches: dict[str, dict[int, int]] = {f.name: defaultdict(int) for f in self.defaults}
        #: Earliest and latest event time seen (ms), for the span a backtest covers.
        self.first_ms: int | None = None
        self.last_ms: int | None = None

    def observe(self, timestamp_ms: int) -> None:
        if timestamp_ms <= 0:
            return
        self.first_ms = timestamp_ms if self.first_ms is None else min(self.first_ms, timestamp_ms)
        self.last_ms = timestamp_ms if self.last_ms is None else max(self.last_ms, timestamp_ms)

    def count_events(self, timestamps_ms: Iterable[int]) -> None:
        """Count events a caller does not add (records no filter can match), for the default
        values of default_value filters; add() those it does with ``counted=True``."""
        if self.defaults:
            minutes = self.event_minutes
            for ts in timestamps_ms:
                minutes[ts - ts % MINUTE_MS] += 1

    def add(
        self,
        timestamp_ms: int,
        message: str | bytes | Event,
        only: Collection[str] | None = None,
        counted: bool = False,
        document: dict[str, Any] | None = None,
        decided: Collection[str] = (),
    ) -> None:
        """Count one event (a UTF-8 ``bytes`` message is decoded only if read); ``only``: the
        names of the filters that can match it (a caller's necessary condition, e.g. the
        backtest prefilter's), the others are not tried; ``counted``: count_events() counted
        it already; ``document``: a document on which the patterns of the filters named in
        ``decided`` match exactly when they match the event (``prefilter.Prefilter.examine``
        says when a document is one): those are matched on it, without parsing the event."""
        event = message if isinstance(message, Event) else None
        self.events_scanned += 1
        if timestamp_ms > 0:  # observe(), inline: this runs for every event evaluated
            if self.first_ms is None or timestamp_ms < self.first_ms:
                self.first_ms = timestamp_ms
            if self.last_ms is None or timestamp_ms > self.last_ms:
                self.last_ms = timestamp_ms
        minute = timestamp_ms - timestamp_ms % MINUTE_MS
        if self.defaults and not counted:
            self.event_minutes[minute] += 1
        # The filters are independent (each its own result; the sums, counts, minimums and
        # maximums of shared metrics do not depend on the order): only the named ones are
        # tried, without a pass over every filter.
        tried = self.filters if only is None else [f for n in only for f in self._named.get(n, ())]
        for f in tried:
            value_path, constant, counts, key, res = self._published[id(f)]
            if document is not None and not value_path and f.name in decided:
                if not f.pattern.match_document(document):
                    continue
            else:
                if event is None:
                    event = _event(message)
                if self.precheck:
                    candidate = self._may_match(f.pattern, event)
                else:
                    names = self._names[f.name]
                    doc = event.doc if names is not None else None
                    candidate = names is None or (isinstance(doc, dict) and doc.get("eventName") in names)
                if not candidate or f.pattern.match(event) is None:
                    continue
            res.matches += 1
            if len(res.samples) < self.samples:
                if event is None:
                    event = _event(message)
                res.samples.append(event)
            if counts:
                self.metric_matches[key] += 1
            if f.default_value is not None:
                self.default_matches[f.name][minute] += 1
            if value_path:
                assert event is not None  # a value read from the event: matched on the event
                value = f.value_for(event)
            else:
                # MetricFilterSpec.value_for's constant (one that is no number raises there)
                value = f.value_for(Event("")) if constant is None else constant
            if value is not None:
                _add(self.points[key], minute, value)

    def publish(self, key: tuple[str, str], t: int, value: float, n: int = 1) -> None:
        """Publish ``value`` ``n`` times into the bucket starting at ``t`` (ms)."""
        if n > 0:
            _add(self.points[key], t, value, n)

    def merge_point(self, key: tuple[str, str], t: int, agg: Agg) -> None:
        """Add another evaluator's datapoints of one bucket (a worker's, merged)."""
        _merge(self.points[key], t, agg)

    def _buckets(self, key: tuple[str, str], bucket_ms: int = MINUTE_MS) -> dict[int, Agg]:
        """One metric's datapoints per bucket of ``bucket_ms`` (a multiple of a minute): the
        values published on match, and each default_value filter's default for every event
        of a minute it did not match (computed here, never stored per event)."""
        out: dict[int, Agg] = {}
        for minute, agg in self.points.get(key, {}).items():
            _merge(out, minute - minute % bucket_ms, agg)
        for f in self.defaults:
            if (f.namespace, f.metric_name) != key:
                continue
            assert f.default_value is not None
            default, matched = float(f.default_value), self.default_matches[f.name]
            for minute, events in self.event_minutes.items():
                misses = events - matched.get(minute, 0)
                if misses > 0:
                    _add(out, minute - minute % bucket_ms, default, misses)
        return out

    def metrics(self) -> list[tuple[str, str]]:
        """Every metric with a datapoint."""
        keys = {k for k, b in self.points.items() if b}
        if self.event_minutes:
            keys |= {(f.namespace, f.metric_name) for f in self.defaults}
        return sorted(keys)

    def published(self) -> dict[tuple[str, str], dict[int, Agg]]:
        """Every metric's datapoints per minute (see _buckets)."""
        return {k: b for k in self.metrics() if (b := self._buckets(k))}

    def statistics(self, key: tuple[str, str], t: int) -> dict[str, float] | None:
        """The statistics of one metric's bucket (None: no datapoint in it)."""
        agg = self._buckets(key).get(t)
        if agg is None:
            return None
        return {s: _aggregate(agg, s) for s in STATISTICS}

    def datapoints(self) -> dict[tuple[str, str], dict[int, float]]:
        """Each metric's published values summed per bucket start (ms)."""
        out = {}
        for key in self.metrics():
            buckets = self._buckets(key)
            if buckets:
                out[key] = {t: buckets[t][0] for t in sorted(buckets)}
        return out

    def active_hours(self) -> dict[tuple[str, str], int]:
        """Each metric's number of distinct hours with a datapoint."""
        hours = {}
        for key in self.metrics():
            minutes = set(self.points.get(key, {}))
            if any((f.namespace, f.metric_name) == key for f in self.defaults):
                minutes |= set(self.event_minutes)  # a minute with events publishes to it
            if minutes:
                hours[key] = len({m // HOUR_MS for m in minutes})
        return hours

    def add_all(self, events: Iterable[tuple[int, str | Event]]) -> None:
        for ts, msg in events:
            self.add(ts, msg)

    def _series(self, namespace: str, metric: str, period_ms: int, statistic: str) -> dict[int, float]:
        buckets = self._buckets((namespace, metric), period_ms)
        return {start: _aggregate(agg, statistic) for start, agg in buckets.items()}

    def _alarm_series(self, alarm: AlarmSpec) -> tuple[metricmath.Series, list[int], int]:
        """The series the alarm compares (period start ms -> value, and a value for every
        other period when FILL or TIME_SERIES gives one), the period starts of its input
        metrics' datapoints, and the matches of the filters feeding it (but a filter that
        publishes a constant 0). NotEvaluated when it cannot be computed exactly."""
        period_ms = alarm.period * 1000
        if not alarm.metrics:
            assert alarm.metric_name and alarm.namespace
            _statistic(alarm.statistic)
            points = self._series(alarm.namespace, alarm.metric_name, period_ms, alarm.statistic)
            matches = self.metric_matches.get((alarm.namespace, alarm.metric_name), 0)
            return metricmath.Series(points), list(points), matches
        metrics: dict[str, tuple[dict[int, float], int]] = {}
        expressions: dict[str, str] = {}
        matches = 0
        for m in alarm.metrics:
            if "MetricStat" in m:
                stat = m["MetricStat"]
                metric = stat["Metric"]
                key = (metric["Namespace"], metric["MetricName"])
                _statistic(stat["Stat"])
                if int(stat.get("Period") or alarm.period) != alarm.period:
                    raise metricmath.NotEvaluated(
                        [m["Id"]], "metrics of one alarm with different periods are not evaluated"
                    )
                metrics[m["Id"]] = (self._series(key[0], key[1], period_ms, stat["Stat"]), alarm.period)
                matches += self.metric_matches.get(key, 0)
            elif "Expression" in m:
                expressions[m["Id"]] = m["Expression"]
        returned = [m for m in alarm.metrics if m.get("ReturnData", True) and "Expression" in m]
        if len(returned) != 1:
            raise metricmath.NotEvaluated(["ReturnData"], "an alarm returns exactly one expression")
        (expr,) = returned
        others = {i: e for i, e in expressions.items() if i != expr["Id"]}
        try:
            series = metricmath.evaluate(expr["Expression"], metrics, others)
        except metricmath.ExpressionError as exc:
            raise metricmath.NotEvaluated([expr["Expression"]], f"does not parse: {exc}") from None
        inputs = sorted({t for points, _ in metrics.values() for t in points})
        return series, inputs, matches

    def alarm_results(self) -> list[AlarmResult]:
        out = []
        for alarm in self.alarms:
            try:
                compare = _comparison(alarm)
                series, inputs, matches = self._alarm_series(alarm)
            except metricmath.NotEvaluated as exc:
                matches = sum(
                    self.metric_matches.get((k[0], k[1]), 0) for k in alarm.metric_keys if k[0] and k[1]
                )
                out.append(AlarmResult(alarm.name, None, None, matches, [], exc.names, exc.reason))
                continue
            first = first_alarm(series, inputs, alarm, compare)
            breaching = sorted(t for t, v in series.points.items() if compare(v))
            out.append(AlarmResult(alarm.name, first is not None, first, matches, breaching))
        return out


def _statistic(statistic: str) -> None:
    if statistic not in STATISTICS:
        raise metricmath.NotEvaluated([statistic], "an extended statistic (percentile, trimmed mean ...)")


def _comparison(alarm: AlarmSpec) -> Callable[[float], bool]:
    compare = _COMPARE.get(alarm.comparison)
    if compare is None or alarm.threshold is None:
        raise metricmath.NotEvaluated(
            [alarm.comparison], "an anomaly-detection band comparison (ThresholdMetricId)"
        )
    threshold = alarm.threshold
    return lambda value: compare(value, threshold)


def alarm_periods(points: Iterable[int], period_ms: int, evaluation_periods: int, end: int) -> list[int]:
    """The window ends worth evaluating, in order: every period whose window holds one of
    ``points`` (a datapoint's period and the ``evaluation_periods - 1`` after it), and the
    first period after each run of those, before ``end``. Every other window in range holds
    no datapoint, so it evaluates like that first one (see :func:`first_alarm`)."""
    ends: set[int] = set()
    for t in points:
        ends.update(range(t, min(t + evaluation_periods * period_ms, end), period_ms))
    gaps = {t + period_ms for t in ends if t + period_ms not in ends and t + period_ms < end}
    return sorted(ends | gaps)


def first_alarm(
    series: metricmath.Series, inputs: Iterable[int], alarm: AlarmSpec, compare: Callable[[float], bool]
) -> int | None:
    """When the alarm would first go to ALARM (the end of the breaching window, ms), or None.

    The range starts at the first datapoint (of the series or of its input metrics) and
    ends ``evaluation_periods`` after the last; a period before the range has no value, a
    period inside it the series' value, FILL's or TIME_SERIES' where the series has no
    datapoint, or none. ``treat_missing_data`` decides how a period with no value counts.
    """
    period_ms = alarm.period * 1000
    known = sorted(set(series.points) | set(inputs))
    if not known:
        return None
    start, end = known[0], known[-1] + alarm.evaluation_periods * period_ms
    missing_breaches = alarm.treat_missing_data == "breaching"
    for t in alarm_periods(known, period_ms, alarm.evaluation_periods, end):
        bad = 0
        for i in range(alarm.evaluation_periods):
            w = t - i * period_ms
            value = series.at(w) if w >= start else None
            if value is not None:
                bad += compare(value)
            elif missing_breaches:
                bad += 1
        if bad >= alarm.datapoints_to_alarm:
            return t + period_ms
    return None
