"""`terraform show -json` plans written by hand: metric filters and alarms, as the backtest
and sql commands read them (tests that need no Terraform run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def metric_filter(
    name: str, pattern: str, metric: str | None = None, namespace: str = "TW"
) -> dict[str, Any]:
    return {
        "type": "aws_cloudwatch_log_metric_filter",
        "values": {
            "name": name,
            "pattern": pattern,
            "metric_transformation": [{"name": metric or name, "namespace": namespace, "value": "1"}],
        },
    }


def alarm(
    name: str, metric: str, period: int = 60, threshold: int = 1, namespace: str = "TW"
) -> dict[str, Any]:
    return {
        "type": "aws_cloudwatch_metric_alarm",
        "values": {
            "alarm_name": name,
            "metric_name": metric,
            "namespace": namespace,
            "statistic": "Sum",
            "period": period,
            "evaluation_periods": 1,
            "datapoints_to_alarm": 1,
            "threshold": threshold,
            "comparison_operator": "GreaterThanOrEqualToThreshold",
            "treat_missing_data": "notBreaching",
        },
    }


def plan(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"planned_values": {"root_module": {"resources": list(resources)}}}


def write(path: Path, *resources: dict[str, Any]) -> Path:
    path.write_text(json.dumps(plan(*resources)))
    return path
