"""The auditors' check logic (tests/audit_checks.py) is a faithful copy: it gives each tool's
own expected result on the tool's own cases. And the filters the catalog deploys to satisfy
them keep every count true: a detection's counting filters match disjoint sets of events whose
union is the detection's pattern, and a witness (a filter that publishes 0) matches only
events the counting filters count. The rewrites of tuned patterns match what they matched
before, plus the events named here."""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import audit_checks as au
from trailwatch.catalog import detections, fill, load
from trailwatch.eventpattern import EventPattern
from trailwatch.filterpattern import Event, compile_pattern
from trailwatch.harness import record_corpus as ev
from trailwatch.harness.scenarios import corpus
from trailwatch.harness.signin_notifications import (
    delivered,
    envelope,
    rule_envelope,
    rule_pattern,
    rule_state,
)
from trailwatch.harness.synthetic import records as synthetic_records

RECORDS = Path(__file__).parent / "records" / "console-access.json"
ALLOWLIST_CLAUSES = '($.sourceIPAddress != "203.0.113.*")'
EXCLUSIONS = ' && ($.eventSource != "secretsmanager.amazonaws.com")'


# --- the copies are faithful -------------------------------------------------------------------


def test_prowler_copy_gives_prowlers_own_test_results() -> None:
    """Every case of the checks' own unit tests, at both generations' commits (136)."""
    cases = au._json("prowler_fixtures.json")["cases"]
    assert len(cases) == 136
    by_check = {(c.auditor, c.check): c for g in ("prowler>=5.30", "prowler<5.30") for c in au.prowler(g)}
    wrong = []
    for case in cases:
        control = by_check[(case["generation"], case["check"])]
        trail = au.Trail(log_group_name="/log-group/test")
        group = "/log-group/test" if case["on_trail_log_group"] else "/log-group/other"
        metric = "my-metric"
        d = au.Deployment(
            trails=[trail],
            filters=[au.Filter("test-filter", group, case["pattern"], metric)],
            alarms=[au.Alarm(metric if case["alarm_on_metric"] else "other-metric")],
        )
        if ("PASS" if au.passes(control, d) else "FAIL") != case["expected"]:
            wrong.append(case["test"])
    assert not wrong


def test_powerpipe_copy_gives_postgres_results() -> None:
    """The mod has no test data: its verbatim SQL (and each regex alone) was run on PostgreSQL
    in Steampipe's C locale over 24 deployments x 15 queries x 2 generations, and on the CIS
    patterns of the mod's own docs with variants (newlines, tabs, no-break spaces)."""
    runs = au._json("powerpipe_postgres_runs.json.gz")
    regex = {
        (c.auditor, c.check): c.regex for g in ("powerpipe>=1.7", "powerpipe<1.7") for c in au.powerpipe(g)
    }
    assert len(runs["regex_cases"]) > 500
    for case in runs["regex_cases"]:
        rx = regex[(case["regex_set"], case["query"])]
        assert rx is not None
        assert au.powerpipe_matches(rx, case["pattern"]) == case["postgres"], case["sample"]
    controls = {(c.auditor, c.check): c for g in ("powerpipe>=1.7", "powerpipe<1.7") for c in au.powerpipe(g)}
    assert len(runs["scenarios"]) == 720
    for case in runs["scenarios"]:
        d = au.from_steampipe_rows(case["tables"], "111111111111")
        got = "ok" if au.passes(controls[(case["generation"], case["query"])], d) else "alarm"
        assert got == case["postgres_status"], (case["generation"], case["query"], case["scenario"])


def test_security_hub_copy_agrees_with_the_field_reports() -> None:
    """AWS documents no comparison algorithm; these are the published PASS/FAIL reports."""
    doc = au._json("securityhub.json")
    documented = {c["control"]: c["pattern"] for c in doc["controls"]}
    for report in doc["field_reports"]:
        got = au.security_hub_matches(documented[report["control"]], report["pattern"])
        assert ("PASS" if got else "FAIL") == report["expected"], report["source"]


def test_the_catalogs_security_hub_strings_are_the_documented_ones() -> None:
    doc = au._json("securityhub.json")
    ours = {
        d.cis["security_hub"]: d.patterns["security_hub"]
        for d in detections().values()
        if d.cis and d.cis.get("security_hub")
    }
    assert ours == {c["control"]: c["pattern"] for c in doc["controls"]}


def test_every_auditor_covers_the_fifteen_controls() -> None:
    assert len(au.security_hub()) == 14
    for auditor in au.AUDITORS:
        if auditor != au.SECURITY_HUB:
            assert [c.control for c in au.controls(auditor)] == [f"4.{n}" for n in range(1, 16)]


# --- the deployed filters keep counts true -----------------------------------------------------


def _grid() -> list[dict[str, Any]]:
    """Records that vary every field the split detections test, written as CloudTrail writes
    them (and as it does not: missing fields, nulls, other cases)."""
    out: list[dict[str, Any]] = []
    absent = object()
    for name, typ, mfa, result, error, source in itertools.product(
        ("ConsoleLogin", "UserAuthentication", "CredentialVerification", "GetSigninToken"),
        ("IAMUser", "Root", "AssumedRole", absent),
        ("Yes", "YES", "No", "yes", None, absent),
        ("Success", "Failure", absent),
        ("Failed authentication", "No username found in supplied account", absent),
        ("signin.amazonaws.com", absent),
    ):
        rec: dict[str, Any] = {"eventVersion": "1.08", "eventName": name, "sourceIPAddress": "198.51.100.7"}
        if source is not absent:
            rec["eventSource"] = source
        if typ is not absent:
            rec["userIdentity"] = {"type": typ}
        if mfa is not absent:
            rec["additionalEventData"] = {"MFAUsed": mfa}
        if result is not absent:
            rec["responseElements"] = {"ConsoleLogin": result}
            rec["serviceEventDetails"] = {name: result}
        if error is not absent:
            rec["errorMessage"] = error
        out.append(rec)
    for name, code, ip in itertools.product(
        (
            "AuthorizeSecurityGroupIngress",
            "ModifySecurityGroupRules",
            "DeleteSecurityGroup",
            "HeadBucket",
            "CreateRoute",
            "CreatePolicy",
            "EnableAllFeatures",
            "DescribeInstances",
        ),
        (
            "AccessDenied",
            "Client.UnauthorizedOperation",
            "AccessDeniedException",
            "ThrottlingException",
            absent,
        ),
        ("198.51.100.7", "delivery.logs.amazonaws.com"),
    ):
        for source in (
            "ec2.amazonaws.com",
            "iam.amazonaws.com",
            "organizations.amazonaws.com",
            "s3.amazonaws.com",
        ):
            rec = {"eventName": name, "eventSource": source, "sourceIPAddress": ip}
            if code is not absent:
                rec["errorCode"] = code
            out.append(rec)
    return out


@functools.cache
def _events() -> list[Event]:
    """The records the auditors' and the catalog's patterns are compared on (made when a
    test first asks: every xdist worker imports this module, few run its tests)."""
    recs: list[dict[str, Any]] = list(corpus().values())
    recs += [r["record"] for r in json.loads(RECORDS.read_text())["records"]]
    recs += synthetic_records(3000, seed=27, hostile=True)
    recs += _grid()
    return [Event(ev.message(r)) for r in recs]


def _matcher(text: str) -> Callable[[Event], bool]:
    pattern = compile_pattern(fill(text, ALLOWLIST_CLAUSES, EXCLUSIONS))
    return lambda e: bool(pattern.matches(e))


def _deployments() -> list[tuple[str, str, list[dict[str, Any]]]]:
    raw = load()["detections"]
    return [(key, pid, parts) for key, d in raw.items() for pid, parts in d.get("deploy", {}).items()]


@pytest.mark.parametrize(("key", "pattern_id", "parts"), _deployments(), ids=lambda v: str(v)[:40])
def test_counting_filters_partition_the_pattern_and_witnesses_add_nothing(
    key: str, pattern_id: str, parts: list[dict[str, Any]]
) -> None:
    d = load()["detections"][key]
    texts = [p.get("text") or d["patterns"][p["pattern"]] for p in parts]
    counting = [_matcher(t) for t, p in zip(texts, parts, strict=True) if not p.get("witness")]
    witnesses = [_matcher(t) for t, p in zip(texts, parts, strict=True) if p.get("witness")]
    whole = _matcher(d["patterns"][pattern_id])
    assert parts[0]["name"] == "" and not parts[0].get("witness"), "the main filter counts"
    seen = 0
    for e in _events():
        hits = sum(m(e) for m in counting)
        assert hits <= 1, f"{key}: an event counted {hits} times: {e.message[:300]}"
        assert (hits == 1) == whole(e), f"{key}: the counting filters' union differs: {e.message[:300]}"
        for w in witnesses:
            assert not w(e) or hits == 1, f"{key}: a witness matches an uncounted event: {e.message[:300]}"
        seen += hits
    assert seen > 0, f"{key}: no record exercises it"


# The patterns these rewrites replace (the previous release's catalog), and the only events
# each rewrite matches differently.
BEFORE: dict[str, tuple[str, str, Callable[[dict[str, Any]], bool], Callable[[dict[str, Any]], bool]]] = {
    "console_login_without_mfa": (
        "tuned",
        '{ (($.eventName = "ConsoleLogin") && ($.responseElements.ConsoleLogin = "Success") && (($.userIdentity.type = "IAMUser") || ($.userIdentity.type = "Root")) && ((($.additionalEventData.MFAUsed != "Yes") && ($.additionalEventData.MFAUsed != "YES")) || ($.additionalEventData.MFAUsed NOT EXISTS))) || (($.eventSource = "signin.amazonaws.com") && ($.eventName = "UserAuthentication") && ($.serviceEventDetails.UserAuthentication = "Success") && ($.additionalEventData.CredentialType = "PASSWORD") && ($.additionalEventData.DeviceEnrollmentRequired NOT EXISTS)) }',
        # Added: an IAM user's sign-in recorded with MFAUsed "YES" (AWS documents the upper
        # case for root only; Security Hub's CloudWatch.3 string counts it).
        lambda r: (
            r.get("userIdentity", {}).get("type") == "IAMUser"
            and r.get("additionalEventData", {}).get("MFAUsed") == "YES"
        ),
        lambda r: False,
    ),
    "console_login_failures": (
        "tuned",
        '{ (($.eventName = "ConsoleLogin") && ($.responseElements.ConsoleLogin = "Failure")) || (($.eventSource = "signin.amazonaws.com") && ($.eventName = "CredentialVerification") && ($.serviceEventDetails.CredentialVerification = "Failure")) }',
        # Added: a ConsoleLogin with "Failed authentication" that does not say Failure.
        lambda r: (
            r.get("errorMessage") == "Failed authentication"
            and (r.get("responseElements") or {}).get("ConsoleLogin") != "Failure"
        ),
        lambda r: False,
    ),
    "organizations_changes": (
        "tuned",
        '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }',
        # Added: the three event names of later CIS versions.
        lambda r: r.get("eventName") in ("CancelHandshake", "CreateOrganization", "EnableAllFeatures"),
        lambda r: False,
    ),
    "security_group_changes": (
        "tuned",
        "{($.eventName=AuthorizeSecurityGroupIngress) || ($.eventName=AuthorizeSecurityGroupEgress) || ($.eventName=RevokeSecurityGroupIngress) || ($.eventName=RevokeSecurityGroupEgress) || ($.eventName=CreateSecurityGroup) || ($.eventName=DeleteSecurityGroup)}",
        # Added: CIS v5.0.0's ModifySecurityGroupRules.
        lambda r: r.get("eventName") == "ModifySecurityGroupRules",
        lambda r: False,
    ),
    "iam_policy_changes": (
        "security_hub",
        "{($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || ($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || ($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy)}",
        lambda r: False,
        # Dropped: the same names from other services (Organizations' CreatePolicy, DeletePolicy).
        lambda r: r.get("eventSource") != "iam.amazonaws.com",
    ),
    "route_table_changes": (
        "security_hub",
        "{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || ($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || ($.eventName=DisassociateRouteTable)}",
        lambda r: False,
        # Dropped: the same names from a service other than EC2 (none exists).
        lambda r: r.get("eventSource") != "ec2.amazonaws.com",
    ),
}


@pytest.mark.parametrize("key", sorted(BEFORE))
def test_each_rewrite_matches_what_it_did_plus_only_the_named_events(key: str) -> None:
    pattern_id, before_text, added, dropped = BEFORE[key]
    now, before = _matcher(load()["detections"][key]["patterns"][pattern_id]), _matcher(before_text)
    differ = 0
    for e in _events():
        rec = json.loads(e.message) if e.message.startswith("{") else {}
        if not isinstance(rec, dict):
            rec = {}
        n, b = now(e), before(e)
        if n and not b:
            assert added(rec), f"{key}: newly matches {e.message[:300]}"
        elif b and not n:
            assert dropped(rec), f"{key}: no longer matches {e.message[:300]}"
        differ += n != b
    assert differ > 0, f"{key}: no record shows the difference"


REWRITTEN_RULES = ("console_login_without_mfa", "console_login_failures")


@pytest.mark.parametrize("key", REWRITTEN_RULES)
def test_the_rules_of_the_rewritten_detections_flag_what_their_filters_count(key: str) -> None:
    """The EventBridge rule of each rewritten sign-in detection (every pattern id) flags, on the
    same records, exactly what the metric filters' union counts: the grid of missing, null and
    odd fields included, among the records EventBridge hands the rule."""
    d = load()["detections"][key]
    records: list[dict[str, Any]] = [*corpus().values(), *_grid()]
    records += [r["record"] for r in json.loads(RECORDS.read_text())["records"]]
    for pattern_id in d["eventbridge"]["patterns"]:
        rule = EventPattern(rule_pattern(key, pattern_id))
        scope = EventPattern(rule_envelope(key))
        whole = _matcher(d["patterns"][pattern_id])
        compared = flagged = 0
        for rec in records:
            env = envelope(rec)
            if not (delivered(rec, rule_state(key)) and scope.matches(env)):
                continue
            compared += 1
            counted = whole(Event(ev.message(rec)))
            if rule.matches(env) != counted:
                # The one known difference, older than these rewrites and in every mode: an
                # MFAUsed of null (CloudTrail writes "Yes", "YES" or "No", or leaves it out).
                # The filter's != and NOT EXISTS both read null as a present non-string, the
                # rule's anything-but and exists:false read it as a value other than "Yes":
                # the rule flags it, the metric filter does not.
                mfa = (rec.get("additionalEventData") or {}).get("MFAUsed", "absent")
                assert key == "console_login_without_mfa" and mfa is None and not counted, (
                    key,
                    pattern_id,
                    rec,
                )
            flagged += counted
        assert compared > 100 and flagged > 0, (key, pattern_id, compared, flagged)
