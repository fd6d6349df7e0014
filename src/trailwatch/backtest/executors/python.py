"""The Python executor: the filter-pattern engine over archive files and log events.

Events come from CloudTrail S3 archive files (``.json.gz``/``.json`` with ``{"Records":
[...]}``), JSON Lines, or a log group's events (``trailwatch.backtest.sources``).

Files are read by ``trailwatch.archive`` (a file or record that cannot be read is reported,
never counted: see ``BacktestResult.skipped``), and only the records that
``trailwatch.prefilter`` selects are parsed and evaluated. ``prefilter=False`` forces full
evaluation; tests check both give identical results. Files are scanned by as many worker
processes as there are CPUs this process may use (affinity and cgroup quota), each holding
one file at a time.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from trailwatch import archive
from trailwatch.archive import Skipped
from trailwatch.backtest.result import BacktestResult, SkippedError
from trailwatch.evaluate import AlarmSpec, Evaluator, MetricFilterSpec
from trailwatch.filterpattern import Event, compile_pattern
from trailwatch.prefilter import Prefilter

__all__ = ["WorkerLost", "available_cpus", "backtest", "scan_file"]

_NONE: frozenset[str] = frozenset()


# --------------------------------------------------------------------------------------
# Scanning one file
# --------------------------------------------------------------------------------------


def scan_file(
    path: Path, evaluator: Evaluator, prefilter: Prefilter | None
) -> tuple[int, int, list[Skipped]]:
    """Feed one file's records to the evaluator: (records read, bytes read, skipped)."""
    try:
        data = archive.read(path)
        records = archive.records(data, str(path), prefilter)
    except archive.Unreadable as exc:
        return 0, 0, [Skipped(str(path), str(exc))]
    # The first and last event times bound the span the file covers, unselected records included.
    for ms in (records.first_ms, records.last_ms):
        if ms is not None:
            evaluator.observe(ms)
    # A default_value filter publishes for every event: count them all, selected or not.
    counted = bool(evaluator.defaults)
    if counted:
        evaluator.count_events(records.times_ms())
    if prefilter is None:
        for ms, raw in records.selected:
            evaluator.add(ms, Event(raw.decode("utf-8")), None, counted=counted)
    else:
        examine, decided = prefilter.examine, prefilter.decided
        for (ms, raw), known in zip(records.selected, records.marks, strict=True):
            # Only the filters whose hint holds for the record are evaluated on it, those the
            # record's document decides on the document. The archive's decode found which
            # name and anchor conditions hold (none: the record holds a plain literal).
            only, document = examine(raw, known or _NONE)
            if only:
                evaluator.add(ms, raw, only, counted, document, decided)
    # Records the prefilter did not select were read too: the total counts every record.
    return records.total, len(data), records.skipped


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
    archive.retain_freed_memory()
    filters = [MetricFilterSpec(n, compile_pattern(p), m, ns, v, d) for n, p, m, ns, v, d in defs]
    _WORKER["filters"] = filters
    _WORKER["prefilter"] = Prefilter.for_filters(filters) if prefilter else None


def _worker_scan(job: tuple[int, str]) -> tuple[int, int, int, list[Skipped]]:
    """Scan one file into the worker's evaluator for its current chunk: (index, bytes read,
    records read, skipped)."""
    index, path = job
    total, size, skipped = scan_file(Path(path), _WORKER["evaluator"], _WORKER["prefilter"])
    return index, size, total, skipped


def _worker_chunk(
    jobs: list[tuple[int, str]],
) -> tuple[list[tuple[int, int, int, list[Skipped]]], dict[str, Any]]:
    """Scan a run of consecutive files (in the files' order) into one evaluator, and return
    each file's counts and the evaluator's state: one task, one state to pickle and merge per
    chunk, not per file (small files made the pool's per-task costs most of the CPU)."""
    evaluator = Evaluator(_WORKER["filters"], [], precheck=False)
    _WORKER["evaluator"] = evaluator
    done = [_worker_scan(job) for job in jobs]
    state = {
        "filters": {
            n: (r.matches, [e.message for e in r.samples]) for n, r in evaluator.filter_results.items()
        },
        "points": {k: dict(v) for k, v in evaluator.points.items()},
        "event_minutes": dict(evaluator.event_minutes),
        "default_matches": {n: dict(m) for n, m in evaluator.default_matches.items()},
        "metric_matches": dict(evaluator.metric_matches),
        "span": (evaluator.first_ms, evaluator.last_ms),
    }
    return done, state


#: Tasks per worker the files are cut into at first: the runs reach the parent, and the
#: progress display, as they finish.
CHUNKS_PER_WORKER = 12
#: The smallest run of files, as a share of one worker's part of the archive.
SMALLEST_RUN = 1 / 48


def _chunks(sizes: list[int], workers: int) -> list[list[int]]:
    """The files' indices cut into runs of consecutive files (a larger file is a run of its
    own): runs of ``1 / CHUNKS_PER_WORKER`` of a worker's share of the bytes, and, once
    half a worker's share of the bytes not yet cut is less than that, runs of that half,
    down to ``SMALLEST_RUN`` of a worker's share (guided self-scheduling for the end). Equal
    runs to the end left one worker idle for half a run, on average, while the other
    finished the last (DEVELOPERS.md, session 30)."""
    total = sum(sizes)
    share = total / workers
    left = total
    chunks: list[list[int]] = []
    run: list[int] = []
    held = 0
    for i, size in enumerate(sizes):
        run.append(i)
        held += size
        if held >= min(share / CHUNKS_PER_WORKER, max(left / (2 * workers), share * SMALLEST_RUN)):
            chunks.append(run)
            left -= held
            run, held = [], 0
    if run:
        chunks.append(run)
    return chunks


def _merge(evaluator: Evaluator, state: dict[str, Any]) -> None:
    for name, (matches, samples) in state["filters"].items():
        res = evaluator.filter_results[name]
        res.matches += matches
        room = evaluator.samples - len(res.samples)
        res.samples.extend(Event(m) for m in samples[: max(room, 0)])
    for key, minutes in state["points"].items():
        for minute, agg in minutes.items():
            evaluator.merge_point(key, minute, agg)
    for minute, n in state["event_minutes"].items():
        evaluator.event_minutes[minute] += n
    for name, minutes in state["default_matches"].items():
        for minute, n in minutes.items():
            evaluator.default_matches[name][minute] += n
    for key, n in state["metric_matches"].items():
        evaluator.metric_matches[key] += n
    for ms in state["span"]:
        if ms is not None:
            evaluator.observe(ms)


class WorkerLost(RuntimeError):
    """A worker process died before finishing its files (killed by a signal, as the
    system's OOM killer does when memory runs out): the scan is incomplete."""


def _cgroup_cpu_limit(root: Path, proc_cgroup: Path) -> float | None:
    """The CPUs a cgroup quota allows this process (cgroup v2 ``cpu.max`` of its cgroup and
    every parent, the smallest; v1 ``cpu.cfs_quota_us / cpu.cfs_period_us``), None if none."""
    limits: list[float] = []
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        lines = []
    for line in lines:
        if line.startswith("0::"):  # cgroup v2: walk up from the process's cgroup
            folder = root / line[3:].strip().lstrip("/")
            while True:
                try:
                    quota, period = (folder / "cpu.max").read_text().split()[:2]
                    if quota != "max":
                        limits.append(int(quota) / int(period))
                except (OSError, ValueError):
                    pass
                if folder == root or root not in folder.parents:
                    break
                folder = folder.parent
    for v1 in (root / "cpu", root / "cpu,cpuacct"):
        try:
            quota_us = int((v1 / "cpu.cfs_quota_us").read_text())
            period_us = int((v1 / "cpu.cfs_period_us").read_text())
        except (OSError, ValueError):
            continue
        if quota_us > 0 and period_us > 0:
            limits.append(quota_us / period_us)
    return min(limits) if limits else None


def available_cpus(root: Path = Path("/sys/fs/cgroup"), proc_cgroup: Path = Path("/proc/self/cgroup")) -> int:
    """The CPUs this process may use: its CPU affinity (``taskset``, ``docker --cpuset-cpus``),
    capped by a cgroup CPU quota (``docker --cpus``, a Kubernetes CPU limit; rounded down,
    at least 1). ``os.cpu_count()`` counts every CPU of the machine."""
    getaffinity = getattr(os, "sched_getaffinity", None)
    cpus = len(getaffinity(0)) if getaffinity is not None else (os.cpu_count() or 1)
    quota = _cgroup_cpu_limit(root, proc_cgroup)
    if quota is not None:
        cpus = min(cpus, max(1, int(quota)))
    return max(1, cpus)


def default_workers(files: list[Path]) -> int:
    # Worth a process pool only for archives of some size.
    if len(files) < 2 or sum(map(archive.size_of, files)) < 20_000_000:
        return 1
    return max(1, min(available_cpus(), len(files)))


ProgressDisplay = Callable[[], AbstractContextManager[Callable[[Path, int], None] | None]]


def backtest(
    filters: list[MetricFilterSpec],
    alarms: list[AlarmSpec],
    files: list[Path] | None = None,
    log_events: Iterable[tuple[int, str]] | None = None,
    prefilter: bool = True,
    progress: Callable[[Path, int], None] | None = None,
    workers: int | None = None,
    strict: bool = False,
    progress_display: ProgressDisplay | None = None,
) -> BacktestResult:
    """Scan ``files`` (and ``log_events``) through the filters and alarms. A file or record
    that cannot be read is listed in ``skipped``; with ``strict``, the first one raises
    SkippedError instead. ``progress`` hears each file done; ``progress_display`` makes a
    display (a context giving such a callback, e.g. rich's, which runs a thread) that is
    entered only after the worker processes are forked: nothing forks while it runs.
    A worker that dies (the OOM killer) raises WorkerLost, never a hang."""
    # Every record scanned is parsed (for its time), so the precheck would only add work.
    evaluator = Evaluator(filters, alarms, precheck=False)
    files = files or []
    scanned = 0
    skipped: list[Skipped] = []
    display = progress_display or (lambda: contextlib.nullcontext(None))

    def account(path: Path, size: int, total: int, skips: list[Skipped], shown: Any) -> None:
        nonlocal scanned
        if skips and strict:
            raise SkippedError(skips[0])
        scanned += total
        skipped.extend(skips)
        for callback in (progress, shown):
            if callback:
                callback(path, size)

    workers = default_workers(files) if workers is None else workers
    if workers > 1:
        # fork: ProcessPoolExecutor forks every worker at the first submit, before its own
        # thread starts and before the progress display's; it never forks again (a dead
        # worker breaks the pool instead of being replaced, as multiprocessing.Pool did,
        # which then waited forever for the lost file).
        ctx = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        )
        # Runs of consecutive files, the largest first, so that no large run is left for one
        # worker at the end; states are merged in the files' order, so samples do not
        # depend on the workers.
        sizes = [archive.size_of(f) for f in files]
        chunks = _chunks(sizes, workers)
        order = sorted(range(len(chunks)), key=lambda c: -sum(sizes[i] for i in chunks[c]))
        states: list[dict[str, Any] | None] = [None] * len(chunks)
        pool = ProcessPoolExecutor(
            workers, mp_context=ctx, initializer=_worker_init, initargs=(_filter_defs(filters), prefilter)
        )
        try:
            futures = {pool.submit(_worker_chunk, [(i, str(files[i])) for i in chunks[c]]): c for c in order}
            with display() as shown:
                for future in as_completed(futures):
                    done, state = future.result()
                    for i, size, total, skips in done:
                        account(files[i], size, total, skips, shown)
                    states[futures[future]] = state
        except BrokenProcessPool:
            raise WorkerLost(
                "a worker process died before finishing its files (killed by a signal: the system's "
                "OOM killer does this when memory runs out); the scan is incomplete. Each worker holds "
                "one decompressed file: give more memory, or fewer --workers"
            ) from None
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        for merged in states:
            if merged is not None:
                _merge(evaluator, merged)
    else:
        archive.retain_freed_memory()
        pre = Prefilter.for_filters(filters) if prefilter else None
        with display() as shown:
            for path in files:
                total, size, skips = scan_file(path, evaluator, pre)
                account(path, size, total, skips, shown)
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
    return BacktestResult.of(evaluator, scanned, alarm_samples, skipped)
