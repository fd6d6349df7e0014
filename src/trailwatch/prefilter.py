"""The backtest prefilter: find the records of a file that some filter could match.

Every compiled pattern carries a necessary condition (``FilterPattern.hint``): an exact
``eventName`` or a literal that must appear in the raw text. For JSON patterns the
prefilter sharpens each literal into an *anchor*: the value at the comparison's key path,
a string that the pattern's value globs. A filter without a hint turns the prefilter off.
A filter with a default value does not: its default for every record it does not match is
counted from the file's record times (``Evaluator.count_events``), not by evaluating the
record.

Two stages, each a necessary condition for the next:

1. **Fields and text** (``record_type``, ``picked``, ``positions``): the archive decodes
   every record of a file, in the one msgspec pass that reads the records' times, into a
   Struct holding the values on the key paths of every name and anchor condition
   (``_Fields``). ``picked`` tests those conditions exactly on the decoded values, for the
   whole file at once: the top-level ``eventName`` one of the wanted names, the value at an
   anchor's path a string that the pattern's value globs (the engine's ``glob_matcher``).
   A record for which one holds is a candidate, marked with the filters whose conditions
   hold. Values are decoded, so whitespace, escapes and duplicate keys need no special case.
   When a record's conditions cannot be told (a path through a string, an array or a
   number; a record whose fields do not decode), it is a candidate for every filter with a
   condition. A plain literal (one no anchor took) is searched in the text: ``positions``
   is one Hyperscan pass over the file's decompressed text that finds every plain literal
   and every JSON escape ``\\u``/``\\/`` (a literal can be written with them); with no plain
   literal, as with the default catalog, nothing is searched. Without Hyperscan (no wheel
   for the platform, or ``TRAILWATCH_PREFILTER=python``) the same patterns, as one
   alternation, are searched by Python's ``re`` (``finditer``): it reports only
   non-overlapping matches, but a match lies inside one record, so a match it skips starts
   inside one it reports, in the same record: the same records are candidates. Searching
   the anchors in the text (their members as CloudTrail writes them) was a Hyperscan pass
   over every file, about a sixth of a backtest's CPU (DEVELOPERS.md).
2. **Record** (``examine``): msgspec decodes, for a candidate, its values on the key paths
   of the filters its mark names (``_Document``), and those filters alone are evaluated on
   it; a plain literal is tested on the record's text (a record holding an escape keeps
   it). A record no filter is left for is not parsed at all. ``candidates`` (for a caller
   holding one record, without the archive's decode) decodes the conditions' paths and the
   filters' paths of one record and tests the conditions there (``conditions`` when that
   decode fails: the record decoded alone into the fields ``picked`` tests; every filter
   with a condition when even that cannot tell).

Why an anchor is a necessary condition. For ``$.a.b.K = "V"`` (no wildcard selector, a
string value, ``L`` its longest ``*``-free fragment, as ``FilterPattern.hint`` picks it: at
least 4 characters, not made only of number characters), the engine matches only when the
value at that path is a JSON *string* that ``V`` globs (``json_match._equals``: lists,
objects, booleans and null never equal a string; a number's text holds only ``-+0-9.eE``, so
it cannot hold ``L``, or reads ``Infinity`` / ``-Infinity`` when it overflows a double, and
a value that can equal either gets no hint at all). ``picked`` tests exactly that, on the
value msgspec decodes at that path: msgspec and the engine's ``json.loads`` agree on keys,
strings, escapes and duplicate keys (the last one wins), and a path through null has no
value in either. A path through anything else that is not an object is left to the record
stage, as is a record msgspec cannot decode.

Why the record stage is a necessary condition: the conditions it starts from are the
hint itself (the top-level ``eventName`` is one of the names; the value at the path is a
string ``V`` globs), tested by ``picked`` as above, or, without a mark, on the record's own
decode (msgspec and the engine's ``json.loads`` agree on strings, escapes and duplicate
keys: the last one wins); a record whose fields it cannot decode keeps every filter. Every
filter's hint is a disjunction of such conditions, so a filter none of whose conditions
holds for a record does not match it.

The record's document (``examine``). The record stage decodes, with one msgspec decoder,
the record's values on the conditions' key paths and on every selector path of each filter
whose patterns are JSON patterns of plain key paths (``selector_paths``: no index, no
wildcard; a path that would be both a leaf and an object of another is left to the engine,
with its filter), into plain dicts (a TypedDict, every key optional: a key the record lacks
is absent, a null is None; an inner key must hold an object or null, a leaf a string, true,
false or null, else the decode fails and the engine decides the record). Such a filter
(``decided``) is matched on this document (``FilterPattern.match_document``), not on the
record's ``json.loads``. With a mark, the document holds the paths of the decided filters
the mark names, and nothing else (``_Document.subset``): each of those paths as in the
whole document. Why the answer is the engine's: a JSON pattern's predicate reads the
document only through ``selectors.resolve`` of its selectors, each of them on a path of the
document; ``resolve`` of a key path walks dicts by key and gives (found, value). On each
such path the document and ``json.loads`` of the record agree: the same keys are present
(msgspec and json both keep the last of duplicate keys, and decode escaped keys the same),
inner objects are dicts in both or null in both, and a leaf is the same str, bool or None
(both decode JSON strings and escapes alike; a lone surrogate escape fails msgspec's decode).
Numbers never reach the document (a number on a path fails the decode), so the engine's
``JsonNumber`` semantics are never needed. Every predicate (``json_match``) depends on
(found, value) alone. The engine's match also requires the parse to succeed and give an
object: the record is an object (``archive``), and msgspec accepts a subset of what
``json.loads`` accepts (it refuses ``NaN``/``Infinity`` and lone surrogates, which json takes;
tests/test_prefilter_document checks both refuse the rest), except where json fails on a
limit: an integer of more digits than ``sys.get_int_max_str_digits()`` (int() refuses it:
the engine's document is MISSING) and nesting near the recursion limit. So a document is
used only when the record is no longer than that digit limit (it then cannot hold such an
integer) and has fewer than a quarter of the recursion limit of ``{`` and ``[`` bytes (its
nesting is below that, and the scan runs far below the rest of the limit); otherwise the
engine parses the record. A filter whose metric value is read from the event (``$.``)
is still matched on the event (``Evaluator.add``).

The anchors come from the pattern's own parse: a subclass of the engine's JSON parser
that, for a comparison whose hint the engine gives as a literal, replaces it with the
anchor, and only when the literal it derives equals the engine's (``tests/test_prefilter``
checks full and prefiltered results are equal on hostile records and whitespace variants).
"""

from __future__ import annotations

import copy
import itertools
import json
import operator
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, TypedDict

import msgspec

try:  # Hyperscan has wheels for Linux x86-64, macOS and Windows only (none for Linux aarch64)
    import hyperscan
except ImportError:  # pragma: no cover - depends on the platform
    hyperscan = None  # type: ignore[assignment]

from trailwatch import filterpattern as fp
from trailwatch.filterpattern.json_pattern import JsonParser, tokenize_json
from trailwatch.filterpattern.selectors import parse_selector
from trailwatch.filterpattern.values import glob_matcher


class Filter(Protocol):
    """What the prefilter reads of a filter (``evaluate.MetricFilterSpec`` is one; this module
    does not import evaluate, which imports this one: no import cycle)."""

    @property
    def name(self) -> str: ...

    @property
    def pattern(self) -> fp.FilterPattern: ...


class _Named(NamedTuple):
    name: str
    pattern: fp.FilterPattern


#: The only ways JSON can write a literal other than literally (see above).
_ESCAPE = rb"\\[u/]"
#: Hyperscan scans at most 4 GiB in one block.
_BLOCK_LIMIT = 2**32 - 1


def _utf8(text: str) -> bytes:
    """``text`` as UTF-8. A lone surrogate (a pattern may write ``"\\ud800"``) is kept as its
    surrogate bytes, which valid UTF-8 text never holds: a record can only write that
    character as a ``\\u`` escape, and every record holding one is a candidate."""
    return text.encode("utf-8", "surrogatepass")


def _exact(text: bytes) -> bytes:
    """A Hyperscan pattern matching exactly ``text`` (every byte as a hex escape)."""
    return b"".join(b"\\x%02x" % c for c in text)


class _AnchoringParser(JsonParser):
    """The engine's JSON pattern parser, with each literal hint of a ``$...K = "V"``
    comparison replaced by its anchor (the and/or combination of hints is the engine's)."""

    def parse_atom(self) -> tuple[fp.Pred, fp.Hint]:
        first = self.i
        pred, hint = super().parse_atom()
        toks = self.toks[first : self.i]
        if hint is None or len(toks) != 3 or toks[0].kind != "sel" or toks[1].text != "=":
            return pred, hint
        if toks[2].kind not in ("str", "word") or [k for k, _ in hint] != ["literal"]:
            return pred, hint
        sel = parse_selector(toks[0].text)
        if sel.wildcard or not sel.steps or any(kind != "key" for kind, _ in sel.steps):
            return pred, hint
        value = json.loads(toks[2].text) if toks[2].kind == "str" else toks[2].text
        ((_, literal),) = hint
        if json.dumps(max(value.split("*"), key=len))[1:-1] != literal:
            return pred, hint  # not the engine's literal: keep the engine's hint
        return pred, frozenset({("anchor", json.dumps([[key for _, key in sel.steps], value]))})


def hint_of(pattern: fp.FilterPattern) -> fp.Hint:
    """The pattern's hint with JSON literals anchored (the engine's hint otherwise)."""
    stripped = pattern.text.strip()
    if pattern.kind != "json" or pattern.hint is None:
        return pattern.hint
    parser = _AnchoringParser(tokenize_json(stripped[1:-1], pattern.text.index("{") + 1))
    parser.parse()
    if parser.hint is None:
        return None
    # A literal left unanchored is JSON-escaped ASCII (json.dumps); a record writes non-ASCII
    # characters as they are (or as \u escapes, which the escape rule catches).
    return frozenset(
        (kind, json.dumps(json.loads(f'"{value}"'), ensure_ascii=False)[1:-1] if kind == "literal" else value)
        for kind, value in parser.hint
    )


_NONE: frozenset[str] = frozenset()


#: The text stage's engines, fastest first: those this platform has.
ENGINES: tuple[str, ...] = ("hyperscan", "python") if hyperscan is not None else ("python",)


def default_engine() -> str:
    """``TRAILWATCH_PREFILTER`` (``hyperscan`` or ``python``) when set, else the fastest."""
    wanted = os.environ.get("TRAILWATCH_PREFILTER", "")
    if wanted and wanted not in ("hyperscan", "python"):
        raise ValueError(f"TRAILWATCH_PREFILTER={wanted!r}: give hyperscan or python")
    if wanted == "hyperscan" and hyperscan is None:
        raise ValueError("TRAILWATCH_PREFILTER=hyperscan, but hyperscan is not installed")
    return wanted or ENGINES[0]


@dataclass
class Prefilter:
    event_names: frozenset[str]
    literals: frozenset[bytes]
    #: Each condition, (kind, value) as in a hint (an anchor's value: its key path and the
    #: pattern's value), -> the names of the filters whose hint holds it.
    owners: dict[tuple[str, Any], frozenset[str]] = field(default_factory=dict)
    #: The text stage's engine: ``hyperscan`` or ``python`` (default: default_engine()).
    engine: str = ""
    #: Each filter name -> the key paths its patterns' selectors read, for the names whose
    #: every pattern is a JSON pattern of plain key paths (``selector_paths``): the record
    #: stage's document decides those (see "The record's document" above).
    paths: dict[str, frozenset[tuple[str, ...]]] = field(default_factory=dict)

    @classmethod
    def for_filters(cls, filters: Sequence[Filter], engine: str = "") -> Prefilter | None:
        names: set[str] = set()
        literals: set[bytes] = set()
        owners: dict[tuple[str, Any], set[str]] = {}
        paths: dict[str, frozenset[tuple[str, ...]] | None] = {}
        for f in filters:
            hint = hint_of(f.pattern)
            if hint is None:
                return None
            mine = selector_paths(f.pattern)
            known = paths.get(f.name, frozenset())
            paths[f.name] = None if mine is None or known is None else known | mine
            for kind, value in hint:
                condition: tuple[str, Any]
                if kind == "eventName":
                    names.add(value)
                    condition = (kind, value)
                elif kind == "anchor":
                    keys, glob = json.loads(value)
                    condition = (kind, (tuple(keys), glob))
                else:
                    literals.add(_utf8(value))
                    condition = (kind, _utf8(value))
                owners.setdefault(condition, set()).add(f.name)
        return cls(
            frozenset(names),
            frozenset(literals),
            {c: frozenset(n) for c, n in owners.items()},
            engine,
            {name: p for name, p in paths.items() if p is not None},
        )

    def __post_init__(self) -> None:
        # Only plain literals are searched in the text: names and anchors are tested on the
        # fields the archive's file-wide decode reads (record_type, picked).
        patterns = [_exact(lit) for lit in sorted(self.literals)]
        # An escape can spell a literal.
        if patterns:
            patterns.append(_ESCAPE)
        self.engine = self.engine or default_engine()
        self._searched = bool(patterns)
        if self._searched and self.engine == "hyperscan":
            assert hyperscan is not None, "hyperscan is not installed"
            self._database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            self._database.compile(
                expressions=patterns,
                ids=list(range(len(patterns))),
                elements=len(patterns),
                flags=[hyperscan.HS_FLAG_DOTALL] * len(patterns),
            )
            self._scratch = hyperscan.Scratch(self._database)
        elif self._searched:
            self._regex = re.compile(b"|".join(b"(?:" + p + b")" for p in patterns), re.DOTALL)
        self._everyone = frozenset().union(*self.owners.values())
        self._decoded = any(kind != "literal" for kind, _ in self.owners)
        self._fields = _Fields.build(self.owners)
        self._record_types: dict[Any, Any] = {}
        #: One record decoded alone into the fields (``conditions``).
        self._one = msgspec.json.Decoder(self.record_type(Any))
        self._document = _Document.build(self.owners, self.paths)
        #: The names of the filters that the record's document decides (see examine()).
        self.decided: frozenset[str] = _NONE if self._document is None else self._document.decided
        # A document stands for the record only where json.loads cannot fail on the record
        # (see the module docstring): no integer longer than Python's limit on an integer's
        # digits (0: none), and nesting far below the recursion limit.
        self._longest = sys.get_int_max_str_digits() or None
        self._openings = sys.getrecursionlimit() // 4

    def record_type(self, time: Any) -> type[msgspec.Struct]:
        """The Struct the archive decodes each record of a file into (``archive.Selector``):
        ``eventTime`` of the type ``time`` it gives (required unless it is ``Any``), and the
        fields on the key paths of every name and anchor condition (``_Fields``; stage 1 in the
        module docstring), which ``picked`` tests."""
        made = self._record_types.get(time)
        if made is None:
            spec, rename = ([], {}) if self._fields is None else (self._fields.spec, self._fields.rename)
            when: tuple[str, Any] | tuple[str, Any, Any] = (
                ("eventTime", time, msgspec.UNSET) if time is Any else ("eventTime", time)
            )
            made = msgspec.defstruct("Record", [when, *spec], rename=rename, gc=False)
            self._record_types[time] = made
        return made

    def conditions(self, record: bytes) -> frozenset[str]:
        """The filters whose name or anchor conditions hold for one record, decoded alone
        into the fields ``picked`` tests (every filter with a condition when that cannot
        tell: a record that is not an object or does not decode)."""
        try:
            decoded = self._one.decode(record)
        except (msgspec.DecodeError, RecursionError):  # RecursionError: nesting too deep
            return self._everyone
        return self.picked([decoded]).get(0, _NONE)

    def picked(self, records: Sequence[Any]) -> dict[int, frozenset[str]]:
        """The decoded records (``record_type``; None: a record that did not decode) for
        which a name or anchor condition holds, by index, each with the filters whose
        conditions hold for it (``examine``'s ``known``): every filter with a condition when
        they cannot be told."""
        if self._fields is None:
            return dict.fromkeys(range(len(records)), self._everyone) if self._decoded else {}
        return self._fields.picked(records, self._everyone)

    def positions(self, data: bytes) -> list[int] | None:
        """Offsets in ``data`` inside every record holding a plain literal or an escape, in
        one pass ([] when there is no literal: then nothing is searched); None when the text
        is too long for one Hyperscan block (then every record is a candidate)."""
        if not self._searched:
            return []
        if self.engine == "python":
            return [m.start() for m in self._regex.finditer(data)]
        if len(data) > _BLOCK_LIMIT:
            return None
        ends: list[int] = []
        # A match ends inside the record that holds it: its last byte is at ``end - 1``.
        self._database.scan(
            data, match_event_handler=lambda _i, _s, end, _f, _c: ends.append(end - 1), scratch=self._scratch
        )
        return ends

    def candidates(self, record: bytes) -> frozenset[str]:
        """The record stage: the names of the filters whose hint holds for this record
        (every filter's when it cannot tell); empty: no filter can match it."""
        return self.examine(record)[0]

    def examine(
        self, record: bytes, known: frozenset[str] | None = None
    ) -> tuple[frozenset[str], dict[str, Any] | None]:
        """The record stage (``candidates``), and the record's document: its values on the
        key paths of the filters in ``decided`` (None when the record has none, or when it
        could not stand for the record: see the module docstring). A decided filter's
        pattern matches the record exactly when ``FilterPattern.match_document`` holds on
        the document. ``known``: the filters whose name or anchor conditions hold for the
        record, as ``picked`` found them on the archive's decode of it (None: not known);
        then only those filters' key paths are decoded."""
        found = _NONE
        if self.literals:
            escaped = b"\\u" in record or b"\\/" in record
            for lit in self.literals:
                if escaped or lit in record:
                    found = found | self.owners[("literal", lit)]
        doc = None
        if known is not None:
            found = found | known if found else known
            if self._document is not None and found:
                decoder = self._document.subset(found)
                doc = None if decoder is None else self._document.decode(record, decoder)
        elif self._document is not None and (self._decoded or found):
            doc = self._document.decode(record)
            if doc is not None:
                found = found | self._document.holds(doc)
            elif self._decoded:
                found = found | self.conditions(record)
        elif self._decoded:
            found = found | self.conditions(record)
        if doc is not None and (
            (self._longest is not None and len(record) > self._longest)
            or record.count(b"{") + record.count(b"[") >= self._openings
        ):
            doc = None
        return found, doc


#: The gate of each pattern (by its text): see gate().
_GATES: dict[str, Prefilter | None] = {}


def gate(pattern: fp.FilterPattern) -> Prefilter | None:
    """The prefilter of one pattern: the same necessary condition the backtest tests, for a
    caller that holds one record at a time (the Evaluator's precheck). None: the pattern has
    no hint, every record is a candidate."""
    if pattern.text not in _GATES:
        spec = _Named(name=pattern.text, pattern=pattern)
        _GATES[pattern.text] = Prefilter.for_filters([spec], engine="python")
    return _GATES[pattern.text]


def may_match(pattern: fp.FilterPattern, message: str | fp.Event) -> bool:
    """False only when the pattern cannot match the record: the record stage of the
    backtest's prefilter (``Prefilter.candidates``), the one hint test there is."""
    found = gate(pattern)
    if found is None:
        return True
    text = message.message if isinstance(message, fp.Event) else message
    return bool(found.candidates(_utf8(text)))


#: A value on a condition's path that says nothing of the condition (see _Fields.picked).
_UNKNOWN = object()


class _Fields:
    """The conditions' key paths as fields of the archive's file-wide decode (``record_type``),
    and their exact test on every decoded record of a file (``picked``).

    A leaf is decoded as any JSON value; an inner key as an object of its own keys, or as
    null, a string, a boolean, a number or an array (so that no shape of a record fails the
    file's decode: the archive reads each record alone when it fails, and a number beyond a
    double's range still does). A condition holds when the value on its path is a string
    that its name equals or its glob matches (``glob_matcher``, the engine's); through null
    the path has no value; through anything else that is not an object the record's
    conditions cannot be told, and the record stage decides it as before. Duplicate keys
    keep the last value, as the engine's parser does.
    """

    def __init__(
        self,
        spec: list[tuple[str, Any, Any]],
        rename: dict[str, str],
        tests: list[
            tuple[
                tuple[str, ...],
                dict[str, frozenset[str]],
                tuple[tuple[Callable[[str], bool], frozenset[str]], ...],
            ]
        ],
    ) -> None:
        #: The record Struct's fields (attribute, type, default) and their JSON keys.
        self.spec = spec
        self.rename = rename
        #: Per key path: the attributes along it, a getter of them, each string it must
        #: equal and each glob, with the filters whose condition that is.
        self.tests = [
            (attrs, operator.attrgetter(".".join(attrs)), exact, globs) for attrs, exact, globs in tests
        ]

    @classmethod
    def build(cls, owners: dict[tuple[str, Any], frozenset[str]]) -> _Fields | None:
        """None when the conditions cannot be fields (every record is then picked, its
        conditions not known): a path that is both a leaf and an object of another, or one
        under ``eventTime``, which the archive decodes as a time."""
        exact: dict[tuple[str, ...], dict[str, frozenset[str]]] = {}
        globs: dict[tuple[str, ...], list[tuple[Callable[[str], bool], frozenset[str]]]] = {}
        for (kind, value), names in sorted(owners.items(), key=str):
            if kind == "eventName":
                exact.setdefault(("eventName",), {})[value] = names
            elif kind == "anchor":
                keys, glob = value
                if "*" in glob:
                    globs.setdefault(tuple(keys), []).append((glob_matcher(glob), names))
                else:
                    held = exact.setdefault(tuple(keys), {})
                    held[glob] = held.get(glob, _NONE) | names
        paths = sorted(set(exact) | set(globs))
        tree: dict[str, Any] = {}
        if not paths or any(keys[0] == "eventTime" for keys in paths) or not _insert(tree, paths):
            return None
        fields: dict[tuple[str, ...], list[str]] = {}
        spec, rename = _members(tree, "Fields", fields)
        tests = [(tuple(fields[keys]), exact.get(keys, {}), tuple(globs.get(keys, ()))) for keys in paths]
        return cls(spec, rename, tests)

    def picked(self, records: Sequence[Any], untold: frozenset[str]) -> dict[int, frozenset[str]]:
        """Each record (its index) for which a condition holds, with the filters whose
        conditions hold for it; ``untold`` (every filter with a condition) for a record
        whose conditions cannot be told."""
        out: dict[int, frozenset[str]] = {}
        told: set[int] = set()

        def mark(i: int, names: frozenset[str]) -> None:
            if i not in told:
                out[i] = out.get(i, _NONE) | names

        for attrs, getter, exact, globs in self.tests:
            try:
                values: list[Any] = list(map(getter, records))
            except AttributeError:
                # A record that did not decode, or whose path passes through null or
                # something else than an object: record by record.
                values = [_walk(r, attrs) for r in records]
                for i, v in enumerate(values):
                    if v is _UNKNOWN:
                        told.add(i)
                        out[i] = untold
            if exact:
                try:
                    hits = list(itertools.compress(itertools.count(), map(exact.__contains__, values)))
                except TypeError:  # an object or an array (unhashable) on the path
                    hits = [i for i, v in enumerate(values) if type(v) is str and v in exact]
                for i in hits:
                    mark(i, exact[values[i]])
            if globs:
                # Only a non-empty string can hold an anchor's literal (never empty): null,
                # absent and empty values are skipped by their truth value, without a call.
                for i in itertools.compress(itertools.count(), values):
                    value = values[i]
                    if type(value) is str:
                        for test, names in globs:
                            if test(value):
                                mark(i, names)
        return out


def _walk(record: Any, attrs: tuple[str, ...]) -> Any:
    """The value on a path of a decoded record: None when the path passes through null,
    _UNKNOWN when the record did not decode or the path passes through a non-object."""
    if record is None:
        return _UNKNOWN
    value = record
    for attr in attrs:
        if value is None:
            return None
        if not isinstance(value, msgspec.Struct):
            return _UNKNOWN
        value = getattr(value, attr)
    return value


def _members(
    tree: dict[str, Any], name: str, fields: dict[tuple[str, ...], list[str]]
) -> tuple[list[tuple[str, Any, Any]], dict[str, str]]:
    """A Struct's fields for ``tree`` (leaves: any value; an inner key: the type ``inner``
    makes of its own Struct), and ``fields`` the attribute names along each leaf path.
    Attributes are ``f0``, ``f1``, ... renamed to the keys, so that no key clashes with a
    name a Struct reserves."""
    spec: list[tuple[str, Any, Any]] = []
    rename: dict[str, str] = {}
    for i, (key, sub) in enumerate(sorted(tree.items())):
        attr = f"f{i}"
        rename[attr] = key
        if sub is None:
            spec.append((attr, Any, None))
            fields[(key,)] = [attr]
        else:
            below: dict[tuple[str, ...], list[str]] = {}
            inner_spec, inner_rename = _members(sub, f"{name}_{i}", below)
            struct = msgspec.defstruct(f"{name}_{i}", inner_spec, rename=inner_rename, gc=False)
            # Its object, or any other JSON value but an object (see _Fields).
            spec.append((attr, struct | None | str | bool | float | list[msgspec.Raw], None))
            for keys, attrs in below.items():
                fields[(key, *keys)] = [attr, *attrs]
    return spec, rename


def selector_paths(pattern: fp.FilterPattern) -> frozenset[tuple[str, ...]] | None:
    """The key paths a JSON pattern's selectors read (``$.a.b`` -> ``("a", "b")``); None for
    another kind of pattern, or one with an index or wildcard step. Every selector of a
    pattern is a ``sel`` token of the engine's tokenizer: the parser reads a selector only
    from one (``JsonParser.parse_atom``), and a value is never one."""
    if pattern.kind != "json":
        return None
    stripped = pattern.text.strip()
    out: set[tuple[str, ...]] = set()
    for tok in tokenize_json(stripped[1:-1], pattern.text.index("{") + 1):
        if tok.kind == "sel":
            sel = parse_selector(tok.text)
            if any(kind != "key" for kind, _ in sel.steps):
                return None
            out.add(tuple(key for _, key in sel.steps))
    return frozenset(out)


#: A leaf of the record's document: a JSON string, true, false or null (anything else
#: fails the decode).
_LEAF = str | bool | None
_TypedDict: Any = TypedDict  # made at run time, one per inner object of the key paths


class _Document:
    """The record's values on a set of key paths, decoded by msgspec into plain dicts (see
    the module docstring): the conditions' paths, and those of every filter that fits."""

    def __init__(
        self,
        decoder: msgspec.json.Decoder[Any],
        conditions: list[tuple[tuple[str, ...], Callable[[str], frozenset[str]]]],
        decided: frozenset[str],
        paths: dict[str, frozenset[tuple[str, ...]]],
    ) -> None:
        self.decoder = decoder
        #: (key path, value -> the filters it satisfies)
        self.conditions = conditions
        self.decided = decided
        #: Each filter's key paths (those of the decided filters fit in one tree).
        self.paths = paths
        self._subsets: dict[frozenset[str], msgspec.json.Decoder[Any] | None] = {}

    @classmethod
    def build(
        cls, owners: dict[tuple[str, Any], frozenset[str]], paths: dict[str, frozenset[tuple[str, ...]]]
    ) -> _Document | None:
        conditions: list[tuple[tuple[str, ...], Callable[[str], frozenset[str]]]] = []
        by_name = {value: names for (kind, value), names in owners.items() if kind == "eventName"}
        if by_name:
            conditions.append((("eventName",), lambda v: by_name.get(v, _NONE)))
        for (kind, value), names in sorted(owners.items(), key=str):
            if kind == "anchor":
                keys, glob = value
                conditions.append((tuple(keys), _owned_if(glob_matcher(glob), names)))
        tree: dict[str, Any] = {}
        if not _insert(tree, [keys for keys, _ in conditions]):
            return None  # the conditions' paths do not make one tree (_Fields says so too)
        decided: set[str] = set()
        for name in sorted(paths):
            if _insert(tree, sorted(paths[name])):
                decided.add(name)
        if not decided and not conditions:
            return None
        return cls(msgspec.json.Decoder(_typed(tree, "Document")), conditions, frozenset(decided), paths)

    def subset(self, names: frozenset[str]) -> msgspec.json.Decoder[Any] | None:
        """A decoder of the key paths of the decided filters among ``names`` alone (None:
        there is none), for a record whose conditions are known (``Prefilter.examine``)."""
        if names not in self._subsets:
            wanted = sorted(names & self.decided)
            tree: dict[str, Any] = {}
            for name in wanted:
                fits = _insert(tree, sorted(self.paths[name]))
                assert fits, name  # they fit in the whole document's tree, so in a part of it
            self._subsets[names] = msgspec.json.Decoder(_typed(tree, "Subset")) if wanted else None
        return self._subsets[names]

    def decode(
        self, record: bytes, decoder: msgspec.json.Decoder[Any] | None = None
    ) -> dict[str, Any] | None:
        try:
            doc: dict[str, Any] = (decoder or self.decoder).decode(record)
        except (msgspec.DecodeError, RecursionError):  # RecursionError: nesting too deep
            return None
        return doc

    def holds(self, doc: dict[str, Any]) -> frozenset[str]:
        """The filters whose conditions hold for a decoded document."""
        found = _NONE
        for keys, owners in self.conditions:
            value: Any = doc
            for key in keys:
                value = value.get(key)
                if value is None:
                    break
            if type(value) is str:
                found = found | owners(value)
        return found


def _insert(tree: dict[str, Any], paths: Iterable[tuple[str, ...]]) -> bool:
    """Add key paths to a tree of inner objects (dicts) and leaves (None), all or none of
    them: False (tree unchanged) when a path would be both a leaf and an inner object."""
    trial = copy.deepcopy(tree)
    for keys in paths:
        node = trial
        for key in keys[:-1]:
            node = node.setdefault(key, {})
            if node is None:
                return False  # an inner object here is another path's leaf
        if isinstance(node.get(keys[-1]), dict):
            return False  # this leaf is an inner object of another path
        node[keys[-1]] = None
    tree.clear()
    tree.update(trial)
    return True


def _typed(tree: dict[str, Any], name: str) -> Any:
    """A TypedDict (every key optional) of a tree: a leaf is a string, a boolean or null; an
    inner key an object of its own keys or null. msgspec decodes it to a plain dict holding
    the keys the record has, and ignores the others."""
    fields = {
        key: _LEAF if sub is None else _typed(sub, f"{name}_{i}") | None
        for i, (key, sub) in enumerate(sorted(tree.items()))
    }
    return _TypedDict(name, fields, total=False)


def _owned_if(test: Callable[[str], bool], names: frozenset[str]) -> Callable[[str], frozenset[str]]:
    return lambda value: names if test(value) else _NONE


def describe(prefilter: Prefilter | None) -> dict[str, Any]:
    """What the prefilter looks for (for tests and debugging)."""
    if prefilter is None:
        return {"prefilter": None}
    return {
        "eventNames": sorted(prefilter.event_names),
        "literals": sorted(x.decode("utf-8", "surrogatepass") for x in prefilter.literals),
        "anchors": sorted(
            f"$.{'.'.join(value[0])} = {value[1]}" for kind, value in prefilter.owners if kind == "anchor"
        ),
    }
