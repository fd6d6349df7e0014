"""`trailwatch backtest`: replay CloudTrail history through deployed (or planned) detections.

- ``sources``: where detections come from (a plan, a deployed log group, the catalog) and where events
  come from (archive files, a log group's events);
- ``executors``: what runs the detections over the events (``python``: the filter-pattern
  engine);
- ``result``: the one result every executor returns; ``report``: renders it.
"""

from trailwatch.archive import Skipped
from trailwatch.backtest.executors.python import backtest
from trailwatch.backtest.result import HOUR_MS, BacktestResult, SkippedError
from trailwatch.backtest.sources import (
    DetectionsError,
    archive_files,
    check_plan,
    detections_from_catalog,
    detections_from_log_group,
    detections_from_plan,
)

__all__ = [
    "HOUR_MS",
    "BacktestResult",
    "DetectionsError",
    "Skipped",
    "SkippedError",
    "archive_files",
    "backtest",
    "check_plan",
    "detections_from_catalog",
    "detections_from_log_group",
    "detections_from_plan",
]
