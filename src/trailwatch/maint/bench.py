"""`make bench`: backtest against the floor (zcat) and a jq baseline, measured in one run.

It generates (once, cached under .bench/) synthetic CloudTrail archives in S3 layout of a
million records each (``trailwatch.harness.synthetic``), one per shape in ``SHAPES``: a realistic
mix, a hostile one in which the prefilter's literals are common in records that do not
match, eight services with 2 % denials, and a denial-heavy one, in files of 5,000, 2,500
and 300 records. It plans
examples/minimal on the embedded emulator for the full default catalog, then times, for
each archive, in one run:

- ``zcat`` over the archive, one process (the floor: decompression alone);
- ``jq`` selecting the seed's unknown-IP predicate (``zcat | jq``, two processes);
- ``trailwatch backtest`` with the full default catalog, with the peak resident memory of
  its processes (the largest one, and the sum over the process tree, sampled);
- on the two 5,000-record archives, the same backtest once with ``default_value = 0`` on
  every filter (every event publishes to every metric: memory must stay within 2x) and
  once on the pure-Python text stage (``TRAILWATCH_PREFILTER=python``, what platforms
  without Hyperscan run).

and prints the ratios backtest/zcat (target <= 0.6, issue 24) and jq/backtest (target >= 8), with the
CPU seconds of each. Each ratio comes from times measured in the same run, back to back
(zcat and backtest take turns ``--repeat`` times and keep their fastest run); the machine's
load average is printed with them. ``--archive NAME=FOLDER`` measures another archive the
same way (for example one generated independently of ``trailwatch.harness.synthetic``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

from rich.console import Console
from rich.table import Table

from trailwatch.harness.synthetic import write_archive
from trailwatch.harness.terraform import REPO_ROOT

JQ_PREDICATE = (
    '.Records[] | select(.eventName == "ConsoleLogin" and .responseElements.ConsoleLogin == "Success"'
    ' and .sourceIPAddress != "203.0.113.10")'
)
#: Bump when the generator changes, so cached archives are made anew.
GENERATOR_VERSION = "3"


@dataclass(frozen=True)
class Shape:
    """An archive shape: records a file (files hold half to one and a half times that), and
    the record mix (``synthetic.write_archive``'s ``hostile``, ``denied``, ``services``)."""

    per_file: int
    hostile: bool = False
    denied: float = 0.03
    services: int | None = None
    #: Also measured by the variants and engines tables (the bench's two original archives).
    full: bool = False

    def key(self) -> str:
        return f"{self.per_file}:{self.hostile}:{self.denied}:{self.services}"


#: Every shape `make bench` measures: file sizes from 5,000 records (the original two
#: archives) down to 300 (real trails write many small files), and record mixes: the
#: realistic one, the hostile one, eight services with 2 % denials (the issue-24 archive's
#: mix) and a denial-heavy one (10 %: every denied call reaches the engine).
SHAPES = {
    "realistic": Shape(5000, full=True),
    "hostile": Shape(5000, hostile=True, full=True),
    "realistic-2500": Shape(2500),
    "8-services-2500": Shape(2500, denied=0.02, services=8),
    "realistic-300": Shape(300),
    "hostile-300": Shape(300, hostile=True),
    "denials-300": Shape(300, denied=0.10),
}
VARIANTS = tuple(SHAPES)
TARGET_FLOOR = 0.6
TARGET_JQ = 8.0


def _write_part(args: tuple[Path, int, int, Shape, int, float]) -> None:
    root, records, seed, shape, part, days = args
    start = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=days * part)
    write_archive(
        root,
        records,
        per_file=shape.per_file,
        seed=seed,
        hostile=shape.hostile,
        start=start,
        days=days,
        denied=shape.denied,
        services=shape.services,
    )


def cached_archive(root: Path, variant: str, records: int, console: Console) -> Path:
    """The bench archive of shape ``variant`` with ``records`` records under ``root``: generated
    once (``harness.synthetic``), then reused while its stamp holds the same key."""
    shape = SHAPES[variant]
    folder = root / variant
    stamp = folder / "archive.done"
    key = f"{GENERATOR_VERSION}:{records}:{shape.key()}"
    if stamp.exists() and stamp.read_text() == key:
        return folder / "archive"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    parts = os.cpu_count() or 1
    days = 7 / parts
    jobs = [
        (
            folder / "archive",
            records // parts + (i < records % parts),
            2026 + i,
            shape,
            i,
            days,
        )
        for i in range(parts)
    ]
    with (
        console.status(f"generating the {variant} synthetic CloudTrail archive of {records:,} records"),
        ProcessPoolExecutor(parts) as pool,
    ):
        list(pool.map(_write_part, jobs))
    stamp.write_text(key)
    return folder / "archive"


def plan_key(repo: Path = REPO_ROOT, terraform: str | None = None) -> str:
    """What the bench's plan depends on: every file staged for examples/minimal (the module
    tree, the catalog and the example), the example's input values and the Terraform version.
    The cached plan is used only while this is unchanged (a plan cached with no key once kept
    pricing 16 alarms after the catalog had 17)."""
    from trailwatch.harness.demo import EXAMPLE_VARS
    from trailwatch.harness.terraform import MODULE_PARTS, terraform_binary

    h = hashlib.sha256()
    roots = [repo / part for part in MODULE_PARTS] + [repo / "examples" / "minimal"]
    for root in roots:
        for path in sorted([root] if root.is_file() else root.rglob("*")):
            rel = path.relative_to(repo)
            if not path.is_file() or any(p.startswith(".") for p in rel.parts) or path.name == "README.md":
                continue
            h.update(f"{rel}\0".encode() + path.read_bytes() + b"\0")
    h.update(json.dumps(EXAMPLE_VARS, sort_keys=True).encode())
    version = subprocess.run(
        [terraform or terraform_binary(), "version", "-json"], capture_output=True, text=True, check=True
    )
    h.update(json.loads(version.stdout)["terraform_version"].encode())
    return h.hexdigest()


def _plan(root: Path, console: Console) -> Path:
    """examples/minimal's plan (JSON) for the full default catalog, made again whenever what
    it depends on changed (``plan.key`` beside it)."""
    path, stamp = root / "plan.json", root / "plan.key"
    key = plan_key()
    if path.exists() and stamp.exists() and stamp.read_text() == key:
        return path
    from trailwatch.harness.demo import EXAMPLE_VARS
    from trailwatch.harness.emulator import Emulator
    from trailwatch.harness.terraform import Stack

    stamp.unlink(missing_ok=True)
    with console.status("terraform plan examples/minimal on the embedded emulator"), Emulator() as emu:
        stack = Stack("minimal", emulator=emu, tf_vars=EXAMPLE_VARS)
        try:
            path.write_text(json.dumps(stack.plan()._raw))
        finally:
            stack.cleanup()
    stamp.write_text(key)
    return path


def _compiled_sources() -> None:
    """Measure trailwatch as installed: its modules' bytecode compiled once. pip compiles an
    installed package's modules, but an editable checkout run with
    ``PYTHONDONTWRITEBYTECODE=1`` (some shells and CI set it) compiled trailwatch's modules
    from source on every run: about 0.08 s of each backtest's serial start. Its bytecode is
    written where Python keeps it (``__pycache__``, ignored by git), and the processes the
    bench starts may write it too."""
    import trailwatch

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(Path(trailwatch.__file__).parent)], check=True
    )


def _cpu() -> float:
    """CPU seconds (user + system) of every finished child process so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _time(cmd: str) -> tuple[float, str, float]:
    """(wall seconds, stdout, CPU seconds of the whole pipeline)."""
    cpu, start = _cpu(), time.perf_counter()
    proc = subprocess.run(cmd, shell=True, capture_output=True, text=True, check=True, executable="/bin/bash")
    return time.perf_counter() - start, proc.stdout, _cpu() - cpu


def _gunzipped_size(path: Path) -> int:
    """A one-member gzip file's uncompressed size, from its trailer (ISIZE, RFC 1952)."""
    with path.open("rb") as f:
        f.seek(-4, os.SEEK_END)
        return int.from_bytes(f.read(4), "little")


def _tree_rss_kb(pid: int) -> tuple[int, int]:
    """Resident memory of a process and all its descendants, and of the largest of them
    (kB), from /proc."""
    total, largest, stack = 0, 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                rss = next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
            with open(f"/proc/{p}/task/{p}/children") as f:
                stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
        total += rss
        largest = max(largest, rss)
    return total, largest


def _time_with_memory(
    argv: list[str], env: dict[str, str] | None = None
) -> tuple[float, str, float, int, int]:
    """(seconds, stdout, CPU seconds, peak RSS of the largest process (kB), peak RSS of the
    tree (kB)), both sampled every 50 ms."""
    cpu, start = _cpu(), time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    peak = largest = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, largest
        while not done.wait(0.05):
            tree, one = _tree_rss_kb(proc.pid)
            peak, largest = max(peak, tree), max(largest, one)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode not in (0, 2):
        raise subprocess.CalledProcessError(proc.returncode, argv)
    return elapsed, out, _cpu() - cpu, largest, peak


def _bench(archive: Path, plan: Path, trailwatch: Path, repeat: int) -> dict[str, object]:
    files = f"find {archive} -name '*.json.gz' -print0"
    gz = sum(f.stat().st_size for f in archive.rglob("*.json.gz"))
    largest_file = max(f.stat().st_size for f in archive.rglob("*.json.gz"))
    largest_raw = max(_gunzipped_size(f) for f in archive.rglob("*.json.gz"))
    # zcat and backtest take turns, ``repeat`` times each, and each keeps its fastest run:
    # on a shared machine a neighbour's burst then slows one run, not the ratio.
    zcat_runs, bt_runs = [], []
    for _ in range(repeat):
        zcat_runs.append(_time(f"{files} | xargs -0 zcat > /dev/null"))
        bt_runs.append(
            _time_with_memory(
                [str(trailwatch), "backtest", "--plan", str(plan), str(archive), "--json", "--no-progress"]
            )
        )
    zcat_s, _, zcat_cpu = min(zcat_runs)
    bt_s, bt_out, bt_cpu, rss_one, rss_tree = min(bt_runs)
    jq_s, jq_out, jq_cpu = _time(f"{files} | xargs -0 zcat | jq -c '{JQ_PREDICATE}'")
    result = json.loads(bt_out)
    return {
        "files": sum(1 for _ in archive.rglob("*.json.gz")),
        "gz": gz,
        "raw": sum(_gunzipped_size(f) for f in archive.rglob("*.json.gz")),
        "largest_file": largest_file,
        "largest_raw": largest_raw,
        "zcat": zcat_s,
        "jq": jq_s,
        "jq_events": len(jq_out.splitlines()),
        "backtest": bt_s,
        "cpu": (zcat_cpu, jq_cpu, bt_cpu),
        "rss_one_kb": rss_one,
        "rss_tree_kb": rss_tree,
        "result": result,
        "load": os.getloadavg()[0],
    }


def _default_zero_plan(plan: Path) -> Path:
    """The plan with ``default_value = 0`` on every metric filter (the terraform-aws-modules
    cis-alarms style): every event publishes to every metric."""
    doc = json.loads(plan.read_text())
    queue = [doc["planned_values"]["root_module"]]
    while queue:
        module = queue.pop()
        for res in module.get("resources", []):
            if res.get("type") == "aws_cloudwatch_log_metric_filter":
                for t in res["values"]["metric_transformation"]:
                    t["default_value"] = "0"
        queue.extend(module.get("child_modules", []))
    out = plan.with_name("plan-default-zero.json")
    out.write_text(json.dumps(doc))
    return out


def _variants_table(
    archives: dict[str, Path], plan: Path, trailwatch: Path, runs: dict[str, dict[str, object]]
) -> Table:
    """The same backtest with every filter publishing a default value, and on the pure-Python
    text stage (what platforms without Hyperscan run): time, CPU and peak memory next to the
    default run's, and whether the reports agree."""
    table = Table(title="backtest variants, one run each (default: the run above)")
    for col in (
        "archive",
        "variant",
        "s",
        "CPU s",
        "peak RSS MB (largest process)",
        "vs default",
        "same report",
    ):
        table.add_column(col, justify="left" if col in ("archive", "variant") else "right")
    zero_plan = _default_zero_plan(plan)
    for name, folder in archives.items():
        base = runs[name]
        base_rss, base_cpu = int(base["rss_tree_kb"]), cast(tuple[float, float, float], base["cpu"])[2]  # type: ignore[call-overload]
        args = [str(trailwatch), "backtest", str(folder), "--json", "--no-progress", "--plan"]
        for variant, plan_path, env in (
            ("default_value = 0 on every filter", zero_plan, None),
            ("pure-Python text stage", plan, {**os.environ, "TRAILWATCH_PREFILTER": "python"}),
        ):
            s, out, cpu, one, tree = _time_with_memory([*args, str(plan_path)], env)
            same = "n/a (other plan)" if plan_path != plan else str(json.loads(out) == base["result"])
            table.add_row(
                name,
                variant,
                f"{s:.2f}",
                f"{cpu:.2f}",
                f"{tree / 1024:.0f} ({one / 1024:.0f})",
                f"RSS x{tree / base_rss:.2f}, CPU x{cpu / base_cpu:.2f}",
                same,
            )
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="trailwatch-bench", description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument(
        "--repeat", type=int, default=2, help="runs of zcat and of backtest, taking turns; the fastest counts"
    )
    parser.add_argument("--dir", type=Path, default=REPO_ROOT / ".bench")
    parser.add_argument("--variant", choices=VARIANTS, action="append", help="only this archive (repeatable)")
    parser.add_argument(
        "--archive",
        action="append",
        default=[],
        metavar="NAME=FOLDER",
        help="also measure this archive of .json.gz files (repeatable; alone, only these)",
    )
    parser.add_argument(
        "--no-variants", action="store_true", help="only the main table (no variants or engines tables)"
    )
    args = parser.parse_args(argv)
    console = Console(width=max(shutil.get_terminal_size().columns, 150))
    for tool in ("zcat", "jq", "xargs"):
        if not shutil.which(tool):
            console.print(f"[bold red]error:[/] {tool} not found (make bench installs jq with apt-get)")
            return 2
    args.dir.mkdir(parents=True, exist_ok=True)
    _compiled_sources()
    plan = _plan(args.dir, console)
    trailwatch = Path(sys.executable).with_name("trailwatch")
    variants = args.variant or ([] if args.archive else list(VARIANTS))
    archives = {v: cached_archive(args.dir, v, args.records, console) for v in variants}
    for spec in args.archive:
        name, _, folder = spec.partition("=")
        archives[name] = Path(folder)
    runs = {name: _bench(folder, plan, trailwatch, args.repeat) for name, folder in archives.items()}

    table = Table(
        title=f"trailwatch backtest, full default catalog, {os.cpu_count()} CPUs; "
        f"zcat and backtest: fastest of {args.repeat} runs, taking turns; jq: one run"
    )
    for col in ("archive", "records", "files", "MB gzip", "ratio", "zcat s", "jq s", "backtest s"):
        table.add_column(col, justify="left" if col == "archive" else "right")
    for col in ("backtest/zcat", "jq/backtest", "peak RSS MB", "load"):
        table.add_column(col, justify="right")
    met = True
    for v, r in runs.items():
        res = r["result"]
        assert isinstance(res, dict)
        floor = float(r["backtest"]) / float(r["zcat"])  # type: ignore[arg-type]
        jq = float(r["jq"]) / float(r["backtest"])  # type: ignore[arg-type]
        met = met and floor <= TARGET_FLOOR and jq >= TARGET_JQ
        table.add_row(
            v,
            f"{res['eventsScanned']:,}",
            f"{int(r['files']):,}",  # type: ignore[call-overload]
            f"{int(r['gz']) / 1e6:.0f}",  # type: ignore[call-overload]
            f"{int(r['raw']) / int(r['gz']):.1f}:1",  # type: ignore[call-overload]
            f"{r['zcat']:.2f}",
            f"{r['jq']:.2f}",
            f"{r['backtest']:.2f}",
            f"{floor:.2f} {'ok' if floor <= TARGET_FLOOR else 'NOT met'}",
            f"{jq:.1f} {'ok' if jq >= TARGET_JQ else 'NOT met'}",
            f"{int(r['rss_tree_kb']) / 1024:.0f} ({int(r['rss_one_kb']) / 1024:.0f})",  # type: ignore[call-overload]
            f"{r['load']:.2f}",
        )
    console.print(table)
    for v, r in runs.items():
        zc, jc, bc = cast(tuple[float, float, float], r["cpu"])
        console.print(
            f"{v}: CPU seconds (user + system, all processes): zcat {zc:.2f}, jq pipeline {jc:.2f}, "
            f"backtest {bc:.2f}; backtest CPU / zcat CPU = {bc / zc:.2f} (<= {TARGET_FLOOR * 2:.1f} with "
            "2 CPUs is the floor target when the machine is idle)"
        )
    console.print(
        f"targets: backtest/zcat <= {TARGET_FLOOR} (zcat: one process; backtest: every CPU), "
        f"jq/backtest >= {TARGET_JQ}. peak RSS: the backtest's process tree, sampled every 50 ms "
        "(its largest process in parentheses); it holds one file per worker."
    )
    for v, r in runs.items():
        res = r["result"]
        assert isinstance(res, dict)
        hits = next(
            f["matches"] for f in res["filters"] if f["filterName"].endswith("console_login_unexpected_ip")
        )
        alarms = sum(bool(a["wouldAlarm"]) for a in res["alarms"])
        console.print(
            f"{v}: jq found {r['jq_events']} unknown-IP sign-ins, backtest's unknown-IP filter {hits}; "
            f"{alarms} of {len(res['alarms'])} alarms would fire; {len(res['errors'])} skipped; "
            f"largest file {int(r['largest_file']) / 1e6:.1f} MB gzip, "  # type: ignore[call-overload]
            f"{int(r['largest_raw']) / 1e6:.1f} MB decompressed"  # type: ignore[call-overload]
        )
    console.print("all targets met" if met else "[bold]some targets NOT met[/]")
    # The variants and engines: on the two original archives (and any --archive) only.
    full = {n: f for n, f in archives.items() if (n not in SHAPES or SHAPES[n].full) and not args.no_variants}
    if full:
        console.print(_variants_table(full, plan, trailwatch, runs))
        from trailwatch.maint.bench_engines import engine_table

        console.print(engine_table({n: runs[n] for n in full}, full, plan, trailwatch, _time_with_memory))
    return 0


if __name__ == "__main__":
    sys.exit(main())
