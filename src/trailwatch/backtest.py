"""`trailwatch backtest`: replay CloudTrail history through deployed (or planned) detections.

Detections come from a Terraform plan (``terraform show -json``) or from a deployed log
group (boto3, standard credential chain; ``AWS_ENDPOINT_URL`` reaches the emulator).
Events come from CloudTrail S3 archive files (``.json.gz``/``.json`` with ``{"Records":
[...]}``), JSON Lines, or the log group itself.

The hot path never parses a record that no filter can match: every compiled pattern
carries a necessary condition (``FilterPattern.hint``): an exact ``eventName`` or a literal
that must appear in the raw text. One regex pass over the decompressed buffer finds the
records with a wanted ``eventName``, one ``find`` pass per literal finds the rest, and only
those records are parsed and evaluated in full. A filter without a hint, or with a default
value (which publishes for every event), turns the prefilter off. ``prefilter=False``
forces full evaluation; tests check both give identical results.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from trailwatch.evaluate import AlarmResult, AlarmSpec, Evaluator, MetricFilterSpec
from trailwatch.filterpattern import Event, compile_pattern

RECORD_MARKER = b'{"eventVersion"'
_EVENT_TIME = re.compile(rb'"eventTime"\s*:\s*"([^"]+)"')
HOUR_MS = 3_600_000
ARCHIVE_SUFFIXES = (".json.gz", ".json", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")


# --------------------------------------------------------------------------------------
# Detections from a plan
# --------------------------------------------------------------------------------------


def _plan_resources(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    queue = [plan.get("planned_values", {}).get("root_module", {})]
    while queue:
        mod = queue.pop()
        yield from mod.get("resources", [])
        queue.extend(mod.get("child_modules", []))


def detections_from_plan(plan: dict[str, Any]) -> tuple[list[MetricFilterSpec], list[AlarmSpec]]:
    """Metric filters and alarms that a ``terraform show -json`` plan would deploy."""
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


# --------------------------------------------------------------------------------------
# Prefilter
# --------------------------------------------------------------------------------------


@dataclass
class Prefilter:
    event_names: frozenset[str]
    literals: frozenset[bytes]

    @classmethod
    def for_filters(cls, filters: list[MetricFilterSpec]) -> Prefilter | None:
        names: set[str] = set()
        literals: set[bytes] = set()
        for f in filters:
            if f.pattern.hint is None or f.default_value is not None:
                return None
            for kind, value in f.pattern.hint:
                if kind == "eventName":
                    names.add(value)
                else:
                    literals.add(value.encode())
        return cls(frozenset(names), frozenset(literals))

    def positions(self, data: bytes) -> Iterator[int]:
        """Offsets in ``data`` inside every record that could match (and some that can't)."""
        if self.event_names:
            alternation = b"|".join(re.escape(n.encode()) for n in sorted(self.event_names))
            rx = re.compile(rb'"eventName"\s*:\s*"(?:' + alternation + rb')"')
            for m in rx.finditer(data):
                yield m.start()
        # JSON may escape any character as \uXXXX: such records are always evaluated.
        # (One memchr for a backslash first: most buffers have none.)
        escapes = (b"\\u",) if b"\\" in data else ()
        for needle in (*sorted(self.literals), *escapes):
            i = data.find(needle)
            while i >= 0:
                yield i
                i = data.find(needle, i + 1)


# --------------------------------------------------------------------------------------
# Reading events
# --------------------------------------------------------------------------------------


def _timestamp_ms(event: Event, fallback: int) -> int:
    doc = event.doc
    when = doc.get("eventTime") if isinstance(doc, dict) else None
    if isinstance(when, str):
        try:
            return int(datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            pass
    return fallback


def _read(path: Path) -> bytes:
    raw = path.read_bytes()
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def archive_files(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.name.endswith(ARCHIVE_SUFFIXES)))
        elif p.is_file():
            out.append(p)
        else:
            raise FileNotFoundError(f"no such file or folder: {p}")
    return out


def _cloudtrail_records(data: bytes, prefilter: Prefilter | None) -> tuple[int, Iterator[bytes]]:
    """(number of records, the record texts worth evaluating) of a CloudTrail file."""
    total = data.count(RECORD_MARKER)
    if total == 0:
        records = json.loads(data).get("Records", [])
        return len(records), (json.dumps(r, separators=(",", ":")).encode() for r in records)
    array_end = data.rindex(b"]")

    def record_at(start: int) -> bytes:
        end = data.find(RECORD_MARKER, start + 1)
        chunk = data[start : array_end if end < 0 else end].rstrip()
        return chunk[:-1] if chunk.endswith(b",") else chunk

    if prefilter is None:

        def every() -> Iterator[bytes]:
            start = data.find(RECORD_MARKER)
            while start >= 0:
                yield record_at(start)
                start = data.find(RECORD_MARKER, start + 1)

        return total, every()
    starts = {data.rfind(RECORD_MARKER, 0, pos + 1) for pos in prefilter.positions(data)}
    starts.discard(-1)
    return total, (record_at(s) for s in sorted(starts))


def _json_lines(data: bytes, prefilter: Prefilter | None) -> tuple[int, Iterator[bytes]]:
    total = sum(1 for line in data.splitlines() if line.strip())
    if prefilter is None:
        return total, (line for line in data.splitlines() if line.strip())
    starts = {data.rfind(b"\n", 0, pos) + 1 for pos in prefilter.positions(data)}

    def lines() -> Iterator[bytes]:
        for s in sorted(starts):
            end = data.find(b"\n", s)
            yield data[s : len(data) if end < 0 else end]

    return total, lines()


def scan_bytes(data: bytes, evaluator: Evaluator, prefilter: Prefilter | None) -> int:
    """Feed one file's records to the evaluator; return how many records it holds."""
    head = data.lstrip()[:64]
    reader = _cloudtrail_records if re.match(rb'\{\s*"Records"\s*:', head) else _json_lines
    total, records = reader(data, prefilter)
    # The first and last event times bound the span the file covers, skipped records included.
    last = data.rfind(b'"eventTime"')
    for m in (_EVENT_TIME.search(data), _EVENT_TIME.match(data, last) if last >= 0 else None):
        if m:
            with contextlib.suppress(ValueError):
                when = datetime.fromisoformat(m.group(1).decode().replace("Z", "+00:00"))
                evaluator.observe(int(when.timestamp() * 1000))
    for raw in records:
        event = Event(raw.decode("utf-8", errors="replace"))
        evaluator.add(_timestamp_ms(event, 0), event)
    # Records the prefilter skipped were scanned too: the total counts every record.
    return total


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

    def to_json(self) -> dict[str, Any]:
        return {
            "eventsScanned": self.events_scanned,
            "filters": [{"filterName": n, "matches": m} for n, m in self.filters],
            "alarms": [
                {
                    "alarmName": a.name,
                    "wouldAlarm": a.would_alarm,
                    "firstAlarmTime": a.first_alarm_time,
                    "matches": a.matches,
                }
                for a in self.alarms
            ],
        }


# --------------------------------------------------------------------------------------
# Parallel scan: files are independent, so worker processes scan disjoint sets of files
# and the parent merges their datapoints (a zcat | jq pipeline uses two cores too).
# --------------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}
FilterDef = tuple[str, str, str, str, str, float | None]


def _filter_defs(filters: list[MetricFilterSpec]) -> list[FilterDef]:
    return [
        (f.name, f.pattern.text, f.metric_name, f.namespace, f.metric_value, f.default_value) for f in filters
    ]


def _worker_init(defs: list[FilterDef], prefilter: bool) -> None:
    filters = [MetricFilterSpec(n, compile_pattern(p), m, ns, v, d) for n, p, m, ns, v, d in defs]
    _WORKER["filters"] = filters
    _WORKER["prefilter"] = Prefilter.for_filters(filters) if prefilter else None


def _worker_scan(path: str) -> tuple[str, int, int, dict[str, Any]]:
    filters: list[MetricFilterSpec] = _WORKER["filters"]
    evaluator = Evaluator(filters, [])
    data = _read(Path(path))
    total = scan_bytes(data, evaluator, _WORKER["prefilter"])
    state = {
        "filters": {
            n: (r.matches, [e.message for e in r.samples]) for n, r in evaluator.filter_results.items()
        },
        "points": {k: dict(v) for k, v in evaluator.points.items()},
        "metric_matches": dict(evaluator.metric_matches),
        "span": (evaluator.first_ms, evaluator.last_ms),
    }
    return path, len(data), total, state


def _merge(evaluator: Evaluator, state: dict[str, Any]) -> None:
    for name, (matches, samples) in state["filters"].items():
        res = evaluator.filter_results[name]
        res.matches += matches
        room = evaluator.samples - len(res.samples)
        res.samples.extend(Event(m) for m in samples[: max(room, 0)])
    for key, minutes in state["points"].items():
        for minute, values in minutes.items():
            evaluator.points[key][minute].extend(values)
    for key, n in state["metric_matches"].items():
        evaluator.metric_matches[key] += n
    for ms in state["span"]:
        if ms is not None:
            evaluator.observe(ms)


def default_workers(files: list[Path]) -> int:
    # Worth a process pool only for archives of some size.
    if len(files) < 2 or sum(f.stat().st_size for f in files) < 20_000_000:
        return 1
    return max(1, min(os.cpu_count() or 1, len(files)))


def backtest(
    filters: list[MetricFilterSpec],
    alarms: list[AlarmSpec],
    files: list[Path] | None = None,
    log_events: Iterable[tuple[int, str]] | None = None,
    prefilter: bool = True,
    progress: Callable[[Path, int], None] | None = None,
    workers: int | None = None,
) -> BacktestResult:
    evaluator = Evaluator(filters, alarms)
    files = files or []
    scanned = 0
    workers = default_workers(files) if workers is None else workers
    if workers > 1:
        ctx = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        )
        with ctx.Pool(workers, initializer=_worker_init, initargs=(_filter_defs(filters), prefilter)) as pool:
            for done, size, total, state in pool.imap_unordered(_worker_scan, [str(f) for f in files]):
                _merge(evaluator, state)
                scanned += total
                if progress:
                    progress(Path(done), size)
    else:
        pre = Prefilter.for_filters(filters) if prefilter else None
        for path in files:
            data = _read(path)
            scanned += scan_bytes(data, evaluator, pre)
            if progress:
                progress(path, len(data))
    for ts, message in log_events or []:
        evaluator.add(ts, message)
        scanned += 1
    by_metric: dict[tuple[str | None, str | None], list[Event]] = {}
    for f in filters:
        by_metric.setdefault((f.namespace, f.metric_name), []).extend(
            evaluator.filter_results[f.name].samples
        )
    alarm_samples = {}
    for a in alarms:
        alarm_samples[a.name] = [e for k in sorted(a.metric_keys, key=str) for e in by_metric.get(k, [])]
    return BacktestResult(
        events_scanned=scanned,
        filters=[(f.name, evaluator.filter_results[f.name].matches) for f in filters],
        alarms=evaluator.alarm_results(),
        alarm_samples=alarm_samples,
        active_hours={k: len({m // HOUR_MS for m in v}) for k, v in evaluator.points.items() if v},
        span_ms=(evaluator.last_ms - evaluator.first_ms) if evaluator.first_ms and evaluator.last_ms else 0,
    )
