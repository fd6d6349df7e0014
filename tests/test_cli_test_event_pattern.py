"""`trailwatch test-event-pattern` mirrors `aws events test-event-pattern`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trailwatch.cli import main
from trailwatch.harness.scenarios import corpus
from trailwatch.harness.signin_notifications import envelope, full_pattern, patterns


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_prints_the_api_response(capsys: pytest.CaptureFixture[str]) -> None:
    rule = json.dumps(full_pattern(patterns()["console_login_without_mfa"]["patterns"]["tuned"]))
    for name, want in (("iam_no_mfa_unknown_ip", True), ("sso_login", False), ("root_mfa_unknown_ip", False)):
        event = json.dumps(envelope(corpus()[name]))
        rc, out, _ = run(capsys, "test-event-pattern", "--event-pattern", rule, "--event", event)
        assert rc == 0
        assert json.loads(out) == {"Result": want}, name


def test_file_parameters_and_cli_input_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text('{"source": ["aws.signin"]}')
    (tmp_path / "e.json").write_text('{"source": "aws.signin", "detail": {}}')
    rc, out, _ = run(
        capsys,
        "test-event-pattern",
        "--event-pattern",
        f"file://{tmp_path}/p.json",
        "--event",
        f"file://{tmp_path}/e.json",
    )
    assert rc == 0 and json.loads(out) == {"Result": True}
    req = {"EventPattern": '{"source": ["aws.ec2"]}', "Event": '{"source": "aws.signin"}'}
    (tmp_path / "req.json").write_text(json.dumps(req))
    rc, out, _ = run(capsys, "test-event-pattern", "--cli-input-json", f"file://{tmp_path}/req.json")
    assert rc == 0 and json.loads(out) == {"Result": False}
    # An explicit argument overrides the JSON, as in the AWS CLI.
    rc, out, _ = run(
        capsys,
        "test-event-pattern",
        "--cli-input-json",
        json.dumps(req),
        "--event-pattern",
        '{"source": ["aws.signin"]}',
    )
    assert rc == 0 and json.loads(out) == {"Result": True}


def test_invalid_pattern_is_a_service_error(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run(
        capsys, "test-event-pattern", "--event-pattern", '{"source": "aws.signin"}', "--event", "{}"
    )
    assert rc == 254 and out == ""
    assert (
        "An error occurred (InvalidEventPatternException) when calling the TestEventPattern operation" in err
    )
    assert "must be an object or an array" in err


def test_missing_argument_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(capsys, "test-event-pattern", "--event", "{}")
    assert rc == 252 and "--event-pattern" in err
