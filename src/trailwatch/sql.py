"""`trailwatch sql`: metric filter patterns as Athena (Trino) SQL over the CloudTrail table.

Each JSON filter pattern becomes a predicate over the table of catalog/cloudtrail-table.json
(``trailwatch.cloudtrail_table``); a query counts, per alarm period, the events and each
filter's matches, so alarms are evaluated from the counts as the Python engine evaluates
them from events (``trailwatch.backtest.executors.counts``).

The pattern is parsed by the engine's own parser (a subclass of
``filterpattern.json_pattern.JsonParser`` that records, beside the engine's predicate, the
SQL of each comparison and of each ``&&``/``||`` chain): the SQL is of the same parse tree
the engine evaluates.

CloudWatch's semantics, and what SQL gives for them:

- A selector into a STRING column or a struct field (``$.eventName``,
  ``$.userIdentity.type``) reads that column; CloudTrail writes strings there. SQL's NULL
  (field absent) fails ``=``, ``!=`` and ``LIKE``, as CloudWatch's ``!=`` fails on a missing
  field. ``NOT EXISTS`` is ``IS NULL``: the one inexactness, and said here: on a typed
  column a JSON ``null`` and an absent field are both NULL, so ``NOT EXISTS`` also holds for
  an explicit null (CloudTrail leaves such fields out rather than writing null).
  ``IS NULL``/``IS TRUE``/``IS FALSE`` and ordered comparisons on such a column cannot be
  told apart from that and are refused.
- A selector into a JSON-body column (``requestParameters``, ``responseElements``,
  ``additionalEventData``, ...: STRING columns holding the object's JSON text) reads
  ``json_extract``: its JSON text tells a string (``"..."``) from a number, a boolean, an
  object or an array, so ``=``/``!=`` with strings, ``IS TRUE/FALSE`` and numbers keep
  CloudWatch's typing; ``NOT EXISTS`` is ``json_exists`` in strict mode (a key holding null
  exists; Trino's ``json_extract`` gives SQL NULL for a JSON null, so it cannot say). A
  string value that could match a number's text, a ``%regex%`` on a JSON-body field
  (CloudWatch also searches numbers' text) and ``IS NULL`` (CloudWatch also matches an array
  holding null, and Trino's SQL NULL hides a JSON null) are refused.
- ``*`` wildcards are ``LIKE`` with ``%`` (``%``, ``_`` and ``\\`` escaped); ``%regex%`` is
  ``regexp_like`` (a search, as CloudWatch's); numbers compare as doubles, and a number
  literal is accepted only when it is exactly the double it denotes and below 2^53 (then
  the comparison is exact, as CloudWatch's).
- Array, wildcard and index selectors, unknown fields, non-JSON patterns, and a metric value
  taken from the event are refused: :class:`UntranslatableError` names the construct.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from trailwatch import cloudtrail_table
from trailwatch import filterpattern as fp
from trailwatch.evaluate import AlarmSpec, MetricFilterSpec
from trailwatch.filterpattern.json_pattern import JsonParser, Token, tokenize_json
from trailwatch.filterpattern.selectors import parse_selector

#: Characters of a number's text as CloudWatch renders it (Java's Double.toString, or the
#: integer's digits): a string value that needs none of these cannot match a number.
_NUMBER_TEXT_CHARS = set("0123456789.-EInfityaN")
_KEY_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_MAX_EXACT = 2**53
_MAX_DOUBLE = repr(1.7976931348623157e308).upper()


class UntranslatableError(ValueError):
    """A pattern construct with no exactly equivalent SQL; str() names it."""


def literal(text: str) -> str:
    """``text`` as an SQL string literal (quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def _glob(expr: str, text: str) -> str:
    """``expr`` globs ``text`` (``*`` = any run of characters), as CloudWatch's ``=``."""
    if "*" not in text:
        return f"{expr} = {literal(text)}"
    like = "".join("%" if c == "*" else ("\\" + c if c in "%_\\" else c) for c in text)
    return f"{expr} LIKE {literal(like)} ESCAPE '\\'"


def _double(text: str, construct: str) -> str:
    """A number literal as an exact DOUBLE, or refused."""
    exact = Decimal(text)
    value = float(text)
    if not math.isfinite(value) or Decimal(repr(value)) != exact or abs(value) >= _MAX_EXACT:
        raise UntranslatableError(
            f"{construct}: the number {text} is not exactly a double below 2^53, so a SQL "
            "comparison could differ from CloudWatch's exact one"
        )
    r = repr(value)
    return r if "e" in r else r + "E0"


@dataclass(frozen=True)
class _Typed:
    """A STRING column or struct field: its SQL reference."""

    ref: str


@dataclass(frozen=True)
class _JsonField:
    """A path into a JSON-body column."""

    column: str
    path: str

    @property
    def json(self) -> str:
        return f"json_extract({self.column.lower()}, {literal(self.path)})"

    @property
    def text(self) -> str:
        """The value's JSON text: '"s"', '1.5', 'true', 'null', '{...}'; NULL when absent."""
        return f"json_format({self.json})"

    @property
    def scalar(self) -> str:
        return f"json_extract_scalar({self.column.lower()}, {literal(self.path)})"

    @property
    def is_string(self) -> str:
        return f"{self.text} LIKE '\"%'"

    @property
    def is_number(self) -> str:
        return f"regexp_like({self.text}, '^-?[0-9]')"

    @property
    def number(self) -> str:
        return f"try_cast({self.scalar} AS double)"


def _target(selector: str, table: cloudtrail_table.Table) -> _Typed | _JsonField:
    sel = parse_selector(selector)
    for kind, _ in sel.steps:
        if kind != "key":
            what = "wildcard" if kind == "wild" else "array index"
            raise UntranslatableError(f"{selector}: {what} selectors do not translate")
    keys = [k for _, k in sel.steps]
    column = table.column(keys[0])
    if column is None:
        raise UntranslatableError(f"{selector}: the CloudTrail table has no column {keys[0]!r}")
    if keys[0] in table.json_columns:
        if len(keys) == 1:
            raise UntranslatableError(
                f"{selector}: the whole JSON-body column (a JSON null and an absent body are both NULL)"
            )
        for k in keys[1:]:
            if not set(k) <= _KEY_CHARS:
                raise UntranslatableError(f"{selector}: the key {k!r} in a JSON path")
        return _JsonField(keys[0], "$." + ".".join(keys[1:]))
    t: cloudtrail_table.HiveType | None = column
    for k in keys[1:]:
        assert t is not None
        t = t.field(k)
        if t is None:
            raise UntranslatableError(f"{selector}: the table's {keys[0]} has no field {k!r}")
    assert t is not None
    if t.kind != "string":
        raise UntranslatableError(f"{selector}: a {t.kind} value, not a string")
    return _Typed(".".join(k.lower() for k in keys))


def _comparison(target: _Typed | _JsonField, op: str, value: Any, construct: str) -> str:
    """``op`` is ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=``; ``value`` the engine's _Value."""
    if isinstance(target, _Typed):
        x = target.ref
        if value.kind == "regex":
            test = f"regexp_like({x}, {literal(value.text)})"
        elif op in ("=", "!="):
            # A number against a string compares its text, as CloudWatch's does.
            test = _glob(x, value.text) if value.kind == "string" else f"{x} = {literal(value.text)}"
        else:
            raise UntranslatableError(f"{construct}: an ordered comparison on a STRING column")
        return test if op == "=" else f"NOT ({test})"
    if value.kind == "regex":
        raise UntranslatableError(
            f"{construct}: a regex on a JSON-body field (CloudWatch also searches numbers' text)"
        )
    if value.kind == "string":
        # A glob can match a number's text only if every character it needs can be one.
        if set(value.text.replace("*", "")) <= _NUMBER_TEXT_CHARS:
            raise UntranslatableError(
                f"{construct}: a string value on a JSON-body field that could match a number's text"
            )
        equal = f"({target.is_string} AND {_glob(target.scalar, value.text)})"
        if op == "=":
            return equal
        return f"(({target.is_string} AND NOT ({_glob(target.scalar, value.text)})) OR {target.is_number})"
    n = _double(value.text, construct)
    # Finite: an overflowed event number takes part in no numeric comparison (CloudWatch).
    finite = f"{target.is_number} AND {target.number} BETWEEN -{_MAX_DOUBLE} AND {_MAX_DOUBLE}"
    as_string = f"{target.is_string} AND {target.scalar} = {literal(value.text)}"
    if op == "=":
        return f"(({finite} AND {target.number} = {n}) OR ({as_string}))"
    if op == "!=":
        return (
            f"(({finite} AND {target.number} <> {n}) OR "
            f"({target.is_string} AND {target.scalar} <> {literal(value.text)}))"
        )
    return f"({finite} AND {target.number} {op} {n})"


def _unary(target: _Typed | _JsonField, check: str, construct: str) -> str:
    if isinstance(target, _Typed):
        if check == "NOT EXISTS":
            return f"{target.ref} IS NULL"
        raise UntranslatableError(
            f"{construct}: {check} on a typed column, where a JSON null, a boolean and an absent "
            "field cannot be told apart"
        )
    if check == "NOT EXISTS":
        # Not json_extract(...) IS NULL: Trino's json_extract gives SQL NULL for a JSON null
        # too. json_exists in strict mode finds a key holding null, and (unlike lax mode)
        # never looks into an array for a key, as CloudWatch never does; a NULL column (the
        # body absent or null) has no key at all.
        column = target.column.lower()
        return f"({column} IS NULL OR NOT json_exists({column}, {literal('strict ' + target.path)}))"
    if check == "IS NULL":
        raise UntranslatableError(
            f"{construct}: IS NULL on a JSON-body field (CloudWatch also matches an array holding null)"
        )
    return f"{target.text} = {literal(check.split()[1].lower())}"


class _SqlParser(JsonParser):
    """The engine's JSON pattern parser, recording the SQL of what it parses."""

    def __init__(self, toks: list[Token], table: cloudtrail_table.Table) -> None:
        super().__init__(toks)
        self.table = table
        self.sql = ""

    def _chain(
        self,
        op: str,
        operand: Callable[[], tuple[fp.Pred, fp.Hint]],
        combine: Callable[[Iterable[bool]], bool],
        hint: Callable[[list[fp.Hint]], fp.Hint],
    ) -> tuple[fp.Pred, fp.Hint]:
        parts: list[str] = []

        def recorded() -> tuple[fp.Pred, fp.Hint]:
            out = operand()
            parts.append(self.sql)
            return out

        out = super()._chain(op, recorded, combine, hint)
        joiner = " AND " if op == "and" else " OR "
        self.sql = parts[0] if len(parts) == 1 else "(" + joiner.join(parts) + ")"
        return out

    def parse_atom(self) -> tuple[fp.Pred, fp.Hint]:
        first = self.i
        out = super().parse_atom()
        toks = self.toks[first : self.i]
        if toks[0].kind == "lp":
            return out  # the inner parse_or recorded its SQL
        construct = " ".join(t.text for t in toks)
        target = _target(toks[0].text, self.table)
        if toks[1].kind == "word":
            check = "NOT EXISTS" if toks[1].text.upper() == "NOT" else f"IS {toks[2].text.upper()}"
            self.sql = _unary(target, check, construct)
        else:
            value = JsonParser([]).parse_value(toks[2], toks[1].text)
            self.sql = _comparison(target, toks[1].text, value, construct)
        return out


def predicate(pattern: str, table: cloudtrail_table.Table | None = None) -> str:
    """The Trino predicate of a JSON filter pattern (InvalidPatternError if AWS would refuse
    the pattern, UntranslatableError if SQL cannot say exactly the same)."""
    compiled = fp.compile_pattern(pattern)
    if compiled.kind != "json":
        raise UntranslatableError(
            f"{pattern!r}: only JSON patterns translate, this is a {compiled.kind} pattern"
        )
    stripped = pattern.strip()
    parser = _SqlParser(
        tokenize_json(stripped[1:-1], pattern.index("{") + 1), table or cloudtrail_table.load()
    )
    parser.parse()
    return parser.sql


# --------------------------------------------------------------------------------------
# Queries: per alarm period, the events and each filter's matches
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    #: bucket length (s): the gcd of the periods of the alarms reading the filters' metrics
    period: int
    filters: tuple[MetricFilterSpec, ...]
    sql: str


def filter_period(f: MetricFilterSpec, alarms: Sequence[AlarmSpec]) -> int:
    """The bucket a filter's matches are counted in: every alarm on its metric aggregates
    whole buckets (60 s, a metric's resolution, when no alarm reads it)."""
    periods = [a.period for a in alarms if (f.namespace, f.metric_name) in a.metric_keys]
    return math.gcd(*periods) if periods else 60


def _metric_value(f: MetricFilterSpec) -> None:
    try:
        float(f.metric_value)
    except ValueError:
        raise UntranslatableError(
            f"{f.name}: the metric value {f.metric_value} is taken from the event; only a constant translates"
        ) from None


def partitions(accounts: Sequence[str] = (), regions: Sequence[str] = ()) -> list[str]:
    """WHERE conditions on the account and region partitions (none: all projected)."""
    out = []
    for column, values in (("account", accounts), ("region", regions)):
        if values:
            out.append(f"{column} IN ({', '.join(literal(v) for v in values)})")
    return out


def time_range(start: datetime | None, end: datetime | None) -> list[str]:
    """WHERE conditions for [start, end): on eventTime, and on the date partition
    (``timestamp``, the day the S3 object was delivered). A file "can contain records
    written at any point before" its delivery (CloudTrail User Guide, "CloudTrail log file
    examples"), so none before ``start``'s day holds a wanted event; the upper bound allows
    one day of delivery delay past ``end``."""
    out = []
    if start is not None:
        out.append(f"eventtime >= {literal(start.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ'))}")
        day = start.astimezone(UTC).strftime("%Y/%m/%d")
        out.append(f'"timestamp" >= {literal(day)}')
    if end is not None:
        out.append(f"eventtime < {literal(end.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ'))}")
        day = (end.astimezone(UTC) + timedelta(days=1)).strftime("%Y/%m/%d")
        out.append(f'"timestamp" <= {literal(day)}')
    return out


def queries(
    filters: Sequence[MetricFilterSpec],
    alarms: Sequence[AlarmSpec],
    relation: str,
    where: Sequence[str] = (),
    table: cloudtrail_table.Table | None = None,
) -> list[Query]:
    """The query counting every filter's matches per bucket: the gcd of the filters' alarm
    periods, so that each alarm's periods are whole buckets. One query, so Athena scans (and
    bills) the archive once however many periods the alarms use."""
    for f in filters:
        _metric_value(f)
    if not filters:
        return []
    period = math.gcd(*(filter_period(f, alarms) for f in filters))
    counts = [f"  count_if({predicate(f.pattern.text, table)}) AS m{i}" for i, f in enumerate(filters)]
    lines = [
        "SELECT",
        f"  CAST(floor(to_unixtime(try(from_iso8601_timestamp(eventtime))) / {period}) AS bigint)"
        f" * {period} AS period_start,",
        "  count(*) AS events,",
        "  min(eventtime) AS first_event_time,",
        "  max(eventtime) AS last_event_time,",
        ",\n".join(counts),
        f"FROM {relation}",
    ]
    if where:
        lines.append("WHERE " + "\n  AND ".join(where))
    lines += ["GROUP BY 1", "ORDER BY 1"]
    return [Query(period, tuple(filters), "\n".join(lines))]


def render(qs: Sequence[Query]) -> str:
    """The queries as SQL text, each headed by comments naming its columns."""
    blocks = []
    for q in qs:
        head = [f"-- alarm period {q.period} s"] + [f"-- m{i}: {f.name}" for i, f in enumerate(q.filters)]
        blocks.append("\n".join(head) + "\n" + q.sql + ";")
    return "\n\n".join(blocks) + "\n"


def identifier(name: str) -> str:
    """A quoted Trino identifier (a Glue database or table name)."""
    return '"' + name.replace('"', '""') + '"'


# --------------------------------------------------------------------------------------
# Every catalog pattern in every mode: the reviewed golden file (tests/golden/catalog.sql)
# --------------------------------------------------------------------------------------

#: The allowlist clauses in both forms modules/allowlist and modules/metric-filters produce:
#: one `!=` per wildcard string, or (over 1,024 characters) anchored regexes, two at most.
ALLOWLIST_FORMS = {
    "plain": '($.sourceIPAddress != "203.0.113.*") && ($.sourceIPAddress != "192.0.2.10") && '
    '($.sourceIPAddress != "2001:db8:abcd:*")',
    "compact": r"($.sourceIPAddress != %^203\.0\.113\.|^10\.0\.0\.1[6-9]$%) && "
    r"($.sourceIPAddress != %^2001:db8:abcd:|^192\.0\.2\.10$%)",
}
EXCLUSIONS = {"event_sources": ["s3.amazonaws.com"], "principal_arns": ["arn:aws:iam::*:role/ci-*"]}


def catalog_patterns() -> dict[str, str]:
    """``detection / pattern id [/ form]`` -> concrete pattern, for every catalog pattern: the
    allowlist in both forms, the exclusion placeholder empty and filled."""
    from trailwatch import catalog

    placeholders = catalog.load()["placeholders"]
    excluded = catalog.exclusion_clauses(EXCLUSIONS["event_sources"], EXCLUSIONS["principal_arns"])
    out: dict[str, str] = {}
    for key, d in catalog.detections().items():
        for pid, text in d.patterns.items():
            allow = ALLOWLIST_FORMS if placeholders["allowlist"] in text else {"": ""}
            excl = {"": "", "exclusions": excluded} if placeholders["exclusions"] in text else {"": ""}
            for a_form, a_clauses in allow.items():
                for e_form, e_clauses in excl.items():
                    name = " / ".join(p for p in (key, pid, a_form, e_form) if p)
                    out[name] = catalog.fill(text, a_clauses, e_clauses)
    return out


def catalog_predicates() -> str:
    """The golden text: each catalog pattern and its predicate."""
    blocks = [
        "-- Generated by `trailwatch sql --catalog`: the Athena predicate of every catalog pattern in\n"
        "-- every mode. tests/test_sql.py fails when the compiler's output differs from this file."
    ]
    for name, pattern in catalog_patterns().items():
        blocks.append(f"-- {name}\n-- {pattern}\n{predicate(pattern)}")
    return "\n\n".join(blocks) + "\n"
