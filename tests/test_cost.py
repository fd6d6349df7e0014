"""`trailwatch cost`: alarms, custom metrics (pro rata on active hours) and ingestion."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from trailwatch.cli import main
from trailwatch.cost import estimate, to_json


def _plan(filters: int, with_default: int, math_alarm: bool = False) -> dict[str, Any]:
    resources: list[dict[str, Any]] = []
    for i in range(filters):
        default = 0 if i < with_default else None
        resources.append(
            {
                "type": "aws_cloudwatch_log_metric_filter",
                "mode": "managed",
                "values": {
                    "name": f"f{i}",
                    "pattern": "ERROR",
                    "metric_transformation": [
                        {"name": f"m{i}", "namespace": "n", "value": "1", "default_value": default}
                    ],
                },
            }
        )
        resources.append(
            {
                "type": "aws_cloudwatch_metric_alarm",
                "mode": "managed",
                "values": {"alarm_name": f"a{i}", "metric_query": []},
            }
        )
    if math_alarm:
        resources.append(
            {
                "type": "aws_cloudwatch_metric_alarm",
                "mode": "managed",
                "values": {
                    "alarm_name": "math",
                    "metric_query": [
                        {"id": "a", "metric": [{}]},
                        {"id": "b", "metric": [{}]},
                        {"id": "e", "expression": "a-b"},
                    ],
                },
            }
        )
    return {"planned_values": {"root_module": {"child_modules": [{"resources": resources}]}}}


def test_terraform_aws_modules_style_stack_costs_six_dollars() -> None:
    # 15 filters with default_value = 0 and 15 alarms: 15 x $0.30 + 15 x $0.10.
    doc = to_json(estimate(_plan(15, 15)))
    assert doc["monthlyTotal"] == pytest.approx(6.00)


def test_publish_on_match_metrics_cost_only_their_active_hours() -> None:
    doc = to_json(estimate(_plan(16, 0), active_hours=73))
    assert doc["monthlyTotal"] == pytest.approx(16 * 0.10 + 16 * 0.30 * 0.1)


def test_metric_math_alarm_pays_per_metric_and_ingestion_is_per_gb() -> None:
    lines = {
        c.item: c
        for c in estimate(_plan(0, 0, math_alarm=True), events_per_day=1_000_000, avg_event_bytes=1000)
    }
    assert lines["alarms (standard resolution)"].quantity == 2
    assert lines["CloudWatch Logs ingestion (GB)"].monthly == pytest.approx(30.4 * 0.5)


def test_cli_json_states_prices_and_source(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(_plan(3, 1)))
    assert main(["cost", "--plan", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["region"] == "us-east-1" and doc["pricesAsOf"] and "pricing" in doc["priceSource"]
    assert main(["cost", "--plan", str(path), "--events-per-day", "-1"]) == 252


def test_measured_active_hours_and_the_default_zero_comparison(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from trailwatch.harness.synthetic import write_archive

    archive = tmp_path / "archive"
    write_archive(archive, 20_000, per_file=2_000, seed=3)  # one week of events
    plan: dict[str, Any] = {
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "type": "aws_cloudwatch_log_metric_filter",
                        "mode": "managed",
                        "values": {
                            "name": name,
                            "pattern": pattern,
                            "metric_transformation": [
                                {"name": name, "namespace": "n", "value": "1", "default_value": None}
                            ],
                        },
                    }
                    for name, pattern in (
                        ("logins", '{ $.eventName = "ConsoleLogin" }'),
                        ("denied", '{ $.errorCode = "AccessDenied*" }'),
                    )
                ]
            }
        }
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    assert (
        main(["cost", "--plan", str(path), "--measure", str(archive), "--compare-default-zero", "--json"])
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    rates = doc["activeHoursPerMonth"]
    # Denied calls (about 1% of events) land in most hours; sign-ins (about 0.02%) in a few.
    assert 0 < rates["logins"] < 100 < rates["denied"] <= 730
    on_match = next(line for line in doc["lines"] if line["item"] == "custom metrics published only on match")
    assert on_match["monthly"] == pytest.approx(0.30 * (rates["logins"] + rates["denied"]) / 730, abs=0.01)
    assert doc["defaultZero"]["monthlyTotal"] == pytest.approx(2 * 0.30)
    assert doc["monthlyTotal"] < doc["defaultZero"]["monthlyTotal"]
    assert doc["errors"] == []

    # A file that cannot be read is said, not silently dropped from the measurement.
    (archive / "partial.json.gz").write_bytes(b"not gzip at all")
    assert main(["cost", "--plan", str(path), "--measure", str(archive), "--json"]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert [e["path"].endswith("partial.json.gz") for e in doc["errors"]] == [True]


def test_the_bench_plan_is_keyed_on_what_it_depends_on(tmp_path: Path, terraform: str) -> None:
    """make bench caches examples/minimal's plan (the cost table's input) under a key of the
    module tree, the catalog, the example, its input values and the Terraform version: a
    catalog change makes a new plan, a README change does not."""
    from trailwatch.harness.terraform import MODULE_PARTS, REPO_ROOT
    from trailwatch.maint.bench import plan_key

    repo = tmp_path / "repo"
    for part in [*MODULE_PARTS, "examples/minimal"]:
        src = REPO_ROOT / part
        if src.is_dir():
            shutil.copytree(src, repo / part, ignore=shutil.ignore_patterns(".terraform*"))
        else:
            (repo / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, repo / part)
    key = plan_key(repo, terraform)
    assert key == plan_key(repo, terraform)
    (repo / "examples" / "minimal" / "README.md").write_text("edited\n")
    assert plan_key(repo, terraform) == key
    catalog = repo / "catalog" / "detections.json"
    doc = json.loads(catalog.read_text())
    doc["detections"].popitem()
    catalog.write_text(json.dumps(doc))
    assert plan_key(repo, terraform) != key


def _eventbridge_plan(plan: dict[str, Any]) -> dict[str, Any]:
    """The same detections on the eventbridge path: a rule's log-group target with the input
    path $.detail is what tells the path apart."""
    out: dict[str, Any] = json.loads(json.dumps(plan))
    out["planned_values"]["root_module"].setdefault("resources", []).append(
        {
            "type": "aws_cloudwatch_event_target",
            "mode": "managed",
            "values": {"target_id": "logs", "input_path": "$.detail", "rule": "r"},
        }
    )
    return out


def test_the_eventbridge_path_ingests_the_matched_deliveries_only() -> None:
    from trailwatch.cost import detection_path

    plan = _eventbridge_plan(_plan(2, 0))
    assert detection_path(plan) == "eventbridge" and detection_path(_plan(2, 0)) == "cloudwatch_logs"
    eb = {c.item: c for c in estimate(plan, 1_000_000, 1430, matched_per_day=40)}
    ingest = eb["CloudWatch Logs ingestion of matched events (GB)"]
    assert ingest.monthly == pytest.approx(40 * 30.4 * 1430 / 1e9 * 0.50)
    assert eb["EventBridge: CloudTrail events on the default bus, same-account targets"].monthly == 0
    # The same plan priced on the other path ingests every event.
    cwl = {c.item: c for c in estimate(plan, 1_000_000, 1430, path="cloudwatch_logs", matched_per_day=40)}
    assert cwl["CloudWatch Logs ingestion (GB)"].monthly == pytest.approx(
        1_000_000 * 30.4 * 1430 / 1e9 * 0.50
    )
    with pytest.raises(ValueError):
        estimate(plan, path="kinesis")


def test_compare_paths_measures_the_matched_share_on_an_archive(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from trailwatch.harness.synthetic import write_archive

    archive = tmp_path / "archive"
    write_archive(archive, 6_000, per_file=2_000, seed=5)
    resources = [
        {
            "type": "aws_cloudwatch_log_metric_filter",
            "mode": "managed",
            "values": {
                "name": name,
                "pattern": pattern,
                "metric_transformation": [
                    {"name": name, "namespace": "n", "value": value, "default_value": None}
                ],
            },
        }
        for name, pattern, value in (
            ("logins", '{ $.eventName = "ConsoleLogin" }', "1"),
            ("denied", '{ $.errorCode = "AccessDenied*" }', "1"),
            # A witness (publishes 0) delivers nothing of its own: not counted.
            ("denied-witness", '{ $.errorCode = "AccessDenied*" }', "0"),
        )
    ]
    path = tmp_path / "plan.json"
    path.write_text(
        json.dumps(_eventbridge_plan({"planned_values": {"root_module": {"resources": resources}}}))
    )
    args = ["cost", "--plan", str(path), "--measure", str(archive), "--compare-paths", "--json"]
    assert main([*args, "--events-per-day", "1000000", "--avg-event-bytes", "1430"]) == 0
    doc = json.loads(capsys.readouterr().out)
    d = doc["deliveries"]
    # About 1 % of synthetic calls are AccessDenied; sign-ins are rarer still.
    assert 0.003 < d["matchedShare"] < 0.05 and d["avgEventBytes"] > 300
    assert doc["detectionPath"] == "eventbridge" and doc["otherPath"]["detectionPath"] == "cloudwatch_logs"
    eb = next(x for x in doc["lines"] if x["item"].startswith("CloudWatch Logs ingestion"))
    cwl = next(x for x in doc["otherPath"]["lines"] if x["item"].startswith("CloudWatch Logs ingestion"))
    assert eb["monthly"] == pytest.approx(cwl["monthly"] * d["matchedShare"], rel=1e-3)
    assert doc["monthlyTotal"] < doc["otherPath"]["monthlyTotal"]
    assert "eventbridge/pricing" in doc["eventbridgePriceSource"]
    # The witness adds nothing: the same plan without it measures the same deliveries.
    from trailwatch.archive import archive_files
    from trailwatch.cost import measure_deliveries

    files = archive_files([archive])
    plan = json.loads(path.read_text())
    with_witness, _ = measure_deliveries(plan, files)
    plan["planned_values"]["root_module"]["resources"] = [
        r
        for r in plan["planned_values"]["root_module"]["resources"]
        if r["values"].get("name") != "denied-witness"
    ]
    without, _ = measure_deliveries(plan, files)
    assert with_witness.matched_per_day == without.matched_per_day > 0


def _org_plan(rules: int, central: bool = False) -> dict[str, Any]:
    """Two detections on the eventbridge path: a log-group target per rule on the default bus,
    and (central) the central part's buses and their rules' targets, on their own buses."""
    out = _plan(rules, 0)
    resources = out["planned_values"]["root_module"]["child_modules"][0]["resources"]
    for i in range(rules):
        resources.append(
            {
                "type": "aws_cloudwatch_event_target",
                "mode": "managed",
                "values": {"target_id": "logs", "input_path": "$.detail", "rule": f"r{i}"},
            }
        )
        if central:
            resources += [
                {"type": "aws_cloudwatch_event_bus", "mode": "managed", "values": {"name": f"b{i}"}},
                {
                    "type": "aws_cloudwatch_event_target",
                    "mode": "managed",
                    "values": {"target_id": "logs", "input_path": "$.detail", "event_bus_name": f"b{i}"},
                },
            ]
    return out


def test_an_organization_prices_the_forwarding_the_central_ingestion_and_the_alarms() -> None:
    """100 accounts in 2 regions, 75 % of each account's events in the central one, 40 matched
    deliveries a day per account of 1,430 B, two detections; by hand."""
    from trailwatch.cost import Organization

    org = Organization(accounts=100, regions=2, central_share=0.75, member_failure_alarms=True)
    plan = _org_plan(2)
    eb = {c.item: c for c in estimate(plan, 1_000_000, 1430, matched_per_day=40, organization=org)}
    # Every account's matched deliveries land in the central groups: 40 x 100 x 30.4 x 1,430 B.
    assert eb["CloudWatch Logs ingestion of matched events (GB)"].monthly == pytest.approx(0.173888 * 0.50)
    # Sent to a bus in another account or region: 99 members' all, the security account's 25 %
    # outside the central region: 40 x 99.25 x 30.4 = 120,688 custom events at $1.00 a million.
    sent = eb["EventBridge: matched events sent to a central bus in another account or region (million)"]
    assert sent.quantity == pytest.approx(0.1207, abs=1e-4) and sent.monthly == pytest.approx(0.120688)
    # A quarter of every account's deliveries cross a region: 40 x 25 x 30.4 x 1,430 B at $0.02/GB.
    assert eb["data transfer between regions (GB)"].monthly == pytest.approx(0.043472 * 0.02)
    # The central rules' alarms (not in this plan), and one per member rule: 2 x (100 x 2 - 1).
    assert eb["alarms: FailedInvocations of the central buses' rules"].monthly == pytest.approx(0.20)
    assert eb["alarms: FailedInvocations of the member rules"].quantity == 398
    assert eb["alarms: FailedInvocations of the member rules"].monthly == pytest.approx(39.80)
    assert eb["EventBridge: member rules on the default buses"].monthly == 0
    assert "EventBridge: CloudTrail events on the default bus, same-account targets" not in eb
    # The cloudwatch_logs path for an organization: an organization trail, every account's events.
    cwl = estimate(plan, 1_000_000, 1430, path="cloudwatch_logs", organization=org)
    ingest = next(c for c in cwl if c.item == "CloudWatch Logs ingestion (GB)")
    assert ingest.monthly == pytest.approx(4347.2 * 0.50)
    assert not any("EventBridge" in c.item or "between regions" in c.item for c in cwl)

    # A plan with the central part counts its alarms itself; one account in one region is the
    # single-account pricing; an event over 64 KB is billed as two.
    with_central = {c.item for c in estimate(_org_plan(2, central=True), 1e6, 1430, 0.0, organization=org)}
    assert "alarms: FailedInvocations of the central buses' rules" not in with_central
    assert estimate(plan, 1e6, 1430, matched_per_day=40, organization=Organization()) == estimate(
        plan, 1e6, 1430, matched_per_day=40
    )
    big = {c.item: c for c in estimate(plan, 1e6, 100_000, matched_per_day=40, organization=org)}
    assert big[
        "EventBridge: matched events sent to a central bus in another account or region (million)"
    ].monthly == (pytest.approx(2 * 0.120688))
    # Even split by default: one region of two, half of each account's events cross.
    assert Organization(accounts=3, regions=2).cross_region == pytest.approx(1.5)


def test_the_organization_options_on_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(_org_plan(2)))
    base = ["cost", "--plan", str(path), "--events-per-day", "1000000", "--avg-event-bytes", "1430"]
    args = [*base, "--matched-per-day", "40", "--accounts", "100", "--regions", "2", "--json"]
    assert main([*args, "--central-region-share", "0.75", "--compare-paths"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["organization"] == {
        "accounts": 100,
        "regions": 2,
        "centralRegionShare": 0.75,
        "memberFailureAlarms": False,
    }
    assert any("eb-cross-account" in s for s in doc["forwardingPriceSources"])
    lines = {x["item"]: x["monthly"] for x in doc["lines"]}
    assert lines["data transfer between regions (GB)"] == pytest.approx(0.043472 * 0.02, abs=1e-4)
    assert doc["otherPath"]["monthlyTotal"] > 2173.60
    # Bad input: a clear message and exit 252, no traceback.
    for bad, says in (
        (["--accounts", "0"], "--accounts and --regions must be >= 1"),
        (["--regions", "2", "--central-region-share", "1.5"], "between 0 and 1"),
        (["--central-region-share", "0.5"], "needs --regions of 2 or more"),
        (["--accounts", "many"], "invalid int value"),
    ):
        try:
            code = main([*base, *bad])
        except SystemExit as exc:  # argparse's own errors exit with trailwatch's code
            code = exc.code  # type: ignore[assignment]
        assert code == 252, bad
        err = capsys.readouterr().err
        assert says in err and "Traceback" not in err, (bad, err)
