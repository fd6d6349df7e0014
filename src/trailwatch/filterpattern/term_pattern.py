"""Unstructured term patterns (``ERROR``, ``?opt``, ``-excluded``, ``"a phrase"``), matched
on the whole message.

Sources as in the package docstring.

- Unquoted terms hold letters and decimal digits of any script, ``_`` and ``.`` (rec
  boundary-term-unicode: ``café``; edge-term-underscore, edge-term-dot); any other symbol is
  "Invalid character(s) in term" (rec ``ERROR!``, ``ERROR:``, ``ERR*``); ``-`` and ``?``
  inside a word start an exclusion or optional term (rec edge-term-punctuation,
  edge-term-question). Quote anything else (doc: "Enclose exact phrases and terms that
  include non-alphanumeric characters in double quotation marks"). Regex bodies stay ASCII
  (:mod:`trailwatch.filterpattern.values`).
- A quoted term is matched literally, whitespace included: ``" "`` is the substring of one
  space (rec boundary-quoted-space: it matches "two words" and " ", not "x"; the page's
  "matches everything" is the unquoted blank pattern, rec space-single). An empty ``""`` is
  rejected (rec).
- A quoted term followed by text with no space between (``"ERROR"WARN``) is the generic
  "Invalid metric filter pattern" (rec terms-adjacent-quote), not an invalid-character error.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from trailwatch.filterpattern.hints import Hint
from trailwatch.filterpattern.limits import InvalidPatternError


def _term_char(ch: str) -> bool:
    """May ``ch`` stand in an unquoted term? Letters and decimal digits of any script, ``_``
    and ``.`` (see the module docstring)."""
    if ch.isascii():
        return ch.isalnum() or ch in "_."
    category = unicodedata.category(ch)
    return category[0] == "L" or category == "Nd"


def compile_terms(pattern: str, hint_out: list[Hint]) -> Callable[[str], bool]:
    """A term pattern -> message -> match; appends the pattern's hint to ``hint_out``."""
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
                raise InvalidPatternError("Invalid metric filter pattern")
            term = "".join(buf)
            if not term:
                raise InvalidPatternError("Invalid character(s) in term '\"\"'")
            i = j + 1
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
