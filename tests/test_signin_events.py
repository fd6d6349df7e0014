"""Real-time sign-in notifications on the emulator: examples/signin-events-regions applied,
then the documented sign-in events published to the buses with PutEvents.

What the emulator does and does not do here:
- moto stores the rules, targets and input transformers as PutRule / PutTargets give them,
  and evaluates event patterns itself, including every operator these rules use
  (anything-but with a wildcard list, exists, $or). Its verdicts are checked against the
  project's EventBridge-pattern engine on every event (they must agree).
- moto cannot deliver to SNS targets (NotImplementedError) nor render a text input
  template; the SNS-target shim in trailwatch.harness.moto_shims does both (moto's matcher still
  decides), and tests/test_moto_shims.py shows the gap is still there.
- moto forwards to an event bus in another region itself.
- PutEvents with source "aws.signin" is refused by AWS (reserved prefix); moto accepts it,
  which is what lets the test stand in for the sign-in service.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from test_scenarios import TUNED
from trailwatch.eventpattern import EventPattern
from trailwatch.harness import record_corpus as ev
from trailwatch.harness.emulator import ACCOUNT_ID, Emulator
from trailwatch.harness.scenarios import ALLOWLIST, OUTSIDE, corpus
from trailwatch.harness.signin_notifications import (
    envelope,
    flagged,
    forward_pattern,
    input_paths_for,
    patterns,
    rule_pattern,
    rule_state,
    text_template,
)
from trailwatch.harness.terraform import Stack, destroyed_after, topic_feed_config
from trailwatch.maint.planpolicies import stack_options

# One applied (or planned) stack for the whole module: its tests run in one xdist worker.
pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("signin-events")]

PREFIX = "tw-regions"
# The example's forwarders: the alias-cookie sign-in regions and the Identity Center region.
FORWARDING = ("us-east-2", "eu-north-1", "ap-southeast-2", "eu-west-1")
# Which corpus records each rule must notify (tuned mode, allowlist = scenarios.ALLOWLIST):
# the scenario matrix's expectations, which tests/test_scenarios.py holds the metric filters
# to, on the records each rule reads (root_usage's and root_privileged_task's API calls are
# not sign-ins). console_login_failures has no rule: its meaning is a count, which its alarm
# reports.
EXPECTED: dict[str, set[str]] = {
    **{k: v for k, v in TUNED.items() if k in patterns() and "opt_in" not in patterns()[k]},
    "root_usage": TUNED["root_usage"] - {"root_api_call"},
    "root_privileged_task": set(),
}


@pytest.fixture(scope="module")
def deployed(emulator_session: Emulator, terraform: str) -> Iterator[dict[str, Any]]:
    emulator_session.reset()
    # The example's required inputs from its inventory (the Identity Center region: eu-west-1),
    # with this test's prefix and the scenarios' allowlist.
    stack = Stack(
        "signin-events-regions",
        emulator=emulator_session,
        extra_files={"test_feed.tf": topic_feed_config("signin-test-feed")},
        **stack_options("signin-events-regions"),
    )
    tf_vars: dict[str, object] = {"name_prefix": PREFIX, "allowed_source_cidrs": ALLOWLIST}
    # A failing apply is the error reported, with a failing destroy as its note.
    with destroyed_after(stack, tf_vars):
        stack.apply(tf_vars)
        yield {"stack": stack, "out": stack.outputs(), "emu": emulator_session}
    for region in ("us-east-1", *FORWARDING):
        assert emulator_session.client("events", region).list_rules()["Rules"] == [], region


def _drain(emu: Emulator, url: str) -> list[str]:
    sqs = emu.client("sqs")
    bodies: list[str] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not got:
            return bodies
        for m in got:
            bodies.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def _put(emu: Emulator, region: str, record: dict[str, Any]) -> None:
    event = envelope(record)
    entries = emu.client("events", region).put_events(
        Entries=[
            {"Source": event["source"], "DetailType": event["detail-type"], "Detail": json.dumps(record)}
        ]
    )
    assert entries["FailedEntryCount"] == 0, entries


def test_rules_targets_and_transformers_are_created(deployed: dict[str, Any]) -> None:
    emu: Emulator = deployed["emu"]
    out = deployed["out"]
    topic = out["sns_topic_arn"]
    events = emu.client("events")
    rules = {r["Name"]: r for r in events.list_rules(NamePrefix=f"{PREFIX}-signin-")["Rules"]}
    by_key = {key: f"{PREFIX}-signin-{key.replace('_', '-')}" for key in EXPECTED}
    assert set(rules) == set(by_key.values())
    for key, name in by_key.items():
        # A rule that must see read-only events (GetSigninToken) runs in the state that does.
        assert rules[name]["State"] == rule_state(key)
        pattern = json.loads(rules[name]["EventPattern"])
        assert pattern == rule_pattern(key, "tuned", ["203.0.113.*", "2001:db8:abcd:*"])
        assert out["signin_event_rules"][key]["arn"] == rules[name]["Arn"]
        (target,) = events.list_targets_by_rule(Rule=name)["Targets"]
        assert target["Arn"] == topic
        transformer = target["InputTransformer"]
        assert transformer["InputPathsMap"] == input_paths_for(key)
        assert transformer["InputTemplate"] == text_template(key)
    # The allowlist rule excludes the allowlist's text forms.
    for branch in json.loads(rules[by_key["console_login_unexpected_ip"]]["EventPattern"])["detail"]["$or"]:
        assert branch["sourceIPAddress"] == [
            {"anything-but": {"wildcard": ["203.0.113.*", "2001:db8:abcd:*"]}},
            {"exists": False},
        ]

    # The topic lets this account's sign-in rules publish, and its key lets EventBridge use it.
    sns = emu.client("sns")
    attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    stmts = {st["Sid"]: st for st in json.loads(attrs["Policy"])["Statement"]}
    eb = stmts["EventBridgeRulesOfThisAccount"]
    assert eb["Principal"] == {"Service": "events.amazonaws.com"}
    assert eb["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT_ID
    assert (
        eb["Condition"]["ArnLike"]["aws:SourceArn"]
        == f"arn:aws:events:us-east-1:{ACCOUNT_ID}:rule/{PREFIX}-signin-*"
    )
    key_policy = json.loads(
        emu.client("kms").get_key_policy(KeyId=attrs["KmsMasterKeyId"], PolicyName="default")["Policy"]
    )
    (kms_eb,) = [st for st in key_policy["Statement"] if st["Sid"] == "EventBridgeRulesPublishEncrypted"]
    assert kms_eb["Principal"] == {"Service": "events.amazonaws.com"}

    # Each forwarding region: one rule for the events of every detection's envelope, to
    # us-east-1's default bus, in the state that also passes read-only GetSigninToken.
    bus = f"arn:aws:events:us-east-1:{ACCOUNT_ID}:event-bus/default"
    for region in FORWARDING:
        regional = emu.client("events", region)
        (rule,) = regional.list_rules()["Rules"]
        assert rule["Name"] == f"{PREFIX}-signin-forward"
        assert json.loads(rule["EventPattern"]) == forward_pattern(
            [k for k in patterns() if "opt_in" not in patterns()[k]]
        )
        assert rule["State"] == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
        assert out["signin_forward_rules"][region] == rule["Arn"]
        (target,) = regional.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        assert target["Arn"] == bus
        role = emu.client("iam").get_role(RoleName=target["RoleArn"].split("/")[-1])["Role"]
        trust = role["AssumeRolePolicyDocument"]["Statement"][0]
        assert trust["Principal"] == {"Service": "events.amazonaws.com"}


def _flagged(bodies: list[str]) -> set[tuple[str, str]]:
    """(event ID, reason) of each rendered message."""
    return {flagged(body) for body in bodies}


def test_signin_events_reach_sqs_exactly_when_flagged(deployed: dict[str, Any]) -> None:
    emu: Emulator = deployed["emu"]
    url = deployed["out"]["feed_queue_url"]
    _drain(emu, url)
    # Every corpus record, each with the source and detail-type CloudTrail gives it.
    signins = corpus()
    assert set().union(*EXPECTED.values()) <= set(signins)
    silent = set(signins) - set().union(*EXPECTED.values())
    assert {
        "unknown_user_failure",
        "own_password_changed",
        "signin_token_from_portal",
        "sso_saml_provider_upkeep",
        "mfa_enabled",
        "idc_enrolment_allowed_ip",
        "idc_password_totp_allowed_ip",
    } <= silent
    why = {key: eb["why"] for key, eb in patterns().items()}
    deployed_rules = {
        key: EventPattern(r["EventPattern"])
        for key in EXPECTED
        for r in emu.client("events").list_rules(NamePrefix=f"{PREFIX}-signin-{key.replace('_', '-')}")[
            "Rules"
        ]
    }
    for rec in signins.values():
        _put(emu, "us-east-1", rec)
    got = _flagged(_drain(emu, url))

    want = {(signins[name]["eventID"], why[key]) for key, names in EXPECTED.items() for name in names}
    assert got == want, f"extra {got - want}, missing {want - got}"
    # moto's matcher (which chose what to deliver) and the project's engine agree.
    ours = {
        (rec["eventID"], why[k])
        for name, rec in signins.items()
        for k, p in deployed_rules.items()
        if p.matches(envelope(rec))
    }
    assert ours == got
    silent_ids = {signins[name]["eventID"] for name in silent}
    assert not {eid for eid, _ in got} & silent_ids


def test_message_is_readable(deployed: dict[str, Any]) -> None:
    emu: Emulator = deployed["emu"]
    url = deployed["out"]["feed_queue_url"]
    _drain(emu, url)
    rec = corpus()["iam_no_mfa_unknown_ip"]
    _put(emu, "us-east-1", rec)
    bodies = {b.splitlines()[0]: b for b in _drain(emu, url)}
    body = bodies['"trailwatch: ConsoleLogin flagged, the sign-in did not use MFA"']
    ident = rec["userIdentity"]
    assert body == "\n".join(
        [
            '"trailwatch: ConsoleLogin flagged, the sign-in did not use MFA"',
            f'"Who: IAMUser {ident["userName"]} {ident["arn"]} (account {rec["recipientAccountId"]})"',
            '"Result: Success "',
            f'"Source IP: {OUTSIDE}"',
            '"MFA used: No"',
            '"Region: us-east-1"',
            f'"Time: {rec["eventTime"]}"',
            f'"User agent: {rec["userAgent"]}"',
            f'"Event ID: {rec["eventID"]}"',
        ]
    )
    assert len(bodies) == 2  # also outside the allowlist: one message per reason


def test_change_message_names_caller_and_target(deployed: dict[str, Any]) -> None:
    """A password set for a user: the message puts the caller and the user changed side by side."""
    emu: Emulator = deployed["emu"]
    url = deployed["out"]["feed_queue_url"]
    _drain(emu, url)
    rec = corpus()["login_profile_created"]
    _put(emu, "us-east-1", rec)
    (body,) = _drain(emu, url)
    ident = rec["userIdentity"]
    assert body == "\n".join(
        [
            '"trailwatch: CreateLoginProfile flagged, a console password was set or reset for an IAM user"',
            f'"Who: IAMUser {ident["userName"]} {ident["arn"]} (account {rec["recipientAccountId"]})"',
            '"User changed: victim"',
            '"Password reset required at next sign-in: false"',
            '"Caller\'s session used MFA: "',
            f'"Source IP: {rec["sourceIPAddress"]}"',
            '"Region: us-east-1"',
            f'"Time: {rec["eventTime"]}"',
            f'"User agent: {rec["userAgent"]}"',
            f'"Event ID: {rec["eventID"]}"',
        ]
    )


def test_identity_center_signins_are_forwarded_from_the_instance_region(deployed: dict[str, Any]) -> None:
    """A password-only portal sign-in from outside the allowlist, recorded in the Identity
    Center region: forwarded, and flagged for both reasons; a TOTP one from inside is not."""
    emu: Emulator = deployed["emu"]
    url = deployed["out"]["feed_queue_url"]
    _drain(emu, url)
    records = corpus()
    _put(emu, "eu-west-1", records["idc_password_only_unknown_ip"])
    _put(emu, "eu-west-1", records["idc_password_totp_allowed_ip"])
    bodies = _drain(emu, url)
    assert sorted(b.splitlines()[0] for b in bodies) == [
        '"trailwatch: UserAuthentication flagged, the sign-in did not use MFA"',
        '"trailwatch: UserAuthentication flagged, the source IP is outside the allowlist"',
    ]
    for body in bodies:
        lines = body.splitlines()
        assert (
            '"Result: Success "' in lines
            and '"MFA used: PASSWORD"' in lines
            and '"Region: eu-west-1"' in lines
        )


def test_signins_recorded_in_other_regions_are_forwarded(deployed: dict[str, Any]) -> None:
    emu: Emulator = deployed["emu"]
    url = deployed["out"]["feed_queue_url"]
    _drain(emu, url)
    for region in FORWARDING:
        flagged = ev.iam_user_login(mfa=True, ip=OUTSIDE, region=region)
        allowed = ev.iam_user_login(mfa=True, ip="203.0.113.77", region=region)
        _put(emu, region, flagged)
        _put(emu, region, allowed)
        bodies = _drain(emu, url)
        assert len(bodies) == 1, (region, bodies)
        assert f'"Region: {region}"' in bodies[0].splitlines()
        assert f'"Event ID: {flagged["eventID"]}"' in bodies[0].splitlines()
        assert "outside the allowlist" in bodies[0].splitlines()[0]
