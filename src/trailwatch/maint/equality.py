"""The eventbridge detection path's equality proof, shared by the suite and the maintainers.

For every catalog detection in every mode (pattern id), with and without the exclusions where
the mode takes them, the path's EventBridge rule must flag exactly the records its metric
filter pattern matches: the event-pattern engine (:mod:`trailwatch.eventpattern`) on a record
as EventBridge delivers it, against the filter-pattern engine (:mod:`trailwatch.filterpattern`)
on the message CloudTrail writes to CloudWatch Logs. The allowlist and the exclusions are
filled in both languages from the same values, as the modules fill them.

``tests/test_eventbridge_path.py`` runs the comparison (:func:`modes`, :func:`filter_of`,
:func:`rule_of`) on the sign-in scenarios, the published records and a sample of two bench
shapes. ``python -m trailwatch.maint equality`` (:func:`main`) runs the same comparison over
every shape of ``trailwatch.maint.bench.SHAPES`` at the bench's full size, both cores.

Skipping an evaluation, and why the verdict is still proven. A full-size run is 7 million
records x 31 comparisons x 2 engines; most records repeat the same values at the few paths a
mode reads. Each engine's verdict for a mode is a function of what the record holds at the
paths that mode reads, and of nothing else:

- the filter pattern is a JSON pattern (every catalog mode is, checked at start) whose
  selectors are plain dotted paths ``$.a.b`` (checked: no index, no wildcard); a JSON
  pattern reads the message's document only through its selectors;
- the rule's pattern reads ``source`` and ``detail-type`` of the envelope and, under
  ``detail``, the keys of its (nested) objects; its top-level keys are checked to be only
  those three. The envelope's ``source`` and ``detail-type`` are made from ``eventSource``,
  ``eventType`` and ``eventName``; whether EventBridge delivers the record at all from
  ``readOnly`` (:func:`trailwatch.harness.signin_notifications.delivered`).

So :func:`read_paths` is those paths, and :func:`probe` describes what a record holds along
one of them: the value at its end, or the first value on the way that is not an object (an
array or a scalar: both engines then decide on it alone), or the depth at which a key is
missing; values are told apart by type (``true`` is not ``1``). Two records with equal probes
on every path of a mode get the same verdict from each engine; the command evaluates both
engines on the first record of each distinct probe (the whole record, not a projection) and
reuses the two verdicts for the others. As a check of that argument, the first
``--verify`` records of each shape are also evaluated directly, without the reuse, and must
agree with the reused verdicts (counted in the table).
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trailwatch import catalog
from trailwatch.catalog import exclusion_clauses
from trailwatch.eventpattern import EventPattern
from trailwatch.filterpattern import Event, compile_pattern
from trailwatch.harness import record_corpus as ev
from trailwatch.harness.signin_notifications import (
    delivered,
    detection_pattern,
    envelope,
    path_settings,
    takes_exclusions,
)

# The allowlist of the scenarios (203.0.113.0/24, 2001:db8:abcd::/48) in the forms
# modules/allowlist gives both paths: the filters' != clauses, the rules' wildcards.
ALLOW_WILDCARDS = ["203.0.113.*", "2001:db8:abcd:*"]
ALLOW_CLAUSES = " && ".join(f'($.sourceIPAddress != "{w}")' for w in ALLOW_WILDCARDS)
# The exclusions the scenario matrix uses (tests/test_scenarios.py), and a provisioner.
EXCLUDED_SOURCES = ["secretsmanager.amazonaws.com"]
EXCLUDED_PRINCIPALS = ["arn:aws:iam::*:user/ci-*", "arn:aws:sts::*:assumed-role/identity-provisioner/*"]
#: What the envelope and delivery read of a record (see the module docstring).
ENVELOPE_PATHS = (("eventSource",), ("eventType",), ("eventName",), ("readOnly",))

Mode = tuple[str, str, bool]
Path_ = tuple[str, ...]


def modes() -> list[Mode]:
    """(detection, pattern id, with exclusions) for every catalog detection and mode; a mode
    whose filter takes the exclusions is proven with and without them."""
    out = []
    for key, d in catalog.load()["detections"].items():
        for pid in d["patterns"]:
            out.append((key, pid, False))
            if takes_exclusions(key, pid):
                out.append((key, pid, True))
    return out


def filter_text(key: str, pid: str, excluded: bool) -> str:
    """The mode's metric filter pattern with the allowlist and (if asked) exclusions filled in."""
    d = catalog.load()["detections"][key]
    kinds = d.get("exclusions", [])
    clauses = (
        exclusion_clauses(
            EXCLUDED_SOURCES if "event_source" in kinds else [],
            EXCLUDED_PRINCIPALS if "principal_arn" in kinds else [],
        )
        if excluded
        else ""
    )
    return catalog.fill(d["patterns"][pid], ALLOW_CLAUSES, clauses)


def rule_pattern(key: str, pid: str, excluded: bool) -> dict[str, Any]:
    """The mode's EventBridge rule pattern, from the same values."""
    return detection_pattern(
        key,
        pid,
        ALLOW_WILDCARDS,
        EXCLUDED_SOURCES if excluded else None,
        EXCLUDED_PRINCIPALS if excluded else None,
    )


def filter_of(key: str, pid: str, excluded: bool) -> Callable[[dict[str, Any]], bool]:
    """The filter-pattern engine's verdict on a record (the message CloudTrail writes)."""
    pattern = compile_pattern(filter_text(key, pid, excluded))
    return lambda rec: bool(pattern.matches(Event(ev.message(rec))))


def rule_of(key: str, pid: str, excluded: bool) -> Callable[[dict[str, Any]], bool]:
    """The event-pattern engine's verdict on a record as EventBridge delivers it."""
    pattern = EventPattern(rule_pattern(key, pid, excluded))
    state = path_settings()["state"]
    return lambda rec: delivered(rec, state) and pattern.matches(envelope(rec))


_SELECTOR = re.compile(r"\$((?:\.[A-Za-z0-9_\-]+|\[[^\]]*\]|\.\*)+)")


def _pattern_paths(node: dict[str, Any], prefix: Path_, out: set[Path_]) -> None:
    for k, v in node.items():
        if k == "$or":
            for sub in v:
                _pattern_paths(sub, prefix, out)
        elif isinstance(v, dict):
            _pattern_paths(v, (*prefix, k), out)
        else:
            out.add((*prefix, k))


def read_paths(key: str, pid: str, excluded: bool) -> tuple[Path_, ...]:
    """Every record path the mode's filter or rule reads, with the envelope's (see the module
    docstring). Raises ValueError for a pattern form the argument does not cover."""
    text = filter_text(key, pid, excluded)
    if not text.lstrip().startswith("{"):
        raise ValueError(f"{key}/{pid}: not a JSON filter pattern: the reuse argument does not hold")
    paths: set[Path_] = set(ENVELOPE_PATHS)
    for sel in _SELECTOR.findall(text):
        if "[" in sel or "*" in sel:
            raise ValueError(f"{key}/{pid}: selector ${sel} indexes or wildcards: not covered")
        paths.add(tuple(sel[1:].split(".")))
    pattern = rule_pattern(key, pid, excluded)
    if not set(pattern) <= {"source", "detail-type", "detail"}:
        raise ValueError(f"{key}/{pid}: the rule reads envelope fields {sorted(pattern)}: not covered")
    detail: set[Path_] = set()
    _pattern_paths(pattern.get("detail", {}), (), detail)
    return tuple(sorted(paths | detail))


_MISSING = object()
#: Distinct probes kept per mode. A mode reading a value that nearly every record holds
#: differently (a source IP, a principal ARN) gains nothing from its table; past this many
#: entries its records are evaluated without storing more, which bounds the memory.
CACHE_LIMIT = 50_000


def _canon(v: Any) -> Any:
    if isinstance(v, (dict, list)):
        return ("json", json.dumps(v, sort_keys=True))
    return (type(v).__name__, v)


def probe(rec: dict[str, Any], path: Path_) -> Any:
    """What a record holds along ``path``: ("v", value) at its end, ("x", depth, value) at
    the first value on the way that is not an object, ("-", depth) where a key is missing."""
    cur: Any = rec
    for i, k in enumerate(path):
        if not isinstance(cur, dict):
            return ("x", i, _canon(cur))
        cur = cur.get(k, _MISSING)
        if cur is _MISSING:
            return ("-", i)
    return ("v", _canon(cur))


@dataclass
class Compared:
    """One mode's comparison over some records."""

    filter_matches: int = 0
    rule_matches: int = 0
    different: int = 0
    #: The first few records on which the two differ (the count is ``different``).
    differences: list[str] = field(default_factory=list)
    distinct: int = 0


@dataclass
class ShapeResult:
    records: int = 0
    files: int = 0
    evaluations: int = 0
    verified: int = 0
    verify_mismatches: int = 0
    seconds: float = 0.0
    by_mode: dict[Mode, Compared] = field(default_factory=dict)

    def merge(self, other: ShapeResult) -> None:
        self.records += other.records
        self.files += other.files
        self.evaluations += other.evaluations
        self.verified += other.verified
        self.verify_mismatches += other.verify_mismatches
        self.seconds += other.seconds
        for m, c in other.by_mode.items():
            mine = self.by_mode.setdefault(m, Compared())
            mine.filter_matches += c.filter_matches
            mine.rule_matches += c.rule_matches
            mine.different += c.different
            mine.differences += c.differences[: max(0, 5 - len(mine.differences))]
            mine.distinct += c.distinct

    @property
    def differences(self) -> int:
        return sum(c.different for c in self.by_mode.values())


class Comparer:
    """Both engines for every mode, with the verdicts reused across records of equal probes.

    On a record that needs evaluating, the message's parsed document (:class:`Event`, built to
    be shared between patterns) and the EventBridge envelope are made once for all its modes:
    the same verdicts as :func:`filter_of` and :func:`rule_of`, without parsing it per mode."""

    def __init__(self, selected: Iterable[Mode] | None = None) -> None:
        self.modes = list(selected) if selected is not None else modes()
        self.filters = [compile_pattern(filter_text(*m)) for m in self.modes]
        self.rules = [EventPattern(rule_pattern(*m)) for m in self.modes]
        self.state = path_settings()["state"]
        per_mode = [read_paths(*m) for m in self.modes]
        self.all_paths = sorted({p for ps in per_mode for p in ps})
        index = {p: i for i, p in enumerate(self.all_paths)}
        self.keys = [tuple(index[p] for p in ps) for ps in per_mode]
        self.cache: list[dict[tuple[Any, ...], tuple[bool, bool]]] = [{} for _ in self.modes]

    def compare(self, records: Iterable[dict[str, Any]], result: ShapeResult, verify: int = 0) -> None:
        for m in self.modes:
            result.by_mode.setdefault(m, Compared())
        compared = [result.by_mode[m] for m in self.modes]
        for rec in records:
            result.records += 1
            check = result.verified < verify
            if check:
                result.verified += 1
            probes = [probe(rec, p) for p in self.all_paths]
            event: Event | None = None
            env: dict[str, Any] = {}
            for i, c in enumerate(compared):
                key = tuple([probes[j] for j in self.keys[i]])
                seen = self.cache[i].get(key)
                if seen is None or check:
                    if event is None:
                        event, env = Event(ev.message(rec)), envelope(rec)
                    direct = (
                        bool(self.filters[i].matches(event)),
                        delivered(rec, self.state) and self.rules[i].matches(env),
                    )
                    if seen is None:
                        seen = direct
                        if len(self.cache[i]) < CACHE_LIMIT:
                            self.cache[i][key] = direct
                        result.evaluations += 1
                        c.distinct += 1
                    elif direct != seen:
                        result.verify_mismatches += 1
                by_filter, by_rule = seen
                c.filter_matches += by_filter
                c.rule_matches += by_rule
                if by_filter != by_rule:
                    c.different += 1
                    if len(c.differences) < 5:
                        c.differences.append(
                            f"filter {by_filter}, rule {by_rule}: "
                            + json.dumps(rec, separators=(",", ":"))[:400]
                        )


# --- the command ---------------------------------------------------------------------------

_WORKER: Comparer | None = None


def _records(path: Path) -> list[dict[str, Any]]:
    recs: list[dict[str, Any]] = json.loads(gzip.decompress(path.read_bytes()))["Records"]
    return recs


def _init_worker() -> None:
    # The records and reuse tables hold no reference cycles: reference counting frees them,
    # and the cyclic collector's passes over millions of live tuples only cost time.
    gc.disable()


def _work(args: tuple[list[Path], int]) -> ShapeResult:
    global _WORKER
    files, verify = args
    if _WORKER is None:
        _WORKER = Comparer()
    result = ShapeResult()
    start = time.process_time()
    for path in files:
        _WORKER.compare(_records(path), result, verify)
        result.files += 1
    result.seconds = time.process_time() - start
    return result


def run_shape(files: list[Path], workers: int, verify: int, on_done: Callable[[int], None]) -> ShapeResult:
    """The comparison over one archive's files, split across ``workers`` processes in chunks
    (each process keeps its reuse table between chunks)."""
    total = ShapeResult()
    chunk = max(1, min(20, len(files) // max(workers * 4, 1)))
    batches = [files[i : i + chunk] for i in range(0, len(files), chunk)]
    # The first batch verifies the first `verify` records of the shape, without reuse.
    jobs = [(b, verify if i == 0 else 0) for i, b in enumerate(batches)]
    if workers <= 1:
        for job in jobs:
            total.merge(_work(job))
            on_done(len(job[0]))
        return total
    with ProcessPoolExecutor(workers, initializer=_init_worker) as pool:
        futures = {pool.submit(_work, job): len(job[0]) for job in jobs}
        for fut in as_completed(futures):
            total.merge(fut.result())
            on_done(futures[fut])
    return total


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from trailwatch.harness.terraform import REPO_ROOT
    from trailwatch.maint.bench import SHAPES

    parser.add_argument(
        "--shape",
        action="append",
        choices=list(SHAPES),
        help="only this bench shape (repeat; default: every shape)",
    )
    parser.add_argument(
        "--records", type=int, default=1_000_000, help="records per archive (default: the bench's 1,000,000)"
    )
    parser.add_argument(
        "--dir", type=Path, default=REPO_ROOT / ".bench", help="the bench's archive cache (default: .bench)"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: cores)")
    parser.add_argument(
        "--verify",
        type=int,
        default=2000,
        help="records of each shape also evaluated without reusing verdicts (default: 2000)",
    )
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the result as JSON")


def command(args: argparse.Namespace) -> int:
    """The proof over every bench shape: the archives come from (or go to) the bench's cache."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from trailwatch.archive import archive_files
    from trailwatch.exitcodes import ExitCode
    from trailwatch.maint import bench

    console = Console()
    if args.records < 1 or args.workers < 1 or args.verify < 0:
        console.print("[bold red]error:[/] --records and --workers must be >= 1, --verify >= 0")
        return ExitCode.BAD_INPUT
    shapes = args.shape or list(bench.SHAPES)
    all_modes = modes()
    for m in all_modes:
        read_paths(*m)  # refuses, before any work, a pattern form the reuse does not cover
    started = datetime.now(UTC)
    results: dict[str, ShapeResult] = {}
    wall: dict[str, float] = {}
    for name in shapes:
        root = bench.cached_archive(args.dir, name, args.records, console)
        files = archive_files([root])
        t0 = time.perf_counter()
        with Progress(
            TextColumn(f"{name}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
        ) as progress:
            task = progress.add_task(name, total=len(files))

            def advance(n: int, task: Any = task, progress: Progress = progress) -> None:
                progress.advance(task, n)

            results[name] = run_shape(files, args.workers, args.verify, advance)
        wall[name] = time.perf_counter() - t0

    detections = {m[0] for m in all_modes}
    table = Table(
        title=f"equality proof, {started:%Y-%m-%d %H:%M} UTC, {len(all_modes)} comparisons "
        f"({len(detections)} detections x their modes, with and without exclusions)"
    )
    for col in (
        "shape",
        "records",
        "files",
        "comparisons",
        "evaluated",
        "verified",
        "differences",
        "wall s",
        "CPU s",
    ):
        table.add_column(col, justify="left" if col == "shape" else "right")
    for name, r in results.items():
        table.add_row(
            name,
            f"{r.records:,}",
            f"{r.files:,}",
            f"{len(r.by_mode) * r.records:,}",
            f"{r.evaluations:,}",
            f"{r.verified:,} ({r.verify_mismatches} off)",
            str(r.differences),
            f"{wall[name]:.0f}",
            f"{r.seconds:.0f}",
        )
    console.print(table)
    matches = Table(title="records each rule flags (= records its filter matches), per shape")
    matches.add_column("detection / mode")
    for name in results:
        matches.add_column(name, justify="right")
    for m in all_modes:
        label = f"{m[0]} / {m[1]}" + (" + exclusions" if m[2] else "")
        matches.add_row(label, *(f"{results[n].by_mode[m].filter_matches:,}" for n in results))
    console.print(matches)
    failed = False
    for name, r in results.items():
        for m, c in r.by_mode.items():
            for d in c.differences:
                failed = True
                console.print(f"[bold red]difference[/] {name} {m}: {d}", markup=True, highlight=False)
        if r.verify_mismatches:
            failed = True
            console.print(
                f"[bold red]{name}: {r.verify_mismatches} reused verdicts differ from direct ones[/]"
            )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "started": started.isoformat(),
                    "records": args.records,
                    "shapes": {
                        n: {
                            "records": r.records,
                            "files": r.files,
                            "evaluations": r.evaluations,
                            "verified": r.verified,
                            "verifyMismatches": r.verify_mismatches,
                            "differences": r.differences,
                            "wallSeconds": round(wall[n], 1),
                            "cpuSeconds": round(r.seconds, 1),
                            "matches": {
                                "/".join(map(str, m)): c.filter_matches for m, c in r.by_mode.items()
                            },
                        }
                        for n, r in results.items()
                    },
                },
                indent=2,
            )
        )
    return ExitCode.CHECK_FAILED if failed else ExitCode.OK
