"""The scenario matrix: for each catalog detection in each mode, exactly which real-format
sign-in (and API) records match. Patterns come from `terraform plan` of the root module,
so what is proven is what the module deploys.

The EventBridge sign-in rules (modules/signin-events) are held to the same matrix: on the
sign-in records (the ones CloudTrail sends to EventBridge), each rule flags exactly the
records its detection's metric filter matches, judged by the project's EventBridge-pattern
engine."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import audit_checks as au
from trailwatch.backtest import backtest, detections_from_plan
from trailwatch.catalog import detections
from trailwatch.eventpattern import EventPattern
from trailwatch.filterpattern import Event, compile_pattern
from trailwatch.harness import record_corpus as ev
from trailwatch.harness.emulator import Emulator
from trailwatch.harness.scenarios import ALLOWLIST, corpus
from trailwatch.harness.signin_notifications import (
    delivered,
    envelope,
    patterns,
    rule_envelope,
    rule_pattern,
    rule_state,
)
from trailwatch.harness.terraform import plan_files
from trailwatch.variants import EXCLUDED, variant_patterns

# One applied (or planned) stack for the whole module: its tests run in one xdist worker.
pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("scenarios")]

EXCLUDED_SOURCES = ("secretsmanager.amazonaws.com",)
EXCLUDED_PRINCIPALS = ("arn:aws:iam::*:user/ci-*",)
PROVISIONERS = ("arn:aws:sts::*:assumed-role/identity-provisioner/*",)

# The two modes an auditor sees (the defaults, cis_exact) have one email subscriber.
SUBSCRIBER = ["security@example.com"]

MODES: dict[str, dict[str, Any]] = {
    "tuned": {"allowed_source_cidrs": ALLOWLIST, "alarm_email_addresses": SUBSCRIBER},
    "cis_exact": {"allowed_source_cidrs": ALLOWLIST, "cis_exact": True, "alarm_email_addresses": SUBSCRIBER},
    "mfa_cis": {"console_login_without_mfa_mode": "cis"},
    "mfa_cis_sso": {"console_login_without_mfa_mode": "cis_sso"},
    "unauthorized_cis_v4": {"unauthorized_api_calls_mode": "cis_v4_0_1"},
    "unauthorized_excluded": {
        "unauthorized_api_calls_excluded_event_sources": list(EXCLUDED_SOURCES),
        "unauthorized_api_calls_excluded_principal_arns": list(EXCLUDED_PRINCIPALS),
    },
    # With root_privileged_task switched off, root_usage reports AssumeRoot sessions again.
    "no_privileged_task": {
        "detections": {"root_privileged_task": {"enabled": False}},
        "signin_events_detections": {"root_privileged_task": {"enabled": False}},
    },
    # The provisioning automation's password resets are left out, on both paths.
    "login_profile_excluded": {
        "login_profile_changes_excluded_principal_arns": list(PROVISIONERS),
        # The failures rule is opt-in: switched on here, it flags each failure.
        "signin_events_detections": {"console_login_failures": {"enabled": True}},
    },
}
for _args in MODES.values():
    _args["signin_events_enabled"] = True

CIS_EVENTS = {
    "iam_policy_changes": {"put_role_policy"},
    "cloudtrail_changes": {"stop_logging"},
    "kms_key_disable_or_delete": {"schedule_key_deletion"},
    "s3_bucket_policy_changes": {"put_bucket_policy", "root_session_delete_bucket_policy"},
    "config_changes": {"stop_config_recorder"},
    "security_group_changes": {"authorize_sg_ingress"},
    "nacl_changes": {"create_nacl_entry"},
    "network_gateway_changes": {"attach_internet_gateway"},
    "route_table_changes": {"create_route"},
    "vpc_changes": {"create_vpc"},
    "organizations_changes": {"create_account"},
    # Root credential use: password sign-ins (and their failures) and API calls.
    "root_usage": {"root_api_call", "root_mfa_unknown_ip", "root_no_mfa_allowed_ip", "root_failure"},
}

ROOT_CREDENTIALS = CIS_EVENTS["root_usage"]
# Centralized root access: the AssumeRoot call and the root session's actions.
ROOT_SESSIONS = {"assume_root_call", "root_session_delete_bucket_policy"}

# Every other way into the console (issue 23): the same in every mode.
CONSOLE_ACCESS = {
    # Every password set or reset, whoever the caller; a user's own ChangePassword is not one.
    "login_profile_changes": {"login_profile_created", "login_profile_by_provisioner"},
    # The portal's own sign-in token stays silent.
    "console_session_from_access_keys": {"signin_token_from_keys", "federation_token"},
    "mfa_device_removed": {"mfa_deactivated"},
    # Identity Center's service-linked role keeping its own SAML provider is not a change.
    "identity_provider_changes": {"oidc_thumbprint_updated", "external_idp_changed", "directory_associated"},
    # The documented failed sign-in has "MFAUsed": "Yes": the password was right.
    "console_login_mfa_failed": {"iam_failure"},
}

TUNED = {
    **CIS_EVENTS,
    **CONSOLE_ACCESS,
    # Every successful sign-in from outside the allowlist, federated (SSO, SAML) and Identity
    # Center portal sign-ins included, and one with no source address at all.
    "console_login_unexpected_ip": {
        "iam_mfa_unknown_ip",
        "iam_no_mfa_unknown_ip",
        "root_mfa_unknown_ip",
        "ipv6_unknown",
        "saml_login",
        "sso_login",
        "idc_password_only_unknown_ip",
        "login_without_source_ip",
    },
    # Root's "MFAUsed": "YES" is MFA; SSO/SAML, failures and CheckMfa are not logins without
    # MFA. An Identity Center sign-in with a password alone is; one with TOTP, or one sent on
    # to enrol an MFA device, is not.
    "console_login_without_mfa": {
        "iam_no_mfa_allowed_ip",
        "iam_no_mfa_unknown_ip",
        "root_no_mfa_allowed_ip",
        "idc_password_only_unknown_ip",
    },
    "console_login_failures": {
        "iam_failure",
        "unknown_user_failure",
        "root_failure",
        "idc_password_verification_failed",
    },
    "unauthorized_api_calls": {"access_denied", "unauthorized_operation", "denied_ci_scanner"},
    "root_privileged_task": ROOT_SESSIONS,
}

SECURITY_HUB_MFA = {"iam_no_mfa_allowed_ip", "iam_no_mfa_unknown_ip"}

EXPECTED: dict[str, dict[str, set[str]]] = {
    "tuned": TUNED,
    "cis_exact": {
        **TUNED,
        # Security Hub's exact CloudWatch.1 string counts the session's actions as root use
        # (they are reported by both detections then, never by neither).
        "root_usage": ROOT_CREDENTIALS | {"root_session_delete_bucket_policy"},
        "console_login_without_mfa": SECURITY_HUB_MFA,
        # Security Hub's CloudWatch.6 string: the errorMessage, which Identity Center's
        # failed verifications do not carry.
        "console_login_failures": {"iam_failure", "root_failure"},
        "unauthorized_api_calls": {
            "access_denied",
            "unauthorized_operation",
            "denied_ci_scanner",
            "denied_log_delivery",
            "denied_head_bucket",
        },
    },
    "mfa_cis": {
        **{k: v for k, v in TUNED.items() if k != "console_login_unexpected_ip"},
        # The literal CIS 4.2 string: every ConsoleLogin whose MFAUsed is not exactly "Yes",
        # so root with "YES", SSO, SAML and failures all fire.
        "console_login_without_mfa": {
            "iam_no_mfa_allowed_ip",
            "iam_no_mfa_unknown_ip",
            "unknown_user_failure",
            "root_mfa_unknown_ip",
            "root_no_mfa_allowed_ip",
            "root_failure",
            "saml_login",
            "sso_login",
            "saml_login_allowed_ip_v6",
            "sso_login_allowed_ip",
        },
    },
    "mfa_cis_sso": {
        **{k: v for k, v in TUNED.items() if k != "console_login_unexpected_ip"},
        "console_login_without_mfa": SECURITY_HUB_MFA,
    },
    # CIS v4.0.1's string leaves out log delivery and HeadBucket, like the tuned form.
    "unauthorized_cis_v4": {k: v for k, v in TUNED.items() if k != "console_login_unexpected_ip"},
    # The exclusions drop the Secrets Manager denial and the CI user's.
    "unauthorized_excluded": {
        **{k: v for k, v in TUNED.items() if k != "console_login_unexpected_ip"},
        "unauthorized_api_calls": {"unauthorized_operation"},
    },
    "no_privileged_task": {
        **{
            k: v for k, v in TUNED.items() if k not in ("console_login_unexpected_ip", "root_privileged_task")
        },
        "root_usage": ROOT_CREDENTIALS | {"root_session_delete_bucket_policy"},
    },
    "login_profile_excluded": {
        **{k: v for k, v in TUNED.items() if k != "console_login_unexpected_ip"},
        "login_profile_changes": {"login_profile_created"},
    },
}


@pytest.fixture(scope="module")
def planned_run(
    emulator_session: Emulator, terraform: str
) -> Iterator[tuple[dict[str, dict[str, Any]], dict[str, Any]]]:
    """One plan of a root config that calls the module once per mode (one Terraform run for
    all modes instead of one each): each mode's outputs, and the plan itself."""
    doc = {
        "provider": {"aws": {"region": "us-east-1"}},
        "module": {mode: {"source": "../../", **args, "name_prefix": "scn"} for mode, args in MODES.items()},
        "output": {
            f"{mode}__{key}": {"value": f"${{module.{mode}.{output}}}"}
            for mode in MODES
            for key, output in (("filters", "metric_filters"), ("rules", "event_rule_patterns"))
        },
    }
    plan = plan_files({"main.tf.json": json.dumps(doc, indent=2)}, emulator_session, "scenarios")
    outputs = {
        mode: {"filters": plan.outputs[f"{mode}__filters"], "rules": plan.outputs[f"{mode}__rules"]}
        for mode in MODES
    }
    yield outputs, plan._raw


@pytest.fixture(scope="module")
def planned(planned_run: tuple[dict[str, dict[str, Any]], dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return planned_run[0]


@pytest.fixture(scope="module")
def planned_filters(planned: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {mode: p["filters"] for mode, p in planned.items()}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_every_detection_matches_exactly_its_scenarios(mode: str, planned_filters: dict[str, Any]) -> None:
    filters = planned_filters[mode]
    expected = EXPECTED[mode]
    assert set(filters) == set(expected), "enabled detections differ"
    events = {name: Event(ev.message(rec)) for name, rec in corpus().items()}
    for key, f in filters.items():
        pattern = compile_pattern(f["pattern"])
        got = {name for name, e in events.items() if pattern.matches(e)}
        assert got == expected[key], (
            f"{mode}/{key}: extra {got - expected[key]}, missing {expected[key] - got}"
        )


def test_matrix_covers_every_catalog_key() -> None:
    assert set(EXPECTED["tuned"]) == set(detections())


def test_cis_exact_counts_with_security_hubs_strings(planned_filters: dict[str, Any]) -> None:
    """Each Security Hub string is deployed verbatim as a counting filter (with, for security
    groups, CIS v5.0.0's ModifySecurityGroupRules counted by a filter of its own)."""
    for key, det in detections().items():
        if "security_hub" in det.patterns:
            counting = [
                f["pattern"] for f in planned_filters["cis_exact"][key]["filters"] if not f["witness"]
            ]
            assert det.patterns["security_hub"] == counting[0], key


def _rules_switched_on(mode: str) -> set[str]:
    """The detections whose rule a mode switches on although the catalog marks it opt-in."""
    switches = MODES[mode].get("signin_events_detections", {})
    return {k for k, v in switches.items() if v.get("enabled")}


def _rule_matches(key: str, rule: EventPattern, rec: dict[str, Any]) -> bool:
    """Whether EventBridge hands the record to this rule and the rule matches it."""
    return delivered(rec, rule_state(key)) and rule.matches(envelope(rec))


def _in_scope(key: str, rec: dict[str, Any]) -> bool:
    """Whether the record is one of the events the rule reads (its envelope: source,
    detail-type, and an API-call detection's event names)."""
    return EventPattern(rule_envelope(key)).matches(envelope(rec))


@pytest.mark.parametrize("mode", sorted(MODES))
def test_event_rules_flag_exactly_what_the_filters_flag(mode: str, planned: dict[str, Any]) -> None:
    rules = planned[mode]["rules"]
    filters = planned[mode]["filters"]
    records = corpus()
    # Every enabled detection with a rule has it, but the opt-in ones (console_login_failures:
    # its meaning is a count) unless switched on; nothing else has one.
    on = _rules_switched_on(mode)
    assert set(rules) == {
        k for k in filters if k in patterns() and ("opt_in" not in patterns()[k] or k in on)
    }
    for key, text in rules.items():
        rule = EventPattern(text)
        got = {name for name, rec in records.items() if _rule_matches(key, rule, rec)}
        want = {name for name in EXPECTED[mode][key] if _in_scope(key, records[name])}
        assert got == want, f"{mode}/{key}: extra {got - want}, missing {want - got}"
    # The new detections notify every record their filter matches.
    for key in CONSOLE_ACCESS:
        assert {n for n in EXPECTED[mode][key] if _in_scope(key, records[n])} == EXPECTED[mode][key], key


def test_failures_rule_is_opt_in(planned: dict[str, Any]) -> None:
    """A burst of failed sign-ins is one alarm (with its readable message), not a message per
    failure: no mode plans the per-failure rule unless it is switched on."""
    for mode in MODES:
        assert ("console_login_failures" in planned[mode]["rules"]) == (
            "console_login_failures" in _rules_switched_on(mode)
        )


def test_sparse_signin_is_outside_the_allowlist_on_both_paths(planned: dict[str, Any]) -> None:
    """A successful sign-in whose record has no sourceIPAddress cannot be shown to be inside
    the allowlist: the alarm's filter and the real-time rule both flag it."""
    rec = corpus()["login_without_source_ip"]
    tuned = planned["tuned"]
    assert compile_pattern(tuned["filters"]["console_login_unexpected_ip"]["pattern"]).matches(
        Event(ev.message(rec))
    )
    assert EventPattern(tuned["rules"]["console_login_unexpected_ip"]).matches(envelope(rec))


def test_rule_patterns_are_the_catalogs(planned: dict[str, Any]) -> None:
    """What the HCL plans is what signin_notifications builds from the same catalog (the
    envelope, its detail, the allowlist and the exclusions)."""
    wildcards = ["203.0.113.*", "2001:db8:abcd:*"]
    for key, text in planned["tuned"]["rules"].items():
        assert json.loads(text) == rule_pattern(key, "tuned", wildcards), key
    excluded = planned["login_profile_excluded"]["rules"]["login_profile_changes"]
    assert json.loads(excluded) == rule_pattern(
        "login_profile_changes", "tuned", wildcards, list(PROVISIONERS)
    )


REAL = json.loads((Path(__file__).parent / "records" / "console-access.json").read_text())


def test_real_records_corpus_is_what_it_says() -> None:
    assert REAL["allowlist"] == ALLOWLIST
    names = [item["name"] for item in REAL["records"]]
    assert len(names) == len(set(names)) >= 50
    for item in REAL["records"]:
        assert item["source"] and item["record"]["eventSource"] and item["record"]["eventName"], item["name"]
        assert set(item["detections"]) <= set(detections()), item["name"]
    # Positive and negative records for every new detection.
    for key in CONSOLE_ACCESS:
        assert any(key in item["detections"] for item in REAL["records"]), key
        # ...and a negative from the same service (ChangePassword, the portal's sign-in token,
        # Identity Center's own SAML provider, an MFA device enabled, a password failure).
        sources = {item["record"]["eventSource"] for item in REAL["records"] if key in item["detections"]}
        assert any(
            key not in item["detections"] and item["record"]["eventSource"] in sources
            for item in REAL["records"]
        ), key


@pytest.mark.parametrize("item", REAL["records"], ids=[item["name"] for item in REAL["records"]])
def test_real_record_fires_exactly_its_detections(item: dict[str, Any], planned: dict[str, Any]) -> None:
    """Each published record, on the planned metric filters and on the planned rules."""
    rec = item["record"]
    filters = planned["tuned"]["filters"]
    event = Event(json.dumps(rec))
    got = {k for k, f in filters.items() if compile_pattern(f["pattern"]).matches(event)}
    assert got == set(item["detections"]), (
        f"{item['name']}: extra {got - set(item['detections'])}, missing {set(item['detections']) - got}"
    )
    rules = planned["tuned"]["rules"]
    got_rules = {k for k, text in rules.items() if _rule_matches(k, EventPattern(text), rec)}
    want_rules = {k for k in item["detections"] if k in rules and _in_scope(k, rec)}
    assert got_rules == want_rules, item["name"]


def _module_plan(plan: dict[str, Any], module: str) -> dict[str, Any]:
    """The planned values of one module call, as a plan of its own."""
    (child,) = [
        m
        for m in plan["planned_values"]["root_module"]["child_modules"]
        if m["address"] == f"module.{module}"
    ]
    return {"planned_values": {"root_module": child}}


def test_real_records_backtest_through_the_planned_detections(
    planned_run: tuple[dict[str, Any], dict[str, Any]], tmp_path: Path
) -> None:
    """The backtest of the planned consumer configuration (tuned mode), as a user runs it on
    an archive: every record in a CloudTrail file of its own. Each new detection's filter
    matches its positive records and no other, and its alarm (threshold 1) fires on them."""
    tuned = _module_plan(planned_run[1], "tuned")
    filters, alarms = detections_from_plan(tuned)
    # The plan's other alarms (each EventBridge rule's failed deliveries, on AWS/Events) read
    # no metric a filter publishes: the backtest leaves them out rather than report them.
    planned: list[str] = []
    stack = [tuned["planned_values"]["root_module"]]
    while stack:
        mod = stack.pop()
        planned += [
            r["values"]["alarm_name"]
            for r in mod.get("resources", [])
            if r["type"] == "aws_cloudwatch_metric_alarm"
        ]
        stack += mod.get("child_modules", [])
    assert any(n.endswith("-target-failed") for n in planned)
    assert sorted(a.name for a in alarms) == sorted(n for n in planned if not n.endswith("-target-failed"))
    # One alarm per metric; a metric may be fed by more than one filter (the catalog's deploy).
    assert sorted(str(a.metric_name) for a in alarms) == sorted({f.metric_name for f in filters})
    detection_of = {a.metric_name: a.name.removeprefix("scn-") for a in alarms}
    counting = {f.name: f.metric_name for f in filters if f.metric_value != "0"}
    thresholds = {a.name: a.threshold for a in alarms if a.threshold is not None}
    for i, item in enumerate(REAL["records"]):
        path = tmp_path / f"{i:03d}.json.gz"
        path.write_bytes(gzip.compress(json.dumps({"Records": [item["record"]]}).encode()))
        result = backtest(filters, alarms, [path], workers=1)
        assert not result.skipped, item["name"]
        matched = {detection_of[counting[name]] for name, n in result.filters if n and name in counting}
        assert matched == set(item["detections"]), item["name"]
        fired = {a.name.removeprefix("scn-") for a in result.alarms if a.would_alarm}
        assert fired == {k for k in item["detections"] if thresholds[f"scn-{k}"] <= 1}, item["name"]


def test_every_signin_detection_has_an_eventbridge_pattern_for_each_of_its_filter_patterns() -> None:
    for key, eb in patterns().items():
        assert set(eb["patterns"]) == set(detections()[key].patterns), key


def test_root_rules_split_root_signins_by_the_assume_root_marker(planned: dict[str, Any]) -> None:
    """The corpus has no console sign-in of an AssumeRoot session (the IAM User Guide shows
    none); a root sign-in given the session marker goes to root_privileged_task's rule and
    leaves root_usage's tuned rule, and without that rule root_usage keeps it."""
    marked = corpus()["root_mfa_unknown_ip"]
    marked["userIdentity"]["sessionContext"] = {"assumedRoot": "true"}
    plain = corpus()["root_mfa_unknown_ip"]
    tuned = planned["tuned"]["rules"]
    assert EventPattern(tuned["root_privileged_task"]).matches(envelope(marked))
    assert not EventPattern(tuned["root_usage"]).matches(envelope(marked))
    assert EventPattern(tuned["root_usage"]).matches(envelope(plain))
    assert not EventPattern(tuned["root_privileged_task"]).matches(envelope(plain))
    fallback = planned["no_privileged_task"]["rules"]
    assert "root_privileged_task" not in fallback
    assert EventPattern(fallback["root_usage"]).matches(envelope(marked))


def test_exclusions_are_built_in_hcl_as_the_backtest_builds_them(planned_filters: dict[str, Any]) -> None:
    """What `trailwatch variants` backtests is what the module deploys, in every form."""
    ours = variant_patterns("unauthorized_api_calls", EXCLUDED_SOURCES, EXCLUDED_PRINCIPALS)
    assert planned_filters["unauthorized_excluded"]["unauthorized_api_calls"]["pattern"] == ours[EXCLUDED]
    assert planned_filters["tuned"]["unauthorized_api_calls"]["pattern"] == ours["tuned"]
    assert planned_filters["unauthorized_cis_v4"]["unauthorized_api_calls"]["pattern"] == ours["cis_v4_0_1"]
    assert planned_filters["cis_exact"]["unauthorized_api_calls"]["pattern"] == ours["security_hub"]


# --- the auditors (tests/audit_checks.py) on every mode's planned filters ----------------------

TOPIC = "arn:aws:sns:us-east-1:123456789012:scn-signin-alarms"
SH = au.SECURITY_HUB

#: mode -> auditor -> the controls it fails, with one subscriber (the plan cannot show the
#: alarms' actions: tests/test_alarm_messages.py audits the applied stack through the API).
#: Security Hub wants its exact strings: the tuned root_usage (AssumeRoot sessions are
#: root_privileged_task's) and unauthorized_api_calls (no log-delivery or HeadBucket denials,
#: exclusions) are not, by design; cis_exact deploys them.
AUDITED: dict[str, dict[str, set[str]]] = {
    "tuned": {SH: {"CloudWatch.1", "CloudWatch.2"}},
    "cis_exact": {},
    "mfa_cis": {SH: {"CloudWatch.1", "CloudWatch.2", "CloudWatch.3"}},
    "mfa_cis_sso": {SH: {"CloudWatch.1", "CloudWatch.2"}},
    "unauthorized_cis_v4": {SH: {"CloudWatch.1", "CloudWatch.2"}},
    "unauthorized_excluded": {SH: {"CloudWatch.1", "CloudWatch.2"}},
    # root_usage falls back to Security Hub's string while root_privileged_task is off.
    "no_privileged_task": {SH: {"CloudWatch.2"}},
    "login_profile_excluded": {SH: {"CloudWatch.1", "CloudWatch.2"}},
}

LABELS = {
    "tuned": "defaults",
    "cis_exact": "`cis_exact = true`",
    "mfa_cis": '`console_login_without_mfa_mode = "cis"`',
    "mfa_cis_sso": '`console_login_without_mfa_mode = "cis_sso"`',
    "unauthorized_cis_v4": '`unauthorized_api_calls_mode = "cis_v4_0_1"`',
    "unauthorized_excluded": "`unauthorized_api_calls_excluded_*` set",
    "no_privileged_task": "`root_privileged_task` off",
    "login_profile_excluded": "`login_profile_changes_excluded_principal_arns` set",
}


def _audits(plan: dict[str, Any], subscribers: int | None = None) -> dict[str, dict[str, dict[str, bool]]]:
    """mode -> auditor -> control -> passed; `subscribers` None: as the mode subscribes."""
    return {
        mode: au.audit(
            au.from_plan(
                plan,
                mode,
                TOPIC,
                len(MODES[mode].get("alarm_email_addresses", [])) if subscribers is None else subscribers,
            )
        )
        for mode in MODES
    }


@pytest.fixture(scope="module")
def audited(
    planned_run: tuple[dict[str, dict[str, Any]], dict[str, Any]],
) -> dict[str, dict[str, dict[str, bool]]]:
    return _audits(planned_run[1], subscribers=1)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_every_auditor_passes_every_control_but_the_documented_ones(
    mode: str, audited: dict[str, dict[str, dict[str, bool]]]
) -> None:
    assert set(LABELS) == set(MODES) == set(AUDITED)
    for auditor, results in audited[mode].items():
        failed = {c for c, ok in results.items() if not ok}
        assert failed == AUDITED[mode].get(auditor, set()), (mode, auditor)


def test_one_email_subscriber_is_what_the_defaults_need(
    planned_run: tuple[dict[str, dict[str, Any]], dict[str, Any]],
) -> None:
    """The defaults with one email subscriber, and cis_exact: Prowler and Powerpipe 15/15 (both
    generations); cis_exact also Security Hub 14/14. Without a subscriber Security Hub and
    Powerpipe fail every control, and the plan says so (a check block's warning)."""
    plan = planned_run[1]
    as_planned = _audits(plan)
    for mode in ("tuned", "cis_exact"):
        for auditor in au.AUDITORS:
            if auditor.startswith(("prowler", "powerpipe")) or mode == "cis_exact":
                assert all(as_planned[mode][auditor].values()), (mode, auditor)
    checks = {
        c["address"]["module"].removeprefix("module."): c["status"]
        for c in plan["checks"]
        if c["address"]["kind"] == "check" and c["address"]["name"] == "cis_auditors_find_a_subscriber"
    }
    for mode, args in MODES.items():
        subscribed = bool(args.get("alarm_email_addresses"))
        assert checks[mode] == ("pass" if subscribed else "fail"), mode
        if not subscribed:
            for auditor, results in as_planned[mode].items():
                if not auditor.startswith("prowler"):  # Prowler reads no alarm action
                    assert not any(results.values()), (mode, auditor)


def _cis_controls() -> list[tuple[str, str | None, str]]:
    """(CIS v5.0.0 item, Security Hub control, detection), in CIS order."""
    rows = []
    for key, d in detections().items():
        item = (d.cis or {}).get("cis_1_4")
        if d.cis and item:
            rows.append((item.split("/")[-1], d.cis.get("security_hub"), key))
    return sorted(rows, key=lambda r: int(r[0].split(".")[1]))


def audit_table(audited: dict[str, dict[str, dict[str, bool]]]) -> str:
    """docs/cis-audits.md's table: each mode, each control, the auditors that fail it."""
    short = {
        SH: "Security Hub",
        "prowler>=5.30": "Prowler ≥ 5.30",
        "prowler<5.30": "Prowler < 5.30",
        "powerpipe>=1.7": "Powerpipe ≥ v1.7.0",
        "powerpipe<1.7": "Powerpipe < v1.7.0",
    }
    lines = [
        "| CIS v5.0.0 (Security Hub) | detection | " + " | ".join(LABELS[m] for m in MODES) + " |",
        "|---|---|" + "---|" * len(MODES),
    ]
    for item, sh, key in _cis_controls():
        cells = []
        for mode in MODES:
            failing = [
                short[a]
                for a, results in audited[mode].items()
                if not results.get(str(sh) if a == SH else item, True)
            ]
            cells.append("✗ " + ", ".join(failing) if failing else "✓")
        lines.append(f"| {item} ({sh or 'none'}) | `{key}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def test_the_cis_audits_page_shows_the_audit_table(audited: dict[str, dict[str, dict[str, bool]]]) -> None:
    readme = (Path(__file__).parent.parent / "docs" / "cis-audits.md").read_text()
    begin, end = "<!-- audit-table:begin -->\n", "\n<!-- audit-table:end -->"
    assert begin in readme and end in readme
    shown = readme[readme.index(begin) + len(begin) : readme.index(end)]
    assert shown == audit_table(audited), (
        "docs/cis-audits.md's audit table is stale; expected:\n" + audit_table(audited)
    )
