"""`backtest --athena` against the emulator: the expected queries go to the expected
workgroup and database, and the report is rendered from results seeded through moto's
Athena results API. The seeded rows are what DuckDB computes for the same queries over a
small archive, so the Athena report must equal the local DuckDB one.

What only real Athena exercises: the SQL itself on Trino (this test runs it on DuckDB),
the table's SerDe and partition projection over a real bucket, the bytes scanned (moto
reports 0) and the workgroup's enforced settings and cutoff."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

import fake_plans
from trailwatch import sql
from trailwatch.backtest.executors import duckdb as duckdb_executor
from trailwatch.backtest.executors.athena import MIN_BILLED_BYTES, TB, USD_PER_TB
from trailwatch.backtest.sources import detections_from_plan
from trailwatch.cli import main
from trailwatch.harness import synthetic
from trailwatch.harness.emulator import Emulator

pytestmark = pytest.mark.emulator


def _plan() -> dict[str, Any]:
    return fake_plans.plan(
        fake_plans.metric_filter(
            "denied",
            '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
            "Denied",
        ),
        fake_plans.metric_filter(
            "signin",
            '{ $.eventName = "ConsoleLogin" && $.responseElements.ConsoleLogin = "Success" }',
            "Signin",
        ),
        fake_plans.alarm("denied", "Denied", period=60),
        fake_plans.alarm("signin", "Signin", period=300),
    )


def _seed(emulator: Emulator, results: list[list[tuple[Any, ...]]]) -> None:
    """Queue one Athena result per query: a header row, then the rows, as strings."""
    header = ["period_start", "events", "first_event_time", "last_event_time"]
    body = {
        "results": [
            {
                "rows": [
                    {
                        "Data": [
                            {"VarCharValue": h} for h in header + [f"m{i}" for i in range(len(rows[0]) - 4)]
                        ]
                    }
                ]
                + [{"Data": [{} if v is None else {"VarCharValue": str(v)} for v in row]} for row in rows],
                "column_info": [],
            }
            for rows in results
        ]
    }
    req = urllib.request.Request(
        f"{emulator.endpoint}/moto-api/static/athena/query-results",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 201


def test_backtest_athena_on_the_emulator(
    tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for k, v in emulator.env().items():
        monkeypatch.setenv(k, v)
    emulator.client("athena").create_work_group(
        Name="tw", Configuration={"EnforceWorkGroupConfiguration": True}
    )
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(_plan()))
    filters, alarms = detections_from_plan(_plan())

    # The rows Athena would return: the same queries, run by DuckDB over a small archive.
    files = synthetic.write_archive(tmp_path / "archive", 4000, per_file=2000, days=1)
    con = duckdb.connect()
    con.execute(duckdb_executor.view_sql(files))
    local = sql.queries(filters, alarms, duckdb_executor.VIEW)
    _seed(emulator, [con.execute(duckdb_executor.to_duckdb(q.sql)).fetchall() for q in local])

    args = ["backtest", "--plan", str(plan_path), "--json", "--no-progress"]
    rc = main(
        [
            *args,
            "--athena",
            "--workgroup",
            "tw",
            "--database",
            "db",
            "--table",
            "ct",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-03",
        ]
    )
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)

    # The expected queries, in order, to the workgroup and database.
    where = sql.time_range(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC))
    expected = [q.sql for q in sql.queries(filters, alarms, '"db"."ct"', where)]
    athena = emulator.client("athena")
    ids = doc["athena"]["queryExecutionIds"]
    assert len(ids) == len(expected) == 1  # one scan for both alarm periods (60 s, 300 s)
    for execution_id, query in zip(ids, expected, strict=True):
        ex = athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]
        assert ex["Query"] == query
        assert ex["WorkGroup"] == "tw"
        assert ex["QueryExecutionContext"]["Database"] == "db"

    # The report equals the local DuckDB backtest of the same archive (same --json contract).
    rc = main([*args, "--engine", "duckdb", str(tmp_path / "archive")])
    assert rc == 0
    assert {k: v for k, v in doc.items() if k != "athena"} == json.loads(capsys.readouterr().out)
    assert doc["filters"][0]["matches"] > 0
    assert doc["athena"]["workgroup"] == "tw" and doc["athena"]["bytesScanned"] == 0
    assert doc["athena"]["priceUsd"] == round(MIN_BILLED_BYTES * USD_PER_TB / TB, 6)


def test_backtest_athena_refuses_paths(tmp_path: Path) -> None:
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(_plan()))
    assert main(["backtest", "--plan", str(plan_path), "--athena", str(tmp_path)]) == 252
