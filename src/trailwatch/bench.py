"""`make bench`: backtest against the floor (zcat) and a jq baseline, measured in one run.

It generates (once, cached under .bench/) a synthetic CloudTrail archive in S3 layout with
at least a million records and a realistic mix with rare sign-ins, plans examples/minimal
on the embedded emulator for the full default catalog, then times:

- ``zcat`` over the archive (the floor: decompression alone);
- ``jq`` selecting the seed's unknown-IP predicate;
- ``trailwatch backtest`` with the full default catalog.

and prints the ratios backtest/zcat (target <= 2) and jq/backtest (target >= 5).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from trailwatch.synthetic import write_archive
from trailwatch.terraform import REPO_ROOT

JQ_PREDICATE = (
    '.Records[] | select(.eventName == "ConsoleLogin" and .responseElements.ConsoleLogin == "Success"'
    ' and .sourceIPAddress != "203.0.113.10")'
)


def _archive(root: Path, records: int, console: Console) -> Path:
    stamp = root / "archive.done"
    if stamp.exists() and stamp.read_text() == str(records):
        return root / "archive"
    shutil.rmtree(root / "archive", ignore_errors=True)
    with console.status(f"generating a synthetic CloudTrail archive of {records:,} records"):
        write_archive(root / "archive", records, per_file=5000, seed=2026)
    stamp.write_text(str(records))
    return root / "archive"


def _plan(root: Path, console: Console) -> Path:
    path = root / "plan.json"
    if path.exists():
        return path
    from trailwatch.emulator import Emulator
    from trailwatch.terraform import Stack

    with console.status("terraform plan examples/minimal on the embedded emulator"), Emulator() as emu:
        stack = Stack("minimal", emulator=emu)
        try:
            path.write_text(json.dumps(stack.plan()._raw))
        finally:
            stack.cleanup()
    return path


def _time(cmd: str) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, shell=True, capture_output=True, text=True, check=True, executable="/bin/bash")
    return time.perf_counter() - start, proc.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="trailwatch-bench", description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=REPO_ROOT / ".bench")
    args = parser.parse_args(argv)
    console = Console()
    for tool in ("zcat", "jq", "xargs"):
        if not shutil.which(tool):
            console.print(f"[bold red]error:[/] {tool} not found (make bench installs jq with apt-get)")
            return 2
    args.dir.mkdir(parents=True, exist_ok=True)
    archive = _archive(args.dir, args.records, console)
    plan = _plan(args.dir, console)
    files = f"find {archive} -name '*.json.gz' -print0"
    trailwatch = Path(sys.executable).with_name("trailwatch")
    size = sum(f.stat().st_size for f in archive.rglob("*.json.gz"))

    zcat_s, _ = _time(f"{files} | xargs -0 zcat > /dev/null")
    jq_s, jq_out = _time(f"{files} | xargs -0 zcat | jq -c '{JQ_PREDICATE}'")
    bt_s, bt_out = _time(f"{trailwatch} backtest --plan {plan} {archive} --json --no-progress")
    result = json.loads(bt_out)
    hits = next(
        f["matches"] for f in result["filters"] if f["filterName"].endswith("console_login_unexpected_ip")
    )

    table = Table(title=f"{result['eventsScanned']:,} CloudTrail records, {size / 1e6:.0f} MB gzip")
    table.add_column("run")
    table.add_column("seconds", justify="right")
    table.add_column("result")
    table.add_row("zcat (floor)", f"{zcat_s:.2f}", "decompression only")
    table.add_row("jq, seed's unknown-IP predicate", f"{jq_s:.2f}", f"{len(jq_out.splitlines())} events")
    alarms = sum(a["wouldAlarm"] for a in result["alarms"])
    table.add_row(
        "trailwatch backtest, full default catalog",
        f"{bt_s:.2f}",
        f"{len(result['filters'])} filters, {alarms} alarms would fire; unknown-IP filter: {hits} events",
    )
    console.print(table)
    ratio_floor = bt_s / zcat_s
    ratio_jq = jq_s / bt_s
    console.print(
        f"backtest / zcat = {ratio_floor:.2f}  (target <= 2.0: {'met' if ratio_floor <= 2 else 'NOT met'})"
    )
    console.print(
        f"jq / backtest   = {ratio_jq:.2f}  (target >= 5.0: {'met' if ratio_jq >= 5 else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
