"""`trailwatch backtest --catalog`: the catalog's detections as the module resolves them, the
allowlist and mode inputs as options, and usage errors that name only options that exist.
(tests/test_backtest.py holds the resolution to a real plan of the module.)"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest

from trailwatch import catalog
from trailwatch.backtest import DetectionsError, detections_from_catalog
from trailwatch.cli import build_parser, main
from trailwatch.filterpattern import Event, compile_pattern
from trailwatch.harness import record_corpus as ev


def _matches(pattern: str, record: dict[str, Any]) -> bool:
    return compile_pattern(pattern).matches(Event(ev.message(record)))


def test_allowlist_clauses_exclude_exactly_the_listed_addresses() -> None:
    entries = ["203.0.113.0/24", "10.20.0.0/16", "198.51.100.7", "2001:DB8::1", "198.51.100.7"]
    clauses = catalog.allowlist_clauses(entries)
    # Canonical text (IPv6 lower-case, compressed, as CloudTrail writes it), duplicates once.
    assert clauses.count("198.51.100.7") == 1 and '"2001:db8::1"' in clauses
    (key,) = [k for k, d in catalog.detections().items() if d.requires_allowlist]
    pattern = catalog.fill(catalog.detections()[key].patterns["tuned"], clauses)
    inside = ["203.0.113.0", "203.0.113.255", "10.20.255.1", "198.51.100.7", "2001:db8::1"]
    outside = ["203.0.114.1", "10.21.0.1", "198.51.100.70", "198.51.100.8", "2001:db8::2", "110.20.0.1"]
    for ip in inside:
        assert not _matches(pattern, ev.iam_user_login(mfa=True, ip=ip)), ip
    for ip in outside:
        assert _matches(pattern, ev.iam_user_login(mfa=True, ip=ip)), ip


@pytest.mark.parametrize("entry", ["10.0.0.16/28", "2001:db8:abcd::/48", "10.0.0.1/8", "not-an-ip"])
def test_entries_with_several_text_forms_are_refused(entry: str) -> None:
    with pytest.raises(DetectionsError):
        detections_from_catalog(allowed_sources=[entry])


def test_resolution_follows_the_module_inputs() -> None:
    default = catalog.resolve()
    assert "console_login_unexpected_ip" not in default  # needs an allowlist
    assert catalog.resolve(allowlist_set=True)["console_login_unexpected_ip"] == "tuned"
    assert default["console_login_without_mfa"] == "tuned" and default["iam_policy_changes"] == "security_hub"
    modes = catalog.resolve(
        modes={"console_login_without_mfa": "cis", "unauthorized_api_calls": "cis_v4_0_1"}
    )
    assert modes["console_login_without_mfa"] == "cis" and modes["unauthorized_api_calls"] == "cis_v4_0_1"
    exact = catalog.resolve(cis_exact=True)
    assert exact["console_login_without_mfa"] == "security_hub"  # cis_exact implies cis_sso
    assert exact["unauthorized_api_calls"] == "security_hub"
    for key, pid in exact.items():
        d = catalog.load()["detections"][key]
        if "security_hub" in d["patterns"]:
            assert pid == d.get("cis_exact_pattern", "security_hub"), key
    with pytest.raises(KeyError):
        catalog.resolve(modes={"unauthorized_api_calls": "cis"})


def test_the_mode_options_are_the_catalogs() -> None:
    help_text = build_parser().parse_args(["backtest", "--catalog", "x"])
    for key, modes in catalog.mode_inputs().items():
        assert getattr(help_text, f"{key}_mode") == "tuned"
        assert "tuned" in modes


def test_backtest_catalog_on_an_archive(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    records = [
        ev.iam_user_login(mfa=False, ip="203.0.113.5", at="2026-11-02T09:00:05Z"),
        ev.iam_user_login(mfa=True, ip="198.51.100.9", user="mallory", at="2026-11-02T09:01:00Z"),
    ]
    path = tmp_path / f"{ev.ACCOUNT}_CloudTrail_us-east-1_20261102T0905Z_x.json.gz"
    path.write_bytes(gzip.compress(json.dumps({"Records": records}).encode()))
    argv = ["backtest", "--catalog", str(path), "--json", "--no-progress"]
    assert main([*argv, "--allowed-source", "203.0.113.0/24"]) == 0
    out = json.loads(capsys.readouterr().out)
    fired = {a["alarmName"] for a in out["alarms"] if a["wouldAlarm"]}
    assert fired == {"console_login_without_mfa", "console_login_unexpected_ip"}
    matches = {f["filterName"]: f["matches"] for f in out["filters"]}
    assert matches["console_login_unexpected_ip"] == 1 and matches["console_login_without_mfa"] == 1
    # Without an allowlist the allowlist detection is off, as in the module.
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert "console_login_unexpected_ip" not in {a["alarmName"] for a in out["alarms"]}
    # The CIS 4.2 mode counts every ConsoleLogin without MFAUsed = "Yes": still one here.
    assert main([*argv, "--console-login-without-mfa-mode", "cis"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {f["filterName"]: f["matches"] for f in out["filters"]}["console_login_without_mfa"] == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["x"], "give detections with exactly one of --plan, --log-group or --catalog"),
        (
            ["--catalog", "--plan", "p.json", "x"],
            "give detections with exactly one of --plan, --log-group or --catalog",
        ),
        (["--plan", "p.json", "--allowed-source", "10.0.0.0/8", "x"], "go with --catalog"),
        (["--plan", "p.json", "--cis-exact", "x"], "go with --catalog"),
        (["--plan", "p.json", "--unauthorized-api-calls-mode", "cis_v4_0_1", "x"], "-mode go with --catalog"),
        (["--catalog", "--allowed-source", "10.0.0.16/28", "x"], "only addresses and IPv4 prefixes"),
    ],
)
def test_usage_errors_name_options_that_exist(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    argv = [str(tmp_path) if a == "x" else a for a in argv]
    assert main(["backtest", *argv]) == 252
    err = capsys.readouterr().err
    assert message in err
    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    options = {o for a in sub.choices["backtest"]._actions for o in a.option_strings}
    for named in re.findall(r"--[a-z][a-z-]*", err):
        assert named in options, named
