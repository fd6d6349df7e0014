"""The Athena executor: the queries of ``trailwatch sql`` run where the archive lies.

Each query is submitted to the workgroup (whose enforced configuration sets the results
location, their encryption and the bytes-scanned cutoff) in the database, polled until it
ends, and its rows read with the paginated GetQueryResults. The rows are the per-period
counts that ``counts.result_from_counts`` turns into the one BacktestResult.

Price: Athena bills the bytes each query scans at 5 USD per TB (us-east-1), rounded up to
the next megabyte with a 10 MB minimum per query (Amazon Athena pricing).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from trailwatch import sql
from trailwatch.backtest.executors.counts import Row, result_from_counts
from trailwatch.backtest.result import BacktestResult
from trailwatch.evaluate import AlarmSpec, MetricFilterSpec

USD_PER_TB = 5.0
TB = 2**40
MB = 2**20
MIN_BILLED_BYTES = 10 * MB
PRICES_AS_OF = "2026-11"
TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")


class AthenaQueryFailed(RuntimeError):
    """A query ended FAILED or CANCELLED, or ran past the timeout (and was stopped); str()
    says which query and why."""


class AthenaQueryInterrupted(KeyboardInterrupt):
    """Ctrl-C while a query ran: the query was stopped (StopQueryExecution) first; str()
    names it."""


#: How long ``run_query`` waits for one query by default (s). Athena's own DML query timeout
#: can be raised to 240 minutes (Amazon Athena User Guide, "Service Quotas"): give a longer
#: --athena-timeout for such a workgroup.
DEFAULT_TIMEOUT = 3600.0


def billed_bytes(scanned: int) -> int:
    return max(MIN_BILLED_BYTES, math.ceil(scanned / MB) * MB)


@dataclass
class AthenaRun:
    workgroup: str
    database: str
    #: (query execution id, bytes scanned) per query, in order
    queries: list[tuple[str, int]] = field(default_factory=list)

    @property
    def bytes_scanned(self) -> int:
        return sum(b for _, b in self.queries)

    @property
    def price_usd(self) -> float:
        return sum(billed_bytes(b) for _, b in self.queries) * USD_PER_TB / TB

    def to_json(self) -> dict[str, Any]:
        return {
            "workgroup": self.workgroup,
            "database": self.database,
            "queryExecutionIds": [q for q, _ in self.queries],
            "bytesScanned": self.bytes_scanned,
            "priceUsd": round(self.price_usd, 6),
            "price": f"{USD_PER_TB} USD per TB scanned, 10 MB minimum per query (us-east-1, {PRICES_AS_OF})",
        }


def _cell(cell: dict[str, Any]) -> str | None:
    value = cell.get("VarCharValue")
    return None if value is None else str(value)


def _row(cells: list[str | None]) -> Row:
    """period_start, events, first and last event time, then each filter's matches."""
    start, events, first, last, *matches = cells
    return [
        None if start is None else int(start),
        int(events or 0),
        first,
        last,
        *[int(m or 0) for m in matches],
    ]


def _rows(athena: Any, execution_id: str) -> list[Row]:
    rows: list[Row] = []
    header = True
    for page in athena.get_paginator("get_query_results").paginate(QueryExecutionId=execution_id):
        for r in page["ResultSet"]["Rows"]:
            cells = [_cell(c) for c in r["Data"]]
            if header:  # the first row of the first page holds the column names
                header = False
                if cells and cells[0] == "period_start":
                    continue
            rows.append(_row(cells))
    return rows


def _stop(athena: Any, execution_id: str) -> str:
    """Stop a query (StopQueryExecution); what happened, for the message."""
    try:
        athena.stop_query_execution(QueryExecutionId=execution_id)
    except Exception as exc:  # the original reason to stop is what the user must see
        return f"stopping it failed too ({type(exc).__name__}: {exc}); stop it in the Athena console"
    return "stopped it (StopQueryExecution)"


def run_query(
    athena: Any,
    query: str,
    workgroup: str,
    database: str,
    on_status: Callable[[str, int], None] | None = None,
    poll_seconds: float = 1.0,
    timeout: float = DEFAULT_TIMEOUT,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> tuple[str, int]:
    """Submit one query and wait for it: (execution id, bytes scanned). A query still running
    after ``timeout`` seconds is stopped and raises AthenaQueryFailed; Ctrl-C while it runs
    stops it and raises AthenaQueryInterrupted (a KeyboardInterrupt). ``clock`` and
    ``sleep`` default to time.monotonic and time.sleep."""
    clock = clock or time.monotonic
    sleep = sleep or time.sleep
    execution_id = athena.start_query_execution(
        QueryString=query,
        WorkGroup=workgroup,
        QueryExecutionContext={"Database": database, "Catalog": "AwsDataCatalog"},
    )["QueryExecutionId"]
    started = clock()
    try:
        while True:
            ex = athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]
            state = ex["Status"]["State"]
            scanned = int((ex.get("Statistics") or {}).get("DataScannedInBytes") or 0)
            if on_status:
                on_status(state, scanned)
            if state in TERMINAL:
                break
            if clock() - started >= timeout:
                stopped = _stop(athena, execution_id)
                raise AthenaQueryFailed(
                    f"query {execution_id} still {state} after {timeout:g} s (--athena-timeout): {stopped}"
                )
            sleep(poll_seconds)
    except KeyboardInterrupt:
        raise AthenaQueryInterrupted(f"query {execution_id}: {_stop(athena, execution_id)}") from None
    if state != "SUCCEEDED":
        reason = ex["Status"].get("StateChangeReason", "no reason given")
        raise AthenaQueryFailed(f"query {execution_id} {state}: {reason}")
    return execution_id, scanned


def backtest(
    filters: Sequence[MetricFilterSpec],
    alarms: Sequence[AlarmSpec],
    athena: Any,
    workgroup: str,
    database: str,
    table: str,
    where: Sequence[str] = (),
    on_status: Callable[[int, int, str, int], None] | None = None,
    poll_seconds: float = 1.0,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[BacktestResult, AthenaRun]:
    """Run every query (UntranslatableError before any is submitted); ``on_status`` hears
    (query number, query count, state, bytes scanned so far) while each runs."""
    relation = f"{sql.identifier(database)}.{sql.identifier(table)}"
    queries = sql.queries(filters, alarms, relation, where)
    run = AthenaRun(workgroup, database)
    results: list[tuple[sql.Query, list[Row]]] = []
    for i, q in enumerate(queries, start=1):

        def status(state: str, scanned: int, i: int = i) -> None:
            if on_status:
                on_status(i, len(queries), state, run.bytes_scanned + scanned)

        execution_id, scanned = run_query(athena, q.sql, workgroup, database, status, poll_seconds, timeout)
        run.queries.append((execution_id, scanned))
        results.append((q, _rows(athena, execution_id)))
    return result_from_counts(filters, alarms, results, source=f"athena:{relation}"), run
