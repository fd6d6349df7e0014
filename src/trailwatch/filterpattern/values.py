"""Values on the right-hand side of a comparison: strings (with ``*``), numbers, ``%regex%``.

Shared by the JSON and the space-delimited patterns; :func:`compile_regex` also compiles a
whole-message ``%regex%`` pattern.

Numbers, the pattern side (sources as in the package docstring). Pattern literals are exact
decimals, however large or small their exponent (rec ``{ $.a = 1e-999 }`` matches no event,
not even one that reads as 0). The event side is in :mod:`trailwatch.filterpattern.event`.

Regex bodies stay ASCII (doc: "Multi-byte characters are not supported"), unlike unquoted
terms (:mod:`trailwatch.filterpattern.term_pattern`).
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from trailwatch.filterpattern.limits import InvalidPatternError

_REGEX_ALLOWED = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_#=@/;,-^$?[]{}|\\*+.")
#: A number as a pattern literal or a space-delimited field may write it.
NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def compile_regex(body: str, term_prefix: str = "%") -> re.Pattern[str]:
    """Compile an AWS ``%regex%`` body, enforcing AWS's character set and RE2-like syntax."""
    for i, ch in enumerate(body):
        if ch not in _REGEX_ALLOWED:
            raise InvalidPatternError(f"Invalid character(s) in term '{term_prefix}{body[: i + 1]}'")
    # Possessive quantifiers are valid in Python 3.11 but not in AWS's engine.
    if re.search(r"(?<!\\)[*+?}]\+", body):
        raise InvalidPatternError("Failed to compile regular expression.")
    try:
        with warnings.catch_warnings():
            # re's FutureWarnings on set syntax ("Possible nested set") are about Python's
            # future, not the user's pattern: never printed to the user.
            warnings.simplefilter("ignore", FutureWarning)
            return re.compile(body, re.ASCII)
    except re.error as exc:
        raise InvalidPatternError("Failed to compile regular expression.") from exc


def glob_matcher(text: str) -> Callable[[str], bool]:
    """A test of a whole string against ``text``, in which ``*`` stands for any characters."""
    if "*" not in text:
        return text.__eq__
    rx = re.compile("".join(".*" if c == "*" else re.escape(c) for c in text) + r"\Z", re.S)
    return lambda s: rx.match(s) is not None


@dataclass
class Value:
    """A pattern value, as a comparison uses it."""

    kind: str  # "string" | "number" | "regex"
    text: str
    number: Decimal | None = None
    regex: re.Pattern[str] | None = None
    glob: Callable[[str], bool] = field(default=lambda _s: False)


#: AWS's generic answer for a pattern it cannot parse. No recording holds a quoted value
#: that is not a valid JSON string (``"\\q"``, a raw control character, a short ``\\u``
#: escape); the engine refuses those with this message (an inference: AWS's parser reads a
#: quoted value as a JSON string, and this is its message for any other malformed value).
INVALID_PATTERN = "Invalid metric filter pattern"


def decode_string(quoted: str) -> str:
    """A quoted pattern value (``"..."``, JSON string syntax) as its text; an invalid JSON
    string is an invalid pattern (see :data:`INVALID_PATTERN`)."""
    try:
        text = json.loads(quoted)
    except ValueError:
        raise InvalidPatternError(INVALID_PATTERN) from None
    if not isinstance(text, str):
        raise InvalidPatternError(INVALID_PATTERN)
    return text


def string_value(text: str) -> Value:
    return Value("string", text, glob=glob_matcher(text))


#: The exponent of a number literal must fit a signed 32-bit integer: ``1e2147483648`` is
#: "Invalid metric filter pattern" (rec boundary-huge-exponent), while every smaller literal
#: recorded keeps its full value (rec edge-precise-long, edge-large-finite, edge-underflow-ordered).
#: That the bound is the int range on both sides is an inference (a Java BigDecimal parse).
_EXPONENT_RANGE = (-(2**31), 2**31 - 1)


def number_value(text: str) -> Value:
    m = NUMBER_RE.fullmatch(text)
    if m and m.group(3) and not _EXPONENT_RANGE[0] <= int(m.group(3)[1:]) <= _EXPONENT_RANGE[1]:
        raise InvalidPatternError("Invalid metric filter pattern")
    try:
        num = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - guarded by NUMBER_RE
        raise InvalidPatternError("Invalid metric filter pattern") from exc
    return Value("number", text, number=num, glob=text.__eq__)


def regex_value(body: str) -> Value:
    return Value("regex", body, regex=compile_regex(body))
