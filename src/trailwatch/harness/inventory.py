"""Fabric-style plan inventories: reduce a plan to values/counts/outputs and check it.

An inventory is YAML (or a dict) with up to three keys:

- ``values``: ``{address: {attr: value}}``, a recursive *subset* match against the planned
  values; lists must have the same length; the value ``__missing__`` asserts an attribute
  (or resource) is absent.
- ``counts``: ``{resource type: n}``, exact; ``resources`` and ``modules`` count everything.
  0 asserts a type is absent.
- ``outputs``: ``{name: value}``, exact equality for the outputs named.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MISSING = "__missing__"


@dataclass
class PlanSummary:
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)


def summarize(plan: Mapping[str, Any]) -> PlanSummary:
    """Summarize ``terraform show -json`` of a plan (a tftest plan output works too)."""
    planned = plan["planned_values"]
    summary = PlanSummary()
    counts: Counter[str] = Counter()
    modules: set[str] = set()
    queue = [planned.get("root_module", {})]
    while queue:
        mod = queue.pop(0)
        if mod.get("address"):
            modules.add(mod["address"])
        for res in mod.get("resources", []):
            if res.get("mode") != "managed":
                continue
            summary.values[res["address"]] = res.get("values", {})
            counts[res["type"]] += 1
            counts["resources"] += 1
        queue.extend(mod.get("child_modules", []))
    counts["modules"] = len(modules)
    summary.counts = dict(counts)
    summary.outputs = {k: v.get("value") for k, v in planned.get("outputs", {}).items()}
    return summary


def _match(path: str, expected: Any, actual: Any, errors: list[str]) -> None:
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            errors.append(f"{path}: expected a mapping, got {actual!r}")
            return
        for key, exp in expected.items():
            if exp == MISSING:
                if actual.get(key) not in (None, [], {}):
                    errors.append(f"{path}.{key}: expected absent, got {actual[key]!r}")
                continue
            if key not in actual:
                errors.append(f"{path}.{key}: missing (expected {exp!r})")
                continue
            _match(f"{path}.{key}", exp, actual[key], errors)
    elif isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            errors.append(f"{path}: expected {len(expected)} items {expected!r}, got {actual!r}")
            return
        for i, (exp, act) in enumerate(zip(expected, actual, strict=True)):
            _match(f"{path}[{i}]", exp, act, errors)
    elif expected != actual:
        errors.append(f"{path}: expected {expected!r}, got {actual!r}")


def check(summary: PlanSummary, inventory: Mapping[str, Any]) -> list[str]:
    """Differences between a plan summary and an inventory (empty when they agree)."""
    errors: list[str] = []
    for address, exp in (inventory.get("values") or {}).items():
        if exp == MISSING:
            if address in summary.values:
                errors.append(f"{address}: expected no such resource")
            continue
        if address not in summary.values:
            errors.append(f"{address}: not in plan (have {sorted(summary.values)})")
            continue
        _match(address, exp, summary.values[address], errors)
    for rtype, n in (inventory.get("counts") or {}).items():
        got = summary.counts.get(rtype, 0)
        if got != n:
            errors.append(f"counts[{rtype}]: expected {n}, got {got}")
    for name, exp in (inventory.get("outputs") or {}).items():
        if name not in summary.outputs:
            errors.append(f"outputs.{name}: not in plan")
        elif summary.outputs[name] != exp:
            errors.append(f"outputs.{name}: expected {exp!r}, got {summary.outputs[name]!r}")
    return errors
