"""The scenario matrix: for each catalog detection in each mode, exactly which real-format
sign-in (and API) records match. Patterns come from `terraform plan` of the root module,
so what is proven is what the module deploys.

The EventBridge sign-in rules (modules/signin-events) are held to the same matrix: on the
sign-in records (the ones CloudTrail sends to EventBridge), each rule flags exactly the
records its detection's metric filter matches, judged by the project's EventBridge-pattern
engine."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from trailwatch import signin_events as ev
from trailwatch.catalog import detections
from trailwatch.emulator import Emulator
from trailwatch.eventpattern import EventPattern
from trailwatch.filterpattern import Event, compile_pattern
from trailwatch.scenarios import ALLOWLIST, corpus
from trailwatch.signin_notifications import envelope, is_signin_record, patterns
from trailwatch.terraform import plan_files
from trailwatch.variants import EXCLUDED, variant_patterns

# One applied (or planned) stack for the whole module: its tests run in one xdist worker.
pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("scenarios")]

EXCLUDED_SOURCES = ("secretsmanager.amazonaws.com",)
EXCLUDED_PRINCIPALS = ("arn:aws:iam::*:user/ci-*",)

MODES: dict[str, dict[str, Any]] = {
    "tuned": {"allowed_source_cidrs": ALLOWLIST},
    "cis_exact": {"allowed_source_cidrs": ALLOWLIST, "cis_exact": True},
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

TUNED = {
    **CIS_EVENTS,
    # Every successful sign-in from outside the allowlist, federated (SSO, SAML) included.
    "console_login_unexpected_ip": {
        "iam_mfa_unknown_ip",
        "iam_no_mfa_unknown_ip",
        "root_mfa_unknown_ip",
        "ipv6_unknown",
        "saml_login",
        "sso_login",
    },
    # Root's "MFAUsed": "YES" is MFA; SSO/SAML, failures and CheckMfa are not logins without MFA.
    "console_login_without_mfa": {"iam_no_mfa_allowed_ip", "iam_no_mfa_unknown_ip", "root_no_mfa_allowed_ip"},
    "console_login_failures": {"iam_failure", "unknown_user_failure", "root_failure"},
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
}


@pytest.fixture(scope="module")
def planned(emulator_session: Emulator, terraform: str) -> Iterator[dict[str, dict[str, Any]]]:
    """One plan of a root config that calls the module once per mode (one Terraform run for
    all modes instead of one each)."""
    doc = {
        "provider": {"aws": {"region": "us-east-1"}},
        "module": {mode: {"source": "../../", **args, "name_prefix": "scn"} for mode, args in MODES.items()},
        "output": {
            f"{mode}__{key}": {"value": f"${{module.{mode}.{output}}}"}
            for mode in MODES
            for key, output in (("filters", "metric_filters"), ("rules", "signin_event_patterns"))
        },
    }
    plan = plan_files({"main.tf.json": json.dumps(doc, indent=2)}, emulator_session, "scenarios")
    yield {
        mode: {"filters": plan.outputs[f"{mode}__filters"], "rules": plan.outputs[f"{mode}__rules"]}
        for mode in MODES
    }


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


def test_cis_exact_uses_security_hubs_strings(planned_filters: dict[str, Any]) -> None:
    for key, det in detections().items():
        if "security_hub" in det.patterns:
            assert planned_filters["cis_exact"][key]["pattern"] == det.patterns["security_hub"]


@pytest.mark.parametrize("mode", sorted(MODES))
def test_signin_rules_flag_exactly_what_the_filters_flag(mode: str, planned: dict[str, Any]) -> None:
    rules = planned[mode]["rules"]
    filters = planned[mode]["filters"]
    signins = {name: rec for name, rec in corpus().items() if is_signin_record(rec)}
    assert len(signins) >= 16
    # Every enabled sign-in detection has its rule, and nothing else does.
    assert set(rules) == {k for k in filters if k in patterns()}
    for key, text in rules.items():
        rule = EventPattern(text)
        got = {name for name, rec in signins.items() if rule.matches(envelope(rec))}
        want = EXPECTED[mode][key] & set(signins)
        assert got == want, f"{mode}/{key}: extra {got - want}, missing {want - got}"


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
