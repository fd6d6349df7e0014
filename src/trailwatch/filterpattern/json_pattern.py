"""JSON patterns (``{ ... }``): tokens, and the parser that builds a predicate and a hint.

Selectors, ``= != < > <= >=``, ``IS NULL/TRUE/FALSE``, ``NOT EXISTS``, ``&& || ( )``,
wildcards and ``%regex%`` values; ``&&`` binds tighter than ``||``. :class:`JsonParser` is
subclassed by :mod:`trailwatch.prefilter` (anchored hints) and :mod:`trailwatch.sql` (the SQL
of the same parse), which override ``parse_atom`` and ``_chain`` and call ``parse_value``.

Values (sources as in the package docstring). A quoted string compares only with ``=`` and
``!=``; with an ordering operator it is an invalid term, quoted back with its quotes (rec
json-quoted-order: ``{ $.a > "0" }`` -> "Invalid character(s) in term '"0"'"). An unquoted
value is a number (:data:`~trailwatch.filterpattern.values.NUMBER_RE`) or a bare word; a
``:`` in a bare word is an invalid character, reported alone as in plain terms (rec
edge-json-unquoted-symbol: ``{ $.a = a:b }``). Other symbols in bare words (``/``, ``@``) are
not recorded and are accepted.

Keyword case (sources as in the package docstring). ``IS``, ``NOT``, ``NULL``, ``TRUE``,
``FALSE`` and ``EXISTS`` after a selector are read in any letter case: ``{ $.a is null }`` is
``{ $.a IS NULL }`` (rec edge-json-keyword-case, edge-is-null). Only the keyword position is
case-blind: as a value, ``true`` is the string "true" (rec ``{ $.a = true }``), and ``IS
NOT`` stays rejected in any case (doc: "IS NOT and EXISTS currently aren't supported"; rec
edge-is-not-null).
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from trailwatch.filterpattern.hints import Hint, and_hint, comparison_hint, or_hint
from trailwatch.filterpattern.json_match import Pred, comparison, unary
from trailwatch.filterpattern.limits import (
    MAX_REGEX_PER_PATTERN,
    MAX_WILDCARD_SELECTORS,
    TOO_MANY_REGEXES,
    TOO_MANY_WILDCARD_SELECTORS,
    InvalidPatternError,
    within_limit,
)
from trailwatch.filterpattern.selectors import parse_selector
from trailwatch.filterpattern.values import (
    NUMBER_RE,
    Value,
    decode_string,
    number_value,
    regex_value,
    string_value,
)

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


#: Frames of the recursive descent per level of parentheses (parse_or, _chain, parse_and,
#: _chain, parse_atom, and a subclass's override on top), with room to spare.
_FRAMES_PER_LEVEL = 8


@dataclass
class Token:
    """One token of a JSON pattern: its kind (a group of ``_TOKEN_RE``), text and offset."""

    kind: str
    text: str
    pos: int


def tokenize_json(body: str, offset: int) -> list[Token]:
    """The tokens of a JSON pattern's body (between the braces, which start at ``offset``)."""
    toks: list[Token] = []
    i = 0
    while i < len(body):
        m = _TOKEN_RE.match(body, i)
        if not m:
            raise InvalidPatternError(f"Invalid character(s) in term '{body[i]}'")
        kind = m.lastgroup or ""
        if kind != "ws":
            toks.append(Token(kind, m.group(), offset + i))
        i = m.end()
    return toks


def _combined(combine: Callable[[Iterable[bool]], bool], preds: list[Pred]) -> Pred:
    """``combine(p(doc) for p in preds)``, for ``any`` and ``all`` as explicit loops that stop
    at the same term (no generator per call: about a third of a matched record's engine
    time was the generators')."""
    if combine is any:

        def either(doc: object) -> bool:
            for p in preds:  # noqa: SIM110 - any() over a generator is what this avoids
                if p(doc):
                    return True
            return False

        return either
    if combine is all:

        def both(doc: object) -> bool:
            for p in preds:  # noqa: SIM110 - all() over a generator is what this avoids
                if not p(doc):
                    return False
            return True

        return both
    return lambda doc: combine(p(doc) for p in preds)


class JsonParser:
    """Parses a JSON pattern's tokens: ``parse()`` returns the predicate and sets ``hint``."""

    def __init__(self, toks: list[Token]) -> None:
        self.toks = toks
        self.i = 0
        self.regexes = 0
        self.wild_selectors = 0
        self.hint: Hint = None

    def peek(self) -> Token | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise InvalidPatternError("Invalid metric filter pattern")
        self.i += 1
        return tok

    def parse(self) -> Pred:
        if not self.toks:
            raise InvalidPatternError("Invalid metric filter pattern")
        # The descent takes a few frames per parenthesis: a pattern within the length limit
        # can nest about 500 deep (``((((... $.a = 1 ...))))``), past Python's default limit.
        depth = max(itertools.accumulate((t.kind == "lp") - (t.kind == "rp") for t in self.toks))
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, _FRAMES_PER_LEVEL * depth + limit))
        try:
            pred, self.hint = self.parse_or()
        finally:
            sys.setrecursionlimit(limit)
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
        return _combined(combine, [p for p, _ in terms]), hint([h for _, h in terms])

    def parse_or(self) -> tuple[Pred, Hint]:
        return self._chain("or", self.parse_and, any, or_hint)

    def parse_and(self) -> tuple[Pred, Hint]:
        return self._chain("and", self.parse_atom, all, and_hint)

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
        sel = parse_selector(tok.text)
        if sel.wildcard:
            self.wild_selectors = within_limit(
                self.wild_selectors + 1, MAX_WILDCARD_SELECTORS, TOO_MANY_WILDCARD_SELECTORS
            )
        nxt = self.take()
        keyword = nxt.text.upper() if nxt.kind == "word" else ""
        if keyword in ("IS", "NOT"):
            w = self.take()
            if keyword == "NOT":
                if w.text.upper() != "EXISTS":
                    raise InvalidPatternError(f"Invalid character(s) in term '{w.text}'")
                return unary(sel, "NOT EXISTS"), None
            if w.text.upper() not in ("NULL", "TRUE", "FALSE"):
                raise InvalidPatternError(f"Invalid character(s) in term '{w.text}'")
            return unary(sel, f"IS {w.text.upper()}"), None
        if nxt.kind != "op":
            raise InvalidPatternError("Invalid metric filter pattern")
        op = nxt.text
        value = self.parse_value(self.take(), op)
        return comparison(sel, op, value), comparison_hint(sel, op, value)

    def parse_value(self, tok: Token, op: str) -> Value:
        if tok.kind == "regex":
            if op not in ("=", "!="):
                raise InvalidPatternError("Invalid metric filter pattern")
            self.regexes = within_limit(self.regexes + 1, MAX_REGEX_PER_PATTERN, TOO_MANY_REGEXES)
            return regex_value(tok.text[1:-1])
        if tok.kind == "str":
            if op not in ("=", "!="):
                raise InvalidPatternError(f"Invalid character(s) in term '{tok.text}'")
            return string_value(decode_string(tok.text))
        if tok.kind == "word":
            if NUMBER_RE.fullmatch(tok.text):
                return number_value(tok.text)
            if op not in ("=", "!="):
                raise InvalidPatternError("Invalid metric filter pattern")
            if tok.text == "null":
                raise InvalidPatternError("Invalid metric filter pattern")
            if ":" in tok.text:
                raise InvalidPatternError("Invalid character(s) in term ':'")
            return string_value(tok.text)
        raise InvalidPatternError("Invalid metric filter pattern")
