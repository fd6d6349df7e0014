"""Formatting and static checks run with the suite, so CI catches them too."""

from __future__ import annotations

import subprocess
import sys

from trailwatch.harness.terraform import REPO_ROOT


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, check=False)


def test_terraform_fmt(terraform: str) -> None:
    r = _run(terraform, "fmt", "-check", "-recursive", "-diff")
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff() -> None:
    r = _run(sys.executable, "-m", "ruff", "check", "src", "tests")
    assert r.returncode == 0, r.stdout + r.stderr
    r = _run(sys.executable, "-m", "ruff", "format", "--check", "src", "tests")
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy() -> None:
    r = _run(sys.executable, "-m", "mypy")
    assert r.returncode == 0, r.stdout + r.stderr
