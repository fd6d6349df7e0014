"""A bad file never crashes a backtest and never passes silently: each unreadable file or
record is reported with its path and reason, is never counted as an event, the rest is
still scanned, the exit status says so (2), and ``--strict`` makes it fatal (1)."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from trailwatch.archive import archive_files
from trailwatch.backtest import SkippedError, backtest, detections_from_plan
from trailwatch.cli import main
from trailwatch.harness import record_corpus as ev

ROOT = '{ $.userIdentity.type = "Root" }'
DENIED = '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'


def _plan(tmp_path: Path) -> Path:
    """A `terraform show -json` plan holding two metric filters and one alarm."""

    def metric_filter(name: str, pattern: str) -> dict[str, Any]:
        return {
            "type": "aws_cloudwatch_log_metric_filter",
            "values": {
                "name": name,
                "pattern": pattern,
                "metric_transformation": [{"name": name, "namespace": "T", "value": "1"}],
            },
        }

    alarm = {
        "type": "aws_cloudwatch_metric_alarm",
        "values": {
            "alarm_name": "root-alarm",
            "metric_name": "root",
            "namespace": "T",
            "statistic": "Sum",
            "period": 60,
            "evaluation_periods": 1,
            "threshold": 1,
            "comparison_operator": "GreaterThanOrEqualToThreshold",
            "treat_missing_data": "notBreaching",
        },
    }
    plan = {
        "planned_values": {
            "root_module": {
                "resources": [metric_filter("root", ROOT), metric_filter("denied", DENIED), alarm]
            }
        }
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    return path


def _records() -> list[dict[str, Any]]:
    return [
        ev.root_login(mfa=True, at="2026-11-02T09:00:00Z"),
        ev.iam_user_login(mfa=True, at="2026-11-02T09:00:01Z"),
        ev.api_call("GetObject", "s3.amazonaws.com", error_code="AccessDenied", at="2026-11-02T09:00:02Z"),
    ]


def _good(folder: Path, name: str = "good.json.gz") -> Path:
    path = folder / name
    path.write_bytes(gzip.compress(json.dumps({"Records": _records()}, separators=(",", ":")).encode()))
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    rc = main(list(argv))
    captured = capsys.readouterr()
    out = captured.out
    return rc, (json.loads(out) if out.strip().startswith("{") else out), captured.err


def _json(capsys: pytest.CaptureFixture[str], tmp_path: Path, *paths: Path) -> tuple[int, Any]:
    rc, out, _ = _run(
        capsys, "backtest", "--plan", str(_plan(tmp_path)), *map(str, paths), "--json", "--no-progress"
    )
    return rc, out


def _matches(out: dict[str, Any]) -> dict[str, int]:
    return {f["filterName"]: f["matches"] for f in out["filters"]}


_BODY = json.dumps({"Records": _records()}).encode()

#: Each bad file and the exact reason the report gives for it.
BAD_FILES: list[tuple[str, bytes, str]] = [
    ("notgzip.json.gz", _BODY, "not gzip, though named .gz (starts with b'{\"Record')"),
    ("truncated.json", _BODY[:-40], "invalid JSON: Input data was truncated"),
    (
        "truncated.json.gz",
        gzip.compress(_BODY)[:-30],
        "truncated gzip: the stream ends before its end marker",
    ),
    (
        "corrupt.json.gz",
        gzip.compress(_BODY)[:12] + b"\xff" * 60,
        "corrupt gzip: Error -1 Invalid deflate block found",
    ),
    ("empty.json", b"", "empty file"),
    ("blank.jsonl", b"\n  \n", "empty file"),
    ("empty.json.gz", gzip.compress(b""), "empty file (after decompression)"),
    ("shape.json", b'{"Records": 5}', "not a CloudTrail file: Expected `array`, got `int` - at `$.Records`"),
    (
        "norecords.json",
        b'{"Records": {"eventName": "ConsoleLogin"}}',
        "not a CloudTrail file: Expected `array`, got `object` - at `$.Records`",
    ),
    (
        "garbage.json",
        b"hello world\n",
        "neither CloudTrail nor JSON Lines: line 1: invalid JSON: JSON is malformed: invalid character (byte 0)",
    ),
    (
        "array.json",
        json.dumps(_records()).encode(),
        "neither CloudTrail nor JSON Lines: line 1: not a JSON object (an array)",
    ),
    (
        "trailing.json",
        _BODY + b" {}",
        # The "{" after the space, counted from 1 as msgspec counts.
        f"invalid JSON: JSON is malformed: trailing characters (byte {len(_BODY) + 2})",
    ),
]


@pytest.mark.parametrize(("name", "content", "reason"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_among_good_ones_is_reported_and_the_rest_scanned(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    _good(archive, "a.json.gz")
    (archive / name).write_bytes(content)
    _good(archive, "z.json.gz")
    rc, out = _json(capsys, tmp_path, archive)
    assert rc == 2
    assert out["eventsScanned"] == 6
    assert _matches(out) == {"root": 2, "denied": 2}
    (error,) = out["errors"]
    assert error["path"] == str(archive / name)
    assert "record" not in error
    assert error["reason"] == reason


def test_a_truncated_gzip_no_longer_kills_a_parallel_scan(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    for i in range(6):
        _good(archive, f"{i}.json.gz")
    bad = archive / "3.json.gz"
    bad.write_bytes(bad.read_bytes()[:-20])
    filters, alarms = detections_from_plan(json.loads(_plan(tmp_path).read_text()))
    files = archive_files([archive])
    results = [
        backtest(filters, alarms, files, workers=w, prefilter=p).to_json()
        for w in (1, 2)
        for p in (True, False)
    ]
    assert all(r == results[0] for r in results)
    assert results[0]["eventsScanned"] == 15
    assert results[0]["errors"] == [
        {"path": str(bad), "reason": "truncated gzip: the stream ends before its end marker"}
    ]


def test_records_that_are_not_objects_are_skipped_one_by_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    recs: list[Any] = [*_records(), 5, "ConsoleLogin", None, [ev.root_login(mfa=True)], True]
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps({"Records": recs}, separators=(",", ":")))
    rc, out = _json(capsys, tmp_path, path)
    assert rc == 2
    assert out["eventsScanned"] == 3
    assert _matches(out) == {"root": 1, "denied": 1}
    assert out["errors"] == [
        {"path": str(path), "record": 4, "reason": "not a JSON object (a number)"},
        {"path": str(path), "record": 5, "reason": "not a JSON object (a string)"},
        {"path": str(path), "record": 6, "reason": "not a JSON object (null)"},
        {"path": str(path), "record": 7, "reason": "not a JSON object (an array)"},
        {"path": str(path), "record": 8, "reason": "not a JSON object (a boolean)"},
    ]


def test_a_garbage_json_lines_line_is_not_an_event(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = [ev.message(r) for r in _records()]
    lines[1:1] = ["this is not json, Root AccessDenied", '{"truncated": "Root', "[1, 2]", ""]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    rc, out = _json(capsys, tmp_path, path)
    assert rc == 2
    assert out["eventsScanned"] == 3
    assert _matches(out) == {"root": 1, "denied": 1}
    assert [(e["record"], e["reason"].split(":")[0]) for e in out["errors"]] == [
        (2, "invalid JSON"),
        (3, "invalid JSON"),
        (4, "not a JSON object (an array)"),
    ]


def test_bad_utf8_skips_the_record_only(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    body = json.dumps({"Records": _records()}, separators=(",", ":")).encode()
    # Break the user agent of the root sign-in (record 1), and one JSON Lines line.
    broken = body.replace(b"Mozilla/5.0", b"Mozilla/5.0 \xff\xfe", 1)
    ct = tmp_path / "utf8.json.gz"
    ct.write_bytes(gzip.compress(broken))
    jl = tmp_path / "utf8.jsonl"
    jl.write_bytes(
        b"\n".join(ev.message(r).encode() for r in _records()).replace(b"Mozilla", b"Moz\xc3illa", 1)
    )
    rc, out = _json(capsys, tmp_path, ct, jl)
    assert rc == 2
    assert out["eventsScanned"] == 4
    assert _matches(out) == {"root": 0, "denied": 2}
    assert [(e["path"], e["record"], e["reason"].split(" (")[0]) for e in out["errors"]] == [
        (str(ct), 1, "not UTF-8"),
        (str(jl), 1, "not UTF-8"),
    ]


def test_unreadable_paths_are_reported(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    _good(archive)
    (archive / "dangling.json.gz").symlink_to(tmp_path / "gone.json.gz")
    # A folder named like a file is walked like any folder: its files are scanned.
    folder = archive / "folder.json.gz"
    folder.mkdir()
    _good(folder, "inner.json.gz")
    # CloudTrail's digest files hold hashes, not events: left out of a folder walk.
    digest = archive / "AWSLogs" / "111122223333" / "CloudTrail-Digest" / "us-east-1"
    digest.mkdir(parents=True)
    (digest / "111122223333_CloudTrail-Digest_us-east-1_x.json.gz").write_bytes(
        gzip.compress(b'{"awsAccountId":"111122223333","digestStartTime":"2026-11-02T09:00:00Z"}')
    )
    rc, out = _json(capsys, tmp_path, archive)
    assert rc == 2
    assert out["eventsScanned"] == 6
    assert out["errors"] == [
        {"path": str(archive / "dangling.json.gz"), "reason": "cannot read: broken link or vanished"}
    ]


def test_a_file_that_vanishes_or_is_not_readable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = _good(tmp_path)
    locked = _good(tmp_path, "locked.json.gz")
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == locked:
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    filters, alarms = detections_from_plan(json.loads(_plan(tmp_path).read_text()))
    result = backtest(filters, alarms, [good, locked])
    assert result.events_scanned == 3
    assert [str(s) for s in result.skipped] == [f"{locked}: cannot read: Permission denied"]


def test_the_human_report_names_each_skip(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = _good(tmp_path)
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(b"PK\x03\x04 a zip file")
    rc, out, _ = _run(
        capsys, "backtest", "--plan", str(_plan(tmp_path)), str(good), str(bad), "--no-progress"
    )
    assert rc == 2
    assert "3 events scanned" in out
    assert "1 unreadable file(s) and 0 unreadable record(s)" in out
    assert "bad.json.gz" in out and "not gzip, though named .gz" in out


def test_strict_stops_at_the_first_skip(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = _good(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text('{"Records": [')
    plan = str(_plan(tmp_path))
    rc, out, err = _run(
        capsys, "backtest", "--plan", plan, str(good), str(bad), "--json", "--no-progress", "--strict"
    )
    assert rc == 1
    assert out == ""
    assert "bad.json" in err and "invalid JSON" in err and "--strict" in err
    rc, out, _ = _run(capsys, "backtest", "--plan", plan, str(good), "--json", "--no-progress", "--strict")
    assert rc == 0
    assert out["errors"] == [] and out["eventsScanned"] == 3
    filters, alarms = detections_from_plan(json.loads(Path(plan).read_text()))
    with pytest.raises(SkippedError) as caught:
        backtest(filters, alarms, [good, bad], strict=True)
    assert caught.value.skipped.path == str(bad)


def test_gzip_members_and_padding_are_read_whole(tmp_path: Path) -> None:
    # One member is read in one call; several members (as `cat a.gz b.gz` makes) and zero
    # padding after the member go the slower way, and every record is still read.
    body = json.dumps({"Records": _records()}, separators=(",", ":")).encode()
    one = tmp_path / "one.json.gz"
    one.write_bytes(gzip.compress(body))
    split = tmp_path / "members.json.gz"
    split.write_bytes(gzip.compress(body[:100]) + gzip.compress(body[100:]))
    padded = tmp_path / "padded.json.gz"
    padded.write_bytes(gzip.compress(body) + b"\0" * 64)
    filters, alarms = detections_from_plan(json.loads(_plan(tmp_path).read_text()))
    for path in (one, split, padded):
        result = backtest(filters, alarms, [path])
        assert (result.events_scanned, result.skipped) == (3, []), path
        assert dict(result.filters) == {"root": 1, "denied": 1}
    # The one call writes at most the size the last 4 bytes give (ISIZE): two members of
    # one size (the last trailer gives the first member's size: it ends exactly there) are
    # both read; a trailer that is wrong either way is reported, as igzip reports it.
    even = body + b" " * (len(body) % 2)
    halves = tmp_path / "halves.json.gz"
    halves.write_bytes(gzip.compress(even[: len(even) // 2]) + gzip.compress(even[len(even) // 2 :]))
    result = backtest(filters, alarms, [halves])
    assert (result.events_scanned, result.skipped) == (3, [])
    for n, size in enumerate((len(body) - 1, len(body) + 1, 2**32 - 1)):
        wrong = tmp_path / f"wrong{n}.json.gz"
        wrong.write_bytes(gzip.compress(body)[:-4] + size.to_bytes(4, "little"))
        (skip,) = backtest(filters, alarms, [wrong]).skipped
        assert skip.reason == "corrupt gzip: Incorrect length of data produced", size


def test_whitespace_and_pretty_printed_cloudtrail_files_read_exactly(tmp_path: Path) -> None:
    recs = _records()
    compact = tmp_path / "compact.json"
    compact.write_text(json.dumps({"Records": recs}, separators=(",", ":")))
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps({"Records": recs}, indent=2))
    spaced = tmp_path / "spaced.json"
    spaced.write_text(json.dumps({"Records": recs}))
    filters, alarms = detections_from_plan(json.loads(_plan(tmp_path).read_text()))
    for path in (compact, pretty, spaced):
        for prefilter in (True, False):
            result = backtest(filters, alarms, [path], prefilter=prefilter)
            assert result.events_scanned == 3
            assert result.skipped == []
            assert dict(result.filters) == {"root": 1, "denied": 1}


def test_an_error_keeps_a_long_path_whole(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # Error lines are not wrapped at the terminal's width (80 columns when not a terminal):
    # a path longer than that stays on one line, so a script or a reader can copy it.
    deep = tmp_path / ("d" * 90)
    deep.mkdir()
    bad = deep / "bad.json"
    bad.write_text('{"Records": [')
    rc, _, err = _run(
        capsys, "backtest", "--plan", str(_plan(tmp_path)), str(bad), "--json", "--no-progress", "--strict"
    )
    assert rc == 1
    assert f"{bad}: invalid JSON" in err


def test_records_without_a_usable_event_time_are_skipped_not_counted_at_1970(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = ev.root_login(mfa=True, at="2026-11-02T09:00:00Z")
    untimed: list[dict[str, Any]] = [
        {**root, "eventTime": "garbage"},
        {k: v for k, v in root.items() if k != "eventTime"},
        {**root, "eventTime": 1_700_000_000},
        {**root, "eventTime": "1969-07-20T20:17:40Z"},
        {**root, "eventTime": "2026-11-02"},
    ]
    ct = tmp_path / "untimed.json.gz"
    ct.write_bytes(gzip.compress(json.dumps({"Records": [root, *untimed]}, separators=(",", ":")).encode()))
    jl = tmp_path / "untimed.jsonl"
    jl.write_text("\n".join(json.dumps(r) for r in [*untimed, root]) + "\n")
    reasons = [
        "no usable eventTime: 'garbage' is not an RFC 3339 date-time",
        "no eventTime",
        "no usable eventTime: a number, not a date-time string",
        "no usable eventTime: '1969-07-20T20:17:40Z' is not after 1970",
        "no usable eventTime: '2026-11-02' is not an RFC 3339 date-time",
    ]
    rc, out = _json(capsys, tmp_path, ct, jl)
    assert rc == 2
    assert out["eventsScanned"] == 2
    assert _matches(out) == {"root": 2, "denied": 0}
    assert out["errors"] == [
        *({"path": str(ct), "record": i, "reason": r} for i, r in enumerate(reasons, start=2)),
        *({"path": str(jl), "record": i, "reason": r} for i, r in enumerate(reasons, start=1)),
    ]
    # The alarm fires in 2026, at the end of the root sign-in's minute: nothing at 1970.
    assert [(a["wouldAlarm"], a["firstAlarmTime"]) for a in out["alarms"]] == [(True, "2026-11-02T09:01:00Z")]
    filters, alarms = detections_from_plan(json.loads(_plan(tmp_path).read_text()))
    results = [
        backtest(filters, alarms, [ct, jl], workers=w, prefilter=p).to_json()
        for w in (1, 2)
        for p in (True, False)
    ]
    assert all(r == results[0] for r in results)
    assert backtest(filters, alarms, [ct, jl]).span_ms == 0  # one usable time in each file: the same


def test_event_times_with_an_offset_without_one_and_beside_an_unusable_one() -> None:
    # The file-wide decode takes times with an offset; a time without one is UTC (decoded
    # again, leniently); a file with an unusable time is read record by record. Each way
    # gives the same milliseconds, span and selection.
    from trailwatch import archive

    nine = 1_793_610_000_000  # 2026-11-02T09:00:00Z
    root = ev.root_login(mfa=True, at="2026-11-02T09:00:00Z")
    cases = {
        ("2026-11-02T09:00:00Z", "2026-11-02T11:00:05+02:00"): [nine, nine + 5000],
        ("2026-11-02T09:00:00Z", "2026-11-02T09:00:05"): [nine, nine + 5000],
        ("2026-11-02T09:00:05", "2026-11-02T09:00:00.250"): [nine + 5000, nine + 250],
        ("2026-11-02T09:00:05", "yesterday"): [nine + 5000],
    }
    for times, expected in cases.items():
        text = json.dumps({"Records": [{**root, "eventTime": t} for t in times]}, separators=(",", ":"))
        read = archive.records(text.encode(), "f.json", None)
        assert [ms for ms, _ in read.selected] == expected, times
        assert (read.first_ms, read.last_ms) == (min(expected), max(expected)), times
        assert read.total == len(expected)
        assert [s.record for s in read.skipped] == ([2] if len(expected) == 1 else [])


def test_a_record_nested_too_deep_to_read_is_reported_not_a_crash(tmp_path: Path) -> None:
    """msgspec raises RecursionError (not DecodeError) on nesting past the recursion limit:
    a CloudTrail file holding such a record is reported unreadable, a JSON Lines line is
    skipped, and the scan goes on (json.loads, the engine's parse, cannot read them either).
    The limit is Python's default here: a library another test of the same worker imported
    may have raised it (then 5,000 levels are read, by msgspec and json alike)."""
    filters, alarms = detections_from_plan(json.loads(_plan(tmp_path).read_text()))
    deep = {"eventTime": "2026-11-02T09:00:00Z", "pad": "PAD"}
    pad = "[" * 5000 + "]" * 5000
    text = json.dumps(deep).replace('"PAD"', pad)
    good = tmp_path / "good.json.gz"
    good.write_bytes(gzip.compress(json.dumps({"Records": _records()}).encode()))
    trail = tmp_path / "deep.json.gz"
    trail.write_bytes(gzip.compress(('{"Records":[' + text + "]}").encode()))
    lines = tmp_path / "deep.jsonl"
    lines.write_text("\n".join([text, *(json.dumps(r) for r in _records())]) + "\n")
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        result = backtest(filters, alarms, [good, trail, lines])
    finally:
        sys.setrecursionlimit(previous)
    assert result.events_scanned == 6
    assert [(s.path, s.record, s.reason.startswith("invalid JSON")) for s in result.skipped] == [
        (str(trail), None, True),
        (str(lines), 1, True),
    ]
