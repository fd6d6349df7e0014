"""The allowlist compiled in HCL (modules/allowlist, used by modules/metric-filters and
modules/signin-events) matches exactly the addresses outside the list: proven with the
filter-pattern engine and the EventBridge-pattern engine over each range's edges, its
neighbours and the /32-vs-.70-79 trap, for IPv4 and IPv6.

One `terraform plan` of a fixture that instantiates both modules once per case compiles
every case (on the emulator, for the data sources of signin-events).

The one documented gap: EventBridge has no regex, so an IPv6 prefix ending in 3+ zero
groups (2001:db8::/96) cannot exclude every compressed form of its addresses; those forms
notify (never the other way round), and signin-events reports such entries.
"""

from __future__ import annotations

import ipaddress
import json
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import tftest

from trailwatch.eventpattern import EventPattern
from trailwatch.filterpattern import compile_pattern
from trailwatch.harness import record_corpus as ev
from trailwatch.harness.emulator import Emulator
from trailwatch.harness.signin_notifications import envelope
from trailwatch.harness.terraform import OVERRIDE_FILE, REPO_ROOT, terraform_test

# One applied (or planned) stack for the whole module: its tests run in one xdist worker.
pytestmark = pytest.mark.xdist_group("allowlist")

CASES: dict[str, list[str]] = {
    "single_host": ["203.0.113.7"],
    "host_cidr": ["203.0.113.7/32"],
    "slash24": ["198.51.100.0/24"],
    "slash16": ["10.20.0.0/16"],
    "slash8": ["10.0.0.0/8"],
    "slash28": ["192.0.2.16/28"],
    "slash25_high": ["192.0.2.128/25"],
    "slash20": ["172.16.16.0/20"],
    "slash12": ["172.16.0.0/12"],
    "slash31": ["192.0.2.254/31"],
    "slash7": ["2.0.0.0/7"],
    "nested_and_duplicate": ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.3", "10.0.0.0/8"],
    "mixed": ["203.0.113.7", "198.51.100.0/24", "192.0.2.16/28", "2001:db8:abcd::/48", "2001:db8:1:2::5"],
    "v6_host": ["2001:db8::1"],
    "v6_32": ["2001:db8::/32"],
    "v6_48": ["2a02:1234:5678::/48"],
    "v6_64": ["2a02:1234:5678:9abc::/64"],
    "v6_64_zero_groups": ["2001:db8::/64"],
    "v6_internal_zero_run": ["2001:0:0:db8::/64"],
    "v6_long_trailing_zeros": ["2001:db8::/96"],
    "many_hosts": [f"198.18.{i // 250}.{i % 250 + 1}" for i in range(40)],
}

FIXTURE = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
}

variable "cases" {
  type = map(list(string))
}

module "mf" {
  source   = "../../modules/metric-filters"
  for_each = var.cases

  log_group_name       = "g"
  name_prefix          = "t"
  allowed_source_cidrs = each.value
  detections           = { for k in ["console_login_without_mfa", "console_login_failures", "root_usage", "unauthorized_api_calls", "iam_policy_changes", "cloudtrail_changes", "kms_key_disable_or_delete", "s3_bucket_policy_changes", "config_changes", "security_group_changes", "nacl_changes", "network_gateway_changes", "route_table_changes", "vpc_changes", "organizations_changes"] : k => { enabled = false } }
}

output "patterns" {
  value = { for k, m in module.mf : k => m.filters["console_login_unexpected_ip"].pattern }
}

module "se" {
  source   = "../../modules/signin-events"
  for_each = var.cases

  name_prefix              = "tst"
  sns_topic_arn            = "arn:aws:sns:us-east-1:123456789012:t"
  allowed_source_cidrs     = each.value
  event_pattern_max_length = 4096
  detections               = { for k in ["console_login_without_mfa", "console_login_failures", "root_usage"] : k => { enabled = false } }
}

output "event_patterns" {
  value = { for k, m in module.se : k => m.event_patterns["console_login_unexpected_ip"] }
}

output "not_covered" {
  value = { for k, m in module.se : k => m.allowlist_not_covered }
}
"""

GAPS = {"v6_long_trailing_zeros"}


@pytest.fixture(scope="module")
def planned(terraform: str, emulator_session: Emulator) -> dict[str, Any]:
    base = Path(tempfile.mkdtemp(prefix="trailwatch-allowlist-"))
    try:
        shutil.copytree(REPO_ROOT / "modules", base / "modules")
        shutil.copytree(REPO_ROOT / "catalog", base / "catalog")
        cfg = base / "fixtures" / "allowlist"
        cfg.mkdir(parents=True)
        (cfg / "main.tf").write_text(FIXTURE)
        (cfg / "cases.auto.tfvars.json").write_text(json.dumps({"cases": CASES}))
        (cfg / OVERRIDE_FILE).write_text(emulator_session.provider_override())
        tf = terraform_test(cfg, emulator_session)
        tf.setup(cleanup_on_exit=False)
        plan = tf.plan(output=True)
        return {k: plan.outputs[k] for k in ("patterns", "event_patterns", "not_covered")}
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def compiled(planned: dict[str, Any]) -> dict[str, str]:
    patterns: dict[str, str] = planned["patterns"]
    return patterns


def _login(ip: str) -> str:
    return ev.message(ev.iam_user_login(mfa=True, ip=ip))


def _samples(cidrs: list[str], rng: random.Random) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    out: set[Any] = set()
    for c in cidrs:
        net = ipaddress.ip_network(c if "/" in c else (c + ("/128" if ":" in c else "/32")))
        first, last = int(net.network_address), int(net.broadcast_address)
        top = 2**net.max_prefixlen - 1
        cls = ipaddress.IPv4Address if net.version == 4 else ipaddress.IPv6Address
        for v in (first, last, first - 1, last + 1, first + 1, last - 1, (first + last) // 2):
            if 0 <= v <= top:
                out.add(cls(v))
        out.update(cls(rng.randint(first, last)) for _ in range(20))
        span = last - first + 1
        out.update(cls(min(top, max(0, first + rng.randint(-4 * span, 5 * span)))) for _ in range(20))
        if net.version == 4:
            # The classic bug: a /32 written as a prefix wildcard also allows .70-.79 / .700.
            o = str(net.network_address).split(".")
            for suffix in ("0", "1", "9"):
                cand = ".".join([*o[:3], o[3] + suffix])
                if o[3] != "0" and int(o[3] + suffix) <= 255:
                    out.add(ipaddress.IPv4Address(cand))
        else:
            # Addresses whose text has zero runs in interesting places.
            for g in range(8):
                out.add(cls(first | (1 << (16 * g))) if (first | (1 << (16 * g))) <= top else cls(first))
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_allowlist_pattern_is_exact(case: str, compiled: dict[str, str]) -> None:
    pattern_text = compiled[case]
    assert len(pattern_text) <= 1024
    pattern = compile_pattern(pattern_text)
    assert pattern.regex_count <= 2
    nets = [
        ipaddress.ip_network(c if "/" in c else (c + ("/128" if ":" in c else "/32"))) for c in CASES[case]
    ]
    rng = random.Random(case)
    samples = _samples(CASES[case], rng)
    assert len(samples) > 10
    wrong = []
    for addr in sorted(samples, key=lambda a: (a.version, int(a))):
        allowed = any(addr.version == n.version and addr in n for n in nets)
        fired = pattern.matches(_login(addr.compressed))
        if fired == allowed:
            wrong.append(f"{addr.compressed}: {'allowed but alarms' if allowed else 'outside but silent'}")
    assert not wrong, f"{case}: {pattern_text}\n" + "\n".join(wrong[:20])


def test_slash32_is_an_exact_string(compiled: dict[str, str]) -> None:
    assert '($.sourceIPAddress != "203.0.113.7")' in compiled["single_host"]
    assert compiled["single_host"] == compiled["host_cidr"]


def test_nested_entries_are_deduplicated(compiled: dict[str, str]) -> None:
    # One != clause (the other mention is the no-source-address clause: outside too).
    assert compiled["nested_and_duplicate"].count("$.sourceIPAddress !=") == 1


def test_long_lists_fall_back_to_regex_alternation(compiled: dict[str, str]) -> None:
    assert compile_pattern(compiled["many_hosts"]).regex_count == 2


@pytest.mark.parametrize("case", sorted(CASES))
def test_eventbridge_allowlist_is_exact_or_errs_toward_notifying(case: str, planned: dict[str, Any]) -> None:
    text = planned["event_patterns"][case]
    rule = EventPattern(text)
    nets = [
        ipaddress.ip_network(c if "/" in c else (c + ("/128" if ":" in c else "/32"))) for c in CASES[case]
    ]
    samples = _samples(CASES[case], random.Random(case))
    silent, noisy = [], []
    for addr in sorted(samples, key=lambda a: (a.version, int(a))):
        allowed = any(addr.version == n.version and addr in n for n in nets)
        fired = rule.matches(envelope(ev.iam_user_login(mfa=True, ip=addr.compressed)))
        if not allowed and not fired:
            silent.append(addr.compressed)
        if allowed and fired:
            noisy.append(addr.compressed)
    assert not silent, f"{case}: outside the allowlist but no notification: {silent[:20]}\n{text}"
    if case in GAPS:
        assert planned["not_covered"][case] == CASES[case]
    else:
        assert not noisy, f"{case}: allowlisted but notified: {noisy[:20]}\n{text}"
        assert planned["not_covered"][case] == []


def test_eventbridge_patterns_fit_the_default_quota_for_octet_aligned_lists(planned: dict[str, Any]) -> None:
    too_long = {case for case, text in planned["event_patterns"].items() if len(text) > 2048}
    # Only entries off an octet boundary are enumerated value by value; a /25 lists 128.
    assert too_long == {"slash25_high"}


STANDALONE = """
variable "allowed_source_cidrs" {
  type = list(string)
}

module "allowlist" {
  source               = "../../modules/allowlist"
  allowed_source_cidrs = var.allowed_source_cidrs
}

output "entries" {
  value = module.allowlist.entries
}

output "wildcards" {
  value = module.allowlist.wildcards
}
"""


def _plan_allowlist_alone(cidrs: list[str]) -> tuple[dict[str, Any] | None, str]:
    """Plan modules/allowlist on its own (no provider): its outputs, or the error text."""
    base = Path(tempfile.mkdtemp(prefix="trailwatch-allowlist-alone-"))
    try:
        shutil.copytree(REPO_ROOT / "modules", base / "modules")
        cfg = base / "fixtures" / "allowlist-alone"
        cfg.mkdir(parents=True)
        (cfg / "main.tf").write_text(STANDALONE)
        (cfg / "list.auto.tfvars.json").write_text(json.dumps({"allowed_source_cidrs": cidrs}))
        tf = terraform_test(cfg)
        tf.setup(cleanup_on_exit=False)
        try:
            plan = tf.plan(output=True)
        except tftest.TerraformTestError as err:
            return None, " ".join(str(err.cmd_error).split())
        return dict(plan.outputs), ""
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_list_that_cannot_fit_is_refused_with_the_limit_and_the_fix(terraform: str) -> None:
    """5,000 distinct entries (the size that hung the plan when nesting was checked pairwise):
    refused with the 1,024-character limit and the fix, rather than compiled."""
    cidrs = [f"10.{i // 250}.{i % 250}.0/24" for i in range(5000)]
    outputs, error = _plan_allowlist_alone(cidrs)
    assert outputs is None, "5,000 entries were accepted"
    for fragment in (
        "5000 entries",
        "AWS limits to 1,024",
        "at most 256 ever fit",
        "Merge them into wider prefixes",
    ):
        assert fragment in error, f"{fragment!r} not in: {error}"


def test_duplicates_and_nested_entries_do_not_count_toward_the_limit(terraform: str) -> None:
    """The bound counts what is left after the linear dedup/nesting pass: 5,000 entries that
    all sit inside 10.0.0.0/8 compile to that one entry."""
    cidrs = ["10.0.0.0/8", *(f"10.{i // 250}.{i % 250}.0/24" for i in range(4998)), "10.0.0.0/8"]
    outputs, error = _plan_allowlist_alone(cidrs)
    assert outputs is not None, error
    assert outputs["entries"] == [{"v6": False, "len": 8, "net": "10.0.0.0"}]
    assert outputs["wildcards"] == ["10.*"]
