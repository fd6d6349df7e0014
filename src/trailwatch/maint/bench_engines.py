"""`make bench`, the engines side by side: the Python engine's run (timed by bench.py) beside
``backtest --engine duckdb`` over the same archive and plan, whether their reports are equal,
and what Athena would bill to scan that archive.

bench.py imports this module and hands it its timer (``measure``): this module imports
nothing of bench.py, so the two form no import cycle.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from rich.table import Table

from trailwatch.backtest.executors.athena import TB, USD_PER_TB, billed_bytes
from trailwatch.backtest.sources import detections_from_plan
from trailwatch.sql import queries

#: Runs a command: (seconds, stdout, CPU seconds, peak RSS of its largest process (kB), peak
#: RSS of its process tree (kB)) - bench.py's ``_time_with_memory``.
Measure = Callable[[list[str]], tuple[float, str, float, int, int]]


def engine_table(
    runs: dict[str, dict[str, object]],
    archives: dict[str, Path],
    plan: Path,
    trailwatch: Path,
    measure: Measure,
) -> Table:
    filters, alarms = detections_from_plan(json.loads(plan.read_text()))
    n_queries = len(queries(filters, alarms, "t"))
    table = Table(title="backtest engines, full default catalog (same archive, same plan)")
    for col in (
        "archive",
        "python s",
        "duckdb s",
        "duckdb/python",
        "duckdb peak RSS MB",
        "same report",
        "Athena: GB scanned",
        "Athena USD",
    ):
        table.add_column(col, justify="left" if col == "archive" else "right")
    for v, r in runs.items():
        seconds, out, _cpu, _one, rss_tree = measure(
            [
                str(trailwatch),
                "backtest",
                "--engine",
                "duckdb",
                "--plan",
                str(plan),
                str(archives[v]),
                "--json",
                "--no-progress",
            ]
        )
        python_s = float(r["backtest"])  # type: ignore[arg-type]
        gz = int(r["gz"])  # type: ignore[call-overload]
        # Athena scans the compressed objects once per query (one query for every period).
        scanned = gz * n_queries
        price = sum(billed_bytes(gz) for _ in range(n_queries)) * USD_PER_TB / TB
        table.add_row(
            v,
            f"{python_s:.2f}",
            f"{seconds:.2f}",
            f"{seconds / python_s:.1f}",
            f"{rss_tree / 1024:.0f}",
            "yes" if json.loads(out) == r["result"] else "NO",
            f"{scanned / 1e9:.2f}",
            f"{price:.4f}",
        )
    return table
