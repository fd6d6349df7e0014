"""No traceback reaches a user from bad input: generated bad filter patterns, bad plans and
bad archives, thrown at every command that reads user input, end in a clear message and the
documented exit code (trailwatch.exitcodes), never an exception.

The generators are seeded: a failure names the input, and the same input comes back on the
next run. The engine is fuzzed directly (thousands of mutated patterns: an invalid one is
``InvalidPatternError`` and nothing else, a valid one compiles, hints, prefilters and
translates or is refused by name); the CLI is driven in-process with a sample of each kind,
and once through the installed entry point in a subprocess."""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import fake_plans
from trailwatch import sql
from trailwatch.cli import main
from trailwatch.evaluate import MetricFilterSpec
from trailwatch.exitcodes import ExitCode
from trailwatch.filterpattern import Event, InvalidPatternError, compile_pattern
from trailwatch.prefilter import Prefilter, hint_of, may_match

RECORDED = Path(
    os.environ.get("TRAILWATCH_AWS_RECORDED", Path(__file__).parents[2] / "shared" / "aws-recorded")
)
ROOT = '{ $.userIdentity.type = "Root" }'

# --------------------------------------------------------------------------------------
# Generators
# --------------------------------------------------------------------------------------


def _seed_patterns() -> list[str]:
    """Every catalog pattern in every mode, the recorded patterns (when present), and the
    constructs of each pattern kind."""
    seeds = list(sql.catalog_patterns().values())
    for name in ("filter-pattern-aws.json", "filter-pattern-aws-edges.json"):
        if (RECORDED / name).exists():
            seeds += [
                c["request"]["filterPattern"] for c in json.loads((RECORDED / name).read_text())["cases"]
            ]
    seeds += [
        '{ $.a = "x" && ($.b[0].c != 1 || $.d IS NULL) && $.e NOT EXISTS && $.f = %^a|b$% }',
        '[ip, user = "ad*", ..., status = 4*, bytes > 100]',
        '?ERROR ?WARN -"not this" "a phrase"',
        "%^[a-z]+[0-9]{2,3}$%",
    ]
    return seeds


#: Fragments a mutation inserts: the language's symbols, escapes JSON refuses (``\q``,
#: a short ``\u``), a lone surrogate, control characters, huge numbers, keywords.
_FRAGMENTS = [*"{}[]()$.*\"\\%&|=!<>, ?-:'0123456789aeE\x00\n\té"]
_FRAGMENTS += [
    "\\u",
    "\\q",
    "\\ud800",
    "\\u12",
    "NOT",
    "EXISTS",
    "IS",
    "NULL",
    "&&",
    "||",
    "...",
    "1e99999999999",
]
_FRAGMENTS += ["null", "%.*%", "[*]", ".*", "\U0001f600", "\u2028"]


def mutants(seed: int, count: int) -> Iterator[str]:
    """``count`` patterns, each a seed pattern with one to six random edits."""
    rng = random.Random(seed)
    seeds = _seed_patterns()
    for _ in range(count):
        chars = list(rng.choice(seeds))
        for _ in range(rng.randint(1, 6)):
            at = rng.randint(0, len(chars))
            op = rng.random()
            if op < 0.4:
                chars[at:at] = list(rng.choice(_FRAGMENTS))
            elif chars and op < 0.7:
                del chars[min(at, len(chars) - 1) : min(at, len(chars) - 1) + rng.randint(1, 5)]
            elif chars:
                chars[min(at, len(chars) - 1)] = rng.choice(_FRAGMENTS)
        yield "".join(chars)


def bad_patterns(seed: int, count: int) -> list[str]:
    """``count`` mutants the engine refuses."""
    out: list[str] = []
    for pattern in mutants(seed, count * 20):
        try:
            compile_pattern(pattern)
        except InvalidPatternError:
            out.append(pattern)
            if len(out) == count:
                break
    return out


# --------------------------------------------------------------------------------------
# The engine itself
# --------------------------------------------------------------------------------------

_RECORD = Event(
    json.dumps({"eventName": "ConsoleLogin", "userIdentity": {"type": "Root"}, "a": [1, "x"], "b": None})
)


def test_every_generated_pattern_compiles_or_is_an_invalid_pattern_error() -> None:
    counts = {"valid": 0, "invalid": 0}
    for pattern in mutants(28, 4000):
        try:
            compiled = compile_pattern(pattern)
        except InvalidPatternError as exc:
            assert str(exc), pattern
            counts["invalid"] += 1
            continue
        counts["valid"] += 1
        compiled.match(_RECORD)
        may_match(compiled, _RECORD)
        hint_of(compiled)
        Prefilter.for_filters([MetricFilterSpec("f", compiled, "m", "n")])
        try:
            sql.predicate(pattern)
        except sql.UntranslatableError as exc:
            assert str(exc), pattern
    assert min(counts.values()) > 500, counts


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        # Quoted values that are not JSON strings: AWS's generic message (no recording names
        # another for them; see filterpattern.values.INVALID_PATTERN).
        ('{ $.a = "\\q" }', "Invalid metric filter pattern"),
        ('{ $.a = "x\ny" }', "Invalid metric filter pattern"),
        ('{ $.a = "\\u12" }', "Invalid metric filter pattern"),
        ('[a = "\\q", b]', "Invalid metric filter pattern"),
    ],
)
def test_quoted_values_that_are_not_json_strings(pattern: str, message: str) -> None:
    with pytest.raises(InvalidPatternError) as caught:
        compile_pattern(pattern)
    assert str(caught.value) == message


def test_deep_nesting_within_the_length_limit_compiles() -> None:
    pattern = "{ " + "(" * 500 + "$.a = 1" + ")" * 500 + " }"
    assert len(pattern) <= 1024
    assert compile_pattern(pattern).match('{"a": 1}') == {}
    assert sql.predicate("{ " + "(" * 400 + '$.eventName = "x"' + ")" * 400 + " }") == "eventname = 'x'"


def test_a_lone_surrogate_in_a_pattern_prefilters() -> None:
    compiled = compile_pattern('{ $.eventName = "Con\\ud800" }')
    pre = Prefilter.for_filters([MetricFilterSpec("f", compiled, "m", "n")])
    assert pre is not None and pre.candidates(b'{"eventName":"Con\\ud800"}') == {"f"}


# --------------------------------------------------------------------------------------
# The commands
# --------------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """A command in-process: its exit code (argparse's SystemExit included), stdout, stderr.
    Any exception escaping it fails the test."""
    try:
        rc = main(list(argv))
    except SystemExit as exc:
        rc = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return rc, out, err


def _records() -> list[dict[str, Any]]:
    root = {
        "eventTime": "2026-11-02T09:00:00Z",
        "eventName": "ConsoleLogin",
        "userIdentity": {"type": "Root"},
    }
    return [root, {**root, "eventTime": "2026-11-02T09:00:05Z", "userAgent": "x [/] [bold]y"}]


def _good_file(folder: Path) -> Path:
    path = folder / "good.json.gz"
    path.write_bytes(gzip.compress(json.dumps({"Records": _records()}, separators=(",", ":")).encode()))
    return path


def _plan(folder: Path, *resources: dict[str, Any]) -> Path:
    return fake_plans.write(
        folder / "plan.json",
        *(
            resources
            or (fake_plans.metric_filter("root", ROOT, "Root"), fake_plans.alarm("root-alarm", "Root"))
        ),
    )


def test_bad_patterns_at_test_metric_filter(capsys: pytest.CaptureFixture[str]) -> None:
    for pattern in bad_patterns(1, 60):
        rc, out, err = run(
            capsys, "test-metric-filter", "--filter-pattern", pattern, "--log-event-messages", "x"
        )
        with pytest.raises(InvalidPatternError) as caught:
            compile_pattern(pattern)
        expected = (
            "\nAn error occurred (InvalidParameterException) when calling the TestMetricFilter "
            f"operation: {caught.value}\n"
        )
        assert (rc, out, err) == (ExitCode.SERVICE_ERROR, "", expected), pattern


@pytest.mark.parametrize(
    "request_json",
    [
        "{",
        "[]",
        '"x"',
        "[" * 100_000,
        '{"filterPattern": 5, "logEventMessages": ["x"]}',
        '{"filterPattern": "x"}',
    ],
)
def test_bad_requests_at_test_metric_filter(capsys: pytest.CaptureFixture[str], request_json: str) -> None:
    rc, out, err = run(capsys, "test-metric-filter", "--cli-input-json", request_json)
    assert (rc, out) == (ExitCode.BAD_INPUT, "")
    assert err.strip()


@pytest.mark.parametrize(
    ("pattern", "event", "code"),
    [
        ("{", "{}", ExitCode.SERVICE_ERROR),
        ('{"a": [{"numeric": [">", "x"]}]}', "{}", ExitCode.SERVICE_ERROR),
        ("[" * 100_000, "{}", ExitCode.SERVICE_ERROR),
        ('{"a": ["x"]}', "[1]", ExitCode.SERVICE_ERROR),
        ('{"a": ["x"]}', "{" * 100_000, ExitCode.SERVICE_ERROR),
        ('{"a": ["x"]}', "file:///nonexistent/event.json", ExitCode.BAD_INPUT),
    ],
)
def test_bad_patterns_and_events_at_test_event_pattern(
    capsys: pytest.CaptureFixture[str], pattern: str, event: str, code: ExitCode
) -> None:
    rc, out, err = run(capsys, "test-event-pattern", "--event-pattern", pattern, "--event", event)
    assert (rc, out) == (code, "")
    assert err.strip()


def _filter(**values: Any) -> dict[str, Any]:
    base = fake_plans.metric_filter("root", ROOT, "Root")
    base["values"].update(values)
    return base


def _alarm(**values: Any) -> dict[str, Any]:
    base = fake_plans.alarm("root-alarm", "Root")
    base["values"].update(values)
    return base


#: Plans of the wrong shape, each with what the message must name.
BAD_PLANS: list[tuple[str, Any, str]] = [
    ("not an object", [1, 2], "the plan is an array"),
    ("planned_values", {"planned_values": []}, "planned_values is an array"),
    ("resources", {"planned_values": {"root_module": {"resources": {}}}}, "resources is an object"),
    ("resource", fake_plans.plan("x"), "resources[0] is a string"),  # type: ignore[arg-type]
    (
        "values",
        fake_plans.plan({"type": "aws_cloudwatch_log_metric_filter", "values": 5}),
        "values is a number",
    ),
    ("no name", fake_plans.plan(_filter(name=None)), "name is missing"),
    ("pattern type", fake_plans.plan(_filter(pattern=["x"])), "pattern is an array"),
    ("no transformation", fake_plans.plan(_filter(metric_transformation=[])), "holds 0 items"),
    (
        "bad default",
        fake_plans.plan(
            _filter(
                metric_transformation=[{"name": "m", "namespace": "n", "value": "1", "default_value": "x"}]
            )
        ),
        "default_value is 'x', not a number",
    ),
    ("no threshold", fake_plans.plan(_filter(), _alarm(threshold=None)), "threshold is missing"),
    ("zero periods", fake_plans.plan(_filter(), _alarm(evaluation_periods=0)), "evaluation_periods is 0"),
    ("zero period", fake_plans.plan(_filter(), _alarm(period=0)), "a period is not a whole number"),
    (
        "too many datapoints",
        fake_plans.plan(_filter(), _alarm(datapoints_to_alarm=3)),
        "datapoints_to_alarm is 3",
    ),
    ("query shape", fake_plans.plan(_filter(), _alarm(metric_query=[{"id": 5}])), "id is a number"),
]


@pytest.mark.parametrize(("name", "doc", "named"), BAD_PLANS, ids=[b[0] for b in BAD_PLANS])
def test_bad_plans_at_backtest_sql_and_cost(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, doc: Any, named: str
) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(doc))
    good = str(_good_file(tmp_path))
    commands: list[list[str]] = [
        ["backtest", "--plan", str(plan), good, "--no-progress"],
        ["backtest", "--plan", str(plan), good, "--engine", "duckdb"],
        ["sql", "--plan", str(plan)],
        ["cost", "--plan", str(plan), "--measure", good],
    ]
    for argv in commands:
        rc, out, err = run(capsys, *argv)
        assert rc == ExitCode.BAD_INPUT, (argv, err)
        assert out == ""
        assert err.startswith("error: ") and named in err, (argv, err)


@pytest.mark.parametrize(
    "content",
    [b"{", b"\xff\xfe", b"[" * 100_000, b"", gzip.compress(b"{}")],
    ids=["json", "utf8", "deep", "empty", "gz"],
)
def test_unreadable_plans(capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes) -> None:
    plan = tmp_path / "plan.json"
    plan.write_bytes(content)
    for argv in (["backtest", "--plan", str(plan), str(_good_file(tmp_path))], ["sql", "--plan", str(plan)]):
        rc, out, err = run(capsys, *argv, *(["--no-progress"] if argv[0] == "backtest" else []))
        assert (rc, out) == (ExitCode.BAD_INPUT, "")
        assert err.startswith(f"error: cannot read the plan {plan}: "), err


def test_bad_patterns_in_a_plan(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = str(_good_file(tmp_path))
    for pattern in bad_patterns(2, 12):
        plan = _plan(tmp_path, fake_plans.metric_filter("bad-filter", pattern, "Bad"))
        with pytest.raises(InvalidPatternError) as caught:
            compile_pattern(pattern)
        for argv in (
            ["backtest", "--plan", str(plan), good, "--no-progress"],
            ["backtest", "--plan", str(plan), good, "--engine", "duckdb"],
            ["sql", "--plan", str(plan)],
            ["cost", "--plan", str(plan), "--measure", good],
        ):
            rc, out, err = run(capsys, *argv)
            assert (rc, out) == (ExitCode.BAD_INPUT, ""), (argv, pattern, err)
            assert "filter bad-filter: invalid filter pattern" in err and str(caught.value) in err, err


def _bad_archives(folder: Path) -> dict[str, tuple[bytes, str]]:
    """Bad files and the start of the reason each is reported with."""
    body = json.dumps({"Records": _records()}, separators=(",", ":")).encode()
    untimed = [dict(r, eventTime="yesterday") for r in _records()]
    return {
        "truncated.json.gz": (gzip.compress(body)[:-25], "truncated gzip"),
        "notjson.json": (b"\x00\x01 definitely not json", "neither CloudTrail nor JSON Lines"),
        "records-object.json": (b'{"Records": {"a": 1}}', "not a CloudTrail file"),
        "records-string.json.gz": (gzip.compress(b'{"Records": "x"}'), "not a CloudTrail file"),
        "notgzip.json.gz": (body, "not gzip"),
        "untimed.json": (json.dumps({"Records": untimed}).encode(), "no usable eventTime"),
    }


def test_bad_archives_at_backtest_variants_and_cost(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    _good_file(archive)
    bad = _bad_archives(archive)
    for name, (content, _) in bad.items():
        (archive / name).write_bytes(content)
    plan = str(_plan(tmp_path))
    for argv in (
        ["backtest", "--plan", plan, str(archive), "--json", "--no-progress"],
        ["backtest", "--plan", plan, str(archive), "--json", "--no-progress", "--workers", "2"],
        ["variants", str(archive), "--detection", "root_usage", "--json"],
        ["cost", "--plan", plan, "--measure", str(archive), "--json"],
    ):
        rc, out, err = run(capsys, *argv)
        assert rc == ExitCode.SKIPPED, (argv, err)
        errors = {Path(e["path"]).name: e["reason"] for e in json.loads(out)["errors"]}
        assert set(errors) == set(bad), argv
        for name, (_, reason) in bad.items():
            assert errors[name].startswith(reason), (argv, name, errors[name])
    # The DuckDB engine reads CloudTrail files whole: each bad one is reported too.
    rc, out, err = run(capsys, "backtest", "--plan", plan, str(archive), "--json", "--engine", "duckdb")
    assert rc == ExitCode.SKIPPED, err
    errors = {Path(e["path"]).name: e["reason"] for e in json.loads(out)["errors"]}
    # Whole files, and the untimed records counted by the query (no path: one entry).
    assert set(errors) == set(bad) - {"untimed.json"} | {"duckdb:cloudtrail"}
    assert errors["duckdb:cloudtrail"] == "2 record(s) without a usable eventTime, not counted"
    # The rich report of the same scan: the skips listed, a record's markup-like text shown as text.
    monkeypatch.setenv("COLUMNS", "300")
    rc, out, err = run(capsys, "backtest", "--plan", plan, str(archive), "--no-progress")
    assert rc == ExitCode.SKIPPED and "skipped:" in out and "x [/] [bold]y" in out
    # --strict stops at the first one.
    rc, out, err = run(capsys, "backtest", "--plan", plan, str(archive), "--strict", "--no-progress")
    assert (rc, out) == (ExitCode.STRICT_STOPPED, "") and err.startswith("error: ")


def test_usage_errors_in_every_command(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    plan = str(_plan(tmp_path))
    for argv in (
        ["backtest", "--plan", plan, str(tmp_path / "missing")],
        ["backtest", "--plan", plan, str(tmp_path), "--workers", "0"],
        ["backtest", "--plan", plan, str(tmp_path), "--engine", "duckdb", "--from", "yesterday"],
        ["sql", "--plan", plan, "--to", "2026-13-01"],
        ["variants", str(tmp_path), "--detection", "no_such_detection"],
        ["variants", str(tmp_path / "missing")],
        ["cost", "--plan", plan, "--events-per-day", "-5"],
        ["cost", "--plan", plan, "--events-per-day", "lots"],
        ["test-metric-filter", "--filter-pattern", "x"],
        ["test-event-pattern", "--event", "{}"],
        ["no-such-command"],
    ):
        rc, out, err = run(capsys, *argv)
        assert (rc, out) == (ExitCode.BAD_INPUT, ""), (argv, err)
        assert "error" in err, argv


def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("trailwatch")
    plan = _plan(tmp_path, fake_plans.metric_filter("bad", '{ $.a = "\\q" }'))
    for argv, code, message in (
        (
            ["test-metric-filter", "--filter-pattern", '{ $.a = "\\q" }', "--log-event-messages", "x"],
            ExitCode.SERVICE_ERROR,
            "An error occurred (InvalidParameterException) when calling the TestMetricFilter operation: "
            "Invalid metric filter pattern",
        ),
        (
            ["sql", "--plan", str(plan)],
            ExitCode.BAD_INPUT,
            f"error: {plan}: aws_cloudwatch_log_metric_filter: filter bad: invalid filter pattern "
            """'{ $.a = "\\\\q" }': Invalid metric filter pattern""",  # the pattern's repr
        ),
    ):
        done = subprocess.run([str(exe), *argv], capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == code, done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        assert message in done.stderr, done.stderr
