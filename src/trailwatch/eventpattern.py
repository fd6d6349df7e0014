"""EventBridge event-pattern engine: validate a pattern and decide whether an event matches.

This is what ``modules/signin-events`` relies on, the way :mod:`trailwatch.filterpattern`
covers CloudWatch Logs. Semantics follow the EventBridge user guide ("Event patterns",
"Comparison operators") and the open-source event-ruler library it runs on:

* A pattern is a JSON object. Keys are ANDed; a key's value is either a nested object
  (descend) or a non-empty array of matchers, ORed. ``"$or": [{...}, {...}]`` ORs
  sub-patterns at the same level.
* Matchers apply to *leaf* values only (strings, numbers, booleans, null). When the event
  holds an array, the field matches if any element does; arrays of objects are descended
  element by element.
* Exact values: a string matches an equal string, a number an equal number (compared as
  numbers: ``300`` equals ``3.0e2``), ``null``/``true``/``false`` themselves.
* ``prefix`` / ``suffix`` (string or ``{"equals-ignore-case": s}``), ``equals-ignore-case``,
  ``wildcard`` (``*`` any run of characters, ``\\*`` and ``\\\\`` escapes, no ``**``):
  strings only.
* ``anything-but``: a string, number or list of one type, or an object with ``prefix``,
  ``suffix``, ``wildcard`` or ``equals-ignore-case`` (one value or a list). It matches a
  present leaf that is none of them; an absent field matches nothing.
* ``numeric``: one or two comparisons (``<``, ``<=``, ``=``, ``>=``, ``>``) on numbers.
* ``cidr``: IPv4 or IPv6 network; the value must parse as an address inside it.
* ``exists``: true when a leaf is present at the path, false when none is (an absent
  parent counts as absent; an object at the path is not a leaf).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

_NUMERIC_OPS = ("<", "<=", "=", ">=", ">")
_ANYTHING_BUT_KEYS = ("prefix", "suffix", "wildcard", "equals-ignore-case")


class InvalidEventPattern(ValueError):
    """The pattern would be rejected by PutRule / TestEventPattern."""


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@cache
def _wildcard_regex(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            nxt = pattern[i + 1] if i + 1 < len(pattern) else ""
            if nxt not in ("*", "\\"):
                raise InvalidEventPattern(f"Invalid escape in wildcard {pattern!r}")
            out.append(re.escape(nxt))
            i += 2
            continue
        if c == "*":
            if i + 1 < len(pattern) and pattern[i + 1] == "*":
                raise InvalidEventPattern(f"Consecutive wildcard characters in {pattern!r}")
            out.append(".*")
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def _str_or_ignore_case(value: Any, what: str) -> tuple[str, bool]:
    """A prefix/suffix operand: a string, or {"equals-ignore-case": string}."""
    if isinstance(value, str):
        return value, False
    if (
        isinstance(value, dict)
        and set(value) == {"equals-ignore-case"}
        and isinstance(value["equals-ignore-case"], str)
    ):
        return value["equals-ignore-case"], True
    raise InvalidEventPattern(f"{what} match pattern must be a string or an equals-ignore-case object")


def _string_list(value: Any, what: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) for v in items):
        raise InvalidEventPattern(f"{what} must be a string or a non-empty list of strings")
    return items


@dataclass(frozen=True)
class _Matcher:
    """One element of a leaf array."""

    spec: Any

    def validate(self) -> None:
        s = self.spec
        if s is None or isinstance(s, (str, bool)) or _is_number(s):
            return
        if not isinstance(s, dict) or len(s) != 1:
            raise InvalidEventPattern(f"Unrecognized match type in {json.dumps(s)}")
        ((op, arg),) = s.items()
        if op in ("prefix", "suffix"):
            _str_or_ignore_case(arg, op)
        elif op == "equals-ignore-case":
            _string_list(arg, op)
        elif op == "wildcard":
            for w in _string_list(arg, op):
                _wildcard_regex(w)
        elif op == "exists":
            if not isinstance(arg, bool):
                raise InvalidEventPattern("exists match pattern must be either true or false.")
        elif op == "numeric":
            if not isinstance(arg, list) or len(arg) not in (2, 4):
                raise InvalidEventPattern("Value of numeric must be an array of one or two comparisons.")
            for o, v in zip(arg[::2], arg[1::2], strict=True):
                if o not in _NUMERIC_OPS or not _is_number(v):
                    raise InvalidEventPattern(f"Unrecognized numeric range operator or value: {o!r} {v!r}")
                if not -5.0e9 <= v <= 5.0e9:
                    raise InvalidEventPattern("Numeric values must be between -5.0e9 and 5.0e9 inclusive")
            if len(arg) == 4 and not (arg[0] in (">", ">=") and arg[2] in ("<", "<=")):
                raise InvalidEventPattern(
                    "A numeric range is a lower bound (> or >=) then an upper bound (< or <=)."
                )
        elif op == "cidr":
            if not isinstance(arg, str):
                raise InvalidEventPattern("cidr match pattern must be a string")
            try:
                ipaddress.ip_network(arg, strict=False)
            except ValueError as exc:
                raise InvalidEventPattern(f"Nonstandard IP address: {arg}") from exc
        elif op == "anything-but":
            if isinstance(arg, dict):
                if len(arg) != 1 or next(iter(arg)) not in _ANYTHING_BUT_KEYS:
                    raise InvalidEventPattern("Unsupported anything-but pattern: " + json.dumps(arg))
                ((inner, val),) = arg.items()
                items = _string_list(val, f"anything-but {inner}")
                if inner == "wildcard":
                    for w in items:
                        _wildcard_regex(w)
            elif isinstance(arg, list):
                if not arg or not (all(isinstance(v, str) for v in arg) or all(_is_number(v) for v in arg)):
                    raise InvalidEventPattern(
                        "Inside anything-but list, all values must be strings or all numbers"
                    )
            elif not (isinstance(arg, str) or _is_number(arg)):
                raise InvalidEventPattern(
                    "Value of anything-but must be a string, a number, a list or an object"
                )
        else:
            raise InvalidEventPattern(f"Unrecognized match type {op}")

    def matches(self, value: Any) -> bool:
        """``value`` is a present leaf (never MISSING)."""
        s = self.spec
        if s is None:
            return value is None
        if isinstance(s, bool):
            return isinstance(value, bool) and value is s
        if _is_number(s):
            return _is_number(value) and float(value) == float(s)
        if isinstance(s, str):
            return isinstance(value, str) and value == s
        ((op, arg),) = s.items()
        if op == "numeric":
            if not _is_number(value):
                return False
            return all(_compare(o, float(value), float(v)) for o, v in zip(arg[::2], arg[1::2], strict=True))
        if op == "cidr":
            if not isinstance(value, str):
                return False
            try:
                return ipaddress.ip_address(value) in ipaddress.ip_network(arg, strict=False)
            except ValueError:
                return False
        if op == "anything-but":
            return _anything_but(arg, value)
        if not isinstance(value, str):
            return False
        return _string_op(op, arg, value)


def _compare(op: str, a: float, b: float) -> bool:
    return {"<": a < b, "<=": a <= b, "=": a == b, ">=": a >= b, ">": a > b}[op]


def _string_op(op: str, arg: Any, value: str) -> bool:
    if op in ("prefix", "suffix"):
        text, fold = _str_or_ignore_case(arg, op)
        v, t = (value.casefold(), text.casefold()) if fold else (value, text)
        return v.startswith(t) if op == "prefix" else v.endswith(t)
    if op == "equals-ignore-case":
        return any(value.casefold() == t.casefold() for t in _string_list(arg, op))
    if op == "wildcard":
        return any(_wildcard_regex(w).fullmatch(value) is not None for w in _string_list(arg, op))
    raise InvalidEventPattern(f"Unrecognized match type {op}")


def _anything_but(arg: Any, value: Any) -> bool:
    if isinstance(arg, dict):
        ((inner, val),) = arg.items()
        if not isinstance(value, str):
            return True
        return not _string_op(inner, val, value)
    excluded = arg if isinstance(arg, list) else [arg]
    for x in excluded:
        if isinstance(x, str) and isinstance(value, str) and x == value:
            return False
        if _is_number(x) and _is_number(value) and float(x) == float(value):
            return False
    return True


def _leaves(node: Any, path: tuple[str, ...]) -> Iterator[Any]:
    """Every leaf value at ``path`` under ``node``, descending through arrays."""
    if isinstance(node, list):
        for item in node:
            yield from _leaves(item, path)
        return
    if not path:
        if not isinstance(node, dict):
            yield node
        return
    if isinstance(node, dict) and path[0] in node:
        yield from _leaves(node[path[0]], path[1:])


class EventPattern:
    """A validated EventBridge event pattern."""

    def __init__(self, pattern: dict[str, Any] | str) -> None:
        if isinstance(pattern, str):
            try:
                pattern = json.loads(pattern)
            except json.JSONDecodeError as exc:
                raise InvalidEventPattern(f"Event pattern is not valid JSON: {exc.msg}") from exc
        if not isinstance(pattern, dict):
            raise InvalidEventPattern("Event pattern must be a JSON object")
        self.pattern: dict[str, Any] = pattern
        self._validate(pattern, top=True)

    def _validate(self, node: dict[str, Any], top: bool = False) -> None:
        if not node and not top:
            raise InvalidEventPattern("Empty objects are not allowed")
        for key, value in node.items():
            if key == "$or":
                if (
                    not isinstance(value, list)
                    or len(value) < 2
                    or not all(isinstance(v, dict) and v for v in value)
                ):
                    raise InvalidEventPattern('"$or" must be an array of at least two non-empty objects')
                for sub in value:
                    self._validate(sub)
            elif isinstance(value, dict):
                self._validate(value)
            elif isinstance(value, list):
                if not value:
                    raise InvalidEventPattern("Empty arrays are not allowed")
                for m in value:
                    _Matcher(m).validate()
            else:
                raise InvalidEventPattern(f"'{key}' must be an object or an array")

    def matches(self, event: dict[str, Any] | str) -> bool:
        if isinstance(event, str):
            event = json.loads(event)
        return self._match(self.pattern, event, ())

    def _match(self, node: dict[str, Any], event: Any, prefix: tuple[str, ...]) -> bool:
        for key, value in node.items():
            if key == "$or":
                if not any(self._match(sub, event, prefix) for sub in value):
                    return False
                continue
            path = (*prefix, key)
            if isinstance(value, dict):
                if not self._match(value, event, path):
                    return False
                continue
            if not self._leaf_matches(value, list(_leaves(event, path))):
                return False
        return True

    @staticmethod
    def _leaf_matches(matchers: list[Any], leaves: list[Any]) -> bool:
        for spec in matchers:
            if isinstance(spec, dict) and "exists" in spec:
                if bool(leaves) == spec["exists"]:
                    return True
                continue
            m = _Matcher(spec)
            if any(m.matches(v) for v in leaves):
                return True
        return False


def matches(pattern: dict[str, Any] | str, event: dict[str, Any] | str) -> bool:
    """One-shot: validate ``pattern`` and test ``event`` (the TestEventPattern API's question)."""
    return EventPattern(pattern).matches(event)
