"""A narrow IAM policy evaluator: does this policy let this service-to-service call through?

The emulator enforces no policy, so the question "would AWS allow CloudTrail to assume the
delivery role?" is answered here, from the policy JSON and the request context AWS
documents for the call (docs/service-calls.md). It evaluates what the stack's policies use
and nothing more:

- ``Effect`` Allow/Deny; a Deny that matches wins over any Allow;
- ``Principal``/``NotPrincipal`` for service principals, AWS principals (ARN, account id,
  ``*``); a statement without a principal (identity policy, permissions boundary) applies
  to the principal it is attached to;
- ``Action``/``NotAction`` and ``Resource``/``NotResource`` with ``*`` and ``?`` wildcards
  (actions case-insensitive); a statement with neither Resource nor NotResource (a trust
  policy) applies to the role it protects;
- ``Condition`` with the String*, Arn*, Bool and Null operators, their ``...IfExists``
  forms and the ``ForAnyValue:``/``ForAllValues:`` qualifiers. A key the call does not
  carry makes a positive operator false: a statement conditioned on a key the calling
  service never sends cannot match, which is exactly the defect class this guards.

Anything else (numeric/date/IP operators, policy variables, unknown operators) raises
UnsupportedPolicy rather than guessing.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

Context = Mapping[str, str | Sequence[str]]


class UnsupportedPolicy(ValueError):
    """The policy uses an element this narrow evaluator does not judge."""


@dataclass(frozen=True)
class Request:
    """One call as AWS authorizes it: who, what, on which resource, with which context."""

    principal: str  # "service:cloudtrail.amazonaws.com" or an IAM ARN
    action: str
    resource: str
    context: Context = field(default_factory=dict)

    @property
    def is_service(self) -> bool:
        return self.principal.startswith("service:")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    allowed_by: tuple[str, ...]  # Sids (or statement indexes) of the matching Allows
    denied_by: tuple[str, ...]  # ... and Denies

    def explain(self) -> str:
        if self.denied_by:
            return f"denied by {', '.join(self.denied_by)}"
        if self.allowed_by:
            return f"allowed by {', '.join(self.allowed_by)}"
        return "no Allow statement matches (implicit deny)"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def statements(policy: str | Mapping[str, Any]) -> list[dict[str, Any]]:
    """The statements of a policy document (JSON text or parsed), each normalised so that
    Action/NotAction/Resource/NotResource are lists."""
    doc = json.loads(policy) if isinstance(policy, str) else policy
    out: list[dict[str, Any]] = []
    for i, raw in enumerate(_as_list(doc.get("Statement"))):
        st = dict(raw)
        st.setdefault("Sid", f"#{i}")
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            if key in st:
                st[key] = _as_list(st[key])
        out.append(st)
    return out


@lru_cache(maxsize=4096)
def _glob(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    if "${" in pattern:
        raise UnsupportedPolicy(f"policy variables are not evaluated: {pattern!r}")
    regex = fnmatch.translate(pattern.replace("[", "[[]"))  # only * and ? are wildcards in IAM
    return re.compile(regex, 0 if case_sensitive else re.IGNORECASE)


def wildcard_match(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    """IAM's wildcard match: ``*`` any run of characters, ``?`` any one character."""
    return bool(_glob(pattern, case_sensitive).fullmatch(value))


def arn_match(pattern: str, value: str) -> bool:
    """ArnLike/ArnEquals: each of the six colon-delimited parts matched on its own."""
    p_parts, v_parts = pattern.split(":", 5), value.split(":", 5)
    if len(p_parts) != 6 or len(v_parts) != 6:
        return False
    return all(wildcard_match(p, v) for p, v in zip(p_parts, v_parts, strict=True))


def _principal_matches(principal: Any, request: Request) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        raise UnsupportedPolicy(f"Principal {principal!r}")
    if request.is_service:
        service = request.principal.removeprefix("service:")
        return service in _as_list(principal.get("Service")) or "*" in _as_list(principal.get("AWS"))
    for entry in _as_list(principal.get("AWS")):
        if entry == "*" or entry == request.principal:
            return True
        account = request.principal.split(":")[4] if request.principal.startswith("arn:") else ""
        if entry in (account, f"arn:aws:iam::{account}:root"):
            # The account as principal delegates to its IAM policies; an identity with an
            # Allow there passes (checked by the caller through the identity policies).
            return True
    return False


def _applies_to(st: Mapping[str, Any], request: Request, attached: bool) -> bool:
    if "Principal" in st:
        if not _principal_matches(st["Principal"], request):
            return False
    elif "NotPrincipal" in st:
        if _principal_matches(st["NotPrincipal"], request):
            return False
    elif not attached:
        raise UnsupportedPolicy(f"statement {st['Sid']} of a resource policy names no principal")
    if "Action" in st:
        if not any(wildcard_match(a, request.action, case_sensitive=False) for a in st["Action"]):
            return False
    elif "NotAction" in st:
        if any(wildcard_match(a, request.action, case_sensitive=False) for a in st["NotAction"]):
            return False
    else:
        raise UnsupportedPolicy(f"statement {st['Sid']} has neither Action nor NotAction")
    if "Resource" in st:
        if not any(wildcard_match(r, request.resource) for r in st["Resource"]):
            return False
    elif "NotResource" in st and any(wildcard_match(r, request.resource) for r in st["NotResource"]):
        return False
    # Neither Resource nor NotResource: a role trust policy, which applies to its role.
    return _conditions_hold(st.get("Condition", {}), request.context)


_STRING_OPS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "StringEquals": (lambda p, v: p == v, False),
    "StringNotEquals": (lambda p, v: p == v, True),
    "StringEqualsIgnoreCase": (lambda p, v: p.lower() == v.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda p, v: p.lower() == v.lower(), True),
    "StringLike": (wildcard_match, False),
    "StringNotLike": (wildcard_match, True),
    "ArnEquals": (arn_match, False),
    "ArnLike": (arn_match, False),
    "ArnNotEquals": (arn_match, True),
    "ArnNotLike": (arn_match, True),
    "Bool": (lambda p, v: p.lower() == v.lower(), False),
}


def _lookup(context: Context, key: str) -> list[str] | None:
    """Context values of a key; condition keys are case-insensitive."""
    for k, v in context.items():
        if k.lower() == key.lower():
            return [str(x) for x in _as_list(v)]
    return None


def _condition_holds(operator: str, key: str, expected: Any, context: Context) -> bool:
    qualifier = ""
    if ":" in operator:
        qualifier, operator = operator.split(":", 1)
        if qualifier not in ("ForAnyValue", "ForAllValues"):
            raise UnsupportedPolicy(f"condition qualifier {qualifier!r}")
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    values = _lookup(context, key)
    patterns = [str(x).lower() if isinstance(x, bool) else str(x) for x in _as_list(expected)]
    if base == "Null":
        want_absent = patterns[0].lower() == "true"
        return (values is None) == want_absent
    if base not in _STRING_OPS:
        raise UnsupportedPolicy(f"condition operator {operator!r}")
    match, negated = _STRING_OPS[base]
    if values is None:
        # A missing key: IfExists and ForAllValues pass, negated operators pass,
        # every positive operator fails. This is what sinks a statement conditioned on a
        # key the calling service does not send.
        return if_exists or qualifier == "ForAllValues" or negated

    def one(value: str) -> bool:
        hit = any(match(p, value) for p in patterns)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(one(v) for v in values)
    return any(one(v) for v in values)


def _conditions_hold(condition: Mapping[str, Mapping[str, Any]], context: Context) -> bool:
    return all(
        _condition_holds(op, key, expected, context)
        for op, block in condition.items()
        for key, expected in block.items()
    )


def evaluate(policy: str | Mapping[str, Any], request: Request, attached: bool = False) -> Decision:
    """Evaluate one policy for one request.

    ``attached`` is True for identity policies and permissions boundaries (statements
    without a Principal apply to the identity they are attached to).
    """
    allows: list[str] = []
    denies: list[str] = []
    for st in statements(policy):
        if not _applies_to(st, request, attached):
            continue
        effect = st.get("Effect")
        if effect == "Deny":
            denies.append(str(st["Sid"]))
        elif effect == "Allow":
            allows.append(str(st["Sid"]))
        else:
            raise UnsupportedPolicy(f"statement {st['Sid']} has Effect {effect!r}")
    return Decision(allowed=bool(allows) and not denies, allowed_by=tuple(allows), denied_by=tuple(denies))


def evaluate_all(
    request: Request,
    grant: Sequence[str | Mapping[str, Any]],
    deny_only: Sequence[str | Mapping[str, Any]] = (),
    boundaries: Sequence[str | Mapping[str, Any]] = (),
    attached: bool = False,
) -> Decision:
    """The same-account decision over several policies: some ``grant`` policy allows, every
    permissions boundary allows, and nothing in any of them (or in ``deny_only``) denies."""
    decisions = [evaluate(p, request, attached) for p in grant]
    fences = [evaluate(p, request, attached=True) for p in boundaries]
    extra = [evaluate(p, request, attached) for p in deny_only]
    denied = tuple(s for d in (*decisions, *fences, *extra) for s in d.denied_by)
    allowed = tuple(s for d in decisions for s in d.allowed_by)
    fenced = any(not d.allowed_by for d in fences)
    return Decision(
        allowed=bool(allowed) and not denied and not fenced,
        allowed_by=allowed if not fenced else (),
        denied_by=denied + (("permissions boundary",) if fenced else ()),
    )
