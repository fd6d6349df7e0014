"""checkov over every example: zero failed checks, and every skip carries its reason.

(The security defaults themselves are read back from the emulator in test_examples.py:
bucket policy limited to CloudTrail with aws:SourceArn, TLS-only, KMS on the trail, log
group and topic, key policies, the delivery role's confused-deputy conditions, and the
topic policy limited to this account's alarms.)
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from trailwatch.terraform import REPO_ROOT

EXAMPLES = sorted(p.name for p in (REPO_ROOT / "examples").iterdir() if (p / "main.tf").exists())


def _checkov() -> Path:
    path = Path(os.environ.get("TRAILWATCH_CHECKOV", REPO_ROOT / ".venv-checkov" / "bin" / "checkov"))
    if not path.exists():
        pytest.fail(f"checkov not found at {path}: run `make checkov-venv` (make test builds it)")
    return path


def assert_checkov_passes(directory: Path, min_passed: int) -> None:
    """checkov over a Terraform directory: no failed check, every skip with its reason."""
    proc = subprocess.run(
        [
            str(_checkov()),
            "-d",
            str(directory),
            "--framework",
            "terraform",
            "--skip-download",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    report: Any = json.loads(proc.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [c for r in reports for c in r["results"]["failed_checks"]]
    assert not failed, [f"{c['check_id']} {c['resource']} {c['file_path']}" for c in failed]
    skipped = [c for r in reports for c in r["results"]["skipped_checks"]]
    for c in skipped:
        reason = (c.get("check_result") or {}).get("suppress_comment", "")
        assert len(reason) > 20, f"{c['check_id']} on {c['resource']} is skipped without a reason"
    assert sum(r["summary"]["passed"] for r in reports) > min_passed


@pytest.mark.parametrize("example", EXAMPLES)
def test_checkov_passes_with_reasoned_skips(example: str) -> None:
    assert_checkov_passes(REPO_ROOT / "examples" / example, 100)
