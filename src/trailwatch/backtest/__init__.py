"""`trailwatch backtest`: replay CloudTrail history through deployed (or planned) detections.

The package re-exports the names callers import from ``trailwatch.backtest``.
"""

from trailwatch.backtest.executors.python import (
    HOUR_MS,
    BacktestResult,
    Skipped,
    SkippedError,
    _plan_resources,
    archive_files,
    backtest,
    detections_from_plan,
)

__all__ = [
    "HOUR_MS",
    "BacktestResult",
    "Skipped",
    "SkippedError",
    "_plan_resources",
    "archive_files",
    "backtest",
    "detections_from_plan",
]
