"""Space-delimited patterns (``[ ... ]``): named fields, conditions on them, ``...``, and the
extractedValues of a match.

Splitting (sources as in the package docstring). Fields split on runs of whitespace (rec
space-single: spaces and tabs); ``"..."`` and ``[...]`` make one field without their
delimiters, and an unclosed one is an ordinary word (rec edge-space-incomplete). The last
field takes the rest of the message verbatim from its first character, trailing whitespace
included, when more words follow (rec space-single: ``[a]`` on ``"a  b   c "``); when it is
the last word it is that word alone (rec edge-space-quote-trailing). Fewer words than fields
never match.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from trailwatch.filterpattern.limits import (
    MAX_REGEX_PER_PATTERN,
    TOO_MANY_REGEXES,
    InvalidPatternError,
    within_limit,
)
from trailwatch.filterpattern.values import NUMBER_RE, compile_regex, decode_string, glob_matcher


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
            self.regexes = within_limit(self.regexes + 1, MAX_REGEX_PER_PATTERN, TOO_MANY_REGEXES)
            rx = compile_regex(raw[1:-1])
            hit: Callable[[str], bool] = lambda s: rx.search(s) is not None  # noqa: E731
        elif raw.startswith('"'):
            if op not in ("=", "!=") or not raw.endswith('"') or len(raw) < 2:
                raise InvalidPatternError("Invalid metric filter pattern")
            hit = glob_matcher(decode_string(raw))
        elif NUMBER_RE.fullmatch(raw):
            num = Decimal(raw)

            def as_number(s: str) -> Decimal | None:
                if not NUMBER_RE.fullmatch(s):
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
            hit = glob_matcher(raw)
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


def compile_space(body: str) -> Callable[[str], dict[str, str] | None]:
    """A space-delimited pattern's body (between the brackets) -> message -> extractedValues or None."""
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
