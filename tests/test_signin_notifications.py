"""The input-transformer renderer the SNS-target shim uses (src/trailwatch/signin_notifications.py)."""

from __future__ import annotations

from trailwatch.harness.scenarios import corpus
from trailwatch.harness.signin_notifications import (
    envelope,
    input_paths_for,
    render,
    settings,
    template_for,
    text_template,
)


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
    # Every line but the subject placeholder, which a sign-in detection leaves empty.
    assert len(lines) == len(settings()["input_template_lines"]) - 1


def test_a_change_names_what_was_changed() -> None:
    rec = corpus()["mfa_deactivated"]
    lines = render(
        text_template("mfa_device_removed"), input_paths_for("mfa_device_removed"), envelope(rec)
    ).splitlines()
    assert lines[0] == '"trailwatch: DeactivateMFADevice flagged, an MFA device was deactivated or deleted"'
    assert (
        lines[1] == '"Who: IAMUser deployer arn:aws:iam::111122223333:user/deployer (account 111122223333)"'
    )
    assert lines[2:4] == ['"User changed: anaya"', '"MFA device: arn:aws:iam::111122223333:mfa/anaya"']


def test_an_identity_center_sign_in_shows_its_user_result_and_credentials() -> None:
    rec = corpus()["idc_password_only_unknown_ip"]
    key = "console_login_without_mfa"
    lines = render(text_template(key), input_paths_for(key), envelope(rec)).splitlines()
    user = rec["userIdentity"]["onBehalfOf"]["userId"]
    assert lines[1] == f'"Who: IdentityCenterUser {user}  (account 111122223333)"'
    assert lines[2] == '"Result: Success "'
    assert lines[4] == '"MFA used: PASSWORD"'
    assert lines[5] == '"Region: eu-west-1"'
    # The portal's sign-in step arrives as a service event of the sign-in service.
    assert envelope(rec)["detail-type"] == "AWS Service Event via CloudTrail"
    assert envelope(rec)["source"] == "aws.signin"
