"""Metric filter publishing and alarm evaluation with CloudWatch's semantics: checked
against the live-AWS metric recordings, and on the alarm rules CloudWatch documents."""

from __future__ import annotations

import json
from typing import Any

from trailwatch.evaluate import MINUTE_MS, AlarmSpec, Evaluator, MetricFilterSpec
from trailwatch.filterpattern import compile_pattern
from trailwatch.harness.terraform import REPO_ROOT

RECORDED = REPO_ROOT / "tests" / "aws-recorded"
PUBLISHING = RECORDED / "metric-filter-publishing-aws.json"


def _recording() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PUBLISHING.read_text())
    return data


def test_default_values_are_published_per_non_matching_event() -> None:
    spec = _recording()["metricDefaults"]
    for case in spec["cases"]:
        f = MetricFilterSpec(
            "f", compile_pattern(spec["filterPattern"]), "m", "n", spec["metricValue"], spec["defaultValue"]
        )
        ev = Evaluator([f], [])
        for message in (m for batch in case["batches"] for m in batch):
            ev.add(0, message)
        got = ev.statistics(("n", "m"), 0)
        assert got is not None, case["name"]
        assert {k: got[k] for k in case["expected"]} == case["expected"], case["name"]


def test_extracted_values_fall_back_to_the_default_or_publish_nothing() -> None:
    spec = _recording()["extraction"]
    for case in spec["cases"]:
        f = MetricFilterSpec(
            "f", compile_pattern(spec["filterPattern"]), "m", "n", spec["metricValue"], spec["defaultValue"]
        )
        ev = Evaluator([f], [])
        ev.add(0, json.dumps(case["message"]))
        got = ev.statistics(("n", "m"), 0)
        if case["expected"].get("datapoints") == []:
            assert got is None, case["name"]
        else:
            assert got is not None, case["name"]
            assert {k: got[k] for k in case["expected"]} == case["expected"], case["name"]


def _alarm(**kw: Any) -> AlarmSpec:
    base: dict[str, Any] = dict(
        name="a",
        metric_name="m",
        namespace="n",
        statistic="Sum",
        period=60,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        threshold=1,
        comparison="GreaterThanOrEqualToThreshold",
        treat_missing_data="notBreaching",
    )
    base.update(kw)
    return AlarmSpec(**base)


def _run(alarm: AlarmSpec, minutes: list[int], pattern: str = "ERROR") -> Any:
    f = MetricFilterSpec("f", compile_pattern(pattern), "m", "n")
    ev = Evaluator([f], [alarm])
    for minute in minutes:
        ev.add(minute * MINUTE_MS + 1000, "ERROR")
    (result,) = ev.alarm_results()
    return result


def test_period_sums_before_the_threshold() -> None:
    assert not _run(_alarm(threshold=3), [0, 1, 2]).would_alarm  # one per minute
    res = _run(_alarm(threshold=3, period=300), [0, 1, 2])
    assert res.would_alarm and res.first_alarm_ms == 300 * 1000 and res.matches == 3


def test_a_witness_filter_adds_no_matches_to_its_alarm() -> None:
    # The audits' deployment: counting filters of one metric, and a witness that publishes 0
    # and matches only events a counting filter counts. The alarm counts each event once.
    counting = MetricFilterSpec(
        "sg", compile_pattern('{ $.eventName = "AuthorizeSecurityGroupIngress" }'), "m", "n"
    )
    witness = MetricFilterSpec("sg-cis-v5", compile_pattern('{ $.eventName = "Authorize*" }'), "m", "n", "0")
    assert counting.counts_events and not witness.counts_events
    assert MetricFilterSpec("x", compile_pattern("ERROR"), "m", "n", "$.size").counts_events
    ev = Evaluator([counting, witness], [_alarm()])
    for minute in (0, 1):
        ev.add(minute * MINUTE_MS, '{"eventName": "AuthorizeSecurityGroupIngress"}')
    (result,) = ev.alarm_results()
    assert [ev.filter_results[n].matches for n in ("sg", "sg-cis-v5")] == [2, 2]
    assert result.would_alarm and result.matches == 2


def test_m_out_of_n_datapoints() -> None:
    two_of_three = _alarm(evaluation_periods=3, datapoints_to_alarm=2)
    assert not _run(two_of_three, [0]).would_alarm
    assert _run(two_of_three, [0, 2]).first_alarm_ms == 3 * MINUTE_MS
    assert not _run(two_of_three, [0, 5]).would_alarm


def test_missing_data_can_breach() -> None:
    breaching = _alarm(evaluation_periods=3, datapoints_to_alarm=3, treat_missing_data="breaching")
    assert _run(breaching, [0]).would_alarm
    assert not _run(_alarm(evaluation_periods=3, datapoints_to_alarm=3), [0]).would_alarm


def test_metric_math_difference_of_positive_counts() -> None:
    # All successful logins minus allowlisted logins: what an allowlist split across filters needs.
    everything = MetricFilterSpec("all", compile_pattern('{ $.ok = "yes" }'), "All", "n")
    allowed = MetricFilterSpec(
        "allowed", compile_pattern('{ $.ok = "yes" && $.ip = "10.*" }'), "Allowed", "n"
    )

    def stat(mid: str, metric: str) -> dict[str, Any]:
        return {
            "Id": mid,
            "ReturnData": False,
            "MetricStat": {"Metric": {"Namespace": "n", "MetricName": metric}, "Period": 60, "Stat": "Sum"},
        }

    alarm = _alarm(
        metric_name=None,
        namespace=None,
        metrics=[
            stat("a", "All"),
            stat("b", "Allowed"),
            {"Id": "e", "Expression": "FILL(a, 0) - FILL(b, 0)", "ReturnData": True},
        ],
    )
    ev = Evaluator([everything, allowed], [alarm])
    ev.add(1000, '{"ok":"yes","ip":"10.1.2.3"}')
    ev.add(2000, '{"ok":"yes","ip":"10.9.9.9"}')
    assert not ev.alarm_results()[0].would_alarm
    ev.add(3000, '{"ok":"yes","ip":"198.51.100.1"}')
    assert ev.alarm_results()[0].would_alarm
