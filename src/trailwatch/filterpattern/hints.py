"""Hints: a cheap necessary condition for a match, for prefiltering raw text.

The JSON parser gives each comparison its hint (:func:`comparison_hint`) and combines them
over ``&&`` and ``||`` (:func:`and_hint`, :func:`or_hint`); term patterns give their
literals. :mod:`trailwatch.prefilter` sharpens a JSON pattern's literals into anchors and
tests the hints, on a whole file (the backtest) or one record (``prefilter.may_match``, the
Evaluator's precheck): the one implementation.
"""

from __future__ import annotations

import functools
import json
import re

from trailwatch.filterpattern.selectors import Selector
from trailwatch.filterpattern.values import Value

#: A prefilter hint: requirements of which at least one holds in every matching event.
#: ("eventName", v): the top-level eventName is exactly v; ("literal", t): the raw message
#: contains t. None: no cheap necessary condition is known.
Hint = frozenset[tuple[str, str]] | None

_NUMERIC_LOOKING = re.compile(r"[-+0-9.eE]+")
#: The text an event number that overflows a double takes (filterpattern.event): a string
#: value can equal it although the raw record holds only digits (``1e999``).
_OVERFLOW_TEXTS = ("Infinity", "-Infinity")


def _could_be_number_text(text: str) -> bool:
    """Whether a string value (``*`` a wildcard) can equal the text of an event number."""
    globbed = re.compile(".*".join(re.escape(part) for part in text.split("*")), re.DOTALL)
    return bool(_NUMERIC_LOOKING.fullmatch(text)) or any(globbed.fullmatch(t) for t in _OVERFLOW_TEXTS)


#: A regex alternative that is a plain word, optionally anchored: ``^Name$``, ``Name``.
_PLAIN_ALTERNATIVE = re.compile(r"(\^?)([A-Za-z0-9_]+)(\$?)")
#: What ``$`` also matches before, at the end of a value: a final new line (the engine's
#: ``re``, which compile_regex compiles every pattern with).
_FINAL_TERMINATORS = ("", "\n")


def regex_hint(sel: Selector, body: str) -> Hint:
    """The hint of ``selector = %body%`` when the regex is an alternation of plain words,
    each optionally anchored (``^CreateSAMLProvider$|^UpdateSAMLProvider$``); None for any
    other construct. On the top-level ``eventName`` with every word anchored at both ends,
    the value is exactly a word, or a word and a final line terminator (which ``$`` also
    matches before): those eventNames. Otherwise every matching value contains a word, which
    is then a literal of the raw text: at least 4 characters, unable to occur in a number's
    text (``Infinity`` included)."""
    alternatives = [_PLAIN_ALTERNATIVE.fullmatch(a) for a in body.split("|")]
    if any(m is None for m in alternatives):
        return None
    parts = [(m.group(1), m.group(2), m.group(3)) for m in alternatives if m is not None]
    if sel.steps == [("key", "eventName")] and all(start and end for start, _, end in parts):
        return frozenset(("eventName", word + t) for _, word, _ in parts for t in _FINAL_TERMINATORS)
    words = {word for _, word, _ in parts}
    if any(
        len(w) < 4 or _NUMERIC_LOOKING.fullmatch(w) or any(w in t for t in _OVERFLOW_TEXTS) for w in words
    ):
        return None
    return frozenset(("literal", w) for w in words)


def comparison_hint(sel: Selector, op: str, value: Value) -> Hint:
    """The hint of ``selector op value``: an exact top-level ``eventName``, or the longest
    ``*``-free fragment of a string value as a literal (when it is long and not numeric).
    None when the value can equal a number's text (``Infinity`` included): the record's raw
    text would then hold the number, not the value. A regex value that is an alternation of
    plain words hints those words (:func:`regex_hint`)."""
    if op == "=" and value.kind == "regex" and not sel.wildcard:
        return regex_hint(sel, value.text)
    if op != "=" or value.kind != "string" or sel.wildcard or _could_be_number_text(value.text):
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
def hint_names(hint: frozenset[tuple[str, str]]) -> frozenset[str]:
    """The ``eventName`` values a hint names."""
    return frozenset(v for kind, v in hint if kind == "eventName")


def and_hint(hints: list[Hint]) -> Hint:
    """The hint of ``a && b ...``: any one operand's hint is necessary."""
    known = [h for h in hints if h is not None]
    if not known:
        return None
    # Prefer eventName requirements (one cheap pass finds them), then the smallest set.
    return min(known, key=lambda h: (not all(kind == "eventName" for kind, _ in h), len(h)))


def or_hint(hints: list[Hint]) -> Hint:
    """The hint of ``a || b ...``: the union of the operands' hints, if each has one."""
    if any(h is None for h in hints):
        return None
    return frozenset().union(*[h for h in hints if h is not None])
