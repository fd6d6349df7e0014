"""checkov over every example and modules/athena: zero failed checks, and every skip carries
its reason.

One checkov process scans every directory these tests select (tests/checkov_scan.py: checkov
imported and its checks loaded once, not once per directory); each test asserts its own
directory's report. The tests are one xdist group, so one worker runs that scan once per run.

(The security defaults themselves are read back from the emulator in test_examples.py:
bucket policy limited to CloudTrail with aws:SourceArn, TLS-only, KMS on the trail, log
group and topic, key policies, the delivery role's confused-deputy conditions, and the
topic policy limited to this account's alarms.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from trailwatch.harness.terraform import REPO_ROOT

pytestmark = pytest.mark.xdist_group("checkov")

EXAMPLES = sorted(p.name for p in (REPO_ROOT / "examples").iterdir() if (p / "main.tf").exists())
ATHENA = "modules/athena"
SCANNER = Path(__file__).with_name("checkov_scan.py")


def _checkov_python() -> Path:
    """The python of checkov's virtualenv (TRAILWATCH_CHECKOV: the checkov script of another)."""
    checkov = Path(os.environ.get("TRAILWATCH_CHECKOV", REPO_ROOT / ".venv-checkov" / "bin" / "checkov"))
    if not checkov.exists():
        pytest.fail(f"checkov not found at {checkov}: run `make checkov-venv` (make test builds it)")
    python = checkov.with_name("python")
    if not python.exists():
        pytest.fail(f"no python beside {checkov} (its virtualenv's) to run {SCANNER.name} with")
    return python


@pytest.fixture(scope="module")
def checkov_reports(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """{directory: checkov's JSON report} for the directory of every selected test here."""
    here = sys.modules[__name__]
    params = [
        getattr(item, "callspec", None)
        for item in request.session.items
        if getattr(item, "module", None) is here
    ]
    directories = sorted({p.params["directory"] for p in params if p is not None and "directory" in p.params})
    out = tmp_path_factory.mktemp("checkov") / "reports.json"
    proc = subprocess.run(
        [str(_checkov_python()), str(SCANNER), "--out", str(out), *directories],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    reports: dict[str, Any] = json.loads(out.read_text())
    return reports


def assert_checkov_passes(report: Any, min_passed: int) -> None:
    """One directory's checkov report: no failed check, every skip with its reason, and no
    file it could not parse (checkov skips such a file's resources silently)."""
    reports = report if isinstance(report, list) else [report]
    assert all(r["summary"]["parsing_errors"] == 0 for r in reports), [r["summary"] for r in reports]
    failed = [c for r in reports for c in r["results"]["failed_checks"]]
    assert not failed, [f"{c['check_id']} {c['resource']} {c['file_path']}" for c in failed]
    skipped = [c for r in reports for c in r["results"]["skipped_checks"]]
    for c in skipped:
        reason = (c.get("check_result") or {}).get("suppress_comment", "")
        assert len(reason) > 20, f"{c['check_id']} on {c['resource']} is skipped without a reason"
    assert sum(r["summary"]["passed"] for r in reports) > min_passed


#: Passed checks an example's scan must exceed (that it scanned what the example creates): the
#: examples calling the root module pass over 100; examples/eventbridge-member creates 12
#: resources (no trail, log group or detection: the forwarders, their role and failure alarms,
#: and the alarms' topic and key) and passes 23 (checkov 3.3.30).
MIN_PASSED = {"eventbridge-member": 20}


@pytest.mark.parametrize("directory", [f"examples/{e}" for e in EXAMPLES], ids=EXAMPLES)
def test_checkov_passes_with_reasoned_skips(directory: str, checkov_reports: dict[str, Any]) -> None:
    assert_checkov_passes(
        checkov_reports[directory], MIN_PASSED.get(directory.removeprefix("examples/"), 100)
    )


@pytest.mark.parametrize("directory", [ATHENA], ids=["athena"])
def test_checkov_passes_on_the_athena_module_with_reasoned_skips(
    directory: str, checkov_reports: dict[str, Any]
) -> None:
    assert_checkov_passes(checkov_reports[directory], 10)
