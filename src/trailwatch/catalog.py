"""The detection catalog (catalog/detections.json), as Python reads it.

The same file is read by modules/metric-filters and modules/alarms with
``jsondecode(file(...))``: no pattern exists anywhere else.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
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
def load() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CATALOG_PATH.read_text())
    return data


def detections() -> dict[str, Detection]:
    raw = load()
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


def mode_inputs() -> dict[str, list[str]]:
    """Detection key -> the values of its mode input (the module's ``<key>_mode`` variable),
    for the detections that have catalog modes."""
    return {key: list(d["modes"]) for key, d in load()["detections"].items() if "modes" in d}


def resolve(
    cis_exact: bool = False, modes: Mapping[str, str] | None = None, allowlist_set: bool = False
) -> dict[str, str]:
    """Detection key -> the id of the pattern its metric filters count with, for every detection
    the module enables with these inputs and no per-detection override: modules/detections'
    resolution (path ``metric_filters``), in Python. ``modes`` holds the mode inputs (default
    "tuned"); a detection that requires the allowlist is on only with one."""
    raw = load()["detections"]
    given = dict(modes or {})
    for key, mode in given.items():
        if mode not in raw.get(key, {}).get("modes", {}):
            raise KeyError(f"{key} has no mode {mode!r}")
    if cis_exact:
        given["console_login_without_mfa"] = "cis_sso"
    enabled = {key: allowlist_set or not d.get("requires_allowlist", False) for key, d in raw.items()}
    out: dict[str, str] = {}
    for key, d in raw.items():
        if not enabled[key]:
            continue
        if cis_exact and "security_hub" in d["patterns"]:
            out[key] = d.get("cis_exact_pattern", "security_hub")
        elif "modes" in d:
            out[key] = d["modes"][given.get(key, "tuned")]
        elif "tuned" in d["patterns"] and enabled.get(d.get("tuned_requires", ""), True):
            out[key] = "tuned"
        else:
            out[key] = "security_hub"
    return out


def allowlist_clauses(entries: Sequence[str]) -> str:
    """The clauses that replace the allowlist placeholder for ``allowed_source_cidrs`` entries
    that have one text form each, as modules/allowlist writes them (its plain form): an address
    (IPv4 or IPv6, as CloudTrail writes it: RFC 5952 for IPv6) or an IPv4 prefix on an octet
    boundary (``203.0.113.0/24`` -> ``203.0.113.*``). ValueError for any other entry: a
    prefix whose addresses take several text forms is compiled by the module (backtest a plan
    of the configuration instead)."""
    forms: list[str] = []
    for entry in entries:
        try:
            net = ipaddress.ip_network(entry.strip(), strict=True)
        except ValueError as exc:
            raise ValueError(f"{entry!r} is not an IP address or CIDR: {exc}") from None
        if net.prefixlen == net.max_prefixlen:
            forms.append(str(net.network_address))
        elif net.version == 4 and net.prefixlen % 8 == 0:
            octets = str(net.network_address).split(".")[: net.prefixlen // 8]
            forms.append(".".join([*octets, "*"]))
        else:
            raise ValueError(
                f"{entry!r}: only addresses and IPv4 prefixes of /8, /16 or /24 have a single text "
                "form here; the module compiles other prefixes (backtest a plan of the configuration)"
            )
    return " && ".join(f'($.sourceIPAddress != "{form}")' for form in dict.fromkeys(forms))


def exclusion_clauses(event_sources: Sequence[str] = (), principal_arns: Sequence[str] = ()) -> str:
    """The clauses the exclusion inputs add to a pattern (empty when there are none)."""
    templates = load()["exclusions"]["clause_templates"]
    return "".join(
        [templates["event_source"] % s for s in event_sources]
        + [templates["principal_arn"] % a for a in principal_arns]
    )
