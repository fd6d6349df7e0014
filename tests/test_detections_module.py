"""modules/detections: the one resolution of the catalog that the metric filters and the
EventBridge rules share. A catalog mistake that would resolve silently (a tuned_requires
naming no detection was treated as on) is a plan-time error that names it. The module has no
resources and needs no provider: its plan takes a second."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from trailwatch.harness.terraform import terraform_binary, terraform_env

REPO = Path(__file__).parent.parent


def _plan(tmp_path: Path, catalog: dict[str, object]) -> subprocess.CompletedProcess[str]:
    shutil.copytree(REPO / "modules" / "detections", tmp_path / "modules" / "detections")
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "detections.json").write_text(json.dumps(catalog))
    work = tmp_path / "modules" / "detections"
    env = {**os.environ, **terraform_env()}
    tf = terraform_binary()
    subprocess.run(
        [tf, "init", "-backend=false", "-input=false", "-no-color"],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
    )
    return subprocess.run(
        [tf, "plan", "-input=false", "-no-color", "-lock=false", "-var", "path=metric_filters"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )


def test_an_unknown_tuned_requires_fails_the_plan_and_is_named(tmp_path: Path) -> None:
    catalog = json.loads((REPO / "catalog" / "detections.json").read_text())
    catalog["detections"]["root_usage"]["tuned_requires"] = "root_privileged_tsk"
    proc = _plan(tmp_path, catalog)
    assert proc.returncode != 0
    assert 'root_usage.tuned_requires = "root_privileged_tsk"' in proc.stderr, proc.stderr


def test_the_catalog_as_it_is_plans(tmp_path: Path) -> None:
    proc = _plan(tmp_path, json.loads((REPO / "catalog" / "detections.json").read_text()))
    assert proc.returncode == 0, proc.stderr
