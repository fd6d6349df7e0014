"""The filter-pattern engine agrees with every live-AWS TestMetricFilter recording.

The recordings live in tests/aws-recorded (see its README), in the repository: a missing or
empty folder fails the suite, never skips it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trailwatch.filterpattern import InvalidPatternError, test_metric_filter
from trailwatch.harness.terraform import REPO_ROOT

RECORDED: Path = REPO_ROOT / "tests" / "aws-recorded"


def _cases() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(RECORDED.glob("filter-pattern-*.json")):
        for case in json.loads(path.read_text())["cases"]:
            case["file"] = path.name
            cases.append(case)
    return cases


CASES = _cases()


def test_recordings_are_present() -> None:
    assert RECORDED.is_dir(), f"live-AWS recordings not found at {RECORDED}"
    assert {c["file"] for c in CASES} == {"filter-pattern-aws.json", "filter-pattern-aws-edges.json"}
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
