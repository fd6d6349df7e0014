"""Log events: the message, and its JSON document parsed at most once.

:class:`Event` parses a message that starts with ``{`` lazily and once; every pattern
evaluated on the event shares the document. Numbers in it are :class:`JsonNumber`, with their
exact value and the text AWS gives them.

Numbers, the event side (sources as in the package docstring). JSON integers are exact (rec
edge-precise-long) and other numbers are doubles: an underflow reads as 0 (rec edge-zero:
``1e-999`` equals ``0``), an overflow reads as Infinity. ``NaN`` and ``Infinity`` literals
are not JSON (RFC 8259), so such an event matches no JSON pattern. How an infinite number
compares is in :mod:`trailwatch.filterpattern.json_match`; pattern literals are in
:mod:`trailwatch.filterpattern.values`.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any


class JsonNumber:
    """A JSON number, kept with its exact value and AWS's text for it."""

    __slots__ = ("is_int", "raw", "value")

    def __init__(self, raw: str, is_int: bool) -> None:
        self.raw = raw
        self.is_int = is_int
        self.value: int | float = int(raw) if is_int else float(raw)

    @property
    def decimal(self) -> Decimal | None:
        if self.is_int:
            return Decimal(self.value)
        if math.isinf(self.value) or math.isnan(self.value):
            return None
        return Decimal(repr(self.value))

    @property
    def text(self) -> str:
        if self.is_int:
            return str(self.value)
        return _java_double_text(float(self.value))


def _java_double_text(d: float) -> str:
    """Java's Double.toString, which is how AWS renders a non-integer JSON number."""
    if math.isinf(d):
        return "Infinity" if d > 0 else "-Infinity"
    if math.isnan(d):
        return "NaN"
    if d == 0:
        return "-0.0" if math.copysign(1.0, d) < 0 else "0.0"
    sign = "-" if d < 0 else ""
    a = abs(d)
    digits, exp = _shortest_digits(a)
    if 1e-3 <= a < 1e7:
        point = exp + 1
        if point <= 0:
            body = "0." + "0" * (-point) + digits
        elif point >= len(digits):
            body = digits + "0" * (point - len(digits)) + ".0"
        else:
            body = digits[:point] + "." + digits[point:]
        return sign + body
    mantissa = digits[0] + "." + (digits[1:] or "0")
    return f"{sign}{mantissa}E{exp}"


def _shortest_digits(a: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of a positive float, and its decimal exponent."""
    mantissa, _, ex = repr(a).partition("e")
    intpart, _, frac = mantissa.partition(".")
    digits = intpart + frac
    significant = digits.lstrip("0")
    exp = len(intpart) - 1 - (len(digits) - len(significant)) + (int(ex) if ex else 0)
    return significant.rstrip("0") or "0", exp


#: The document of an event whose message is not a JSON object.
MISSING = object()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


#: One decoder for every event (``json.loads`` with hooks made one per call: 2.5 us of the
#: engine's 40 per matched record).
_DECODER = json.JSONDecoder(
    parse_int=lambda s: JsonNumber(s, True),
    parse_float=lambda s: JsonNumber(s, False),
    parse_constant=_reject_constant,
)


def _parse_json(message: str) -> Any:
    # json.loads(message, **hooks) is this, after refusing a leading BOM: a BOM is not JSON
    # whitespace, so decode refuses it too (ValueError either way).
    try:
        return _DECODER.decode(message)
    except (ValueError, RecursionError):
        return MISSING


class Event:
    """One log event message; its JSON document is parsed lazily and only once."""

    __slots__ = ("_doc", "message")

    def __init__(self, message: str) -> None:
        self.message = message
        self._doc: Any = None

    @property
    def doc(self) -> Any:
        if self._doc is None:
            self._doc = _parse_json(self.message) if self.message.lstrip().startswith("{") else MISSING
        return self._doc
