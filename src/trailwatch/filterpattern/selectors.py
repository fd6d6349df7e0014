"""JSON path selectors (``$.a.b[0].*['x.y']``): parsing them, with AWS's messages for what
it refuses, and following one through a document (:func:`select` reads a value by a path
with the same grammar)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from trailwatch.filterpattern.limits import (
    MAX_WILDCARDS_PER_SELECTOR,
    TOO_MANY_WILDCARDS_IN_SELECTOR,
    InvalidPatternError,
    within_limit,
)


@dataclass
class Selector:
    """A parsed selector: its steps from the document's root."""

    steps: list[tuple[str, Any]]  # ("key", name) | ("index", n) | ("wild", None)

    @property
    def wildcard(self) -> bool:
        return any(kind == "wild" for kind, _ in self.steps)


_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def parse_selector(text: str) -> Selector:
    """``$.a.b[0].*['x.y']`` → steps; AWS-style messages for what it rejects."""

    def bad(start: int, at: int) -> InvalidPatternError:
        return InvalidPatternError(f"Invalid character(s) in term '{text[start : at + 1]}'")

    if len(text) < 2 or text[1] != ".":
        raise (
            bad(0, min(1, len(text) - 1))
            if len(text) > 1
            else InvalidPatternError(f"Invalid character(s) in term '{text} '")
        )
    steps: list[tuple[str, Any]] = []
    i = 1
    term_start = 0
    while i < len(text):
        ch = text[i]
        if ch == ".":
            i += 1
            if i < len(text) and text[i] == "*":
                steps.append(("wild", None))
                i += 1
            elif i < len(text) and text[i] == "[":
                # $.['quoted.name']
                if i + 1 < len(text) and text[i + 1] == "'":
                    end = text.find("']", i + 2)
                    if end < 0:
                        raise bad(term_start, len(text) - 1)
                    steps.append(("key", text[i + 2 : end]))
                    i = end + 2
                else:
                    raise bad(term_start, i + 1 if i + 1 < len(text) else i)
            else:
                start = i
                while i < len(text) and text[i] in _NAME_CHARS:
                    i += 1
                if i == start:
                    raise bad(term_start, i if i < len(text) else i - 1)
                steps.append(("key", text[start:i]))
        elif ch == "[":
            term_start = i
            end = text.find("]", i)
            inner = text[i + 1 : end] if end > 0 else text[i + 1 :]
            if inner == "*":
                steps.append(("wild", None))
            elif inner.isdigit():
                steps.append(("index", int(inner)))
            else:
                raise bad(term_start, i + 1)
            i = end + 1
        else:
            raise bad(term_start, i)
        term_start = i
    if not steps:
        raise InvalidPatternError(f"Invalid character(s) in term '{text}'")
    within_limit(
        sum(1 for k, _ in steps if k == "wild"), MAX_WILDCARDS_PER_SELECTOR, TOO_MANY_WILDCARDS_IN_SELECTOR
    )
    return Selector(steps)


def resolve(doc: Any, steps: list[tuple[str, Any]]) -> tuple[bool, Any, list[Any] | None]:
    """Follow a selector: (found, value, wildcard elements or None)."""
    cur = doc
    for n, (kind, arg) in enumerate(steps):
        if kind == "key":
            if not isinstance(cur, dict) or arg not in cur:
                return False, None, None
            cur = cur[arg]
        elif kind == "index":
            if not isinstance(cur, list) or arg >= len(cur):
                return False, None, None
            cur = cur[arg]
        else:  # wildcard: the elements of an array or the values of an object
            elements = list(cur.values()) if isinstance(cur, dict) else cur if isinstance(cur, list) else []
            rest = steps[n + 1 :]
            if rest:
                out = []
                for el in elements:
                    ok, val, _ = resolve(el, rest)
                    if ok:
                        out.append(val)
                elements = out
            return True, cur, elements
    return True, cur, None


@functools.cache
def _selector_steps(path: str) -> tuple[tuple[str, Any], ...]:
    return tuple(parse_selector(path).steps)


def select(doc: Any, path: str) -> Any:
    """The value at a JSON path such as ``$.detail.userIdentity.arn`` or ``$.a[0]`` (numbers
    as parsed by :class:`Event`), the elements for a ``[*]``/``.*`` path, or None when the
    path leads nowhere. The selector grammar and its errors are the filter patterns'."""
    found, value, elements = resolve(doc, list(_selector_steps(path)))
    if not found:
        return None
    return elements if elements is not None else value
