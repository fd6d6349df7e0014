"""The wheel as a user installs it: built from the checkout, installed into a fresh virtualenv
in a temporary directory (outside the checkout), every user command run there by its entry
point on a small archive and a plan. Each command's output is the checkout's own (the same
command run in-process here), and each says what the records hold; the install carries the
catalog and none of moto, Flask or tftest, the harness or the maintainers' tooling.

Cost: building the wheel (no build isolation: setuptools is pinned in requirements.txt) and
installing it with its pinned dependencies (pip's cache; the index is asked, nothing else).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import fake_plans
from trailwatch.cli import main
from trailwatch.harness import record_corpus as ev
from trailwatch.harness.terraform import REPO_ROOT

pytestmark = pytest.mark.xdist_group("installed_wheel")

OUTSIDE = "198.51.100.9"
ALLOWED = "203.0.113.0/24"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fresh virtualenv's bin directory, with the wheel and its dependencies installed."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    # A copy of what the build reads: the build writes build/ and *.egg-info next to it.
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO_ROOT / name, source / name)
    shutil.copytree(REPO_ROOT / "catalog", source / "catalog")
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(REPO_ROOT / "src", source / "src", symlinks=True, ignore=ignore)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(root / "dist"), str(source)],
        check=True,
        cwd=root,
    )
    (wheel,) = (root / "dist").glob("trailwatch-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run(
        [
            *pip,
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--only-binary",
            ":all:",
            "-c",
            str(REPO_ROOT / "requirements.txt"),
            str(wheel),
        ],
        check=True,
        cwd=root,
    )
    return venv / "bin"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small archive (one CloudTrail file) and a plan of two detections."""
    root = tmp_path_factory.mktemp("inputs")
    records = [
        ev.root_login(mfa=False, at="2026-11-02T09:00:05Z"),
        ev.iam_user_login(mfa=False, ip=OUTSIDE, user="mallory", at="2026-11-02T09:01:00Z"),
        ev.iam_user_login(mfa=True, ip="203.0.113.5", at="2026-11-02T09:02:00Z"),
    ]
    archive = root / "archive"
    archive.mkdir()
    name = f"{ev.ACCOUNT}_CloudTrail_us-east-1_20261102T0905Z_x.json.gz"
    (archive / name).write_bytes(gzip.compress(json.dumps({"Records": records}).encode()))
    plan = fake_plans.write(
        root / "plan.json",
        fake_plans.metric_filter("root", '{ $.userIdentity.type = "Root" }', "Root"),
        fake_plans.metric_filter("no-mfa", '{ $.additionalEventData.MFAUsed != "Yes" }', "NoMfa"),
        fake_plans.alarm("root-alarm", "Root"),
        fake_plans.alarm("no-mfa-alarm", "NoMfa", threshold=2),
    )
    return {"archive": archive, "plan": plan, "cwd": root}


def _installed(bin_dir: Path, cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        [str(bin_dir / "trailwatch"), *argv], capture_output=True, text=True, cwd=cwd, env=env, check=False
    )


def _checkout(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    rc = main(list(argv))
    return rc, capsys.readouterr().out


def _same(
    bin_dir: Path, inputs: dict[str, Path], capsys: pytest.CaptureFixture[str], *argv: str
) -> Iterator[Any]:
    """Run the command installed and in the checkout: the same exit code and output. Yields
    the parsed JSON output (or the text)."""
    done = _installed(bin_dir, inputs["cwd"], *argv)
    assert "Traceback" not in done.stderr, done.stderr
    rc, out = _checkout(capsys, *argv)
    assert (done.returncode, done.stdout) == (rc, out), done.stderr
    yield json.loads(out) if out.lstrip().startswith("{") else out


def test_help_lists_user_commands_and_the_install_is_the_product(installed: Path, tmp_path: Path) -> None:
    done = _installed(installed, tmp_path, "--help")
    assert done.returncode == 0
    usage = done.stdout.splitlines()[1]
    for command in ("backtest", "sql", "variants", "cost", "test-metric-filter", "test-event-pattern"):
        assert command in usage
    for command in ("docs", "service-calls", "policies"):
        assert command not in done.stdout.split("exit codes")[0]
    python = str(installed / "python")
    listed = subprocess.run(
        [
            python,
            "-c",
            "import importlib.metadata as m; print('\\n'.join(d.metadata['Name'].lower() "
            "for d in m.distributions()))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "trailwatch" in listed and "duckdb" in listed
    assert not {"moto", "flask", "tftest", "python-hcl2", "grpcio", "pytest"} & set(listed), listed
    missing = subprocess.run(
        [
            python,
            "-c",
            "import importlib.util as u; print([m for m in ('trailwatch.harness', "
            "'trailwatch.maint') if u.find_spec(m)])",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert missing == "[]"


def test_backtest_plan_catalog_and_duckdb(
    installed: Path, inputs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    archive, plan = str(inputs["archive"]), str(inputs["plan"])
    (out,) = _same(installed, inputs, capsys, "backtest", "--plan", plan, archive, "--json", "--no-progress")
    assert out["eventsScanned"] == 3
    assert {f["filterName"]: f["matches"] for f in out["filters"]} == {"root": 1, "no-mfa": 2}
    assert {a["alarmName"] for a in out["alarms"] if a["wouldAlarm"]} == {"root-alarm"}
    (duck,) = _same(
        installed, inputs, capsys, "backtest", "--engine", "duckdb", "--plan", plan, archive, "--json"
    )
    assert duck["filters"] == out["filters"] and duck["alarms"] == out["alarms"]
    (cat,) = _same(
        installed,
        inputs,
        capsys,
        *("backtest", "--catalog", "--allowed-source", ALLOWED, archive, "--json", "--no-progress"),
    )
    fired = {a["alarmName"] for a in cat["alarms"] if a["wouldAlarm"]}
    # Root without MFA, and mallory from outside the allowlist without MFA.
    assert {"root_usage", "console_login_without_mfa", "console_login_unexpected_ip"} <= fired
    # Both successful sign-ins from outside 203.0.113.0/24: root's (192.0.2.20) and mallory's.
    assert {f["filterName"]: f["matches"] for f in cat["filters"]}["console_login_unexpected_ip"] == 2
    # The rich report (it ends with the time it was made, so not compared byte for byte).
    text = _installed(installed, inputs["cwd"], "backtest", "--plan", plan, archive, "--no-progress").stdout
    assert "root-alarm" in text and "3 events scanned" in text and "would alarm" in text


def test_sql_variants_and_cost(
    installed: Path, inputs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    (golden,) = _same(installed, inputs, capsys, "sql", "--catalog")
    assert golden == (REPO_ROOT / "tests" / "golden" / "catalog.sql").read_text()
    (queries,) = _same(installed, inputs, capsys, "sql", "--plan", str(inputs["plan"]))
    assert "count_if(useridentity.type = 'Root') AS m0" in queries and "-- m1: no-mfa" in queries
    (variants,) = _same(installed, inputs, capsys, "variants", str(inputs["archive"]), "--json")
    assert variants["detection"] == "unauthorized_api_calls" and variants["eventsScanned"] == 3
    assert [v["matches"] for v in variants["variants"]] == [0] * len(variants["variants"])
    (cost,) = _same(installed, inputs, capsys, "cost", "--plan", str(inputs["plan"]), "--json")
    assert cost["region"] == "us-east-1" and cost["monthlyTotal"] > 0


def test_pattern_testers(
    installed: Path, inputs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    (metric,) = _same(
        installed,
        inputs,
        capsys,
        *("test-metric-filter", "--filter-pattern", "{ $.a = 1 }", "--log-event-messages"),
        *('{"a": 1}', '{"a": 2}'),
    )
    assert [m["eventNumber"] for m in metric["matches"]] == [1]
    (event,) = _same(
        installed,
        inputs,
        capsys,
        *("test-event-pattern", "--event-pattern", '{"source": ["aws.signin"]}'),
        *("--event", json.dumps(_event())),
    )
    assert event == {"Result": True}


def _event() -> dict[str, Any]:
    return {
        "id": "1",
        "account": ev.ACCOUNT,
        "source": "aws.signin",
        "time": "2026-11-02T09:00:05Z",
        "region": "us-east-1",
        "resources": [],
        "detail-type": "AWS Console Sign In via CloudTrail",
        "detail": {},
    }


def test_demo_says_it_runs_from_a_checkout(installed: Path, tmp_path: Path) -> None:
    done = _installed(installed, tmp_path, "demo")
    assert done.returncode == 253 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "runs from a checkout" in done.stderr and "make demo" in done.stderr
