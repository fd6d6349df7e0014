"""The 100-filters-per-log-group guard of modules/metric-filters. The shipped catalog has far
fewer detections, so the guard is exercised with a synthetic catalog of 101. The plan calls no
AWS API; it attaches to the worker's shared provider process (the emulator session's) instead of
starting the provider, and decoding its whole schema, for itself."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
import tftest

from trailwatch.harness.emulator import Emulator
from trailwatch.harness.terraform import REPO_ROOT, terraform_test

FIXTURE = """
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
}

module "mf" {
  source         = "../../modules/metric-filters"
  log_group_name = "g"
  name_prefix    = "t"
}
"""


def test_more_than_100_filters_fail_at_plan(terraform: str, emulator_session: Emulator) -> None:
    base = Path(tempfile.mkdtemp(prefix="trailwatch-limits-"))
    try:
        for module in ("metric-filters", "allowlist", "detections"):
            shutil.copytree(REPO_ROOT / "modules" / module, base / "modules" / module)
        catalog = json.loads((REPO_ROOT / "catalog" / "detections.json").read_text())
        # root_usage without its tuned_requires: the synthetic catalog has no root_privileged_task
        # (modules/detections refuses a tuned_requires that names no detection).
        template = {k: v for k, v in catalog["detections"]["root_usage"].items() if k != "tuned_requires"}
        catalog["detections"] = {f"d{i:03d}": {**template, "metric_name": f"M{i}"} for i in range(101)}
        (base / "catalog").mkdir()
        (base / "catalog" / "detections.json").write_text(json.dumps(catalog))
        cfg = base / "fixtures" / "limits"
        cfg.mkdir(parents=True)
        (cfg / "main.tf").write_text(FIXTURE)
        tf = terraform_test(cfg, emulator_session)
        tf.setup(cleanup_on_exit=False)
        with pytest.raises(tftest.TerraformTestError) as err:
            tf.plan(output=True)
        message = " ".join(str(err.value.cmd_error).split())
        assert "101 metric filters requested; AWS allows at most 100 per log group" in message
    finally:
        shutil.rmtree(base, ignore_errors=True)
