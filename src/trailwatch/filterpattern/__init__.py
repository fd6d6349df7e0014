"""CloudWatch Logs filter patterns, evaluated the way AWS evaluates them.

The language is used by metric filters, subscription filters and FilterLogEvents. AWS
publishes the syntax but not an evaluator, and no emulator evaluates it (moto stores the
patterns, LocalStack community matches everything), so this package implements it. Its
behaviour is pinned to live-AWS ``TestMetricFilter`` recordings (tests/test_filterpattern_conformance.py).

The pattern kind is chosen by the first character:

- ``{ ... }`` JSON patterns: selectors, ``= != < > <= >=``, ``IS NULL/TRUE/FALSE``,
  ``NOT EXISTS``, ``&& || ( )``, wildcards and ``%regex%`` values;
- ``[ ... ]`` space-delimited patterns with named fields, ``...`` and ``extractedValues``;
- ``%regex%`` on the whole message;
- anything else: unstructured terms (``ERROR``, ``?opt``, ``-excluded``, ``"a phrase"``).

``compile_pattern()`` parses once and returns a matcher; matching many events is then a
chain of closures over a JSON document that ``Event`` parses once and shares between
patterns.

Modules, one concern each (each imports only those above it):

- ``limits``: AWS's limits and error messages; TestMetricFilter's request constraints;
- ``event``: ``Event`` and its JSON document; event-side numbers (``JsonNumber``);
- ``values``: right-hand-side values (strings with ``*``, numbers, ``%regex%``);
- ``selectors``: JSON path selectors, parsed and followed; ``select``;
- ``json_match``: what a JSON comparison or check matches in a document;
- ``hints``: a pattern's cheap necessary condition, for prefiltering;
- ``json_pattern``: JSON patterns' tokens and parser (subclassed by trailwatch.prefilter
  and trailwatch.sql);
- ``space_pattern``: space-delimited patterns; ``term_pattern``: unstructured terms;
- ``pattern``: ``FilterPattern``, ``compile_pattern`` and ``test_metric_filter``.

Edge rules. Each is written, with its source, in the docstring of the module that
implements it. "Doc" is the CloudWatch Logs User Guide page "Filter pattern syntax for
metric filters, subscription filters, filter log events, and Live Tail" and the
TestMetricFilter API reference; "rec" names cases of tests/aws-recorded.

- Keyword case (``IS NULL``, ``NOT EXISTS``, ``TRUE``, ``FALSE``): ``json_pattern``.
- Numbers: pattern literals are exact decimals (``values``); event numbers are exact
  integers or doubles that underflow to 0 and overflow to Infinity (``event``); an infinite
  event number takes part in no numeric comparison (``json_match``).
- Which characters an unquoted term may hold, and quoted terms that hold only whitespace:
  ``term_pattern``; regex bodies stay ASCII: ``values``.
- How space-delimited fields split (runs of whitespace, quotes and brackets, the last
  field): ``space_pattern``.
"""

from trailwatch.filterpattern.event import Event
from trailwatch.filterpattern.hints import Hint
from trailwatch.filterpattern.json_match import Pred
from trailwatch.filterpattern.limits import (
    MAX_LOG_EVENT_MESSAGES,
    MAX_PATTERN_LENGTH,
    MAX_REGEX_PER_PATTERN,
    MAX_WILDCARD_SELECTORS,
    MIN_LOG_EVENT_MESSAGES,
    InvalidParameterError,
    InvalidPatternError,
    request_violations,
)
from trailwatch.filterpattern.pattern import FilterPattern, compile_pattern, test_metric_filter
from trailwatch.filterpattern.selectors import select
from trailwatch.filterpattern.values import compile_regex

__all__ = [
    "MAX_LOG_EVENT_MESSAGES",
    "MAX_PATTERN_LENGTH",
    "MAX_REGEX_PER_PATTERN",
    "MAX_WILDCARD_SELECTORS",
    "MIN_LOG_EVENT_MESSAGES",
    "Event",
    "FilterPattern",
    "Hint",
    "InvalidParameterError",
    "InvalidPatternError",
    "Pred",
    "compile_pattern",
    "compile_regex",
    "request_violations",
    "select",
    "test_metric_filter",
]
