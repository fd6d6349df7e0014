"""The detection catalog (catalog/detections.json), as Python reads it.

The same file is read by modules/metric-filters and modules/alarms with
``jsondecode(file(...))``: no pattern exists anywhere else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

#: catalog/detections.json at the repository root, the one copy in git (Terraform reads it there).
#: The package reaches it as ``trailwatch/catalog_data/detections.json``: in a checkout through the
#: committed symlink src/trailwatch/catalog_data -> ../../catalog, in a wheel as the file the
#: build copied from it (DEVELOPERS.md, "Layout").
CATALOG_PATH: Traversable = files("trailwatch").joinpath("catalog_data", "detections.json")


@dataclass(frozen=True)
class Detection:
    key: str
    title: str
    severity: str
    description: str
    metric_name: str
    patterns: dict[str, str]
    alarm: dict[str, Any]
    insights_filter: str
    cis: dict[str, str | None] | None
    requires_allowlist: bool

    def pattern(self, mode: str = "tuned") -> str:
        """The catalog pattern for a mode ("tuned" falls back to the Security Hub string)."""
        if mode in self.patterns:
            return self.patterns[mode]
        if mode == "tuned":
            return self.patterns["security_hub"]
        raise KeyError(f"{self.key} has no {mode!r} pattern")


@cache
def load(path: Traversable = CATALOG_PATH) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def detections(path: Traversable = CATALOG_PATH) -> dict[str, Detection]:
    raw = load(path)
    defaults = raw["alarm_defaults"]
    return {
        key: Detection(
            key=key,
            title=d["title"],
            severity=d["severity"],
            description=d["description"],
            metric_name=d["metric_name"],
            patterns=dict(d["patterns"]),
            alarm={**defaults, **d.get("alarm", {})},
            insights_filter=d["insights_filter"],
            cis=d.get("cis"),
            requires_allowlist=bool(d.get("requires_allowlist", False)),
        )
        for key, d in raw["detections"].items()
    }


def placeholder() -> str:
    return str(load()["placeholders"]["allowlist"])


def fill(pattern: str, allowlist_clauses: str, exclusion_clauses: str = "") -> str:
    """A catalog pattern made concrete, as modules/metric-filters makes it: the allowlist
    placeholder replaced by its clauses, the exclusion placeholder by its (possibly none)."""
    placeholders = load()["placeholders"]
    return pattern.replace(placeholders["allowlist"], allowlist_clauses).replace(
        placeholders["exclusions"], exclusion_clauses
    )
