"""Bounded memory with default_value filters: each metric keeps per-bucket aggregates (sum,
count, minimum, maximum), a minute's default values are its events minus the filter's
matches (counted from the records' times, not one float per event per filter), and the
prefilter stays on. Results are the per-event evaluation's, with and without the prefilter,
in workers, and on the pure-Python text stage."""

from __future__ import annotations

import gzip
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from trailwatch.backtest import backtest
from trailwatch.evaluate import MINUTE_MS, AlarmSpec, Evaluator, MetricFilterSpec
from trailwatch.filterpattern import compile_pattern
from trailwatch.harness import record_corpus as ev
from trailwatch.harness.synthetic import records as synthetic_records
from trailwatch.prefilter import ENGINES, Prefilter

ROOT = '{ $.userIdentity.type = "Root" }'
DENIED = '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'


def _filters() -> list[MetricFilterSpec]:
    return [
        MetricFilterSpec("root", compile_pattern(ROOT), "Root", "T", "1", 0.0),
        MetricFilterSpec("denied", compile_pattern(DENIED), "Denied", "T", "1", 0.0),
        MetricFilterSpec("denied-plain", compile_pattern(DENIED), "DeniedPlain", "T"),
        MetricFilterSpec(
            "login", compile_pattern('{ $.eventName = "ConsoleLogin" }'), "Login", "T", "2", 0.5
        ),
    ]


def _alarms() -> list[AlarmSpec]:
    def alarm(name: str, metric: str, stat: str, threshold: float, comparison: str) -> AlarmSpec:
        return AlarmSpec(name, metric, "T", stat, 60, 2, 1, threshold, comparison, "notBreaching")

    return [
        alarm("root", "Root", "Sum", 1, "GreaterThanOrEqualToThreshold"),
        alarm("denied-rate", "Denied", "Average", 0.05, "GreaterThanThreshold"),
        alarm("quiet", "Login", "SampleCount", 10, "LessThanThreshold"),
        alarm("login-min", "Login", "Minimum", 0.5, "GreaterThanThreshold"),
    ]


def _archive(tmp_path: Path) -> list[Path]:
    files = []
    for n, hostile in enumerate((False, True)):
        recs: list[Any] = synthetic_records(1500, seed=40 + n, hostile=hostile)
        recs += [ev.root_login(mfa=False, at="2026-11-01T00:00:30Z"), {"eventTime": "garbage"}]
        path = tmp_path / f"{n}.json.gz"
        path.write_bytes(gzip.compress(json.dumps({"Records": recs}, separators=(",", ":")).encode()))
        files.append(path)
    return files


def _reference(files: list[Path]) -> tuple[dict[Any, Any], list[Any]]:
    """Every usable record added one by one, no prefilter (the per-event evaluation)."""
    from trailwatch import archive

    evaluator = Evaluator(_filters(), _alarms(), precheck=False)
    for path in files:
        for ms, raw in archive.records(archive.read(path), str(path), None).selected:
            evaluator.add(ms, raw.decode())
    return evaluator.datapoints(), evaluator.alarm_results()


def test_default_values_with_the_prefilter_on_give_the_per_event_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _archive(tmp_path)
    assert Prefilter.for_filters(_filters()) is not None  # a default value no longer turns it off
    datapoints, alarms = _reference(files)
    assert datapoints[("T", "Root")] and datapoints[("T", "Login")]
    runs = {}
    for engine in ENGINES:
        monkeypatch.setenv("TRAILWATCH_PREFILTER", engine)
        for prefilter in (True, False):
            for workers in (1, 2):
                runs[engine, prefilter, workers] = backtest(
                    _filters(), _alarms(), files, prefilter=prefilter, workers=workers
                )
    for key, result in runs.items():
        assert result.datapoints == datapoints, key
        assert result.alarms == alarms, key
        assert result.to_json() == runs[ENGINES[0], True, 1].to_json(), key
    # Every minute with an event has a Root datapoint: 0 where nothing matched.
    root = datapoints[("T", "Root")]
    assert sum(1 for v in root.values() if v == 0) > 10 and any(v > 0 for v in root.values())


def test_memory_grows_with_minutes_not_events() -> None:
    evaluator = Evaluator(_filters(), _alarms(), precheck=False)
    denied = json.dumps(
        {"eventName": "GetObject", "errorCode": "AccessDenied", "userIdentity": {"type": "IAMUser"}}
    )
    quiet = json.dumps({"eventName": "GetObject", "userIdentity": {"type": "IAMUser"}})
    for i in range(20_000):
        evaluator.add((i % 3) * MINUTE_MS + i % 1000, denied if i % 4 == 0 else quiet)
    state = pickle.dumps((evaluator.points, evaluator.event_minutes, evaluator.default_matches))
    # Three minutes of four metrics: a few hundred bytes, not a float per event per filter.
    assert len(state) < 4_000, len(state)
    stats = evaluator.statistics(("T", "Denied"), 0)
    assert stats == {
        "Sum": 1667.0,
        "SampleCount": 6667.0,
        "Average": 1667 / 6667,
        "Minimum": 0.0,
        "Maximum": 1.0,
    }
