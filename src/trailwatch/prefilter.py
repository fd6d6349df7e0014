"""The backtest prefilter: find, in a file's raw text, the records that some filter could match.

Every compiled pattern carries a necessary condition (``FilterPattern.hint``): an exact
``eventName`` or a literal that must appear in the raw text. For JSON patterns the
prefilter sharpens each literal into an *anchor*: the literal in its JSON key context.
A filter without a hint turns the prefilter off. A filter with a default value does not:
its default for every record it does not match is counted from the file's record times
(``Evaluator.count_events``), not by evaluating the record.

Two stages, each a necessary condition for the next:

1. **Text**: a record is a candidate when its top-level ``eventName`` is a wanted name, or
   when it holds a hit of ``positions``. The names are read by the archive's decode of each
   file's record times (``archive.records``: the same msgspec pass gives every record's
   ``eventTime`` and ``eventName``, escapes decoded, so the name test is exact and costs no
   pass of its own; when that file-wide decode fails, as it does for a record whose
   ``eventName`` is neither a string nor null, each record's name is read on its own).
   ``positions`` is one Hyperscan pass over a file's whole decompressed
   text that finds every anchor, every plain literal, and every JSON escape ``\\u``/``\\/``.
   Without Hyperscan (no wheel for the platform, or ``TRAILWATCH_PREFILTER=python``) the same
   patterns, as one alternation, are searched by Python's ``re`` (``finditer``): it reports
   only non-overlapping matches, but a match lies inside one record (it starts with a key's
   quote and holds no record boundary), so a match it skips starts inside one it reports,
   in the same record: the same records are candidates. Slower (about 10x), same results.
   Names were once a Hyperscan pattern too (``"eventName" ws : ws "N"``, 135 names with the
   default catalog); without it, and with the anchors below, the pass costs 11-20 % less
   (DEVELOPERS.md).
2. **Record** (``candidates``): msgspec decodes only the fields on the conditions' key
   paths of a candidate record and tests them exactly (``_Probe``): ``eventName`` in the
   wanted names, the value at an anchor's path a string that the pattern's value globs
   (the engine's own ``glob_matcher``). Strings are decoded, so escapes need no special case
   there. A plain literal is tested on the record's text (a record holding an escape keeps
   it). The result names the filters one of whose conditions holds: only those are
   evaluated on the record, and a record with none is not parsed at all. A record whose
   path leads through something that is not an object fails the decode: every filter is
   evaluated on it.

Why an anchor is a necessary condition. For ``$.a.b.K = "V"`` (no wildcard selector, a
string value, ``L`` its longest ``*``-free fragment, as ``FilterPattern.hint`` picks it: at
least 4 characters, not made only of number characters), the engine matches only when the
value at that path is a JSON *string* that ``V`` globs (``json_match._equals``: lists,
objects, booleans and null never equal a string; a number's text holds only ``-+0-9.eE``, so
it cannot hold ``L``, or reads ``Infinity`` / ``-Infinity`` when it overflows a double, and
a value that can equal either gets no hint at all). So the record's text holds a member
``"K" ws : ws "s"`` whose string ``s`` contains ``L``; and when ``V`` has no ``*`` before
``L`` the string starts with ``L``, when none after it ends with ``L``. JSON writes a key or
a string either literally (what ``json.dumps`` writes: ``\\"`` and ``\\\\`` are the only
ways to write a quote or a backslash besides ``\\u``) or with ``\\u`` escapes, or ``\\/``
for a slash: every record that holds ``\\u`` or ``\\/`` is a candidate. ``ws`` is any run of
JSON whitespace. The text patterns of an anchor cover every such member: the member as
CloudTrail writes it, compact (the key, ``:``, the opening quote, then, when ``V`` has a
``*`` before ``L``, any string content: characters other than a quote or a backslash, or a
backslash and any character; then ``L``, and the closing quote when ``V`` has no ``*``
after ``L``), and the key followed by a whitespace character, or by ``:`` and one (every
member written with whitespace around its colon holds one of the two). The second pair
is wider than the member: a record written with spaces around the colon of an anchor's key
is a candidate whatever its value, and the record stage decides it. Hyperscan scans the
compact literals several times faster than the member with ``ws`` runs (DEVELOPERS.md).

Why the record stage is a necessary condition: it tests the hint itself (the top-level
``eventName`` is one of the names; the value at the path is a string ``V`` globs) on the
same document the engine parses (msgspec and the engine's ``json.loads`` agree on strings,
escapes and duplicate keys: the last one wins), and keeps the record whenever it cannot
decode the fields. Every filter's hint is a disjunction of such conditions, so a filter
none of whose conditions holds for a record does not match it.

The record's document (``examine``). The record stage decodes, with one msgspec decoder,
the record's values on the conditions' key paths and on every selector path of each filter
whose patterns are JSON patterns of plain key paths (``selector_paths``: no index, no
wildcard; a path that would be both a leaf and an object of another is left to the engine,
with its filter), into plain dicts (a TypedDict, every key optional: a key the record lacks
is absent, a null is None; an inner key must hold an object or null, a leaf a string, true,
false or null, else the decode fails and the engine decides the record). Such a filter
(``decided``) is matched on this document (``FilterPattern.match_document``), not on the
record's ``json.loads``. Why the answer is the engine's: a JSON pattern's predicate reads the
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
import json
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


#: One JSON whitespace character (Hyperscan syntax).
_WS = rb"[ \t\n\r]"
#: What a JSON string holds before a literal: characters other than a quote or a
#: backslash, and escape pairs.
_STRING_CONTENT = rb'(?:[^"\\]|\\.)*'
#: The only ways JSON can write a key or a literal other than literally (see above).
_ESCAPE = rb"\\[u/]"
#: Hyperscan scans at most 4 GiB in one block.
_BLOCK_LIMIT = 2**32 - 1


@dataclass(frozen=True)
class Anchor:
    """``"key" ws : ws "...literal..."``, with the literal at the start and/or end of the
    string when the pattern's value has no ``*`` on that side."""

    key: bytes  # the key as written in JSON, quotes included
    literal: bytes  # as written in JSON, without quotes
    at_start: bool
    at_end: bool

    @classmethod
    def of(cls, key: str, value: str) -> Anchor:
        literal = max(value.split("*"), key=len)
        exact = "*" not in value
        # With a '*', one side only: in "Root*Root" the string starts with an occurrence of
        # the literal and ends with another.
        at_start = exact or value.startswith(literal)
        return cls(
            key=_utf8(json.dumps(key, ensure_ascii=False)),
            literal=_utf8(json.dumps(literal, ensure_ascii=False)[1:-1]),
            at_start=at_start,
            at_end=exact or (not at_start and value.endswith(literal)),
        )

    def patterns(self) -> list[bytes]:
        """The Hyperscan patterns of the member (see the module docstring): written compactly,
        and the key followed by whitespace, before or after its colon."""
        return [
            _exact(self.key + b':"')
            + (b"" if self.at_start else _STRING_CONTENT)
            + _exact(self.literal)
            + (b'"' if self.at_end else b""),
            _exact(self.key) + _WS,
            _exact(self.key + b":") + _WS,
        ]


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
    anchors: frozenset[Anchor] = frozenset()
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
        anchors: set[Anchor] = set()
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
                    anchors.add(Anchor.of(keys[-1], glob))
                    condition = (kind, (tuple(keys), glob))
                else:
                    literals.add(_utf8(value))
                    condition = (kind, _utf8(value))
                owners.setdefault(condition, set()).add(f.name)
        return cls(
            frozenset(names),
            frozenset(literals),
            frozenset(anchors),
            {c: frozenset(n) for c, n in owners.items()},
            engine,
            {name: p for name, p in paths.items() if p is not None},
        )

    def __post_init__(self) -> None:
        # The names are not searched in the text: the archive reads each record's eventName.
        patterns = sorted({p for a in self.anchors for p in a.patterns()})
        patterns.extend(_exact(lit) for lit in sorted(self.literals))
        # An escape can spell an anchor or a literal; the names are decoded, escapes and all.
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
        self._probe = _Probe.build(self.owners)
        self._document = _Document.build(self.owners, self.paths)
        #: The names of the filters that the record's document decides (see examine()).
        self.decided: frozenset[str] = _NONE if self._document is None else self._document.decided
        # A document stands for the record only where json.loads cannot fail on the record
        # (see the module docstring): no integer longer than Python's limit on an integer's
        # digits (0: none), and nesting far below the recursion limit.
        self._longest = sys.get_int_max_str_digits() or None
        self._openings = sys.getrecursionlimit() // 4

    def positions(self, data: bytes) -> list[int] | None:
        """Offsets in ``data`` inside every record holding an anchor, a plain literal or an
        escape, in one pass (a record whose eventName is one of ``event_names`` is a
        candidate too: ``archive.records`` reads the names); None when the text is too long
        for one Hyperscan block (then every record is a candidate)."""
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

    def examine(self, record: bytes) -> tuple[frozenset[str], dict[str, Any] | None]:
        """The record stage (``candidates``), and the record's document: its values on the
        key paths of the filters in ``decided`` (None when the record has none, or when it
        could not stand for the record: see the module docstring). A decided filter's
        pattern matches the record exactly when ``FilterPattern.match_document`` holds on
        the document."""
        found: set[str] = set()
        if self.literals:
            escaped = b"\\u" in record or b"\\/" in record
            for lit in self.literals:
                if escaped or lit in record:
                    found |= self.owners[("literal", lit)]
        doc = None
        if self._document is not None and (self._decoded or found):
            doc = self._document.decode(record)
            if doc is not None:
                found |= self._document.holds(doc)
                if (self._longest is not None and len(record) > self._longest) or (
                    record.count(b"{") + record.count(b"[") >= self._openings
                ):
                    doc = None
            elif self._decoded:
                held = None if self._probe is None else self._probe.holds(record)
                found |= self._everyone if held is None else held
        elif self._decoded:
            held = None if self._probe is None else self._probe.holds(record)
            found |= self._everyone if held is None else held
        return frozenset(found), doc


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


class _Probe:
    """Decode only the fields the conditions need, with msgspec, and test them exactly.

    Each condition is a key path with a test: ``eventName`` in the wanted names, or
    ``$.a.b.K`` a string that the pattern's value globs (the engine's own ``glob_matcher``; a
    number never holds the literal, see the module docstring). Duplicate keys keep the
    last value, as the engine's parser does. A record whose path leads through something
    that is not an object (or null), or that cannot be decoded, is kept.
    """

    def __init__(
        self,
        decoder: msgspec.json.Decoder[Any],
        conditions: list[tuple[list[str], Callable[[str], frozenset[str]]]],
    ) -> None:
        self.decoder = decoder
        #: (attributes along the key path, value -> the filters it satisfies)
        self.conditions = conditions

    @classmethod
    def build(cls, owners: dict[tuple[str, Any], frozenset[str]]) -> _Probe | None:
        wanted: list[tuple[tuple[str, ...], Callable[[str], frozenset[str]]]] = []
        by_name = {value: names for (kind, value), names in owners.items() if kind == "eventName"}
        if by_name:
            wanted.append((("eventName",), lambda v: by_name.get(v, _NONE)))
        for (kind, value), names in sorted(owners.items(), key=str):
            if kind == "anchor":
                keys, glob = value
                wanted.append((keys, _owned_if(glob_matcher(glob), names)))
        if not wanted:
            return None
        tree: dict[str, Any] = {}
        for keys, _ in wanted:
            node = tree
            for key in keys[:-1]:
                node = node.setdefault(key, {})
                if node is None:
                    return None  # a path is a leaf of another: no probe
            if isinstance(node.get(keys[-1]), dict):
                return None  # a path is inside another's leaf
            node[keys[-1]] = None
        fields: dict[tuple[str, ...], list[str]] = {}
        record = _struct(tree, "ProbeRecord", (), fields)
        conditions = [(fields[keys], test) for keys, test in wanted]
        return cls(msgspec.json.Decoder(record), conditions)

    def holds(self, record: bytes) -> frozenset[str] | None:
        """The filters whose conditions hold for the record (None when it cannot tell)."""
        try:
            doc = self.decoder.decode(record)
        except (msgspec.DecodeError, RecursionError):  # RecursionError: nesting too deep
            return None
        found: frozenset[str] = _NONE
        for attrs, owners in self.conditions:
            value = doc
            for attr in attrs:
                value = getattr(value, attr)
                if value is None:
                    break
            if type(value) is str:
                found = found | owners(value)
        return found


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
    ) -> None:
        self.decoder = decoder
        #: (key path, value -> the filters it satisfies)
        self.conditions = conditions
        self.decided = decided

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
            return None  # the conditions' paths do not make one tree (_Probe says so too)
        decided: set[str] = set()
        for name in sorted(paths):
            if _insert(tree, sorted(paths[name])):
                decided.add(name)
        if not decided and not conditions:
            return None
        return cls(msgspec.json.Decoder(_typed(tree, "Document")), conditions, frozenset(decided))

    def decode(self, record: bytes) -> dict[str, Any] | None:
        try:
            doc: dict[str, Any] = self.decoder.decode(record)
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


def _struct(
    tree: dict[str, Any], name: str, path: tuple[str, ...], fields: dict[tuple[str, ...], list[str]]
) -> Any:
    """A msgspec Struct with a field per key of ``tree`` (leaves: any value; inner keys: a
    nested Struct or null); ``fields`` gets the attribute names along each leaf path."""
    spec: list[tuple[str, Any, Any]] = []
    rename: dict[str, str] = {}
    for i, (key, sub) in enumerate(sorted(tree.items())):
        attr = f"f{i}"
        rename[attr] = key
        if sub is None:
            spec.append((attr, Any, None))
            fields[(*path, key)] = [attr]
        else:
            inner: dict[tuple[str, ...], list[str]] = {}
            spec.append((attr, _struct(sub, f"{name}_{i}", (), inner) | None, None))
            for keys, attrs in inner.items():
                fields[(*path, key, *keys)] = [attr, *attrs]
    return msgspec.defstruct(name, spec, rename=rename)


def describe(prefilter: Prefilter | None) -> dict[str, Any]:
    """What the prefilter looks for (for tests and debugging)."""
    if prefilter is None:
        return {"prefilter": None}
    return {
        "eventNames": sorted(prefilter.event_names),
        "literals": sorted(x.decode("utf-8", "surrogatepass") for x in prefilter.literals),
        "anchors": sorted(
            f"{a.key.decode('utf-8', 'surrogatepass')}:{'' if a.at_start else '*'}"
            f"{a.literal.decode('utf-8', 'surrogatepass')}{'' if a.at_end else '*'}"
            for a in prefilter.anchors
        ),
    }
