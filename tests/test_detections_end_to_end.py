"""Issue 3's proof, end to end: a separate root config with a mixed IPv4/IPv6 allowlist
plans and applies on the emulator within every AWS limit, and replaying real-format
sign-in events through the deployed filters fires exactly the intended alarms.

Issue 12: the same config has the real-time sign-in rules on, and the deployed EventBridge
rules (read back from the emulator, judged by moto's own matcher, which decides deliveries
on the emulator, and by the project's engine) flag the same sign-ins: federated (SSO, SAML) sign-ins from outside the allowlist
included, allowlisted ones silent."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from moto.events.models import EventPattern as MotoEventPattern

from trailwatch.backtest.sources import detections_from_log_group
from trailwatch.catalog import detections
from trailwatch.evaluate import Evaluator
from trailwatch.eventpattern import EventPattern
from trailwatch.harness import record_corpus as ev
from trailwatch.harness.emulator import ACCOUNT_ID, Emulator
from trailwatch.harness.scenarios import corpus
from trailwatch.harness.signin_notifications import envelope, patterns
from trailwatch.harness.terraform import Stack, destroyed_after, inline_stack

# One applied (or planned) stack for the whole module: its tests run in one xdist worker.
pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("detections")]

ALLOWLIST = ["203.0.113.10", "198.51.100.0/24", "192.0.2.16/28", "2001:db8:abcd::/48", "2001:db8:1:2::5"]


@pytest.fixture(scope="module")
def deployed(
    emulator_session: Emulator, terraform: str
) -> Iterator[tuple[Emulator, Stack, dict[str, object]]]:
    emulator_session.reset()
    stack = inline_stack(
        {
            "name_prefix": "e2e",
            "allowed_source_cidrs": ALLOWLIST,
            "alarm_email_addresses": ["soc@example.com"],
            "signin_events_enabled": True,
        },
        emulator=emulator_session,
        name="consumer",
    )
    # A failing apply is the error reported, with a failing destroy as its note.
    with destroyed_after(stack):
        stack.apply()
        yield emulator_session, stack, stack.outputs()


def test_outputs_carry_every_catalog_key(deployed: tuple[Emulator, Stack, dict[str, object]]) -> None:
    _, _, out = deployed
    keys = set(detections())
    filters, alarms = out["metric_filters"], out["alarms"]
    assert isinstance(filters, dict) and isinstance(alarms, dict)
    assert set(filters) == set(alarms) == keys


def test_deployed_filters_are_within_every_aws_limit(
    deployed: tuple[Emulator, Stack, dict[str, object]],
) -> None:
    emu, _, out = deployed
    filters, alarms = detections_from_log_group(
        emu.client("logs"), emu.client("cloudwatch"), str(out["log_group_name"])
    )
    # One metric and one alarm per detection; a metric may be fed by more than one filter.
    assert len({f.metric_name for f in filters}) == len(alarms) == len(detections())
    assert len(filters) <= 100
    assert all(len(f.pattern.text) <= 1024 for f in filters)
    assert all(f.pattern.regex_count <= 2 for f in filters)
    assert sum(1 for f in filters if f.pattern.regex_count) <= 5


SCENARIOS: dict[str, tuple[list[ev.Record], set[str]]] = {
    "allowlisted /32 with MFA": ([ev.iam_user_login(mfa=True, ip="203.0.113.10")], set()),
    "allowlisted /24 with MFA": ([ev.iam_user_login(mfa=True, ip="198.51.100.200")], set()),
    "allowlisted non-aligned range": ([ev.iam_user_login(mfa=True, ip="192.0.2.31")], set()),
    "allowlisted IPv6 /48": ([ev.iam_user_login(mfa=True, ip="2001:db8:abcd:12::1")], set()),
    # The allowlist says where the browser may be, whoever signs in: federated sessions too.
    "SSO sign-in from an unknown IP": ([ev.sso_login(ip="203.0.114.9")], {"console_login_unexpected_ip"}),
    "SAML sign-in from an unknown IP": ([ev.saml_login(ip="203.0.114.9")], {"console_login_unexpected_ip"}),
    "allowlisted SSO sign-in": ([ev.sso_login(ip="198.51.100.7")], set()),
    "allowlisted SAML sign-in over IPv6": ([ev.saml_login(ip="2001:db8:1:2::5")], set()),
    "just outside the /28": ([ev.iam_user_login(mfa=True, ip="192.0.2.32")], {"console_login_unexpected_ip"}),
    "the /32's .70-.79 neighbour": (
        [ev.iam_user_login(mfa=True, ip="203.0.113.107")],
        {"console_login_unexpected_ip"},
    ),
    "just outside the IPv6 /48": (
        [ev.iam_user_login(mfa=True, ip="2001:db8:abce::1")],
        {"console_login_unexpected_ip"},
    ),
    "no MFA from the office": (
        [ev.iam_user_login(mfa=False, ip="203.0.113.10")],
        {"console_login_without_mfa"},
    ),
    "root with MFA from the office": ([ev.root_login(mfa=True, ip="203.0.113.10")], {"root_usage"}),
    "two failures stay under the threshold": ([ev.unknown_user_failure(ip="203.0.114.9")] * 2, set()),
    "three failures fire": ([ev.unknown_user_failure(ip="203.0.114.9")] * 3, {"console_login_failures"}),
    # A password spray: one alarm (the failures alarm, and its readable message), and no
    # real-time rule flags a single attempt (test_signin_rules_flag_the_same_signins).
    "a spray of 200 failures is one alarm": (
        [
            ev.unknown_user_failure(ip="203.0.114.9", at=f"2026-11-02T09:{i // 60:02d}:{i % 60:02d}Z")
            for i in range(200)
        ],
        {"console_login_failures"},
    ),
    # Every other way into the console, and what must stay silent (issue 23).
    "a password set for another user": ([corpus()["login_profile_created"]], {"login_profile_changes"}),
    "a console session from keys": (
        [corpus()["signin_token_from_keys"]],
        {"console_session_from_access_keys"},
    ),
    "the Identity Center portal's own sign-in token": ([corpus()["signin_token_from_portal"]], set()),
    "a federation token": ([corpus()["federation_token"]], {"console_session_from_access_keys"}),
    "MFA removed": ([corpus()["mfa_deactivated"]], {"mfa_device_removed"}),
    "a user changing their own password": ([corpus()["own_password_changed"]], set()),
    "an OIDC provider's thumbprint changed": (
        [corpus()["oidc_thumbprint_updated"]],
        {"identity_provider_changes"},
    ),
    "Identity Center keeping its own SAML provider": ([corpus()["sso_saml_provider_upkeep"]], set()),
    "an Identity Center identity source changed": (
        [corpus()["external_idp_changed"]],
        {"identity_provider_changes"},
    ),
    "a password-only Identity Center sign-in from an unknown IP": (
        [corpus()["idc_password_only_unknown_ip"]],
        {"console_login_unexpected_ip", "console_login_without_mfa"},
    ),
    "an Identity Center sign-in with TOTP from the office": (
        [ev.identity_center_signin(ip="198.51.100.9", credential_type="PASSWORD,TOTP")],
        set(),
    ),
    "a sign-in with no source address": (
        [corpus()["login_without_source_ip"]],
        {"console_login_unexpected_ip"},
    ),
    # The documented failed sign-in has "MFAUsed": "Yes": the password was right, the second
    # factor was not. One such event alarms at once (and counts as a failure).
    "a failure at the MFA step fires at once": (
        [ev.iam_user_failure(ip="203.0.114.9")],
        {"console_login_mfa_failed"},
    ),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_replayed_signins_fire_exactly_the_intended_alarms(
    scenario: str, deployed: tuple[Emulator, Stack, dict[str, object]]
) -> None:
    emu, _, out = deployed
    records, expected = SCENARIOS[scenario]
    group = str(out["log_group_name"])
    logs = emu.client("logs")
    stream = f"{ACCOUNT_ID}_CloudTrail_us-east-1_{abs(hash(scenario))}"
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": now, "message": ev.message(r)} for r in records],
    )
    # Read the events back from the emulator, as CloudTrail would have delivered them.
    stored = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"]
    assert len(stored) == len(records)
    filters, alarms = detections_from_log_group(logs, emu.client("cloudwatch"), group)
    evaluator = Evaluator(filters, alarms)
    evaluator.add_all((e["timestamp"], e["message"]) for e in stored)
    fired = {r.name.removeprefix("e2e-") for r in evaluator.alarm_results() if r.would_alarm}
    assert fired == expected


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_signin_rules_flag_the_same_signins(
    scenario: str, deployed: tuple[Emulator, Stack, dict[str, object]]
) -> None:
    emu, _, out = deployed
    records, expected = SCENARIOS[scenario]
    rules_out = out["signin_event_rules"]
    assert isinstance(rules_out, dict)
    events = emu.client("events")
    deployed_rules = {
        key: events.describe_rule(Name=rule["name"])["EventPattern"] for key, rule in rules_out.items()
    }
    # Every detection with a rule, but the per-failure one: its meaning is a count, which the
    # failures alarm reports (a burst of failures is one alarm, not a message per failure).
    assert set(deployed_rules) == {k for k, eb in patterns().items() if "opt_in" not in eb}
    assert "console_login_failures" not in deployed_rules
    # The rules notify each sign-in the alarms' single-event detections flag.
    want = expected & set(deployed_rules)
    got_moto: set[str] = set()
    got_engine: set[str] = set()
    for rec in records:
        event: Any = envelope(rec)
        for key, pattern in deployed_rules.items():
            # moto's TestEventPattern API is not implemented; its matcher class is what the
            # emulator uses to choose deliveries.
            if MotoEventPattern(pattern, json.loads(pattern)).matches_event(event):
                got_moto.add(key)
            if EventPattern(pattern).matches(event):
                got_engine.add(key)
    assert got_moto == got_engine == want
