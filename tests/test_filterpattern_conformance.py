"""The filter-pattern engine agrees with every live-AWS TestMetricFilter recording.

The recordings live in ../shared/aws-recorded (see its README). They must be present under
CI: a missing folder fails the suite instead of skipping it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from trailwatch.filterpattern import InvalidPatternError, test_metric_filter
from trailwatch.terraform import REPO_ROOT

RECORDED = Path(os.environ.get("TRAILWATCH_AWS_RECORDED", REPO_ROOT.parent / "shared" / "aws-recorded"))


def _cases() -> list[dict[str, Any]]:
    if not RECORDED.is_dir():
        return []
    cases = []
    for path in sorted(RECORDED.glob("filter-pattern-*.json")):
        for case in json.loads(path.read_text())["cases"]:
            case["file"] = path.name
            cases.append(case)
    return cases


CASES = _cases()


def test_recordings_are_present() -> None:
    if not RECORDED.is_dir():
        message = f"live-AWS recordings not found at {RECORDED}"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message + " (required under CI)")
        pytest.skip(message)
    assert len(CASES) >= 100


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_agrees_with_aws(case: dict[str, Any]) -> None:
    req = case["request"]
    if "error" in case:
        with pytest.raises(InvalidPatternError) as err:
            test_metric_filter(req["filterPattern"], req["logEventMessages"])
        assert str(err.value) == case["error"]["message"]
        return
    got = test_metric_filter(req["filterPattern"], req["logEventMessages"])
    assert got == case["response"]
