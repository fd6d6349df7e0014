"""JSON patterns: what a comparison (``= != < > <= >=``) or a check (``IS NULL``, ``IS
TRUE``, ``IS FALSE``, ``NOT EXISTS``) matches in a document.

Each builds a :data:`Pred` over the document :class:`~trailwatch.filterpattern.event.Event`
parses; :mod:`trailwatch.filterpattern.json_pattern` builds them from its parse.

Numbers in comparisons (sources as in the package docstring). An infinite event number (an
overflow, see :mod:`trailwatch.filterpattern.event`) takes part in no numeric comparison,
``!=`` included (rec json-numeric-ne, edge-decimal), but string, wildcard and regex
comparisons see its text ``Infinity`` (rec ``{ $.a = * }`` matches it, ``{ $.a = %1% }``
does not).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from trailwatch.filterpattern.event import JsonNumber
from trailwatch.filterpattern.selectors import Selector, resolve
from trailwatch.filterpattern.values import Value

#: A predicate over a JSON document (what a JSON pattern, or a part of one, compiles to).
Pred = Callable[[Any], bool]


def _equals(v: Any, value: Value) -> bool:
    """Does one JSON value equal a pattern value (``=`` semantics)?"""
    if isinstance(v, str):
        if value.kind == "regex":
            assert value.regex is not None
            return value.regex.search(v) is not None
        return value.glob(v)
    if isinstance(v, JsonNumber):
        if value.kind == "number":
            d = v.decimal
            return d is not None and d == value.number
        if value.kind == "regex":
            assert value.regex is not None
            return value.regex.search(v.text) is not None
        return value.glob(v.text)
    return False


def _comparable(v: Any, value: Value) -> bool:
    """Can ``v`` be compared with ``value`` at all? Strings and numbers can, except an event
    number that overflowed a double against a number pattern (see the module docstring)."""
    if isinstance(v, str):
        return True
    if isinstance(v, JsonNumber):
        return value.kind != "number" or v.decimal is not None
    return False


def _ordered(v: Any, op: str, number: Decimal) -> bool:
    if not isinstance(v, JsonNumber):
        return False
    d = v.decimal
    if d is None:
        return False
    if op == "<":
        return d < number
    if op == ">":
        return d > number
    if op == "<=":
        return d <= number
    if op == ">=":
        return d >= number
    raise AssertionError(op)


def comparison(sel: Selector, op: str, value: Value) -> Pred:
    """``selector op value``, with ``op`` one of ``= != < > <= >=``."""
    steps = sel.steps
    if sel.wildcard:
        if op == "=":
            return lambda doc: any(_equals(e, value) for e in (resolve(doc, steps)[2] or []))

        if op == "!=":

            def ne_any(doc: Any) -> bool:
                found, _, elements = resolve(doc, steps)
                return found and not any(_equals(e, value) for e in (elements or []))

            return ne_any
        assert value.number is not None
        bound: Decimal = value.number
        return lambda doc: any(_ordered(e, op, bound) for e in (resolve(doc, steps)[2] or []))

    if op in ("=", "!=") and all(kind == "key" for kind, _ in steps):
        return _by_keys(tuple(arg for _, arg in steps), op == "=", value)
    if op == "=":

        def eq(doc: Any) -> bool:
            found, v, _ = resolve(doc, steps)
            return found and _equals(v, value)

        return eq
    if op == "!=":

        def ne(doc: Any) -> bool:
            found, v, _ = resolve(doc, steps)
            return found and _comparable(v, value) and not _equals(v, value)

        return ne
    num = value.number
    assert num is not None

    def ordered(doc: Any) -> bool:
        found, v, _ = resolve(doc, steps)
        return found and _ordered(v, op, num)

    return ordered


#: What a key path leads to when the document has no value there.
_ABSENT = object()


def _by_keys(keys: tuple[str, ...], equal: bool, value: Value) -> Pred:
    """``=`` (``equal``) or ``!=`` on a selector of object keys only: what ``comparison``
    builds with ``resolve`` (which, for such a selector, finds a value exactly when every
    step is a dict holding the key), walked here without it. A string pattern value (no
    number, no regex) is compared by its glob alone, as ``_equals`` does for it."""

    def walk(doc: Any) -> Any:
        cur = doc
        for key in keys:
            if not isinstance(cur, dict):
                return _ABSENT
            cur = cur.get(key, _ABSENT)
            if cur is _ABSENT:
                return _ABSENT
        return cur

    if value.kind == "string" and len(keys) == 1:
        # The commonest comparison (``$.errorCode = "AccessDenied*"``), written out: no call
        # but the glob's.
        (key,) = keys
        glob = value.glob
        if equal:
            return lambda doc: (
                isinstance(doc, dict)
                and (v := doc.get(key, _ABSENT)) is not _ABSENT
                and (glob(v) if isinstance(v, str) else isinstance(v, JsonNumber) and glob(v.text))
            )
        return lambda doc: (
            isinstance(doc, dict)
            and (v := doc.get(key, _ABSENT)) is not _ABSENT
            and (not glob(v) if isinstance(v, str) else isinstance(v, JsonNumber) and not glob(v.text))
        )
    if value.kind == "string":
        glob = value.glob

        def equals(v: Any) -> bool:
            if isinstance(v, str):
                return glob(v)
            return isinstance(v, JsonNumber) and glob(v.text)

        if equal:
            return lambda doc: (v := walk(doc)) is not _ABSENT and equals(v)
        # A string value compares with any string or number (_comparable).
        return lambda doc: (
            (v := walk(doc)) is not _ABSENT and isinstance(v, (str, JsonNumber)) and not equals(v)
        )
    if equal:
        return lambda doc: (v := walk(doc)) is not _ABSENT and _equals(v, value)
    return lambda doc: (v := walk(doc)) is not _ABSENT and _comparable(v, value) and not _equals(v, value)


def unary(sel: Selector, check: str) -> Pred:
    """``selector check``, with ``check`` one of ``IS NULL``, ``IS TRUE``, ``IS FALSE``, ``NOT EXISTS``."""
    steps = sel.steps
    if check == "NOT EXISTS":
        if sel.wildcard:
            return lambda doc: not (resolve(doc, steps)[2] or [])
        return lambda doc: not resolve(doc, steps)[0]

    def test(v: Any) -> bool:
        if check == "IS NULL":
            return v is None
        if check == "IS TRUE":
            return v is True
        return v is False

    if sel.wildcard:
        return lambda doc: any(test(e) for e in (resolve(doc, steps)[2] or []))

    def single(doc: Any) -> bool:
        found, v, _ = resolve(doc, steps)
        if not found:
            return False
        if check == "IS NULL" and isinstance(v, list):
            return v is None or any(e is None for e in v)
        return test(v)

    return single
