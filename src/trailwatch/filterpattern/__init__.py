"""CloudWatch Logs filter patterns, evaluated the way AWS evaluates them.

The language is used by metric filters, subscription filters and FilterLogEvents. AWS
publishes the syntax but not an evaluator, and no emulator evaluates it (moto stores the
patterns, LocalStack community matches everything), so this module implements it. Its
behaviour is pinned to live-AWS ``TestMetricFilter`` recordings (tests/test_filterpattern_conformance.py).

Three pattern families, chosen by the first character:

- ``{ ... }`` JSON patterns: selectors, ``= != < > <= >=``, ``IS NULL/TRUE/FALSE``,
  ``NOT EXISTS``, ``&& || ( )``, wildcards and ``%regex%`` values;
- ``[ ... ]`` space-delimited patterns with named fields, ``...`` and ``extractedValues``;
- ``%regex%`` on the whole message;
- anything else: unstructured terms (``ERROR``, ``?opt``, ``-excluded``, ``"a phrase"``).

``compile_pattern()`` parses once and returns a matcher; matching many events is then a
chain of closures over a JSON document that ``Event`` parses once and shares between
patterns.

Edge rules, each with its source. "Doc" is the CloudWatch Logs User Guide page "Filter
pattern syntax for metric filters, subscription filters, filter log events, and Live Tail"
and the TestMetricFilter API reference; "rec" names cases of ../shared/aws-recorded.

- Keyword case. ``IS``, ``NOT``, ``NULL``, ``TRUE``, ``FALSE`` and ``EXISTS`` after a
  selector are read in any letter case: ``{ $.a is null }`` is ``{ $.a IS NULL }`` (rec
  edge-json-keyword-case, edge-is-null). Only the keyword position is case-blind: as a value,
  ``true`` is the string "true" (rec ``{ $.a = true }``), and ``IS NOT`` stays rejected in
  any case (doc: "IS NOT and EXISTS currently aren't supported"; rec edge-is-not-null).
- Numbers. Pattern literals are exact decimals, however large or small their exponent
  (rec ``{ $.a = 1e-999 }`` matches no event, not even one that reads as 0). On the event
  side, JSON integers are exact (rec edge-precise-long) and other numbers are doubles: an
  underflow reads as 0 (rec edge-zero: ``1e-999`` equals ``0``), an overflow reads as
  Infinity. An infinite event number takes part in no numeric comparison, ``!=`` included
  (rec json-numeric-ne, edge-decimal), but string, wildcard and regex comparisons see its
  text ``Infinity`` (rec ``{ $.a = * }`` matches it, ``{ $.a = %1% }`` does not). ``NaN`` and
  ``Infinity`` literals are not JSON (RFC 8259), so such an event matches no JSON pattern.
- Unquoted terms hold letters and decimal digits of any script, ``_`` and ``.`` (rec
  boundary-term-unicode: ``café``; edge-term-underscore, edge-term-dot); any other symbol is
  "Invalid character(s) in term" (rec ``ERROR!``, ``ERROR:``, ``ERR*``); ``-`` and ``?``
  inside a word start an exclusion or optional term (rec edge-term-punctuation,
  edge-term-question). Quote anything else (doc: "Enclose exact phrases and terms that
  include non-alphanumeric characters in double quotation marks"). Regex bodies stay ASCII
  (doc: "Multi-byte characters are not supported").
- Quoted terms that hold only whitespace impose nothing (doc: ``" "`` matches everything);
  an empty ``""`` is rejected (rec).
- Space-delimited fields split on runs of whitespace (rec space-single: spaces and tabs);
  ``"..."`` and ``[...]`` make one field without their delimiters, and an unclosed one is an
  ordinary word (rec edge-space-incomplete). The last field takes the rest of the message
  verbatim from its first character, trailing whitespace included, when more words follow
  (rec space-single: ``[a]`` on ``"a  b   c "``); when it is the last word it is that word
  alone (rec edge-space-quote-trailing). Fewer words than fields never match.
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_PATTERN_LENGTH = 1024
MAX_REGEX_PER_PATTERN = 2
MAX_WILDCARD_SELECTORS = 3
#: TestMetricFilter's logEventMessages: "Minimum number of 1 item. Maximum number of 50
#: items", each "Minimum length of 1" (CloudWatch Logs API Reference, TestMetricFilter).
MIN_LOG_EVENT_MESSAGES = 1
MAX_LOG_EVENT_MESSAGES = 50


class InvalidParameterError(ValueError):
    """AWS's InvalidParameterException; str() is AWS's message."""


class InvalidPatternError(InvalidParameterError):
    """AWS's InvalidParameterException for a filter pattern; str() is AWS's message."""


def _constraint(value: str, member: str, constraint: str) -> str:
    return f"Value '{value}' at '{member}' failed to satisfy constraint: Member must have {constraint}"


def _validation_message(violations: list[str]) -> str:
    """AWS's request-validation message for one or more violated constraints."""
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(violations)


def _pattern_length_violation(pattern: str) -> str | None:
    if len(pattern) <= MAX_PATTERN_LENGTH:
        return None
    return _constraint(pattern, "filterPattern", f"length less than or equal to {MAX_PATTERN_LENGTH}")


def request_violations(filter_pattern: str, log_event_messages: list[str]) -> list[str]:
    """Every TestMetricFilter request constraint these inputs break, in AWS's words."""
    violations = [v for v in (_pattern_length_violation(filter_pattern),) if v]
    count = len(log_event_messages)
    if not MIN_LOG_EVENT_MESSAGES <= count <= MAX_LOG_EVENT_MESSAGES:
        bound = (
            f"greater than or equal to {MIN_LOG_EVENT_MESSAGES}"
            if count < MIN_LOG_EVENT_MESSAGES
            else f"less than or equal to {MAX_LOG_EVENT_MESSAGES}"
        )
        listed = "[" + ", ".join(log_event_messages) + "]"
        violations.append(_constraint(listed, "logEventMessages", f"length {bound}"))
    for number, message in enumerate(log_event_messages, start=1):
        if not message:
            violations.append(
                _constraint(message, f"logEventMessages.{number}.member", "length greater than or equal to 1")
            )
    return violations


# --------------------------------------------------------------------------------------
# Events: the message, and its JSON document parsed at most once
# --------------------------------------------------------------------------------------


class _Num:
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


_MISSING = object()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse_json(message: str) -> Any:
    try:
        return json.loads(
            message,
            parse_int=lambda s: _Num(s, True),
            parse_float=lambda s: _Num(s, False),
            parse_constant=_reject_constant,
        )
    except (ValueError, RecursionError):
        return _MISSING


class Event:
    """One log event message; its JSON document is parsed lazily and only once."""

    __slots__ = ("_doc", "message")

    def __init__(self, message: str) -> None:
        self.message = message
        self._doc: Any = None

    @property
    def doc(self) -> Any:
        if self._doc is None:
            self._doc = _parse_json(self.message) if self.message.lstrip().startswith("{") else _MISSING
        return self._doc


# --------------------------------------------------------------------------------------
# Values on the right-hand side of a comparison
# --------------------------------------------------------------------------------------

_REGEX_ALLOWED = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_#=@/;,-^$?[]{}|\\*+.")
_NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def compile_regex(body: str, term_prefix: str = "%") -> re.Pattern[str]:
    """Compile an AWS ``%regex%`` body, enforcing AWS's character set and RE2-like syntax."""
    for i, ch in enumerate(body):
        if ch not in _REGEX_ALLOWED:
            raise InvalidPatternError(f"Invalid character(s) in term '{term_prefix}{body[: i + 1]}'")
    # Possessive quantifiers are valid in Python 3.11 but not in AWS's engine.
    if re.search(r"(?<!\\)[*+?}]\+", body):
        raise InvalidPatternError("Failed to compile regular expression.")
    try:
        return re.compile(body, re.ASCII)
    except re.error as exc:
        raise InvalidPatternError("Failed to compile regular expression.") from exc


def _glob(text: str) -> Callable[[str], bool]:
    if "*" not in text:
        return text.__eq__
    rx = re.compile("".join(".*" if c == "*" else re.escape(c) for c in text) + r"\Z", re.S)
    return lambda s: rx.match(s) is not None


@dataclass
class _Value:
    kind: str  # "string" | "number" | "regex"
    text: str
    number: Decimal | None = None
    regex: re.Pattern[str] | None = None
    glob: Callable[[str], bool] = field(default=lambda _s: False)


def _string_value(text: str) -> _Value:
    return _Value("string", text, glob=_glob(text))


def _number_value(text: str) -> _Value:
    try:
        num = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - guarded by _NUMBER_RE
        raise InvalidPatternError("Invalid metric filter pattern") from exc
    return _Value("number", text, number=num, glob=text.__eq__)


def _regex_value(body: str) -> _Value:
    return _Value("regex", body, regex=compile_regex(body))


# --------------------------------------------------------------------------------------
# JSON patterns
# --------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<and>&&)
  | (?P<or>\|\|)
  | (?P<lp>\()
  | (?P<rp>\))
  | (?P<op>!=|<=|>=|=|<|>)
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<regex>%(?:[^%\\]|\\.)*%)
  | (?P<sel>\$[^\s=!<>()&|]*)
  | (?P<word>[^\s=!<>()&|"%]+)
    """,
    re.X,
)


@dataclass
class _Tok:
    kind: str
    text: str
    pos: int


def _tokenize_json(body: str, offset: int) -> list[_Tok]:
    toks: list[_Tok] = []
    i = 0
    while i < len(body):
        m = _TOKEN_RE.match(body, i)
        if not m:
            raise InvalidPatternError(f"Invalid character(s) in term '{body[i]}'")
        kind = m.lastgroup or ""
        if kind != "ws":
            toks.append(_Tok(kind, m.group(), offset + i))
        i = m.end()
    return toks


@dataclass
class _Selector:
    steps: list[tuple[str, Any]]  # ("key", name) | ("index", n) | ("wild", None)

    @property
    def wildcard(self) -> bool:
        return any(kind == "wild" for kind, _ in self.steps)


_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _parse_selector(text: str) -> _Selector:
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
    if sum(1 for k, _ in steps if k == "wild") > 1:
        raise InvalidPatternError(
            "Your filter pattern has a JSON path selector that exceeds the maximum of 1 wildcard "
            "allowed per json selector."
        )
    return _Selector(steps)


def _resolve(doc: Any, steps: list[tuple[str, Any]]) -> tuple[bool, Any, list[Any] | None]:
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
                    ok, val, _ = _resolve(el, rest)
                    if ok:
                        out.append(val)
                elements = out
            return True, cur, elements
    return True, cur, None


@functools.cache
def _selector_steps(path: str) -> tuple[tuple[str, Any], ...]:
    return tuple(_parse_selector(path).steps)


def select(doc: Any, path: str) -> Any:
    """The value at a JSON path such as ``$.detail.userIdentity.arn`` or ``$.a[0]`` (numbers
    as parsed by :class:`Event`), the elements for a ``[*]``/``.*`` path, or None when the
    path leads nowhere. The selector grammar and its errors are the filter patterns'."""
    found, value, elements = _resolve(doc, list(_selector_steps(path)))
    if not found:
        return None
    return elements if elements is not None else value


def _equals(v: Any, value: _Value) -> bool:
    """Does one JSON value equal a pattern value (``=`` semantics)?"""
    if isinstance(v, str):
        if value.kind == "regex":
            assert value.regex is not None
            return value.regex.search(v) is not None
        return value.glob(v)
    if isinstance(v, _Num):
        if value.kind == "number":
            d = v.decimal
            return d is not None and d == value.number
        if value.kind == "regex":
            assert value.regex is not None
            return value.regex.search(v.text) is not None
        return value.glob(v.text)
    return False


def _comparable(v: Any, value: _Value) -> bool:
    """Can ``v`` be compared with ``value`` at all? Strings and numbers can, except an event
    number that overflowed a double against a number pattern (see the module docstring)."""
    if isinstance(v, str):
        return True
    if isinstance(v, _Num):
        return value.kind != "number" or v.decimal is not None
    return False


def _ordered(v: Any, op: str, number: Decimal) -> bool:
    if not isinstance(v, _Num):
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


Pred = Callable[[Any], bool]

#: A prefilter hint: requirements of which at least one holds in every matching event.
#: ("eventName", v): the top-level eventName is exactly v; ("literal", t): the raw message
#: contains t. None: no cheap necessary condition is known.
Hint = frozenset[tuple[str, str]] | None

_NUMERIC_LOOKING = re.compile(r"[-+0-9.eE]+")


def _comparison_hint(sel: _Selector, op: str, value: _Value) -> Hint:
    if op != "=" or value.kind != "string" or sel.wildcard:
        return None
    if (
        sel.steps == [("key", "eventName")]
        and "*" not in value.text
        and not _NUMERIC_LOOKING.fullmatch(value.text)
    ):
        return frozenset({("eventName", value.text)})
    fragment = max(value.text.split("*"), key=len)
    if len(fragment) < 4 or _NUMERIC_LOOKING.fullmatch(fragment):
        return None
    return frozenset({("literal", json.dumps(fragment)[1:-1])})


@functools.cache
def _hint_names(hint: frozenset[tuple[str, str]]) -> frozenset[str]:
    return frozenset(v for kind, v in hint if kind == "eventName")


def _and_hint(hints: list[Hint]) -> Hint:
    known = [h for h in hints if h is not None]
    if not known:
        return None
    # Prefer eventName requirements (one cheap pass finds them), then the smallest set.
    return min(known, key=lambda h: (not all(kind == "eventName" for kind, _ in h), len(h)))


def _or_hint(hints: list[Hint]) -> Hint:
    if any(h is None for h in hints):
        return None
    return frozenset().union(*[h for h in hints if h is not None])


def _comparison(sel: _Selector, op: str, value: _Value) -> Pred:
    steps = sel.steps
    if sel.wildcard:
        if op == "=":
            return lambda doc: any(_equals(e, value) for e in (_resolve(doc, steps)[2] or []))

        if op == "!=":

            def ne_any(doc: Any) -> bool:
                found, _, elements = _resolve(doc, steps)
                return found and not any(_equals(e, value) for e in (elements or []))

            return ne_any
        assert value.number is not None
        bound: Decimal = value.number
        return lambda doc: any(_ordered(e, op, bound) for e in (_resolve(doc, steps)[2] or []))

    if op == "=":

        def eq(doc: Any) -> bool:
            found, v, _ = _resolve(doc, steps)
            return found and _equals(v, value)

        return eq
    if op == "!=":

        def ne(doc: Any) -> bool:
            found, v, _ = _resolve(doc, steps)
            return found and _comparable(v, value) and not _equals(v, value)

        return ne
    num = value.number
    assert num is not None

    def ordered(doc: Any) -> bool:
        found, v, _ = _resolve(doc, steps)
        return found and _ordered(v, op, num)

    return ordered


def _unary(sel: _Selector, check: str) -> Pred:
    steps = sel.steps
    if check == "NOT EXISTS":
        if sel.wildcard:
            return lambda doc: not (_resolve(doc, steps)[2] or [])
        return lambda doc: not _resolve(doc, steps)[0]

    def test(v: Any) -> bool:
        if check == "IS NULL":
            return v is None
        if check == "IS TRUE":
            return v is True
        return v is False

    if sel.wildcard:
        return lambda doc: any(test(e) for e in (_resolve(doc, steps)[2] or []))

    def single(doc: Any) -> bool:
        found, v, _ = _resolve(doc, steps)
        if not found:
            return False
        if check == "IS NULL" and isinstance(v, list):
            return v is None or any(e is None for e in v)
        return test(v)

    return single


class _JsonParser:
    def __init__(self, toks: list[_Tok]) -> None:
        self.toks = toks
        self.i = 0
        self.regexes = 0
        self.wild_selectors = 0
        self.hint: Hint = None

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise InvalidPatternError("Invalid metric filter pattern")
        self.i += 1
        return tok

    def parse(self) -> Pred:
        if not self.toks:
            raise InvalidPatternError("Invalid metric filter pattern")
        pred, self.hint = self.parse_or()
        if self.peek() is not None:
            raise InvalidPatternError("Invalid metric filter pattern")
        return pred

    def _chain(
        self,
        op: str,
        operand: Callable[[], tuple[Pred, Hint]],
        combine: Callable[[Iterable[bool]], bool],
        hint: Callable[[list[Hint]], Hint],
    ) -> tuple[Pred, Hint]:
        """operand (op operand)*: && binds tighter than ||, as in AWS."""
        terms = [operand()]
        while (t := self.peek()) is not None and t.kind == op:
            self.i += 1
            terms.append(operand())
        if len(terms) == 1:
            return terms[0]
        preds = [p for p, _ in terms]
        return (lambda doc: combine(p(doc) for p in preds)), hint([h for _, h in terms])

    def parse_or(self) -> tuple[Pred, Hint]:
        return self._chain("or", self.parse_and, any, _or_hint)

    def parse_and(self) -> tuple[Pred, Hint]:
        return self._chain("and", self.parse_atom, all, _and_hint)

    def parse_atom(self) -> tuple[Pred, Hint]:
        tok = self.take()
        if tok.kind == "lp":
            inner = self.parse_or()
            if self.take().kind != "rp":
                raise InvalidPatternError("Invalid metric filter pattern")
            return inner
        if tok.kind != "sel":
            if tok.kind == "word":
                raise InvalidPatternError(f"Invalid character(s) in term '{tok.text}'")
            raise InvalidPatternError("Invalid metric filter pattern")
        sel = _parse_selector(tok.text)
        if sel.wildcard:
            self.wild_selectors += 1
            if self.wild_selectors > MAX_WILDCARD_SELECTORS:
                raise InvalidPatternError(
                    "Your filter pattern has exceeded the maximum of 3 wildcard selectors per filter pattern."
                )
        nxt = self.take()
        keyword = nxt.text.upper() if nxt.kind == "word" else ""
        if keyword in ("IS", "NOT"):
            w = self.take()
            if keyword == "NOT":
                if w.text.upper() != "EXISTS":
                    raise InvalidPatternError(f"Invalid character(s) in term '{w.text}'")
                return _unary(sel, "NOT EXISTS"), None
            if w.text.upper() not in ("NULL", "TRUE", "FALSE"):
                raise InvalidPatternError(f"Invalid character(s) in term '{w.text}'")
            return _unary(sel, f"IS {w.text.upper()}"), None
        if nxt.kind != "op":
            raise InvalidPatternError("Invalid metric filter pattern")
        op = nxt.text
        value = self.parse_value(self.take(), op)
        return _comparison(sel, op, value), _comparison_hint(sel, op, value)

    def parse_value(self, tok: _Tok, op: str) -> _Value:
        if tok.kind == "regex":
            if op not in ("=", "!="):
                raise InvalidPatternError("Invalid metric filter pattern")
            self.regexes += 1
            if self.regexes > MAX_REGEX_PER_PATTERN:
                raise InvalidPatternError(
                    "Your input has exceeded the maximum of 2 regular expressions per filter pattern."
                )
            return _regex_value(tok.text[1:-1])
        if tok.kind == "str":
            if op not in ("=", "!="):
                raise InvalidPatternError("Invalid metric filter pattern")
            return _string_value(json.loads(tok.text))
        if tok.kind == "word":
            if _NUMBER_RE.fullmatch(tok.text):
                return _number_value(tok.text)
            if op not in ("=", "!="):
                raise InvalidPatternError("Invalid metric filter pattern")
            if tok.text == "null":
                raise InvalidPatternError("Invalid metric filter pattern")
            return _string_value(tok.text)
        raise InvalidPatternError("Invalid metric filter pattern")


# --------------------------------------------------------------------------------------
# Space-delimited patterns
# --------------------------------------------------------------------------------------


@dataclass
class _Field:
    name: str | None  # None = unnamed
    ellipsis: bool = False
    pred: Callable[[str], bool] | None = None


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside quotes and %regex%."""
    parts, buf, quote = [], [], ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            buf.append(ch)
            if ch == "\\" and i + 1 < len(text):
                buf.append(text[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in '"%':
            quote = ch
            buf.append(ch)
        elif text.startswith(sep, i):
            parts.append("".join(buf))
            buf = []
            i += len(sep)
            continue
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts


_FIELD_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COND_RE = re.compile(r"\s*([A-Za-z0-9_]+)\s*(!=|<=|>=|=|<|>)\s*(.*?)\s*\Z", re.S)


class _SpaceParser:
    def __init__(self) -> None:
        self.regexes = 0

    def field_value(self, raw: str, op: str) -> Callable[[str], bool]:
        if raw.startswith("%") and raw.endswith("%") and len(raw) >= 2:
            if op not in ("=", "!="):
                raise InvalidPatternError("Invalid metric filter pattern")
            self.regexes += 1
            if self.regexes > MAX_REGEX_PER_PATTERN:
                raise InvalidPatternError(
                    "Your input has exceeded the maximum of 2 regular expressions per filter pattern."
                )
            rx = compile_regex(raw[1:-1])
            hit: Callable[[str], bool] = lambda s: rx.search(s) is not None  # noqa: E731
        elif raw.startswith('"'):
            if op not in ("=", "!=") or not raw.endswith('"') or len(raw) < 2:
                raise InvalidPatternError("Invalid metric filter pattern")
            hit = _glob(json.loads(raw))
        elif _NUMBER_RE.fullmatch(raw):
            num = Decimal(raw)

            def as_number(s: str) -> Decimal | None:
                if not _NUMBER_RE.fullmatch(s):
                    return None
                return Decimal(s)

            if op in ("=", "!="):
                hit = lambda s: (d := as_number(s)) is not None and d == num  # noqa: E731
            else:
                cmp = {
                    "<": Decimal.__lt__,
                    ">": Decimal.__gt__,
                    "<=": Decimal.__le__,
                    ">=": Decimal.__ge__,
                }[op]
                return lambda s: (d := as_number(s)) is not None and bool(cmp(d, num))
        elif raw and op in ("=", "!="):
            hit = _glob(raw)
        else:
            raise InvalidPatternError("Invalid metric filter pattern")
        if op == "!=":
            return lambda s: not hit(s)
        return hit

    def condition(self, text: str) -> tuple[str, Callable[[str], bool]]:
        m = _COND_RE.match(text)
        if not m or "==" in text:
            raise InvalidPatternError("Invalid metric filter pattern")
        name, op, raw = m.groups()
        if not _FIELD_NAME_RE.fullmatch(name):
            raise InvalidPatternError(f"Invalid character(s) in term '{name}'")
        return name, self.field_value(raw, op)

    def field(self, text: str) -> _Field:
        s = text.strip()
        if not s:
            return _Field(None)
        if s == "...":
            return _Field(None, ellipsis=True)
        if _FIELD_NAME_RE.fullmatch(s):
            return _Field(s)
        if not any(c in s for c in "=<>"):
            raise InvalidPatternError(f"Invalid character(s) in term '{s}'")
        names: list[str] = []

        def parse_or(t: str) -> Callable[[str], bool]:
            alts = [parse_and(p) for p in _split_top(t, "||")]
            return alts[0] if len(alts) == 1 else (lambda v: any(a(v) for a in alts))

        def parse_and(t: str) -> Callable[[str], bool]:
            conds = []
            for part in _split_top(t, "&&"):
                name, pred = self.condition(part)
                names.append(name)
                conds.append(pred)
            return conds[0] if len(conds) == 1 else (lambda v: all(c(v) for c in conds))

        pred = parse_or(s)
        distinct = list(dict.fromkeys(names))
        if len(distinct) > 1:
            raise InvalidPatternError(
                f"Multiple variables used in a single filter. Var1 : {distinct[0]}, Var2 : {distinct[1]}"
            )
        return _Field(distinct[0], pred=pred)


def _tokenize_space(message: str) -> list[tuple[str, int]]:
    """Fields of a space-delimited message: (value, start offset)."""
    toks: list[tuple[str, int]] = []
    i, n = 0, len(message)
    while i < n:
        if message[i].isspace():
            i += 1
            continue
        ch = message[i]
        close = {'"': '"', "[": "]"}.get(ch)
        if close:
            end = message.find(close, i + 1)
            if end >= 0:
                toks.append((message[i + 1 : end], i))
                i = end + 1
                continue
        start = i
        while i < n and not message[i].isspace():
            i += 1
        toks.append((message[start:i], start))
    return toks


def _compile_space(body: str) -> Callable[[str], dict[str, str] | None]:
    parser = _SpaceParser()
    raw_fields = _split_top(body, ",") if body.strip() else []
    fields = [parser.field(f) for f in raw_fields]
    ellipses = [i for i, f in enumerate(fields) if f.ellipsis]
    if len(ellipses) > 1:
        raise InvalidPatternError("Duplicate field '...'")
    names = [f.name for f in fields if f.name]
    if len(names) != len(set(names)):
        dup = next(n for n in names if names.count(n) > 1)
        raise InvalidPatternError(f"Duplicate field '{dup}'")

    def key(f: _Field, pos: int) -> str:
        return f"${f.name}" if f.name else f"${pos + 1}"

    if not fields:

        def match_all(message: str) -> dict[str, str] | None:
            return {f"${i + 1}": v for i, (v, _) in enumerate(_tokenize_space(message))}

        return match_all

    if ellipses:
        e = ellipses[0]
        before, after = fields[:e], fields[e + 1 :]

        def match_ellipsis(message: str) -> dict[str, str] | None:
            toks = _tokenize_space(message)
            if len(toks) < len(before) + len(after):
                return None
            out: dict[str, str] = {}
            tail_start = len(toks) - len(after)
            for i, tok in enumerate(toks):
                value = tok[0]
                if i < len(before):
                    f: _Field | None = before[i]
                elif i >= tail_start:
                    f = after[i - tail_start]
                else:
                    f = None
                if f is not None and f.pred is not None and not f.pred(value):
                    return None
                out[key(f, i) if f is not None else f"${i + 1}"] = value
            return out

        return match_ellipsis

    def match_fields(message: str) -> dict[str, str] | None:
        toks = _tokenize_space(message)
        if len(toks) < len(fields):
            return None
        out: dict[str, str] = {}
        last = len(fields) - 1
        for i, f in enumerate(fields):
            value = toks[i][0]
            if i == last and len(toks) > len(fields):
                value = message[toks[i][1] :]
            if f.pred is not None and not f.pred(value):
                return None
            out[key(f, i)] = value
        return out

    return match_fields


# --------------------------------------------------------------------------------------
# Unstructured terms
# --------------------------------------------------------------------------------------


def _term_char(ch: str) -> bool:
    """May ``ch`` stand in an unquoted term? Letters and decimal digits of any script, ``_``
    and ``.`` (see the module docstring)."""
    if ch.isascii():
        return ch.isalnum() or ch in "_."
    category = unicodedata.category(ch)
    return category[0] == "L" or category == "Nd"


def _compile_terms(pattern: str, hint_out: list[Hint]) -> Callable[[str], bool]:
    include: list[str] = []
    exclude: list[str] = []
    optional: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch.isspace():
            i += 1
            continue
        prefix = ""
        if ch in "?-":
            prefix = ch
            i += 1
        if i < n and pattern[i] == '"':
            j = i + 1
            buf = []
            while j < n and pattern[j] != '"':
                if pattern[j] == "\\" and j + 1 < n:
                    buf.append(pattern[j + 1])
                    j += 2
                    continue
                buf.append(pattern[j])
                j += 1
            if j >= n:
                end = n
                while end > i and pattern[end - 1].isspace():
                    end -= 1
                raise InvalidPatternError(f"Invalid character(s) in term '{pattern[i:end]}'")
            if j + 1 < n and not pattern[j + 1].isspace():
                k = j + 1
                while k < n and not pattern[k].isspace():
                    k += 1
                raise InvalidPatternError(f"Invalid character(s) in term '{pattern[i:k]}'")
            term = "".join(buf)
            if not term:
                raise InvalidPatternError("Invalid character(s) in term '\"\"'")
            i = j + 1
            if not term.strip():
                continue  # a blank phrase (" ") imposes nothing: it matches every event
        else:
            start = i
            while i < n and not pattern[i].isspace() and pattern[i] not in "?-":
                if not _term_char(pattern[i]):
                    raise InvalidPatternError(f"Invalid character(s) in term '{pattern[i]}'")
                i += 1
            term = pattern[start:i]
            if not term:
                continue
        {"": include, "-": exclude, "?": optional}[prefix].append(term)

    hint_out.append(
        frozenset({("literal", max(include, key=len))})
        if include
        else (frozenset(("literal", t) for t in optional) if optional and not exclude else None)
    )
    if include or exclude:
        # '?' terms are ignored as soon as any other term is present.
        def required(message: str) -> bool:
            return all(t in message for t in include) and not any(t in message for t in exclude)

        return required
    if optional:
        return lambda message: any(t in message for t in optional)
    return lambda message: True


# --------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterPattern:
    """A compiled filter pattern. ``match()`` returns extractedValues, or None."""

    text: str
    kind: str  # "json" | "space" | "regex" | "terms"
    regex_count: int
    _matcher: Callable[[Event], dict[str, str] | None] = field(repr=False, compare=False)
    #: A necessary condition for a match, for prefiltering raw text (see Hint).
    hint: Hint = None

    def match(self, event: Event | str) -> dict[str, str] | None:
        ev = event if isinstance(event, Event) else Event(event)
        return self._matcher(ev)

    def could_match(self, event: Event) -> bool:
        """Cheap necessary condition from the hint: False means match() is None."""
        hint = self.hint
        if hint is None:
            return True
        message = event.message
        if "\\u" in message:
            return True  # a JSON escape could hide a literal
        names = _hint_names(hint)
        if names:
            doc = event.doc
            if isinstance(doc, dict) and doc.get("eventName") in names:
                return True
        return any(kind == "literal" and value in message for kind, value in hint)

    def matches(self, event: Event | str) -> bool:
        return self.match(event) is not None


def compile_pattern(pattern: str) -> FilterPattern:
    """Parse a filter pattern, raising InvalidPatternError with AWS's message if invalid."""
    too_long = _pattern_length_violation(pattern)
    if too_long:
        raise InvalidPatternError(_validation_message([too_long]))
    stripped = pattern.strip()
    if stripped.startswith("{"):
        if not stripped.endswith("}"):
            raise InvalidPatternError("If a filter pattern starts with '{' it must end with '}'")
        start = pattern.index("{") + 1
        parser = _JsonParser(_tokenize_json(stripped[1:-1], start))
        pred = parser.parse()
        empty: dict[str, str] = {}

        def json_match(ev: Event) -> dict[str, str] | None:
            doc = ev.doc
            if doc is _MISSING or not isinstance(doc, dict):
                return None
            return empty if pred(doc) else None

        return FilterPattern(pattern, "json", parser.regexes, json_match, parser.hint)
    if stripped.startswith("["):
        if not stripped.endswith("]"):
            raise InvalidPatternError("If a filter pattern starts with '[' it must end with ']'")
        space = _compile_space(stripped[1:-1])
        return FilterPattern(pattern, "space", stripped.count("%") // 2, lambda ev: space(ev.message))
    if stripped.startswith("%"):
        end = stripped.find("%", 1)
        while end > 0 and stripped[end - 1] == "\\":
            end = stripped.find("%", end + 1)
        if end < 0:
            raise InvalidPatternError("If a filter pattern starts with '%' it must end with '%'")
        if end != len(stripped) - 1:
            raise InvalidPatternError(f"Invalid character(s) in term '{stripped[end + 1]}'")
        rx = compile_regex(stripped[1:-1])
        empty2: dict[str, str] = {}
        return FilterPattern(
            pattern, "regex", 1, lambda ev: empty2 if rx.search(ev.message) is not None else None
        )
    hints: list[Hint] = []
    terms = _compile_terms(pattern, hints)
    empty3: dict[str, str] = {}
    return FilterPattern(pattern, "terms", 0, lambda ev: empty3 if terms(ev.message) else None, hints[0])


def test_metric_filter(filter_pattern: str, log_event_messages: list[str]) -> dict[str, Any]:
    """The response of the TestMetricFilter API for these inputs (1-based event numbers).

    The request is validated first, as the API does: a broken constraint raises
    InvalidParameterError with AWS's validation message."""
    violations = request_violations(filter_pattern, log_event_messages)
    if violations:
        raise InvalidParameterError(_validation_message(violations))
    compiled = compile_pattern(filter_pattern)
    matches = []
    for number, message in enumerate(log_event_messages, start=1):
        extracted = compiled.match(message)
        if extracted is not None:
            matches.append({"eventNumber": number, "eventMessage": message, "extractedValues": extracted})
    return {"matches": matches}


test_metric_filter.__test__ = False  # type: ignore[attr-defined]
