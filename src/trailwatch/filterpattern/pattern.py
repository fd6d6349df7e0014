"""The entry points: :func:`compile_pattern` parses a pattern once, choosing its kind by the
first character, and returns a :class:`FilterPattern`; :func:`test_metric_filter` is the
TestMetricFilter API's response for a request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from trailwatch.filterpattern.event import MISSING, Event
from trailwatch.filterpattern.hints import Hint
from trailwatch.filterpattern.json_match import Pred
from trailwatch.filterpattern.json_pattern import JsonParser, tokenize_json
from trailwatch.filterpattern.limits import (
    InvalidParameterError,
    InvalidPatternError,
    pattern_length_violation,
    request_violations,
    validation_message,
)
from trailwatch.filterpattern.space_pattern import compile_space
from trailwatch.filterpattern.term_pattern import compile_terms
from trailwatch.filterpattern.values import compile_regex


@dataclass(frozen=True)
class FilterPattern:
    """A compiled filter pattern. ``match()`` returns extractedValues, or None."""

    text: str
    kind: str  # "json" | "space" | "regex" | "terms"
    regex_count: int
    _matcher: Callable[[Event], dict[str, str] | None] = field(repr=False, compare=False)
    #: A necessary condition for a match, for prefiltering raw text (see Hint).
    hint: Hint = None
    #: A JSON pattern's predicate over a parsed document (None for other kinds).
    _pred: Pred | None = field(default=None, repr=False, compare=False)

    def match(self, event: Event | str) -> dict[str, str] | None:
        ev = event if isinstance(event, Event) else Event(event)
        return self._matcher(ev)

    def match_document(self, doc: dict[str, Any]) -> bool:
        """Whether a JSON pattern matches an event whose parsed document is ``doc`` (what
        ``matches`` answers for that event; a caller that holds a document on which every
        selector of the pattern resolves as on the event's own, such as the backtest
        prefilter's, skips the parse)."""
        assert self._pred is not None, "only a JSON pattern matches a document"
        return self._pred(doc)

    def matches(self, event: Event | str) -> bool:
        return self.match(event) is not None


def compile_pattern(pattern: str) -> FilterPattern:
    """Parse a filter pattern, raising InvalidPatternError with AWS's message if invalid."""
    too_long = pattern_length_violation(pattern)
    if too_long:
        raise InvalidPatternError(validation_message([too_long]))
    stripped = pattern.strip()
    if stripped.startswith("{"):
        if not stripped.endswith("}"):
            raise InvalidPatternError("If a filter pattern starts with '{' it must end with '}'")
        start = pattern.index("{") + 1
        parser = JsonParser(tokenize_json(stripped[1:-1], start))
        pred = parser.parse()
        empty: dict[str, str] = {}

        def json_match(ev: Event) -> dict[str, str] | None:
            doc = ev.doc
            if doc is MISSING or not isinstance(doc, dict):
                return None
            return empty if pred(doc) else None

        return FilterPattern(pattern, "json", parser.regexes, json_match, parser.hint, pred)
    if stripped.startswith("["):
        if not stripped.endswith("]"):
            raise InvalidPatternError("If a filter pattern starts with '[' it must end with ']'")
        space = compile_space(stripped[1:-1])
        return FilterPattern(pattern, "space", stripped.count("%") // 2, lambda ev: space(ev.message))
    if stripped.startswith("%"):
        end = stripped.find("%", 1)
        while end > 0 and stripped[end - 1] == "\\":
            end = stripped.find("%", end + 1)
        if end < 0:
            raise InvalidPatternError("If a filter pattern starts with '%' it must end with '%'")
        if end != len(stripped) - 1:
            raise InvalidPatternError(f"Invalid character(s) in term '{stripped[end + 1]}'")
        if end == 1:
            # An empty regex: the closing % is the offending character (rec regex-empty).
            raise InvalidPatternError("Invalid character(s) in term '%%'")
        rx = compile_regex(stripped[1:-1])
        empty2: dict[str, str] = {}
        return FilterPattern(
            pattern, "regex", 1, lambda ev: empty2 if rx.search(ev.message) is not None else None
        )
    hints: list[Hint] = []
    terms = compile_terms(pattern, hints)
    empty3: dict[str, str] = {}
    return FilterPattern(pattern, "terms", 0, lambda ev: empty3 if terms(ev.message) else None, hints[0])


def test_metric_filter(filter_pattern: str, log_event_messages: list[str]) -> dict[str, Any]:
    """The response of the TestMetricFilter API for these inputs (1-based event numbers).

    The request is validated first, as the API does: a broken constraint raises
    InvalidParameterError with AWS's validation message."""
    violations = request_violations(filter_pattern, log_event_messages)
    if violations:
        raise InvalidParameterError(validation_message(violations))
    compiled = compile_pattern(filter_pattern)
    matches = []
    for number, message in enumerate(log_event_messages, start=1):
        extracted = compiled.match(message)
        if extracted is not None:
            matches.append({"eventNumber": number, "eventMessage": message, "extractedValues": extracted})
    return {"matches": matches}


test_metric_filter.__test__ = False  # type: ignore[attr-defined]
