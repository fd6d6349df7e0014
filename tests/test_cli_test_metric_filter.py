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


def test_fifty_messages_are_the_most_the_api_takes(capsys: pytest.CaptureFixture[str]) -> None:
    msgs = [f"ERROR {i}" for i in range(50)]
    rc, out, _ = run(capsys, "test-metric-filter", "--filter-pattern", "ERROR", "--log-event-messages", *msgs)
    assert rc == 0 and len(json.loads(out)["matches"]) == 50
    rc, out, err = run(
        capsys, "test-metric-filter", "--filter-pattern", "ERROR", "--log-event-messages", *msgs, "ERROR 50"
    )
    assert rc == 254 and out == ""
    assert err.strip() == (
        "An error occurred (InvalidParameterException) when calling the TestMetricFilter operation: "
        "1 validation error detected: Value '[" + ", ".join([*msgs, "ERROR 50"]) + "]' at 'logEventMessages' "
        "failed to satisfy constraint: Member must have length less than or equal to 50"
    )


def test_every_broken_constraint_is_reported_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    msgs = ["x"] * 51
    rc, _, err = run(
        capsys, "test-metric-filter", "--filter-pattern", "a" * 1025, "--log-event-messages", *msgs
    )
    assert rc == 254
    assert "2 validation errors detected: Value '" + "a" * 1025 + "' at 'filterPattern'" in err
    assert "; Value '[x, x," in err and "at 'logEventMessages' failed" in err


@pytest.mark.parametrize(
    ("request_json", "problem"),
    [
        (
            {"filterPattern": "x", "logEventMessages": []},
            "Invalid length for parameter logEventMessages, value: 0, valid min length: 1",
        ),
        (
            {"filterPattern": "x", "logEventMessages": ["a", ""]},
            "Invalid length for parameter logEventMessages[1], value: 0, valid min length: 1",
        ),
        (
            {"filterPattern": 5, "logEventMessages": ["a"]},
            "Invalid type for parameter filterPattern, value: 5, type: <class 'int'>, valid types: <class 'str'>",
        ),
    ],
)
def test_client_side_validation_is_botocores(
    capsys: pytest.CaptureFixture[str], request_json: dict[str, object], problem: str
) -> None:
    rc, out, err = run(capsys, "test-metric-filter", "--cli-input-json", json.dumps(request_json))
    assert rc == 252 and out == ""
    assert err.strip().splitlines() == ["Parameter validation failed:", problem]


def test_missing_arguments_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(capsys, "test-metric-filter", "--filter-pattern", "x")
    assert rc == 252 and "--log-event-messages" in err
