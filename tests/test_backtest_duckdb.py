"""`backtest --engine duckdb` equals the Python engine, filter by filter and period by period:
every catalog pattern in every mode (both allowlist forms, exclusions on and off), over a
generated bench archive (realistic and hostile) and over the scenario corpus (the sign-in
records and the API calls the detections must or must not catch)."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import fake_plans
from trailwatch import sql
from trailwatch.backtest.executors import duckdb as duckdb_executor
from trailwatch.backtest.executors import python as python_executor
from trailwatch.backtest.result import BacktestResult, SkippedError
from trailwatch.cli import main
from trailwatch.evaluate import AlarmSpec, MetricFilterSpec
from trailwatch.filterpattern import compile_pattern
from trailwatch.harness import scenarios, synthetic

PERIODS = (60, 300)


def _detections() -> tuple[list[MetricFilterSpec], list[AlarmSpec]]:
    """Every catalog pattern as a filter of its own metric, with alarms of two periods."""
    filters = [
        MetricFilterSpec(name, compile_pattern(pattern), name, "trailwatch/equality", "1")
        for name, pattern in sql.catalog_patterns().items()
    ]
    alarms = [
        AlarmSpec(
            f"{f.name} @{p}",
            f.metric_name,
            f.namespace,
            "Sum",
            p,
            1,
            1,
            1.0,
            "GreaterThanOrEqualToThreshold",
            "notBreaching",
        )
        for f in filters
        for p in PERIODS
    ]
    return filters, alarms


def _per_period(result: BacktestResult, period: int) -> dict[tuple[str, str], dict[int, float]]:
    out: dict[tuple[str, str], dict[int, float]] = {}
    for key, points in result.datapoints.items():
        for t, v in points.items():
            bucket = out.setdefault(key, {})
            bucket[t - t % (period * 1000)] = bucket.get(t - t % (period * 1000), 0.0) + v
    return out


def _assert_equal(files: list[Path]) -> BacktestResult:
    filters, alarms = _detections()
    engine = python_executor.backtest(filters, alarms, files, workers=1)
    duck = duckdb_executor.backtest(filters, alarms, files)
    assert not engine.skipped and not duck.skipped
    assert duck.events_scanned == engine.events_scanned
    assert duck.filters == engine.filters  # filter by filter
    # The SQL counts per alarm period (the gcd of 60 and 300): the engine's minutes, summed.
    assert duck.datapoints == _per_period(engine, 60)
    assert _per_period(duck, 300) == _per_period(engine, 300)
    assert [a.__dict__ for a in duck.alarms] == [a.__dict__ for a in engine.alarms]
    return engine


@pytest.mark.parametrize("hostile", [False, True], ids=["realistic", "hostile"])
def test_equal_on_a_bench_archive(tmp_path: Path, hostile: bool) -> None:
    files = synthetic.write_archive(tmp_path, 12_000, per_file=3000, hostile=hostile, days=1)
    engine = _assert_equal(files)
    assert sum(1 for _, m in engine.filters if m) >= 10  # the archive exercises the catalog


def test_equal_on_the_scenario_corpus(tmp_path: Path) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    records = []
    # Each scenario alone in its minute, and all of them again within one minute.
    for i, record in enumerate(scenarios.corpus().values()):
        at = start + timedelta(minutes=i)
        records.append({**record, "eventTime": at.strftime("%Y-%m-%dT%H:%M:%SZ")})
    records += [{**r, "eventTime": "2026-11-01T12:00:00Z"} for r in scenarios.corpus().values()]
    path = tmp_path / "AWSLogs" / "111122223333" / "CloudTrail" / "us-east-1" / "2026" / "11" / "01"
    path.mkdir(parents=True)
    archive = path / "corpus.json.gz"
    archive.write_bytes(gzip.compress(json.dumps({"Records": records}).encode()))
    engine = _assert_equal([archive])
    assert sum(1 for _, m in engine.filters if m) >= 20


def args_of(plan: Path, archive: Path) -> list[str]:
    return ["backtest", "--plan", str(plan), str(archive), "--json", "--no-progress"]


def test_the_cli_engine_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = synthetic.write_archive(tmp_path / "a", 3000, per_file=1500, days=1)
    plan_path = fake_plans.write(
        tmp_path / "plan.json",
        fake_plans.metric_filter("denied", '{ $.errorCode = "AccessDenied*" }', "Denied"),
        fake_plans.alarm("denied", "Denied", period=300),
    )
    docs = {}
    for engine in ("python", "duckdb"):
        rc = main(
            [
                "backtest",
                "--plan",
                str(plan_path),
                str(tmp_path / "a"),
                "--json",
                "--no-progress",
                "--engine",
                engine,
            ]
        )
        assert rc == 0
        docs[engine] = json.loads(capsys.readouterr().out)
    assert docs["duckdb"] == docs["python"]
    assert docs["python"]["filters"][0]["matches"] > 0
    # --from/--to select by event time (and by the date partition of the key layout).
    first = sorted(files)[0]
    rc = main(
        [
            "backtest",
            "--plan",
            str(plan_path),
            str(first),
            "--json",
            "--no-progress",
            "--engine",
            "duckdb",
            "--from",
            "2027-01-01",
        ]
    )
    assert rc == 0
    assert json.loads(capsys.readouterr().out)["eventsScanned"] == 0
    assert main(["backtest", "--plan", str(plan_path), str(first), "--from", "2026-11-01"]) == 252
    # --account/--region select the partitions the S3 key layout gives the view.
    for account, expected in (("111122223333", docs["python"]["eventsScanned"]), ("444455556666", 0)):
        rc = main(
            [
                *args_of(plan_path, tmp_path / "a"),
                "--engine",
                "duckdb",
                "--account",
                account,
                "--region",
                "us-east-1",
            ]
        )
        assert rc == 0
        assert json.loads(capsys.readouterr().out)["eventsScanned"] == expected
    assert main([*args_of(plan_path, tmp_path / "a"), "--account", "111122223333"]) == 252


def test_a_file_duckdb_cannot_read_is_reported_not_counted(tmp_path: Path) -> None:
    files = synthetic.write_archive(tmp_path, 2000, per_file=1000, days=1)
    broken = files[0].parent / "broken.json.gz"
    broken.write_bytes(gzip.compress(b'{"Records": [{"eventName": "X"}, '))  # truncated JSON
    filters, alarms = _detections()
    lines = tmp_path / "events.jsonl"  # JSON Lines: the Python engine's input, not a CloudTrail file
    lines.write_text('{"eventName": "ConsoleLogin", "eventTime": "2026-11-01T00:00:00Z"}\n')
    result = duckdb_executor.backtest(filters, alarms, [*files, broken, lines])
    assert sorted(s.path for s in result.skipped) == sorted([str(broken), str(lines)])
    assert "not a CloudTrail file" in next(s.reason for s in result.skipped if s.path == str(lines))
    assert result.events_scanned == 2000
    assert result.filters == duckdb_executor.backtest(filters, alarms, files).filters
    with pytest.raises(SkippedError):
        duckdb_executor.backtest(filters, alarms, [*files, broken], strict=True)
