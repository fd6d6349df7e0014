"""The DuckDB executor: the Athena queries of ``trailwatch sql``, run locally by DuckDB.

The queries are written once, in Athena's dialect (Trino), and transpiled with sqlglot to
DuckDB's, so the SQL that runs here is the SQL Athena would run, translated by a tool, not
a second hand-written copy. They read a view with the Athena table's columns and types
(catalog/cloudtrail-table.json): the ``Records`` of each CloudTrail file, the JSON-body
columns as the JSON text Athena's table holds, and ``timestamp`` (the date partition) from
the file's S3 key layout (``.../AWSLogs/[<org>/]<account>/CloudTrail/<region>/YYYY/MM/DD/...``),
as are ``account`` and ``region``.

DuckDB reads a file whole or not at all: a file that does not parse is reported as skipped
(the Python engine can also skip single records). A JSON Lines file is not a CloudTrail
file: it is reported so too (the Python engine reads them).
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from trailwatch import cloudtrail_table, sql
from trailwatch.archive import CLOUDTRAIL_HEAD, Skipped
from trailwatch.backtest.executors.counts import result_from_counts
from trailwatch.backtest.result import BacktestResult, SkippedError
from trailwatch.evaluate import AlarmSpec, MetricFilterSpec

VIEW = "cloudtrail"
#: A CloudTrail file is one JSON object: let DuckDB read any size the Python engine reads.
MAX_OBJECT_BYTES = 2**31 - 1


def to_duckdb(trino: str) -> str:
    """A Trino query in DuckDB's dialect. sqlglot keeps ``json_exists`` as it is; DuckDB's
    takes a plain path, which already means what Trino's ``strict`` mode does (no array
    unwrapping), so the mode word is dropped."""
    tree = sqlglot.parse_one(trino, read="trino")
    for node in tree.find_all(exp.Anonymous):
        if node.name.lower() == "json_exists":
            path = node.expressions[1]
            if isinstance(path, exp.Literal) and path.this.startswith("strict $"):
                path.replace(exp.Literal.string(path.this[len("strict ") :]))
    return tree.sql(dialect="duckdb")


def _read_json(files: Sequence[Path]) -> str:
    table = cloudtrail_table.load()
    record = "STRUCT(" + ", ".join(f'"{n}" {t.duckdb()}' for n, t in table.columns) + ")[]"
    listed = ", ".join(sql.literal(str(f)) for f in files)
    return (
        f"read_json([{listed}], columns = {{'Records': {sql.literal(record)}}}, format = 'auto', "
        f"maximum_object_size = {MAX_OBJECT_BYTES}, filename = true)"
    )


def view_sql(files: Sequence[Path]) -> str:
    """CREATE VIEW of the Athena table's columns over these CloudTrail files, with its
    partition columns (account, region, timestamp) taken from the S3 key layout."""
    layout = r"/AWSLogs/(o-[a-z0-9]+/)?([0-9]{12})/CloudTrail/([^/]+)/([0-9]{4}/[0-9]{2}/[0-9]{2})/[^/]*$"
    partitions = ", ".join(
        f"regexp_extract(filename, {sql.literal(layout)}, {group}) AS {sql.identifier(name)}"
        for name, group in (("account", 2), ("region", 3), ("timestamp", 4))
    )
    return (
        f"CREATE OR REPLACE VIEW {VIEW} AS SELECT r.*, {partitions} "
        f"FROM (SELECT unnest(Records) AS r, filename FROM {_read_json(files)})"
    )


def _cloudtrail_files(files: Sequence[Path]) -> tuple[list[Path], list[Skipped]]:
    """Split off the files that do not start as a CloudTrail file does (``{"Records":``, the
    test the Python engine's reader makes): DuckDB would read them as no records at all."""
    good: list[Path] = []
    bad: list[Skipped] = []
    for f in files:
        try:
            with gzip.open(f) if f.name.endswith(".gz") else f.open("rb") as fh:
                head = fh.read(4096)
        except (OSError, EOFError, ValueError) as exc:
            bad.append(Skipped(str(f), f"cannot read: {exc}"))
            continue
        if CLOUDTRAIL_HEAD.match(head):
            good.append(f)
        else:
            bad.append(
                Skipped(
                    str(f), 'not a CloudTrail file ({"Records": [...]}): the DuckDB engine reads only those'
                )
            )
    return good, bad


def _readable(con: duckdb.DuckDBPyConnection, files: Sequence[Path]) -> tuple[list[Path], list[Skipped]]:
    """Split the files into those DuckDB reads and those it cannot (with its reason)."""
    good: list[Path] = []
    bad: list[Skipped] = []
    for f in files:
        try:
            # Every record's columns, as the queries read them (a count alone may skip them).
            con.execute(view_sql([f]))
            con.execute(f"SELECT count(*) FROM (SELECT * FROM {VIEW})").fetchall()
            good.append(f)
        except duckdb.Error as exc:
            bad.append(Skipped(str(f), f"DuckDB cannot read it: {str(exc).splitlines()[0]}"))
    return good, bad


def backtest(
    filters: list[MetricFilterSpec],
    alarms: list[AlarmSpec],
    files: list[Path],
    where: Sequence[str] = (),
    threads: int | None = None,
    strict: bool = False,
) -> BacktestResult:
    """Run the filters' queries over ``files`` (UntranslatableError before reading anything
    if a pattern has no exact SQL)."""
    queries = sql.queries(filters, alarms, VIEW, where)
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    files, skipped = _cloudtrail_files(files)
    if skipped and strict:
        raise SkippedError(skipped[0])
    results: list[tuple[sql.Query, list[Any]]] = []
    if files:
        try:
            con.execute(view_sql(files))
            results = [(q, con.execute(to_duckdb(q.sql)).fetchall()) for q in queries]
        except duckdb.Error:
            files, unreadable = _readable(con, files)
            if not unreadable:
                raise  # every file reads: the error is the query's
            if strict:
                raise SkippedError(unreadable[0]) from None
            skipped += unreadable
            results = []
            if files:
                con.execute(view_sql(files))
                results = [(q, con.execute(to_duckdb(q.sql)).fetchall()) for q in queries]
    return result_from_counts(filters, alarms, results, skipped, source="duckdb:" + VIEW)
