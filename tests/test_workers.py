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
from trailwatch.backtest import detections_from_plan
from trailwatch.backtest.executors import python as python_executor
from trailwatch.cli import main
from trailwatch.exitcodes import ExitCode
from trailwatch.harness import record_corpus as ev

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


def test_runs_of_files_are_consecutive_and_cover_every_file() -> None:
    sizes = [5, 1, 1, 1, 40, 2, 2, 2, 2, 2, 3, 1, 1, 1, 1, 1, 9, 1]
    for workers in (1, 2, 3):
        chunks = python_executor._chunks(sizes, workers)
        assert [i for chunk in chunks for i in chunk] == list(range(len(sizes)))
        assert all(chunk for chunk in chunks)


def test_many_small_files_give_one_report_whatever_the_workers(tmp_path: Path) -> None:
    """Workers scan runs of several files into one evaluator each: the report (matches,
    samples in the files' order, datapoints) is the one a single process gives."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for i in range(60):
        recs = [
            ev.root_login(mfa=True, at=f"2026-11-02T{i // 6:02d}:{i % 60:02d}:{s:02d}Z") for s in range(3)
        ]
        (folder / f"{i:02d}.json.gz").write_bytes(gzip.compress(json.dumps({"Records": recs}).encode()))
    filters, alarms = detections_from_plan(json.loads(_plan(tmp_path).read_text()))
    files = sorted(folder.iterdir())
    assert max(map(len, python_executor._chunks([f.stat().st_size for f in files], 2))) > 1
    one = python_executor.backtest(filters, alarms, files, workers=1)
    two = python_executor.backtest(filters, alarms, files, workers=2)
    assert one.to_json() == two.to_json()
    assert one.to_json()["filters"][0]["matches"] == 180

    def samples(result: Any) -> dict[str, list[str]]:
        return {name: [e.message for e in events] for name, events in result.alarm_samples.items()}

    assert samples(one) == samples(two)
    # The first samples are the first file's records.
    assert [json.loads(m)["eventTime"] for m in samples(one)["root-alarm"][:3]] == [
        f"2026-11-02T00:00:{s:02d}Z" for s in range(3)
    ]
