"""Backtest workers that cannot hang: their count follows CPU affinity and the cgroup CPU
quota, they are forked before any thread runs (rich's progress display starts after), and
a worker that dies (as the OOM killer kills one) ends the scan with a clear error and a
non-zero exit instead of waiting forever for the file it held."""

from __future__ import annotations

import gzip
import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

import pytest

import fake_plans
from trailwatch import signin_events as ev
from trailwatch.backtest import detections_from_plan
from trailwatch.backtest.executors import python as python_executor
from trailwatch.cli import main
from trailwatch.exitcodes import ExitCode

_REAL_SCAN = python_executor._worker_scan


def _scan_or_die(job: tuple[int, str]) -> Any:
    """The worker's scan, except that it is killed (SIGKILL, as by the OOM killer) on one file."""
    if job[1].endswith("3.json.gz"):
        os.kill(os.getpid(), signal.SIGKILL)
    return _REAL_SCAN(job)


def _archive(tmp_path: Path, files: int = 6) -> Path:
    folder = tmp_path / "archive"
    folder.mkdir()
    for i in range(files):
        recs = [ev.root_login(mfa=True, at=f"2026-11-02T09:0{i}:00Z")]
        (folder / f"{i}.json.gz").write_bytes(gzip.compress(json.dumps({"Records": recs}).encode()))
    return folder


def _plan(tmp_path: Path) -> Path:
    return fake_plans.write(
        tmp_path / "plan.json",
        fake_plans.metric_filter("root", '{ $.userIdentity.type = "Root" }', "Root"),
        fake_plans.alarm("root-alarm", "Root"),
    )


def test_a_killed_worker_ends_the_scan_with_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(python_executor, "_worker_scan", _scan_or_die)
    archive, plan = _archive(tmp_path), _plan(tmp_path)
    filters, alarms = detections_from_plan(json.loads(plan.read_text()))
    with pytest.raises(python_executor.WorkerLost, match="a worker process died before finishing its files"):
        python_executor.backtest(filters, alarms, sorted(archive.iterdir()), workers=2)
    rc = main(["backtest", "--plan", str(plan), str(archive), "--workers", "2", "--json", "--no-progress"])
    out, err = capsys.readouterr()
    assert (rc, out) == (ExitCode.ENVIRONMENT, "")
    assert err.startswith("error: a worker process died before finishing its files (killed by a signal")


def test_workers_are_forked_before_the_progress_display_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Threads this test process runs anyway (another test's emulator, in a pytest worker):
    # none may be added before a fork.
    before = set(threading.enumerate())
    started_at_fork: list[list[str]] = []
    real_fork = os.fork

    def fork() -> int:
        started = [t.name for t in threading.enumerate() if t not in before]
        pid = real_fork()
        if pid:
            started_at_fork.append(started)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    archive, plan = _archive(tmp_path), _plan(tmp_path)
    # The progress display on (no --no-progress): rich runs a refresh thread while it shows.
    assert main(["backtest", "--plan", str(plan), str(archive), "--workers", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["eventsScanned"] == 6
    assert started_at_fork == [[], []]


def _cgroup(tmp_path: Path, limits: dict[str, str], v1: tuple[int, int] | None = None) -> tuple[Path, Path]:
    root = tmp_path / "cgroup"
    for folder, quota in limits.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "cpu.max").write_text(quota + "\n")
    if v1 is not None:
        (root / "cpu").mkdir(parents=True)
        (root / "cpu" / "cpu.cfs_quota_us").write_text(f"{v1[0]}\n")
        (root / "cpu" / "cpu.cfs_period_us").write_text(f"{v1[1]}\n")
    proc = tmp_path / "proc-cgroup"
    proc.write_text("0::/kubepods/pod1/ctr\n")
    return root, proc


def test_the_worker_count_follows_affinity_and_the_cgroup_quota(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5, 6, 7})
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    none, proc = _cgroup(tmp_path / "a", {"kubepods/pod1/ctr": "max 100000"})
    assert python_executor.available_cpus(none, proc) == 8  # affinity, not the machine's 64
    # A container limit of 2.5 CPUs on the container's cgroup, 4 on its pod's: 2 workers.
    nested, proc = _cgroup(
        tmp_path / "b", {"kubepods/pod1/ctr": "250000 100000", "kubepods/pod1": "400000 100000"}
    )
    assert python_executor.available_cpus(nested, proc) == 2
    # The pod's limit is the smaller: it wins.
    parent, proc = _cgroup(
        tmp_path / "c", {"kubepods/pod1/ctr": "max 100000", "kubepods/pod1": "150000 100000"}
    )
    assert python_executor.available_cpus(parent, proc) == 1
    # Half a CPU still runs one worker; cgroup v1 quotas count too.
    half, proc = _cgroup(tmp_path / "d", {}, v1=(50_000, 100_000))
    assert python_executor.available_cpus(half, proc) == 1
    unlimited, proc = _cgroup(tmp_path / "e", {}, v1=(-1, 100_000))
    assert python_executor.available_cpus(unlimited, proc) == 8
