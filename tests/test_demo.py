"""`make demo` runs the main job end to end and exits 0."""

from __future__ import annotations

import io
import sys

import pytest
from rich.console import Console

from trailwatch.harness import demo

pytestmark = pytest.mark.emulator


def test_demo_applies_shows_and_destroys(terraform: str) -> None:
    buf = io.StringIO()
    console = Console(file=buf, width=200, force_terminal=False)
    assert demo.run(keep=False, console=console) == 0
    text = buf.getvalue()
    assert "terraform apply" in text
    assert "cloudtrail.amazonaws.com" in text
    (retention,) = [line for line in text.splitlines() if "retention (days)" in line]
    assert "365" in retention
    (logging,) = [line for line in text.splitlines() if "│ logging" in line]
    assert "True" in logging
    assert "terraform destroy" in text
    lines = text.splitlines()
    # The seed's story: the unknown-IP login is in ALARM, the allowlisted login trips nothing.
    (unknown_ip,) = [line for line in lines if "│ trailwatch-console_login_unexpected_ip " in line]
    assert "│ ALARM │" in unknown_ip and "mallory" in unknown_ip
    (allowlisted,) = [line for line in lines if "│ allowlisted login with MFA" in line]
    assert allowlisted.split("│")[2].strip() == "none"
    # An SSO session from the office is fine; the same from an unknown network is flagged.
    (sso_office,) = [line for line in lines if "│ SSO login from the office" in line]
    assert sso_office.split("│")[2].strip() == "none"
    (sso_unknown,) = [line for line in lines if "│ SSO login from an unknown IP" in line]
    assert sso_unknown.split("│")[2].strip() == "console_login_unexpected_ip"
    alarmed = {line.split("│")[1].strip() for line in lines if "│ ALARM │" in line}
    assert alarmed == {
        "trailwatch-console_login_unexpected_ip",
        "trailwatch-console_login_without_mfa",
        "trailwatch-root_usage",
        "trailwatch-console_login_failures",
        "trailwatch-login_profile_changes",
    }
    # The real-time path: one readable message per reason, none for the allowlisted logins.
    # Failed sign-ins notify through their alarm only (a count is their meaning).
    assert "5 real-time notification(s) reached the topic" in text
    reasons = [line for line in lines if line.startswith('"trailwatch: ') and " flagged, " in line]
    assert sorted(r.split("trailwatch: ")[1].rstrip('"') for r in reasons) == sorted(
        [
            "ConsoleLogin flagged, the source IP is outside the allowlist",
            "ConsoleLogin flagged, the source IP is outside the allowlist",
            "ConsoleLogin flagged, the sign-in did not use MFA",
            "ConsoleLogin flagged, the identity is the root user",
            "CreateLoginProfile flagged, a console password was set or reset for an IAM user",
        ]
    )
    # Who set the password, and for whom, side by side.
    assert '"User changed: anaya"' in lines
    assert '"Source IP: 198.51.100.23"' in lines  # mallory's login, and her CreateLoginProfile
    assert '"Source IP: 198.51.100.40"' in lines  # the SSO login from an unknown IP
    # From the office only bob (no MFA) and root notify: the SSO login from the office does not.
    assert sum(1 for line in lines if line == f'"Source IP: {demo.ALLOWED_IP}"') == 2


def test_the_demo_gives_examples_minimal_the_inventorys_values() -> None:
    """examples/minimal has required inputs; the demo (and make bench) pass the values its
    tests use, so `make demo` never prompts and shows what the tests check."""
    from trailwatch.maint.planpolicies import stack_options

    assert stack_options("minimal")["tf_vars"] == demo.EXAMPLE_VARS
    assert demo.EXAMPLE_VARS["allowed_source_cidrs"] == [demo.ALLOWED_IP]


def test_demo_without_the_harness_says_how_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """In a checkout without the demo extra (the harness's imports fail), and outside a
    checkout (an installed wheel: tests/test_installed_wheel.py runs that for real), the demo
    says what it needs in one line, exit 253, no traceback."""
    import trailwatch.harness
    from trailwatch import cli

    # As if the harness could not be imported (moto missing): the import finds no module.
    monkeypatch.setitem(sys.modules, "trailwatch.harness.demo", None)
    monkeypatch.delattr(trailwatch.harness, "demo")
    assert cli.main(["demo"]) == 253
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs the demo extra" in err and "make demo" in err
    monkeypatch.setattr(cli, "_checkout", lambda: None)
    assert cli.main(["demo"]) == 253
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "runs from a checkout" in err and "make demo" in err
