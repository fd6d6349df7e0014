"""One detection's catalog variants side by side over the same archive (issue 12).

``trailwatch variants`` backtests every pattern form the catalog carries for a detection
(for unauthorized_api_calls: Security Hub's CloudWatch.2 string, the CIS v4.0.1 string, the
tuned form, and the tuned form with your exclusions) and reports, for each, how many events
it matches and how many fewer than the Security Hub (CIS v1.2.0) form: how much of the flood
a tuned form removes. The exclusion clauses are built from the catalog's clause templates,
as modules/metric-filters builds them in HCL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trailwatch.archive import Skipped
from trailwatch.backtest import backtest
from trailwatch.catalog import exclusion_clauses, load
from trailwatch.evaluate import MetricFilterSpec
from trailwatch.filterpattern import compile_pattern

BASELINE = "security_hub"
EXCLUDED = "tuned_with_exclusions"


def variant_patterns(
    key: str, event_sources: Sequence[str] = (), principal_arns: Sequence[str] = ()
) -> dict[str, str]:
    """Variant id -> concrete pattern, for the detection's patterns that need no allowlist.

    Each catalog pattern appears without exclusions; with exclusions given, the patterns that
    take them also appear with them, as ``tuned_with_exclusions``."""
    raw = load()
    allow, excl = raw["placeholders"]["allowlist"], raw["placeholders"]["exclusions"]
    out: dict[str, str] = {}
    for pid, text in raw["detections"][key]["patterns"].items():
        if allow in text:
            continue
        out[pid] = text.replace(excl, "")
        clauses = exclusion_clauses(event_sources, principal_arns)
        if excl in text and clauses:
            out[EXCLUDED if pid == "tuned" else f"{pid}_with_exclusions"] = text.replace(excl, clauses)
    return out


@dataclass(frozen=True)
class VariantsResult:
    detection: str
    events_scanned: int
    #: (variant id, pattern, matches), in catalog order
    variants: list[tuple[str, str, int]]
    #: files and records that could not be read (never counted)
    skipped: list[Skipped] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        base = dict((v, n) for v, _, n in self.variants).get(BASELINE)
        return {
            "detection": self.detection,
            "eventsScanned": self.events_scanned,
            "variants": [
                {
                    "variant": v,
                    "pattern": p,
                    "matches": n,
                    "removedVsSecurityHub": None if base is None else base - n,
                }
                for v, p, n in self.variants
            ],
            "errors": [s.to_json() for s in self.skipped],
        }


def compare(
    key: str,
    files: list[Path],
    event_sources: Sequence[str] = (),
    principal_arns: Sequence[str] = (),
    workers: int | None = None,
) -> VariantsResult:
    """Backtest every variant of ``key`` over ``files`` in one pass."""
    patterns = variant_patterns(key, event_sources, principal_arns)
    filters = [
        MetricFilterSpec(name=v, pattern=compile_pattern(p), metric_name=v, namespace="trailwatch/variants")
        for v, p in patterns.items()
    ]
    result = backtest(filters, [], files, workers=workers)
    matches = dict(result.filters)
    return VariantsResult(
        detection=key,
        events_scanned=result.events_scanned,
        variants=[(v, p, matches[v]) for v, p in patterns.items()],
        skipped=result.skipped,
    )
