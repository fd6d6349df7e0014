"""`trailwatch test-metric-filter` mirrors `aws logs test-metric-filter`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trailwatch.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_prints_the_api_response(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(
        capsys, "test-metric-filter", "--filter-pattern", "[a, b]", "--log-event-messages", "x y", "nope"
    )
    assert rc == 0
    assert json.loads(out) == {
        "matches": [{"eventNumber": 1, "eventMessage": "x y", "extractedValues": {"$a": "x", "$b": "y"}}]
    }


def test_cli_input_json_file_and_inline(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    req = {
        "filterPattern": '{ $.eventName = "ConsoleLogin" }',
        "logEventMessages": ['{"eventName":"ConsoleLogin"}', "{}"],
    }
    path = tmp_path / "req.json"
    path.write_text(json.dumps(req))
    rc, out, _ = run(capsys, "test-metric-filter", "--cli-input-json", f"file://{path}")
    assert rc == 0 and [m["eventNumber"] for m in json.loads(out)["matches"]] == [1]
    rc, out2, _ = run(capsys, "test-metric-filter", "--cli-input-json", json.dumps(req))
    assert rc == 0 and out2 == out
    # An explicit argument overrides the JSON, as in the AWS CLI.
    rc, out3, _ = run(
        capsys, "test-metric-filter", "--cli-input-json", json.dumps(req), "--filter-pattern", "{ $.x = 1 }"
    )
    assert rc == 0 and json.loads(out3) == {"matches": []}


def test_rejected_pattern_exits_254_like_the_aws_cli(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run(
        capsys, "test-metric-filter", "--filter-pattern", "ERR*", "--log-event-messages", "ERROR"
    )
    assert rc == 254
    assert out == ""
    assert err.strip() == (
        "An error occurred (InvalidParameterException) when calling the TestMetricFilter operation: "
        "Invalid character(s) in term '*'"
    )


def test_pattern_over_1024_characters_is_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(
        capsys, "test-metric-filter", "--filter-pattern", "a" * 1025, "--log-event-messages", "a"
    )
    assert rc == 254 and "1024" in err


def test_more_than_50_messages_are_allowed_locally(capsys: pytest.CaptureFixture[str]) -> None:
    msgs = [f"ERROR {i}" for i in range(120)]
    rc, out, _ = run(capsys, "test-metric-filter", "--filter-pattern", "ERROR", "--log-event-messages", *msgs)
    assert rc == 0 and len(json.loads(out)["matches"]) == 120


def test_missing_arguments_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(capsys, "test-metric-filter", "--filter-pattern", "x")
    assert rc == 252 and "--log-event-messages" in err
