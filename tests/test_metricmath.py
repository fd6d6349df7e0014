"""Metric-math alarms: the expression language parsed in full, evaluated exactly where
CloudWatch documents it (User Guide, "Using metric math", "Metric math syntax and
functions"), and everything else reported as not evaluated, by name, never as a number.
Also: alarm evaluation visits only the periods that can change its answer."""

from __future__ import annotations

import functools
import json
import operator
import random
from pathlib import Path
from typing import Any

import pytest

from trailwatch.cli import main
from trailwatch.evaluate import MINUTE_MS, AlarmSpec, Evaluator, MetricFilterSpec, first_alarm
from trailwatch.filterpattern import compile_pattern
from trailwatch.metricmath import ExpressionError, NotEvaluated, Series, evaluate

P = 60  # s


def _stat(mid: str, metric: str, stat: str = "Sum") -> dict[str, Any]:
    return {
        "Id": mid,
        "ReturnData": False,
        "MetricStat": {"Metric": {"Namespace": "n", "MetricName": metric}, "Period": P, "Stat": stat},
    }


def _math_alarm(expression: str, threshold: float = 3, **kw: Any) -> AlarmSpec:
    base: dict[str, Any] = dict(
        name="math",
        metric_name=None,
        namespace=None,
        statistic="Sum",
        period=P,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        threshold=threshold,
        comparison="GreaterThanOrEqualToThreshold",
        treat_missing_data="notBreaching",
        metrics=[
            _stat("m1", "A"),
            _stat("m2", "B"),
            {"Id": "e1", "Expression": expression, "ReturnData": True},
        ],
    )
    base.update(kw)
    return AlarmSpec(**base)


def _evaluator(alarm: AlarmSpec, a: int, b: int, minute: int = 0) -> Evaluator:
    """``a`` events counted by metric A and ``b`` by metric B in one minute."""
    filters = [
        MetricFilterSpec("fa", compile_pattern("AAA"), "A", "n"),
        MetricFilterSpec("fb", compile_pattern("BBB"), "B", "n"),
    ]
    ev = Evaluator(filters, [alarm])
    for _ in range(a):
        ev.add(minute * MINUTE_MS + 1000, "AAA")
    for _ in range(b):
        ev.add(minute * MINUTE_MS + 2000, "BBB")
    return ev


def test_division_divides() -> None:
    # 6 / 3 = 2 stays under the threshold 3; the old evaluator computed 6 + 3 = 9 and alarmed.
    (result,) = _evaluator(_math_alarm("m1 / m2"), 6, 3).alarm_results()
    assert (result.would_alarm, result.breaching_periods) == (False, [])
    assert result.not_evaluated == []
    (result,) = _evaluator(_math_alarm("m1 / m2", threshold=2), 6, 3).alarm_results()
    assert (result.would_alarm, result.first_alarm_ms, result.matches) == (True, MINUTE_MS, 9)


def test_rate_is_reported_as_not_evaluated_never_a_number() -> None:
    (result,) = _evaluator(_math_alarm("RATE(m1) + m2"), 6, 3).alarm_results()
    assert result.would_alarm is None
    assert result.first_alarm_ms is None and result.breaching_periods == []
    assert result.not_evaluated == ["RATE"]
    assert result.matches == 9


@pytest.mark.parametrize(
    ("expression", "names"),
    [
        ("DIFF(m1)", ["DIFF"]),
        ("ANOMALY_DETECTION_BAND(m1, 2)", ["ANOMALY_DETECTION_BAND"]),
        ("SEARCH('{n,x} MetricName=\"A\"', 'Sum', 60)", ["SEARCH"]),
        ("SUM(METRICS()) / INSIGHT_RULE_METRIC('rule', 'UniqueContributors')", ["INSIGHT_RULE_METRIC"]),
        ("IF(HOUR(m1) < 9, m1, 0)", ["IF", "HOUR"]),
        ("FILL(m1, REPEAT)", ["FILL(..., REPEAT)"]),
        ("FILL(m1, LINEAR) + RATE(m2)", ["FILL(..., LINEAR)", "RATE"]),
        ("m1 - AVG(m1)", ["AVG"]),
        ("MAX([m1, m2])", ["MAX"]),
        ("NOT_A_FUNCTION(m1)", ["NOT_A_FUNCTION"]),
        ("m1 + m3", ["m3"]),
        ("-m1 ^ 2", ["-a ^ b"]),
        ("m1 ^ 2 ^ 3", ["a ^ b ^ c"]),
        ("m1 +", ["m1 +"]),
        ("PERIOD(m1)", ["PERIOD(m1)"]),
        ("[m1, m2]", ["[m1, m2]"]),
    ],
)
def test_what_is_not_evaluated_is_named(expression: str, names: list[str]) -> None:
    (result,) = _evaluator(_math_alarm(expression), 6, 3).alarm_results()
    assert result.would_alarm is None
    assert result.not_evaluated == names
    assert result.reason


def test_the_doc_examples_of_comparison_and_logical_operators() -> None:
    # "Comparison and logical operators": metric1 [30, 20, 0, 0], metric2 [20, -, 20, -].
    m = {"metric1": ({0: 30.0, 1: 20.0, 2: 0.0, 3: 0.0}, P), "metric2": ({0: 20.0, 2: 20.0}, P)}

    def values(expression: str) -> list[float | None]:
        s = evaluate(expression, m)
        return [s.at(t) for t in range(4)]

    assert values("(metric1 < metric2)") == [0, 0, 1, 0]
    assert values("(metric1 >= 30)") == [1, 0, 0, 0]
    assert values("(metric1 > 15 AND metric2 > 15)") == [1, 0, 0, 0]
    assert values("metric1 > 15 && metric2 > 15") == [1, 0, 0, 0]
    assert values("metric1 < 10 OR metric2 > 15") == [1, 0, 1, 1]


def test_arithmetic_missing_values_count_as_zero_and_division_by_zero_drops() -> None:
    # "Basic arithmetic functions": missing values are 0; a division by zero drops the point.
    m = {"m1": ({0: 6.0, 1: 2.0}, P), "m2": ({0: 3.0, 2: 4.0}, P)}
    assert evaluate("m1 + m2", m) == Series({0: 9.0, 1: 2.0, 2: 4.0})
    assert evaluate("m1 - m2", m) == Series({0: 3.0, 1: 2.0, 2: -4.0})
    assert evaluate("m1 / m2", m) == Series({0: 2.0, 2: 0.0})  # 2 / (missing = 0): dropped
    assert evaluate("m1 / 0", m) == Series({})
    assert evaluate("m1 * m2", m) == Series({0: 18.0, 1: 0.0, 2: 0.0})
    assert evaluate("m1 ^ 2", m) == Series({0: 36.0, 1: 4.0})


def test_precedence_unary_minus_and_parentheses() -> None:
    m = {"m1": ({0: 6.0}, P), "m2": ({0: 3.0}, P)}
    assert evaluate("m1 + m2 * 2", m).points == {0: 12.0}
    assert evaluate("(m1 + m2) * 2", m).points == {0: 18.0}
    assert evaluate("m1 - m2 - 1", m).points == {0: 2.0}  # left to right
    assert evaluate("m1 / m2 / 2", m).points == {0: 1.0}
    assert evaluate("-m1 + m2", m).points == {0: -3.0}
    assert evaluate("-(m1 + m2)", m).points == {0: -9.0}
    assert evaluate("m1 * -2", m).points == {0: -12.0}
    assert evaluate("2 ^ 3 * m2", m).points == {0: 24.0}
    assert evaluate("(-m1) ^ 2", m).points == {0: 36.0}
    assert evaluate("m1 + 1.5e1", m).points == {0: 21.0}
    assert evaluate("m1 + .5", m).points == {0: 6.5}


def test_functions_evaluated_exactly() -> None:
    m = {"m1": ({0: -6.5, 1: 2.25}, P), "m2": ({0: 3.0, 2: 4.0}, P), "x_err": ({2: 1.0}, P)}
    assert evaluate("ABS(m1)", m).points == {0: 6.5, 1: 2.25}
    assert evaluate("CEIL(m1)", m).points == {0: -6.0, 1: 3.0}
    assert evaluate("FLOOR(m1)", m).points == {0: -7.0, 1: 2.0}
    assert evaluate("FILL(m2, 0)", m) == Series({0: 3.0, 2: 4.0}, 0.0)
    assert evaluate("FILL(m1, 1) + m2", m) == Series({0: -3.5, 1: 2.25, 2: 5.0}, 1.0)
    assert evaluate("TIME_SERIES(5)", m) == Series({}, 5.0)
    assert evaluate("m2 / PERIOD(m2)", m).points == {0: 0.05, 2: 4.0 / 60}
    assert evaluate("SUM([m1, m2])", m).points == {0: -3.5, 1: 2.25, 2: 4.0}
    assert evaluate("AVG([m1, m2])", m).points == {0: -1.75, 1: 1.125, 2: 2.0}  # missing = 0
    assert evaluate("SUM(METRICS())", m).points == {0: -3.5, 1: 2.25, 2: 5.0}
    assert evaluate('SUM(METRICS("err"))', m).points == {2: 1.0}
    assert evaluate("SUM(METRICS() * 2)", m).points == {0: -7.0, 1: 4.5, 2: 10.0}
    # Another expression's id, and FILL's value where the series has no datapoint.
    assert evaluate("e2 * 2", m, {"e2": "FILL(m2, 1)"}) == Series({0: 6.0, 2: 8.0}, 2.0)
    with pytest.raises(NotEvaluated, match="refer to each other"):
        evaluate("e2", m, {"e2": "e3 + 1", "e3": "e2 - 1"})


def test_fill_makes_a_period_without_datapoints_a_value() -> None:
    # With FILL(m1, 0) a quiet period is 0, not missing: it does not breach.
    alarm = _math_alarm(
        "FILL(m1, 0) + FILL(m2, 0)",
        threshold=1,
        comparison="LessThanThreshold",
        evaluation_periods=3,
        datapoints_to_alarm=3,
        treat_missing_data="notBreaching",
    )
    ev = _evaluator(alarm, 1, 0, minute=0)
    ev.add(10 * MINUTE_MS, "AAA")
    (result,) = ev.alarm_results()
    # minutes 1-3 are 0 (< 1) for three periods: ALARM at the end of minute 3.
    assert (result.would_alarm, result.first_alarm_ms) == (True, 4 * MINUTE_MS)


def test_unparseable_and_random_expressions_never_raise_anything_else() -> None:
    m = {"m1": ({0: 1.0, 1: 0.0}, P), "m2": ({1: 2.0}, P)}
    atoms = [
        "m1",
        "m2",
        "e1",
        "1",
        "0",
        "2.5",
        "-",
        "+",
        "*",
        "/",
        "^",
        "(",
        ")",
        "[",
        "]",
        ",",
        "==",
        "<",
        "AND",
    ]
    atoms += [
        "||",
        "FILL",
        "SUM",
        "AVG",
        "ABS",
        "RATE",
        "METRICS",
        "REPEAT",
        "'x'",
        '"m"',
        "PERIOD",
        "TIME_SERIES",
    ]
    rng = random.Random(28)
    outcomes = {"series": 0, "refused": 0, "bad": 0}
    for _ in range(3000):
        expr = " ".join(rng.choice(atoms) for _ in range(rng.randint(1, 9)))
        try:
            evaluate(expr, m, {"e1": "m1 + 1"})
            outcomes["series"] += 1
        except NotEvaluated as exc:
            assert exc.names and exc.reason
            outcomes["refused"] += 1
        except ExpressionError as exc:
            assert str(exc)
            outcomes["bad"] += 1
    assert all(outcomes.values()), outcomes


def test_extended_statistics_and_anomaly_bands_are_not_evaluated() -> None:
    alarm = _math_alarm("m1 + m2", metrics=[_stat("m1", "A", "p99"), _stat("m2", "B")])
    alarm.metrics.append({"Id": "e1", "Expression": "m1 + m2", "ReturnData": True})
    (result,) = _evaluator(alarm, 1, 1).alarm_results()
    assert (result.would_alarm, result.not_evaluated) == (None, ["p99"])
    band = AlarmSpec.from_api(
        {
            "AlarmName": "band",
            "EvaluationPeriods": 1,
            "ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold",
            "ThresholdMetricId": "ad1",
            "Metrics": [
                _stat("m1", "A"),
                {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)", "ReturnData": True},
            ],
        }
    )
    (result,) = _evaluator(band, 1, 0).alarm_results()
    assert (result.would_alarm, result.not_evaluated) == (None, ["LessThanLowerOrGreaterThanUpperThreshold"])


def _plan_with_math(tmp_path: Path, expression: str) -> Path:
    plan = {
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "type": "aws_cloudwatch_log_metric_filter",
                        "values": {
                            "name": "root",
                            "pattern": '{ $.userIdentity.type = "Root" }',
                            "metric_transformation": [{"name": "Root", "namespace": "T", "value": "1"}],
                        },
                    },
                    {
                        "type": "aws_cloudwatch_metric_alarm",
                        "values": {
                            "alarm_name": "root-rate",
                            "evaluation_periods": 1,
                            "threshold": 0,
                            "comparison_operator": "GreaterThanThreshold",
                            "metric_query": [
                                {
                                    "id": "m1",
                                    "return_data": False,
                                    "metric": [
                                        {"namespace": "T", "metric_name": "Root", "period": 60, "stat": "Sum"}
                                    ],
                                },
                                {"id": "e1", "expression": expression, "return_data": True},
                            ],
                        },
                    },
                ]
            }
        }
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    return path


def test_backtest_reports_not_evaluated_by_name_in_json_and_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    events = tmp_path / "events.jsonl"
    record = {"eventTime": "2026-11-02T09:00:00Z", "userIdentity": {"type": "Root"}}
    events.write_text(json.dumps(record) + "\n")
    plan = _plan_with_math(tmp_path, "RATE(m1)")
    assert main(["backtest", "--plan", str(plan), str(events), "--json", "--no-progress"]) == 0
    (alarm,) = json.loads(capsys.readouterr().out)["alarms"]
    assert alarm["wouldAlarm"] is None and alarm["firstAlarmTime"] is None
    assert alarm["notEvaluated"]["names"] == ["RATE"]
    assert main(["backtest", "--plan", str(plan), str(events), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "not evaluated" in text and "RATE" in text
    # The same alarm with an expression that is evaluated: a number again.
    plan = _plan_with_math(tmp_path, "m1 / 2")
    assert main(["backtest", "--plan", str(plan), str(events), "--json", "--no-progress"]) == 0
    (alarm,) = json.loads(capsys.readouterr().out)["alarms"]
    assert (alarm["wouldAlarm"], alarm["notEvaluated"]) == (True, None)


# --------------------------------------------------------------------------------------
# Which periods alarm evaluation visits
# --------------------------------------------------------------------------------------


def _brute_force(series: Series, alarm: AlarmSpec) -> int | None:
    """Every period from the first datapoint to evaluation_periods after the last, one by one."""
    assert alarm.threshold is not None
    period_ms = alarm.period * 1000
    known = sorted(series.points)
    if not known:
        return None
    start, end = known[0], known[-1] + alarm.evaluation_periods * period_ms
    for t in range(start, end, period_ms):
        bad = 0
        for i in range(alarm.evaluation_periods):
            w = t - i * period_ms
            value = series.at(w) if w >= start else None
            if value is not None:
                bad += value >= alarm.threshold
            elif alarm.treat_missing_data == "breaching":
                bad += 1
        if bad >= alarm.datapoints_to_alarm:
            return t + period_ms
    return None


def test_visiting_only_datapoint_windows_and_gaps_gives_the_same_answer() -> None:
    rng = random.Random(2028)
    for _ in range(3000):
        e = rng.randint(1, 5)
        threshold = rng.choice([1, 2, 3])
        alarm = _math_alarm(
            "m1",
            threshold=threshold,
            evaluation_periods=e,
            datapoints_to_alarm=rng.randint(1, e),
            treat_missing_data=rng.choice(["breaching", "notBreaching", "missing", "ignore"]),
        )
        points = {rng.randrange(0, 40) * P * 1000: float(rng.randint(0, 4)) for _ in range(rng.randint(0, 6))}
        series = Series(points, rng.choice([None, None, 0.0, 5.0]))
        got = first_alarm(series, list(points), alarm, functools.partial(operator.le, float(threshold)))
        assert got == _brute_force(series, alarm), (points, series.fill, alarm)


class _Lookups(dict[int, float]):
    """A metric's datapoints that count how often alarm evaluation looks a period up."""

    limit = 10_000
    count = 0

    def _looked(self) -> None:
        type(self).count += 1
        if type(self).count > self.limit:
            raise AssertionError(f"alarm evaluation looked up more than {self.limit} periods")

    def __contains__(self, key: object) -> bool:
        self._looked()
        return super().__contains__(key)

    def get(self, key: int, default: Any = None) -> Any:
        self._looked()
        return super().get(key, default)


def test_two_events_years_apart_visit_a_few_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    # Ten years of one-minute periods between two datapoints: 5 million periods to walk one
    # by one (the two records of the issue took 7.8 s); only the windows after each count.
    real = Evaluator._series

    def counted(self: Evaluator, *args: Any) -> dict[int, float]:
        return _Lookups(real(self, *args))

    monkeypatch.setattr(Evaluator, "_series", counted)
    _Lookups.count = 0
    # One event a period never reaches the threshold 2: nothing stops the walk early.
    alarm = AlarmSpec("a", "m", "n", "Sum", 60, 3, 2, 2, "GreaterThanOrEqualToThreshold", "notBreaching")
    ev = Evaluator([MetricFilterSpec("f", compile_pattern("ERROR"), "m", "n")], [alarm])
    ev.add(1_480_000_000_000, "ERROR")  # 2016-11-24
    ev.add(1_795_000_000_000, "ERROR")  # 2026-11-18
    (result,) = ev.alarm_results()
    assert (result.would_alarm, result.matches) == (False, 2)
    assert _Lookups.count < 100
