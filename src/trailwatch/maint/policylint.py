"""parliament over every policy document a config produces, with reasoned suppressions.

parliament (Duo Labs' IAM linter) checks actions and condition keys against its database of
every IAM action, resource and condition key, and flags malformed statements and risky
grants. It is written for identity policies, so a few of its findings are expected on key,
topic and trust policies: each is suppressed in policy-lint.yaml by (finding, policy kind,
statement Sid), with the reason. Suppressions are never global, and one that no longer
matches anything is reported, so the file cannot rot.

Each statement is linted as a policy of its own, so that every finding is attributed to the
statement (Sid) it concerns.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from trailwatch.harness.terraform import REPO_ROOT
from trailwatch.maint.planpolicies import PolicyDoc
from trailwatch.maint.policycheck import statements, wildcard_match

SUPPRESSIONS = REPO_ROOT / "policy-lint.yaml"


@dataclass(frozen=True)
class Suppression:
    issue: str
    kind: str
    sid: str
    reason: str

    def covers(self, finding: Finding) -> bool:
        return (
            self.issue == finding.issue
            and self.kind == finding.kind
            and wildcard_match(self.sid, finding.sid)
        )


@dataclass(frozen=True)
class Finding:
    config: str
    policy: str
    kind: str
    sid: str
    issue: str
    detail: str

    def __str__(self) -> str:
        return f"{self.config}: {self.policy} [{self.kind}] statement {self.sid}: {self.issue} {self.detail}"


def load_suppressions(path: Path = SUPPRESSIONS) -> list[Suppression]:
    entries = yaml.safe_load(path.read_text()) or []
    out = [Suppression(**e) for e in entries]
    for s in out:
        if len(s.reason.strip()) < 20:
            raise ValueError(f"suppression {s.issue}/{s.kind}/{s.sid} needs a reason")
    return out


def lint_document(config: str, doc: PolicyDoc) -> list[Finding]:
    # Imported here: parliament loads its IAM database and pkg_resources (0.37 s), which
    # every xdist worker importing this module would pay (tests/test_service_calls.py).
    from parliament import analyze_policy_string

    assert doc.document is not None
    findings: list[Finding] = []
    for st in statements(doc.document):
        single = {"Version": doc.document.get("Version", "2012-10-17"), "Statement": [_raw(st)]}
        policy = analyze_policy_string(json.dumps(single), include_community_auditors=True)
        for f in policy.findings:
            detail = f.detail if isinstance(f.detail, str) else json.dumps(f.detail, default=str)
            findings.append(Finding(config, doc.name, doc.kind, str(st["Sid"]), f.issue, detail))
    return findings


def _raw(st: Mapping[str, Any]) -> dict[str, Any]:
    """The statement as written (without the Sid placeholder statements() adds)."""
    return {k: v for k, v in st.items() if not (k == "Sid" and str(v).startswith("#"))}


@dataclass(frozen=True)
class Report:
    findings: list[Finding]
    suppressed: list[tuple[Finding, Suppression]]
    unused: list[Suppression]


def lint(docs: Iterable[tuple[str, PolicyDoc]], suppressions: list[Suppression]) -> Report:
    """Lint (config, document) pairs; split findings into open and suppressed."""
    open_: list[Finding] = []
    suppressed: list[tuple[Finding, Suppression]] = []
    used: set[Suppression] = set()
    for config, doc in docs:
        for finding in lint_document(config, doc):
            match = next((s for s in suppressions if s.covers(finding)), None)
            if match is None:
                open_.append(finding)
            else:
                suppressed.append((finding, match))
                used.add(match)
    return Report(open_, suppressed, [s for s in suppressions if s not in used])
