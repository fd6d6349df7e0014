"""`trailwatch sql`: the golden file of every catalog pattern's SQL, the constructs refused
by name, and CloudWatch's semantics on hostile records, judged against the Python engine
with DuckDB running the transpiled queries."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

import fake_plans
from trailwatch import sql
from trailwatch.backtest.executors import duckdb as duckdb_executor
from trailwatch.backtest.executors import python as python_executor
from trailwatch.cli import main
from trailwatch.evaluate import AlarmSpec, MetricFilterSpec
from trailwatch.exitcodes import ExitCode
from trailwatch.filterpattern import compile_pattern

GOLDEN = Path(__file__).parent / "golden" / "catalog.sql"


def test_the_golden_file_is_the_compilers_output() -> None:
    assert sql.catalog_predicates() == GOLDEN.read_text(), (
        "the SQL of a catalog pattern changed: run `trailwatch sql --catalog > tests/golden/catalog.sql` "
        "and review the diff"
    )


def test_the_golden_file_covers_every_catalog_pattern() -> None:
    from trailwatch import catalog

    text = GOLDEN.read_text()
    for key, d in catalog.detections().items():
        for pid in d.patterns:
            assert f"-- {key} / {pid}" in text


@pytest.mark.parametrize(
    ("pattern", "named"),
    [
        ('{ $.resources[0].arn = "x" }', "array index selectors"),
        ('{ $.resources[*].arn = "x" }', "wildcard selectors"),
        ('{ $.requestParameters.* = "x" }', "wildcard selectors"),
        ('{ $.nosuch = "x" }', "no column 'nosuch'"),
        ('{ $.eventname = "ConsoleLogin" }', "no column 'eventname'"),
        ('{ $.userIdentity.nosuch = "x" }', "has no field 'nosuch'"),
        ('{ $.userIdentity.sessionContext = "x" }', "a struct value"),
        ('{ $.requestParameters = "x" }', "the whole JSON-body column"),
        ("{ $.additionalEventData.MFAUsed = %Y% }", "a regex on a JSON-body field"),
        ('{ $.responseElements.code = "1*" }', "could match a number's text"),
        ("{ $.requestParameters.a IS NULL }", "IS NULL on a JSON-body field"),
        ("{ $.eventName IS NULL }", "IS NULL on a typed column"),
        ("{ $.userIdentity.type IS TRUE }", "IS TRUE on a typed column"),
        ("{ $.eventVersion > 1 }", "an ordered comparison on a STRING column"),
        ("{ $.requestParameters.n = 0.10000000000000001 }", "not exactly a double"),
        ("{ $.requestParameters.n > 9007199254740993 }", "not exactly a double"),
        ("ERROR", "only JSON patterns translate"),
        ("[ip, user, ...]", "only JSON patterns translate"),
    ],
)
def test_untranslatable_constructs_are_errors_naming_them(pattern: str, named: str) -> None:
    with pytest.raises(sql.UntranslatableError, match=named.replace("[", r"\[").replace("*", r"\*")):
        sql.predicate(pattern)


def test_a_metric_value_from_the_event_is_refused() -> None:
    f = MetricFilterSpec("bytes", compile_pattern('{ $.eventName = "X" }'), "m", "ns", "$.bytes")
    with pytest.raises(sql.UntranslatableError, match="taken from the event"):
        sql.queries([f], [], "t")


# Hostile records: every way a field can be absent, null, a number, a boolean, an object or
# oddly cased, in the typed columns and in the JSON bodies.
RECORDS: list[dict[str, Any]] = [
    {"eventName": "ConsoleLogin", "additionalEventData": {"MFAUsed": "Yes"}},
    {"eventName": "ConsoleLogin", "additionalEventData": {"MFAUsed": "No"}},
    {"eventName": "ConsoleLogin", "additionalEventData": {"MFAUsed": None}},
    {"eventName": "ConsoleLogin", "additionalEventData": {"MFAUsed": True}},
    {"eventName": "ConsoleLogin", "additionalEventData": {"MFAUsed": 1}},
    {"eventName": "ConsoleLogin", "additionalEventData": {"MFAUsed": 1.5e300}},
    {"eventName": "ConsoleLogin", "additionalEventData": {"MFAUsed": {"a": "Yes"}}},
    {"eventName": "ConsoleLogin", "additionalEventData": {"MFAUsed": ["Yes"]}},
    {"eventName": "ConsoleLogin", "additionalEventData": {"MFAUsed": "it's 50% _done_ \\ *"}},
    {"eventName": "ConsoleLogin", "additionalEventData": {}},
    {"eventName": "ConsoleLogin", "additionalEventData": None},
    {"eventName": "ConsoleLogin"},
    {"eventName": "consolelogin", "errorCode": "AccessDenied"},
    {"eventName": "GetObject", "errorCode": "Client.UnauthorizedOperation", "sourceIPAddress": "10.0.0.17"},
    {"eventName": "GetObject", "errorCode": "AccessDeniedException", "sourceIPAddress": "203.0.113.9"},
    {"userIdentity": {"type": "Root", "invokedBy": "cloudtrail.amazonaws.com"}, "eventType": "AwsApiCall"},
    {"userIdentity": {"type": "Root"}, "eventType": "AwsServiceEvent"},
    {"userIdentity": {"type": "Root", "sessionContext": {"assumedRoot": "true"}}},
    {"userIdentity": {"type": "Root", "sessionContext": {}}},
    {"userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:role/ci-x"}},
    {"userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/alice"}},
    {"userIdentity": {"type": "Root"}, "eventType": "AwsApiCall"},
    {"requestParameters": {"n": 0.1, "b": False, "s": "0.1", "big": 9007199254740993}},
    {"requestParameters": {"n": 2, "b": True, "s": "2", "big": -1}},
    {"requestParameters": {"n": "2", "b": "true"}},
    {"requestParameters": {"n": "__OVERFLOW__"}},  # written as 1e999: a double overflow
    {"requestParameters": None, "responseElements": None},
]

PATTERNS = [
    '{ $.additionalEventData.MFAUsed != "Yes" }',
    '{ $.additionalEventData.MFAUsed = "Yes" }',
    '{ $.additionalEventData.MFAUsed = "it*50%*_done_*" }',
    "{ $.additionalEventData.MFAUsed NOT EXISTS }",
    "{ $.additionalEventData.MFAUsed IS TRUE }",
    "{ $.requestParameters.b IS FALSE }",
    "{ $.requestParameters.b IS TRUE }",
    '{ $.eventName = ConsoleLogin && $.additionalEventData.MFAUsed != "Yes" }',
    '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    '{ $.sourceIPAddress != %^10\\.0\\.0\\.1[6-9]$% && $.errorCode = "*" }',
    '{ $.sourceIPAddress != "203.0.113.*" }',
    '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    '{ ($.userIdentity.sessionContext.assumedRoot NOT EXISTS) || ($.userIdentity.sessionContext.assumedRoot != "true") }',
    '{ $.userIdentity.arn != "arn:aws:iam::*:role/ci-*" }',
    "{ $.requestParameters.n = 2 }",
    "{ $.requestParameters.n != 2 }",
    "{ $.requestParameters.n = 0.1 }",
    "{ $.requestParameters.n < 1 }",
    "{ $.requestParameters.n >= 2 }",
    "{ $.requestParameters.big > 0 }",
    "{ $.requestParameters.s = 0.1 }",
    "{ $.requestParameters.n NOT EXISTS }",
]


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # One record a minute, so each per-period count is one record's verdict.
    stamped = [
        {"eventTime": f"2026-11-01T{i // 60:02d}:{i % 60:02d}:30Z", **r} for i, r in enumerate(records)
    ]
    text = json.dumps({"Records": stamped}).replace('"__OVERFLOW__"', "1e999")
    path.write_bytes(gzip.compress(text.encode()))
    return path


def _filters(patterns: list[str]) -> tuple[list[MetricFilterSpec], list[AlarmSpec]]:
    filters = [
        MetricFilterSpec(f"f{i}", compile_pattern(p), f"f{i}", "T", "1") for i, p in enumerate(patterns)
    ]
    alarms = [
        AlarmSpec(
            f.name, f.metric_name, "T", "Sum", 60, 1, 1, 1.0, "GreaterThanOrEqualToThreshold", "notBreaching"
        )
        for f in filters
    ]
    return filters, alarms


def test_duckdb_gives_the_engines_verdict_on_every_hostile_record(tmp_path: Path) -> None:
    archive = _write(tmp_path / "2026" / "11" / "01" / "hostile.json.gz", RECORDS)
    filters, alarms = _filters(PATTERNS)
    engine = python_executor.backtest(filters, alarms, [archive], prefilter=False, workers=1)
    duck = duckdb_executor.backtest(filters, alarms, [archive])
    assert duck.events_scanned == engine.events_scanned == len(RECORDS)
    # Every pattern tells records apart: it matches some, and not all.
    assert all(0 < m < len(RECORDS) for _, m in engine.filters), engine.filters
    for f in filters:
        key = (f.namespace, f.metric_name)
        # Each minute holds one record: the datapoints say which records matched.
        assert duck.datapoints.get(key, {}) == engine.datapoints.get(key, {}), f.pattern.text
    assert duck.filters == engine.filters
    assert [a.__dict__ for a in duck.alarms] == [a.__dict__ for a in engine.alarms]


def test_sql_prints_a_plans_queries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = fake_plans.write(
        tmp_path / "plan.json",
        fake_plans.metric_filter("tw-root", '{ $.userIdentity.type = "Root" }', "RootUsage"),
    )
    rc = main(["sql", "--plan", str(path), "--database", "db", "--table", "ct", "--from", "2026-11-02"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "-- m0: tw-root" in out
    assert "count_if(useridentity.type = 'Root') AS m0" in out
    assert 'FROM "db"."ct"' in out
    assert "eventtime >= '2026-11-02T00:00:00Z'" in out and "\"timestamp\" >= '2026/11/02'" in out


def test_sql_refuses_an_untranslatable_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = fake_plans.write(
        tmp_path / "plan.json", fake_plans.metric_filter("tw-x", '{ $.resources[0].arn = "x" }')
    )
    # The same exit code as backtest --engine duckdb and --athena for the same pattern.
    assert main(["sql", "--plan", str(path)]) == ExitCode.BAD_INPUT
    assert "$.resources[0].arn: array index selectors do not translate" in capsys.readouterr().err
