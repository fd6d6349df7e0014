"""`trailwatch backtest`: plan-sourced detections over CloudTrail archives, JSON Lines and
log groups; the prefilter gives exactly the full evaluation's result."""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path
from typing import Any

import pytest

from trailwatch import catalog
from trailwatch.backtest import backtest, detections_from_plan
from trailwatch.cli import main
from trailwatch.harness import record_corpus as ev
from trailwatch.harness.emulator import ACCOUNT_ID, Emulator
from trailwatch.harness.scenarios import ALLOWLIST, OUTSIDE
from trailwatch.harness.synthetic import write_archive
from trailwatch.harness.terraform import inline_stack

# One applied (or planned) stack for the whole module: its tests run in one xdist worker.
pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("backtest")]


@pytest.fixture(scope="module")
def plan_json(tmp_path_factory: pytest.TempPathFactory, emulator_session: Emulator, terraform: str) -> Path:
    """`terraform show -json` of a plan of the root module with the scenario allowlist."""
    emulator_session.reset()
    stack = inline_stack({"name_prefix": "bkt", "allowed_source_cidrs": ALLOWLIST}, emulator=emulator_session)
    try:
        plan = stack.plan()
        path = tmp_path_factory.mktemp("plan") / "plan.json"
        path.write_text(json.dumps(plan._raw))
        return path
    finally:
        stack.cleanup()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("archive")
    write_archive(root, 30_000, per_file=3000, seed=11)
    return root


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    rc = main(list(argv))
    out = capsys.readouterr().out
    return rc, (json.loads(out) if out.strip().startswith("{") else out)


def test_plan_yields_every_filter_and_alarm(plan_json: Path) -> None:
    filters, alarms = detections_from_plan(json.loads(plan_json.read_text()))
    # 22 detections, one alarm each; 26 filters: console_login_without_mfa and
    # console_login_failures count with two, security_group_changes with two and a witness.
    assert len(alarms) == 22 and len(filters) == 26
    assert sorted(str(a.metric_name) for a in alarms) == sorted({f.metric_name for f in filters})
    assert {a.period for a in alarms} == {60, 300}


def test_prefilter_gives_the_full_evaluations_result(plan_json: Path, archive: Path) -> None:
    filters, alarms = detections_from_plan(json.loads(plan_json.read_text()))
    files = sorted(archive.rglob("*.json.gz"))
    fast = backtest(filters, alarms, files, prefilter=True).to_json()
    full = backtest(filters, alarms, files, prefilter=False).to_json()
    assert fast == full
    assert fast["eventsScanned"] == 30_000
    assert any(a["wouldAlarm"] for a in fast["alarms"])


def test_json_contract_and_the_seeds_story(
    capsys: pytest.CaptureFixture[str], plan_json: Path, tmp_path: Path
) -> None:
    records = [
        ev.iam_user_login(mfa=True, ip="203.0.113.5", at="2026-11-02T09:00:05Z"),
        ev.sso_login(ip=OUTSIDE, at="2026-11-02T09:01:00Z"),
        ev.iam_user_login(mfa=True, ip=OUTSIDE, user="mallory", at="2026-11-02T09:02:30Z"),
    ]
    path = tmp_path / f"{ACCOUNT_ID}_CloudTrail_us-east-1_20261102T0905Z_x.json.gz"
    path.write_bytes(gzip.compress(json.dumps({"Records": records}).encode()))
    rc, out = _run(capsys, "backtest", "--plan", str(plan_json), str(path), "--json", "--no-progress")
    assert rc == 0
    assert set(out) >= {"eventsScanned", "filters", "alarms"}
    assert out["eventsScanned"] == 3
    for f in out["filters"]:
        assert set(f) >= {"filterName", "matches"}
    fired = {a["alarmName"]: a for a in out["alarms"] if a["wouldAlarm"]}
    assert set(fired) == {"bkt-console_login_unexpected_ip"}
    # The SSO sign-in from outside the allowlist counts too (issue 12), and comes first.
    assert fired["bkt-console_login_unexpected_ip"] == {
        "alarmName": "bkt-console_login_unexpected_ip",
        "wouldAlarm": True,
        "firstAlarmTime": "2026-11-02T09:02:00Z",
        "matches": 2,
        "notEvaluated": None,
    }


def test_json_lines_and_the_rich_report(
    capsys: pytest.CaptureFixture[str], plan_json: Path, tmp_path: Path
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(ev.message(ev.root_login(mfa=True, ip="203.0.113.5")) for _ in range(2)) + "\n")
    rc, out = _run(capsys, "backtest", "--plan", str(plan_json), str(path), "--no-progress")
    assert rc == 0
    assert "bkt-root_usage" in out and "yes" in out and "2 events scanned" in out


def test_detections_and_events_from_a_log_group(
    capsys: pytest.CaptureFixture[str], emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = emulator.client("logs")
    logs.create_log_group(logGroupName="ct")
    logs.put_metric_filter(
        logGroupName="ct",
        filterName="root",
        filterPattern='{ $.userIdentity.type = "Root" }',
        metricTransformations=[{"metricName": "Root", "metricNamespace": "T", "metricValue": "1"}],
    )
    emulator.client("cloudwatch").put_metric_alarm(
        AlarmName="root-alarm",
        MetricName="Root",
        Namespace="T",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
    )
    logs.create_log_stream(logGroupName="ct", logStreamName=f"{ACCOUNT_ID}_CloudTrail_us-east-1")
    now = int(time.time() * 1000) - 60_000
    logs.put_log_events(
        logGroupName="ct",
        logStreamName=f"{ACCOUNT_ID}_CloudTrail_us-east-1",
        logEvents=[
            # Recent: CloudWatch Logs (and moto) reject events older than 14 days.
            {"timestamp": now, "message": ev.message(ev.root_login(mfa=False))},
            {"timestamp": now + 500, "message": ev.message(ev.iam_user_login(mfa=True))},
        ],
    )
    for k, v in emulator.env().items():
        monkeypatch.setenv(k, v)
    rc, out = _run(capsys, "backtest", "--log-group", "ct", "--from-log-group", "--json", "--no-progress")
    assert rc == 0
    assert out["eventsScanned"] == 2
    assert out["filters"] == [{"filterName": "root", "matches": 1}]
    assert out["alarms"][0]["alarmName"] == "root-alarm" and out["alarms"][0]["wouldAlarm"] is True


def test_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["backtest", str(tmp_path)]) == 252
    assert main(["backtest", "--plan", "p.json"]) == 252
    assert main(["backtest", "--plan", str(tmp_path / "missing.json"), str(tmp_path)]) == 252


def test_catalog_detections_are_the_planned_ones(
    capsys: pytest.CaptureFixture[str], plan_json: Path, archive: Path
) -> None:
    """backtest --catalog resolves each detection's pattern as the module does: the same
    detections on, the same text where the module deploys one filter, and the same alarms over
    the synthetic archive (the allowlist detection aside: the plan's allowlist has an IPv6 /48,
    which has several text forms and is compiled by the module only)."""
    plan = json.loads(plan_json.read_text())
    filters, alarms = detections_from_plan(plan)
    planned = {a.name.removeprefix("bkt-") for a in alarms}
    chosen = catalog.resolve(allowlist_set=True)
    assert set(chosen) == planned
    texts = {f.name.removeprefix("bkt-"): f.pattern.text for f in filters}
    every = catalog.detections()
    single = [k for k, pid in chosen.items() if pid not in catalog.load()["detections"][k].get("deploy", {})]
    assert len(single) >= 15
    for key in single:
        if key != "console_login_unexpected_ip":
            assert texts[key] == catalog.fill(every[key].patterns[chosen[key]], ""), key
    rc, by_plan = _run(capsys, "backtest", "--plan", str(plan_json), str(archive), "--json", "--no-progress")
    assert rc == 0
    rc, by_catalog = _run(
        capsys,
        "backtest",
        "--catalog",
        "--allowed-source",
        "203.0.113.0/24",
        str(archive),
        "--json",
        "--no-progress",
    )
    assert rc == 0 and by_catalog["eventsScanned"] == by_plan["eventsScanned"] == 30_000

    def alarm_results(doc: Any) -> dict[str, Any]:
        return {
            a["alarmName"].removeprefix("bkt-"): (a["wouldAlarm"], a["firstAlarmTime"], a["matches"])
            for a in doc["alarms"]
            if a["alarmName"].removeprefix("bkt-") != "console_login_unexpected_ip"
        }

    with_witness = {
        key
        for key, pid in chosen.items()
        if any(p.get("witness") for p in catalog.load()["detections"][key].get("deploy", {}).get(pid, []))
    }
    assert with_witness == {"security_group_changes"}
    ours, theirs = alarm_results(by_catalog), alarm_results(by_plan)
    assert {k: v[:2] for k, v in ours.items()} == {k: v[:2] for k, v in theirs.items()}
    # An alarm's matches count its metric's filters' matches, a witness's included (it
    # publishes 0); the catalog's one filter per detection has no witness.
    assert {k: v for k, v in ours.items() if k not in with_witness} == {
        k: v for k, v in theirs.items() if k not in with_witness
    }
    assert any(fired for fired, _, _ in theirs.values())
