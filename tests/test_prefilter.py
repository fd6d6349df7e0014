"""The anchored prefilter is a necessary condition: every record that any catalog pattern
matches is selected, on realistic and hostile records and on whitespace and escape
variants; and backtest's prefiltered result equals the full evaluation's."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from trailwatch import archive, catalog
from trailwatch.backtest import BacktestResult, backtest
from trailwatch.evaluate import AlarmSpec, MetricFilterSpec
from trailwatch.filterpattern import compile_pattern
from trailwatch.filterpattern.event import Event
from trailwatch.harness import record_corpus as ev
from trailwatch.harness.synthetic import records as synthetic_records
from trailwatch.prefilter import ENGINES, Prefilter, describe, may_match

ALLOW = '($.sourceIPAddress != "203.0.113.*")'


def _catalog_filters() -> list[MetricFilterSpec]:
    out = []
    for d in catalog.detections().values():
        for mode, pattern in d.patterns.items():
            text = catalog.fill(pattern, ALLOW)
            out.append(
                MetricFilterSpec(f"{d.key}-{mode}", compile_pattern(text), f"{d.key}-{mode}", "T", "1")
            )
    return out


def _variants(record: dict[str, Any]) -> list[str]:
    """The same record as CloudTrail writes it, with spaces, with new lines and tabs, and
    with every non-ASCII character and slash escaped."""
    compact = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
    return [
        compact,
        json.dumps(record, ensure_ascii=False),
        json.dumps(record, indent="\t", separators=(" ,", " :\r\n ")),
        json.dumps(record).replace("/", "\\/"),
    ]


def _tricky() -> list[dict[str, Any]]:
    root = ev.root_login(mfa=False, ip="198.51.100.9")
    denied = ev.api_call("GetObject", "s3.amazonaws.com", error_code="AccessDenied")
    ec2 = ev.api_call("RunInstances", "ec2.amazonaws.com", error_code="Client.UnauthorizedOperation")
    return [
        root,
        denied,
        ec2,
        # The literal next to its key but not its value, or in the wrong key, or escaped.
        {**denied, "errorCode": "NotAccessDenied", "note": {"errorCode": "x", "y": "AccessDenied"}},
        {**denied, "errorCode": "AccessDeniedException"},
        {**denied, "errorCode": 'AccessDenied"quoted'},
        {**ec2, "errorCode": "UnauthorizedOperation"},
        {**ec2, "errorCode": "Client.UnauthorizedOperation.Extra"},
        {**ec2, "errorCode": 'a"b\\UnauthorizedOperation'},
        {**root, "userIdentity": {"type": "NotRoot", "subtype": "Root", "x": '"type":"Root"'}},
        {**root, "userIdentity": {"type": ["Root"]}},
        {**root, "userIdentity": {"type": "Root", "invokedBy": "Root"}},
        {**root, "userIdentity": {'ty"pe': "Root", "type": "IAMUser"}},
        {**root, "eventName": "ConsoleLogin", "responseElements": {"ConsoleLogin": "Success"}},
        {**root, "eventName": "ConsoleLoginX"},
        {**root, "eventName": "StopLogging", "eventSource": "cloudtrail.amazonaws.com"},
        {**root, "eventSource": "kms.amazonaws.com", "eventName": "ScheduleKeyDeletion"},
        {**root, "userIdentity": {"type": "Rööt"}, "errorCode": "AccessDenied/é"},
        # identity_provider_changes' eventName regexes: `$` also matches before a final new
        # line, and a name inside a longer one is not a match.
        {**denied, "eventSource": "iam.amazonaws.com", "eventName": "UpdateSAMLProvider", "errorCode": None},
        ev.change("UpdateSAMLProvider"),
        ev.change("UpdateSAMLProvider\n"),
        ev.change("UpdateSAMLProviderX"),
        ev.change("DeleteExternalIdPCertificate\n", "sso-directory.amazonaws.com"),
        ev.change("GetSAMLProvider"),
    ]


@pytest.fixture(scope="module")
def filters() -> list[MetricFilterSpec]:
    return _catalog_filters()


def test_the_catalog_is_anchored(filters: list[MetricFilterSpec]) -> None:
    what = describe(Prefilter.for_filters(filters))
    assert "$.userIdentity.type = Root" in what["anchors"]
    assert "$.errorCode = AccessDenied*" in what["anchors"]
    assert "$.errorCode = *UnauthorizedOperation" in what["anchors"]
    assert {"ConsoleLogin", "StopLogging", "PutBucketPolicy"} <= set(what["eventNames"])
    # An anchored regex alternation on eventName names its words (and each with the final
    # new line `$` also matches before).
    assert {"UpdateSAMLProvider", "UpdateSAMLProvider\n", "ImportExternalIdPCertificate"} <= set(
        what["eventNames"]
    )
    assert what["literals"] == []


def test_a_regex_alternation_hints_exactly_what_it_can_match() -> None:
    pattern = compile_pattern("{ $.eventName = %^CreateSAMLProvider$|^UpdateSAMLProvider$% }")
    for name, matches in (
        ("CreateSAMLProvider", True),
        ("UpdateSAMLProvider\n", True),
        ("XUpdateSAMLProvider", False),
        ("UpdateSAMLProvider\r", False),
    ):
        event = Event(json.dumps({"eventName": name}))
        assert pattern.matches(event) is matches, name
        assert may_match(pattern, event) or not matches, name
    # Unanchored, or elsewhere than eventName: the words as literals; anything else: no hint.
    assert compile_pattern("{ $.a = %Alpha|Beta_2% }").hint == frozenset(
        {("literal", "Alpha"), ("literal", "Beta_2")}
    )
    assert compile_pattern("{ $.a = %Alpha|Be% }").hint is None
    assert compile_pattern("{ $.eventName = %^Alpha.$% }").hint is None


def _selected(prefilter: Prefilter, record: bytes) -> bool:
    """Whether the first stage selects the record, in a CloudTrail file of its own and as a
    JSON Lines line (the same answer both ways): a condition on the fields that
    ``archive.records`` decodes with its time holds (``picked``), or a hit of ``positions``
    (a plain literal) is in it."""
    answers = {
        bool(list(archive.records(data, "x", prefilter).selected))
        for data in (b'{"Records":[' + record + b"]}", record.replace(b"\n", b" ") + b"\n")
    }
    assert len(answers) == 1, record
    return answers.pop()


@pytest.mark.parametrize("hostile", [False, True], ids=["realistic", "hostile"])
def test_every_match_is_selected(filters: list[MetricFilterSpec], hostile: bool) -> None:
    # Each text-stage engine this platform has (Hyperscan, Python's re): the same records.
    prefilters = [Prefilter.for_filters(filters, engine=e) for e in ENGINES]
    assert all(p is not None for p in prefilters)
    recs = synthetic_records(1000, seed=5, hostile=hostile) + _tricky()
    selected = matched = 0
    for record in recs:
        for n, text in enumerate(_variants(record)):
            data = text.encode()
            choices = {_selected(p, data) for p in prefilters if p is not None}
            assert len(choices) == 1, text
            (chosen,) = choices
            hits = [f.name for f in filters if f.pattern.matches(text)]
            if hits:
                matched += 1
                assert chosen, (hits, text)
            selected += chosen and n == 0
    assert matched > 0
    # As CloudTrail writes them (compact), few records pass, though in hostile ones the
    # literals are everywhere.
    assert selected < 0.08 * len(recs)
    if hostile:
        assert sum("Root" in json.dumps(r) for r in recs) > 0.2 * len(recs)


def test_names_and_anchors_are_tested_on_the_decoded_fields() -> None:
    """An anchor holds on the value at its exact path, decoded (whitespace, escapes and
    duplicate keys as the engine's parser reads them), never on text elsewhere in the record;
    a path through something that is not an object leaves the record to the engine."""
    specs = [
        MetricFilterSpec(name, compile_pattern(text), name, "T", "1")
        for name, text in (
            ("exact", '{ $.type = "Root" }'),
            ("prefix", '{ $.errorCode = "AccessDenied*" }'),
            ("suffix", '{ $.errorCode = "*UnauthorizedOperation" }'),
            ("both", '{ $.k = "Root*Root" }'),
            ("nested", '{ $.userIdentity.type = "Root" }'),
            ("name", '{ $.eventName = "ConsoleLogin" }'),
        )
    ]
    prefilter = Prefilter.for_filters(specs)
    assert prefilter is not None and describe(prefilter)["literals"] == []
    at = '"eventTime":"2026-11-02T09:00:00Z",'

    def selected(body: str) -> bool:
        return _selected(prefilter, ("{" + at + body[1:]).encode())

    for body, expected in (
        ('{"type":"Root"}', True),
        ('{"type" \t:\r\n "Root"}', True),
        ('{"type":"R\\u006fot"}', True),
        ('{"t\\u0079pe":"Root"}', True),
        ('{"type":"Root","type":"IAMUser"}', False),
        ('{"type":"IAMUser","type":"Root"}', True),
        ('{"subtype":"Root"}', False),
        ('{"type":"RootX"}', False),
        ('{"type":"XRoot"}', False),
        ('{"x":"\\"type\\":\\"Root\\""}', False),
        ('{"x":{"type":"Root"}}', False),
        ('{"type":["Root"]}', False),
        ('{"type":{"Root":1}}', False),
        ('{"a\\\\":1,"type":"Root"}', True),
        ('{"errorCode":"AccessDeniedException"}', True),
        ('{"errorCode":"NotAccessDenied"}', False),
        ('{"errorCode":"Client.UnauthorizedOperation"}', True),
        ('{"errorCode":"a\\"b UnauthorizedOperation"}', True),
        ('{"errorCode":"UnauthorizedOperationX"}', False),
        ('{"errorMessage":"x UnauthorizedOperation"}', False),
        ('{"errorCode":12}', False),
        ('{"k":"RootXRoot"}', True),
        ('{"k":"RootRoot"}', True),
        ('{"k":"Root"}', False),
        ('{"k":"RootX"}', False),
        ('{"userIdentity":{"type":"Root"}}', True),
        ('{"userIdentity":{"type":"IAMUser"},"type":"x"}', False),
        ('{"userIdentity":null}', False),
        # A path through a string, an array or a number: the engine decides the record.
        ('{"userIdentity":"Root"}', True),
        ('{"userIdentity":[{"type":"Root"}]}', True),
        ('{"userIdentity":5}', True),
        ('{"eventName":"ConsoleLogin"}', True),
        ('{"eventName":"Console\\u004cogin"}', True),
        ('{"eventName":"ConsoleLoginX"}', False),
        ('{"eventName":["ConsoleLogin"]}', False),
        ('{"eventName":{"a":"ConsoleLogin"}}', False),
        # A number a double cannot hold fails the file-wide decode: each record is read
        # alone, and one whose own fields do not decode is left to the engine.
        ('{"eventName":"ConsoleLogin","n":1e999}', True),
        ('{"eventName":"GetObject","n":1e999}', False),
        ('{"eventName":"GetObject","errorCode":1e999}', True),
    ):
        assert selected(body) is expected, body
        # Never a record the engine matches left out.
        record = "{" + at + body[1:]
        assert expected or not any(f.pattern.matches(record) for f in specs), body
        # The same in a file whose other records are read one by one (one has no time).
        for data in (
            b'{"Records":[{"x":1},{' + at.encode() + body[1:].encode() + b"]}",
            b'{"x":1}\n{' + at.encode() + body[1:].replace("\n", " ").encode() + b"\n",
        ):
            read = archive.records(data, "x", prefilter)
            assert [s.reason for s in read.skipped] == ["no eventTime"], body
            assert bool(list(read.selected)) is expected, body


def test_backtest_prefiltered_equals_full_on_hostile_and_spaced_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    filters = _catalog_filters()
    alarms = [
        AlarmSpec.from_api(
            {
                "AlarmName": f.name,
                "MetricName": f.metric_name,
                "Namespace": "T",
                "Statistic": "Sum",
                "Period": 60,
                "EvaluationPeriods": 1,
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "notBreaching",
            }
        )
        for f in filters
    ]
    files = []
    for n, hostile in enumerate((False, True)):
        recs = synthetic_records(2000, seed=9 + n, hostile=hostile) + _tricky()
        for k, sep in enumerate(((",", ":"), (", ", ": "))):
            body = "[" + ",".join(json.dumps(r, separators=sep) for r in recs) + "]"
            path = tmp_path / f"{n}-{k}.json.gz"
            path.write_bytes(gzip.compress(('{"Records":' + body + "}").encode()))
            files.append(path)
    runs: dict[tuple[bool | str, int], BacktestResult] = {
        (prefilter, workers): backtest(filters, alarms, files, prefilter=prefilter, workers=workers)
        for prefilter in (True, False)
        for workers in (1, 2)
    }
    # The pure-Python text stage (what platforms without Hyperscan run), in-process and in
    # workers (which read the setting from the environment).
    monkeypatch.setenv("TRAILWATCH_PREFILTER", "python")
    for workers in (1, 2):
        runs["python", workers] = backtest(filters, alarms, files, prefilter=True, workers=workers)
    fast = runs[True, 1].to_json()
    assert all(r.to_json() == fast for r in runs.values())
    assert fast["eventsScanned"] == 4 * (2000 + len(_tricky()))
    assert all(f["matches"] > 0 for f in fast["filters"] if "root_usage" in f["filterName"])
    # The samples too: a parallel scan merges the files' results in the files' order.
    samples = {k: {a: [e.message for e in s] for a, s in r.alarm_samples.items()} for k, r in runs.items()}
    assert all(s == samples[True, 1] for s in samples.values())
    assert any(samples[True, 1].values())


@pytest.mark.parametrize("hostile", [False, True], ids=["realistic", "hostile"])
def test_the_record_stage_selects_every_match(filters: list[MetricFilterSpec], hostile: bool) -> None:
    prefilter = Prefilter.for_filters(filters)
    assert prefilter is not None
    recs = synthetic_records(1000, seed=6, hostile=hostile) + _tricky()
    for n in range(4):
        texts = [_variants(r)[n] for r in recs]
        chosen = {i: prefilter.candidates(t.encode()) for i, t in enumerate(texts)}
        matched = {i: {f.name for f in filters if f.pattern.matches(t)} for i, t in enumerate(texts)}
        assert any(matched.values())
        # Every filter that matches a record is among the record's candidates.
        assert all(names <= chosen[i] for i, names in matched.items())
        assert sum(bool(names) for names in chosen.values()) < 0.08 * len(recs)


def test_the_record_stage_keeps_a_record_it_cannot_decode(filters: list[MetricFilterSpec]) -> None:
    prefilter = Prefilter.for_filters(filters)
    assert prefilter is not None
    everyone = {f.name for f in filters}
    odd = {**ev.root_login(mfa=True), "userIdentity": "Root"}
    assert prefilter.candidates(json.dumps(odd).encode()) == everyone
    root = prefilter.candidates(json.dumps(ev.root_login(mfa=True)).encode())
    assert {n for n in everyone if "root_usage" in n or "console_login" in n} <= root < everyone
    assert not prefilter.candidates(json.dumps(ev.api_call("GetObject", "s3.amazonaws.com")).encode())


def test_an_unanchored_non_ascii_literal_is_found_as_written() -> None:
    # An index step leaves the literal unanchored; records write "é" as it is.
    spec = MetricFilterSpec("x", compile_pattern('{ $.resources[0] = "Zoë-only" }'), "x", "T", "1")
    prefilter = Prefilter.for_filters([spec])
    assert prefilter is not None and describe(prefilter)["literals"] == ["Zoë-only"]
    text = json.dumps({"resources": ["Zoë-only"]}, ensure_ascii=False)
    assert spec.pattern.matches(text)
    assert prefilter.positions(text.encode())


@pytest.mark.parametrize(
    "pattern",
    [
        '{ $.a = "Infinity" }',
        '{ $.a = "-Infinity" }',
        '{ $.a = "*finity" }',
        '{ $.a = "-Inf*" }',
        '{ $.eventName = "Infinity" }',
        '{ ($.a = "Infinity") || ($.eventName = "ConsoleLogin") }',
    ],
)
def test_a_value_an_overflowed_number_reads_as_gets_no_hint(pattern: str) -> None:
    """An event number that overflows a double reads "Infinity" (or "-Infinity") to a string
    comparison (a live-AWS recording shows it), while the raw record holds only its digits: no
    literal or anchor is a necessary condition then, so such a pattern turns the prefilter
    off instead of dropping the match."""
    spec = MetricFilterSpec("x", compile_pattern(pattern), "x", "T", "1")
    key = "eventName" if 'eventName = "Inf' in pattern else "a"
    number = "-1e999" if "-Inf" in pattern else "1e999"
    text = f'{{"{key}": {number}}}'
    assert spec.pattern.matches(text)
    assert spec.pattern.hint is None and may_match(spec.pattern, Event(text))
    assert Prefilter.for_filters([spec]) is None


def test_hyperscan_is_declared_only_where_it_has_wheels() -> None:
    # hyperscan 0.9.1 ships wheels for Linux x86-64, macOS and Windows: no Linux aarch64.
    import tomllib

    from packaging.requirements import Requirement

    root = Path(__file__).parents[1]
    deps = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    pinned = [
        line for line in (root / "requirements.txt").read_text().splitlines() if line.startswith("hyperscan")
    ]
    for text in [*(d for d in deps if d.startswith("hyperscan")), *pinned]:
        marker = Requirement(text).marker
        assert marker is not None, text
        where = {"platform_system": "Linux", "platform_machine": "x86_64"}
        assert marker.evaluate(where)
        assert not marker.evaluate({**where, "platform_machine": "aarch64"})
        assert marker.evaluate({"platform_system": "Darwin", "platform_machine": "arm64"})
    assert len(pinned) == 1


def test_without_hyperscan_the_cli_runs_the_python_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As on Linux aarch64: the import fails, the pure-Python text stage runs, same report."""
    from trailwatch.cli import main

    recs = synthetic_records(300, seed=3, hostile=True) + _tricky()
    path = tmp_path / "a.json.gz"
    path.write_bytes(gzip.compress(json.dumps({"Records": recs}, separators=(",", ":")).encode()))
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(_catalog_plan()))
    argv = ["backtest", "--plan", str(plan), str(path), "--json", "--no-progress"]
    assert main(argv) == 0
    expected = json.loads(capsys.readouterr().out)
    script = (
        "import sys\n"
        "sys.modules['hyperscan'] = None  # import hyperscan raises ImportError\n"
        "from trailwatch import prefilter\n"
        "assert prefilter.ENGINES == ('python',), prefilter.ENGINES\n"
        "from trailwatch.cli import main\n"
        f"sys.exit(main({argv!r}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected
    assert any(f["matches"] for f in expected["filters"])


def _catalog_plan() -> dict[str, Any]:
    resources = []
    for f in _catalog_filters():
        resources.append(
            {
                "type": "aws_cloudwatch_log_metric_filter",
                "values": {
                    "name": f.name,
                    "pattern": f.pattern.text,
                    "metric_transformation": [{"name": f.metric_name, "namespace": "T", "value": "1"}],
                },
            }
        )
    return {"planned_values": {"root_module": {"resources": resources}}}


def test_plain_literals_are_placed_in_compact_files_and_select_all_in_others(tmp_path: Path) -> None:
    """A filter whose hint is a plain literal (a text pattern, a comparison under an array
    index) is found by the text search: in a compact file its hits are placed in their
    records, in a spaced one a hit selects every record; with the catalog's anchored and
    named filters beside it, the prefiltered result is the full evaluation's."""
    specs = [
        *_catalog_filters(),
        MetricFilterSpec("text", compile_pattern('"GetObject"'), "text", "T", "1"),
        MetricFilterSpec(
            "index", compile_pattern('{ $.resources[0].type = "AWS::S3::*" }'), "index", "T", "1"
        ),
    ]
    prefilter = Prefilter.for_filters(specs)
    assert prefilter is not None
    assert describe(prefilter)["literals"] == ["AWS::S3::", "GetObject"]
    recs = synthetic_records(600, seed=11, hostile=True) + _tricky()
    recs.append({**recs[0], "resources": [{"type": "AWS::S3::Bucket"}], "eventName": "X"})
    files = []
    for k, sep in enumerate(((",", ":"), (", ", ": "))):
        body = "[" + sep[0].join(json.dumps(r, separators=sep) for r in recs) + "]"
        path = tmp_path / f"{k}.json.gz"
        path.write_bytes(gzip.compress(('{"Records":' + body + "}").encode()))
        files.append(path)
        data = archive.read(path)
        read = archive.records(data, str(path), prefilter)
        chosen = len(list(read.selected))
        # Compact: only the records holding a literal, a name or an anchor; spaced: all.
        assert (chosen < 0.5 * len(recs)) if k == 0 else (chosen == len(recs)), (k, chosen)
    full = backtest(specs, [], files, prefilter=False, workers=1).to_json()
    fast = backtest(specs, [], files, prefilter=True, workers=1).to_json()
    assert fast == full
    counts = {f["filterName"]: f["matches"] for f in fast["filters"]}
    assert counts["text"] > 0 and counts["index"] > 0
