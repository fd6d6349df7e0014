"""The input-transformer renderer the SNS-target shim uses (src/trailwatch/signin_notifications.py)."""

from __future__ import annotations

from trailwatch.scenarios import corpus
from trailwatch.signin_notifications import envelope, render, settings, template_for


def test_values_are_json_escaped_inside_their_quotes_and_missing_ones_are_empty() -> None:
    event = {"detail": {"userAgent": 'curl "7.0"\nx', "n": 5}}
    out = render(
        '"UA: <ua>" "N: <n>" "Gone: <gone>" "<unmapped>"',
        {"ua": "$.detail.userAgent", "n": "$.detail.n", "gone": "$.detail.none.deeper"},
        event,
    )
    assert out == '"UA: curl \\"7.0\\"\\nx" "N: 5" "Gone: " "<unmapped>"'


def test_a_failed_sign_in_renders_its_error_and_no_arn() -> None:
    rec = corpus()["unknown_user_failure"]
    lines = render(template_for("the sign-in failed"), settings()["input_paths"], envelope(rec)).splitlines()
    assert lines[0] == '"trailwatch: ConsoleLogin flagged, the sign-in failed"'
    assert lines[1] == '"Who: IAMUser HIDDEN_DUE_TO_SECURITY_REASONS  (account 111122223333)"'
    assert lines[2] == f'"Result: Failure {rec["errorMessage"]}"'
    assert len(lines) == len(settings()["input_template_lines"])
