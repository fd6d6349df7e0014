"""backtest --athena never waits forever and never leaves a query running behind it: a
query still running after --athena-timeout is stopped (StopQueryExecution) and the command
exits 254; Ctrl-C stops the running query first and exits 130. A fake Athena client and
clock: no emulator, no waiting."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

import fake_plans
from trailwatch.backtest.executors import athena as athena_executor
from trailwatch.cli import main
from trailwatch.exitcodes import ExitCode


class FakeAthena:
    """Every query stays RUNNING; ``interrupt_at``: the get_query_execution call that
    raises KeyboardInterrupt (as Ctrl-C would, mid-call)."""

    def __init__(self, interrupt_at: int | None = None) -> None:
        self.interrupt_at = interrupt_at
        self.gets = 0
        self.stopped: list[str] = []

    def start_query_execution(self, **kwargs: Any) -> dict[str, Any]:
        return {"QueryExecutionId": "q-1"}

    def get_query_execution(self, QueryExecutionId: str) -> dict[str, Any]:
        self.gets += 1
        if self.gets == self.interrupt_at:
            raise KeyboardInterrupt
        return {"QueryExecution": {"Status": {"State": "RUNNING"}, "Statistics": {"DataScannedInBytes": 5}}}

    def stop_query_execution(self, QueryExecutionId: str) -> dict[str, Any]:
        self.stopped.append(QueryExecutionId)
        return {}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_query_past_the_timeout_is_stopped() -> None:
    client, clock = FakeAthena(), FakeClock()
    with pytest.raises(athena_executor.AthenaQueryFailed) as caught:
        athena_executor.run_query(client, "SELECT 1", "wg", "db", timeout=10, clock=clock, sleep=clock.sleep)
    assert str(caught.value) == (
        "query q-1 still RUNNING after 10 s (--athena-timeout): stopped it (StopQueryExecution)"
    )
    assert client.stopped == ["q-1"]
    assert client.gets == 11 and clock.now == 10  # polled once a second, then stopped


def test_ctrl_c_stops_the_running_query() -> None:
    client, clock = FakeAthena(interrupt_at=3), FakeClock()
    with pytest.raises(KeyboardInterrupt) as caught:
        athena_executor.run_query(client, "SELECT 1", "wg", "db", clock=clock, sleep=clock.sleep)
    assert isinstance(caught.value, athena_executor.AthenaQueryInterrupted)
    assert str(caught.value) == "query q-1: stopped it (StopQueryExecution)"
    assert client.stopped == ["q-1"]


def test_a_failing_stop_is_said_and_the_timeout_still_reported() -> None:
    client, clock = FakeAthena(), FakeClock()

    def refuse(QueryExecutionId: str) -> dict[str, Any]:
        raise RuntimeError("network down")

    client.stop_query_execution = refuse  # type: ignore[method-assign]
    with pytest.raises(athena_executor.AthenaQueryFailed, match=r"stopping it failed too .*network down"):
        athena_executor.run_query(client, "SELECT 1", "wg", "db", timeout=3, clock=clock, sleep=clock.sleep)


def _backtest_athena(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    client: FakeAthena,
    *extra: str,
) -> tuple[int, str, str]:
    import boto3

    monkeypatch.setattr(boto3, "client", lambda service, *a, **k: client)
    clock = FakeClock()
    monkeypatch.setattr(time, "monotonic", clock)
    monkeypatch.setattr(time, "sleep", clock.sleep)
    plan = fake_plans.write(
        tmp_path / "plan.json",
        fake_plans.metric_filter("root", '{ $.userIdentity.type = "Root" }', "Root"),
        fake_plans.alarm("root-alarm", "Root"),
    )
    rc = main(["backtest", "--plan", str(plan), "--athena", "--no-progress", *extra])
    out, err = capsys.readouterr()
    return rc, out, err


def test_backtest_athena_timeout_exits_254(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    client = FakeAthena()
    rc, out, err = _backtest_athena(monkeypatch, capsys, tmp_path, client, "--athena-timeout", "30")
    assert (rc, out) == (ExitCode.SERVICE_ERROR, "")
    assert err == (
        "error: query q-1 still RUNNING after 30 s (--athena-timeout): stopped it (StopQueryExecution)\n"
    )
    assert client.stopped == ["q-1"]


def test_backtest_athena_ctrl_c_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    client = FakeAthena(interrupt_at=2)
    rc, out, err = _backtest_athena(monkeypatch, capsys, tmp_path, client)
    assert (rc, out) == (ExitCode.INTERRUPTED, "")
    assert err == "error: interrupted: query q-1: stopped it (StopQueryExecution)\n"
    assert client.stopped == ["q-1"]


def test_the_default_timeout_is_the_executors() -> None:
    from trailwatch.cli import build_parser

    args = build_parser().parse_args(["backtest", "--plan", "p.json", "--athena"])
    assert args.athena_timeout == athena_executor.DEFAULT_TIMEOUT
    assert json.dumps(args.athena_timeout) == "3600.0"
