"""The backtest prefilter: find, in a file's raw text, the records that some filter could match.

Every compiled pattern carries a necessary condition (``FilterPattern.hint``): an exact
``eventName`` or a literal that must appear in the raw text. For JSON patterns the
prefilter sharpens each literal into an *anchor*: the literal in its JSON key context.
Only records holding a wanted ``eventName`` or an anchor are parsed and evaluated in full.
A filter without a hint, or with a default value (which publishes for every event), turns
the prefilter off.

Why an anchor is a necessary condition. For ``$.a.b.K = "V"`` (no wildcard selector, a
string value, ``L`` its longest ``*``-free fragment, as ``FilterPattern.hint`` picks it: at
least 4 characters, not made only of number characters), the engine matches only when the
value at that path is a JSON *string* that ``V`` globs (``_equals``: lists, objects,
booleans and null never equal a string; a number's text holds only ``-+0-9.eE``, so it
cannot hold ``L``). So the record's text holds a member ``"K" ws : ws "s"`` whose string
``s`` contains ``L``; and when ``V`` has no ``*`` before ``L`` the string starts with ``L``,
when none after it ends with ``L``. JSON writes a key or a string either literally (what
``json.dumps`` writes: ``\\"`` and ``\\\\`` are the only ways to write a quote or a
backslash besides ``\\u``) or with ``\\u`` escapes, or ``\\/`` for a slash: every record
that holds ``\\u`` or ``\\/`` is evaluated in full. ``ws`` is any run of JSON whitespace, so
records written with spaces, tabs or new lines around the colon are found too.

The check walks back from each occurrence of ``L``: to the nearest unescaped quote (the
opening quote of the string that holds ``L``, when ``L`` is in a string), over whitespace
to the colon, over whitespace to the key. Any doubt (an odd run of backslashes, the start
of the buffer) keeps the record.

For a CloudTrail file the prefilter first tries a *probe* (``_Probe``): msgspec decodes only
the fields on the anchors' key paths and ``eventName``, and each record is tested exactly
(the wanted names; a string the pattern's value globs). This costs less than the text
passes; when the probe cannot tell (a path through a non-object, or patterns with plain
literals), the text passes above decide.

The anchors come from the pattern's own parse: a subclass of the engine's JSON parser
that, for a comparison whose hint the engine gives as a literal, replaces it with the
anchor, and only when the literal it derives equals the engine's (``tests/test_prefilter``
checks full and prefiltered results are equal on hostile records and whitespace variants).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from trailwatch import filterpattern as fp
from trailwatch.evaluate import MetricFilterSpec

_WS = b" \t\n\r"
_QUOTE = ord('"')
_BACKSLASH = ord("\\")
_COLON = ord(":")
#: The only ways JSON can write a key or a literal other than literally (see above).
_ESCAPE = re.compile(rb"\\[u/]")


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
            key=json.dumps(key, ensure_ascii=False).encode(),
            literal=json.dumps(literal, ensure_ascii=False)[1:-1].encode(),
            at_start=at_start,
            at_end=exact or (not at_start and value.endswith(literal)),
        )

    def holds_at(self, data: bytes, p: int) -> bool:
        """Could the occurrence of the literal at ``p`` be (part of) the key's string value?"""
        if self.at_end:
            end = p + len(self.literal)
            if end >= len(data) or data[end] != _QUOTE:
                return False
        if self.at_start:
            q = p - 1
            if q < 0 or data[q] != _QUOTE or _escaped(data, q):
                return False
        else:
            q = p
            while True:
                q = data.rfind(b'"', 0, q)
                if q < 0:
                    return True  # no opening quote in view: keep the record
                if not _escaped(data, q):
                    break
        # Over whitespace to the colon, over whitespace to the key's closing quote.
        i = q - 1
        while i >= 0 and data[i] in _WS:
            i -= 1
        if i < 0 or data[i] != _COLON:
            return False
        i -= 1
        while i >= 0 and data[i] in _WS:
            i -= 1
        start = i + 1 - len(self.key)
        return start >= 0 and data.startswith(self.key, start) and not _escaped(data, start)


def _escaped(data: bytes, i: int) -> bool:
    """Is the quote at ``i`` escaped (preceded by an odd run of backslashes)?"""
    n = 0
    while i - n - 1 >= 0 and data[i - n - 1] == _BACKSLASH:
        n += 1
    return n % 2 == 1


class _AnchoringParser(fp._JsonParser):
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
        sel = fp._parse_selector(toks[0].text)
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
    parser = _AnchoringParser(fp._tokenize_json(stripped[1:-1], pattern.text.index("{") + 1))
    parser.parse()
    if parser.hint is None:
        return None
    # A literal left unanchored is JSON-escaped ASCII (json.dumps); a record writes non-ASCII
    # characters as they are (or as \u escapes, which the escape rule catches).
    return frozenset(
        (kind, json.dumps(json.loads(f'"{value}"'), ensure_ascii=False)[1:-1] if kind == "literal" else value)
        for kind, value in parser.hint
    )


@dataclass
class Prefilter:
    event_names: frozenset[str]
    literals: frozenset[bytes]
    anchors: frozenset[Anchor] = frozenset()
    #: (key path, pattern value) of each anchor, for the probe
    paths: frozenset[tuple[tuple[str, ...], str]] = frozenset()

    @classmethod
    def for_filters(cls, filters: list[MetricFilterSpec]) -> Prefilter | None:
        names: set[str] = set()
        literals: set[bytes] = set()
        anchors: set[Anchor] = set()
        paths: set[tuple[tuple[str, ...], str]] = set()
        for f in filters:
            hint = hint_of(f.pattern)
            if hint is None or f.default_value is not None:
                return None
            for kind, value in hint:
                if kind == "eventName":
                    names.add(value)
                elif kind == "anchor":
                    keys, glob = json.loads(value)
                    anchors.add(Anchor.of(keys[-1], glob))
                    paths.add((tuple(keys), glob))
                else:
                    literals.add(value.encode())
        return cls(frozenset(names), frozenset(literals), frozenset(anchors), frozenset(paths))

    def __post_init__(self) -> None:
        self._probe = None if self.literals else _Probe.build(self.event_names, self.paths)
        names = sorted(n.encode() for n in self.event_names)
        self._names = re.compile(rb'"eventName"\s*:\s*"' + _trie(names) + rb'"') if names else None
        # Each anchor's literal is searched with the quotes its sides require: longer
        # needles, fewer hits.
        self._needles: dict[bytes, list[Anchor]] = {}
        for a in sorted(self.anchors, key=lambda a: (a.literal, a.key)):
            needle = (b'"' if a.at_start else b"") + a.literal + (b'"' if a.at_end else b"")
            self._needles.setdefault(needle, []).append(a)

    def indices(self, data: bytes, count: int) -> list[int] | None:
        """The indices of the records of a CloudTrail file that could match, from its
        decoded fields (see ``_Probe``); None when the probe cannot tell (no probe for these
        patterns, or a field of an unexpected type): then ``positions`` decide."""
        if self._probe is None:
            return None
        return self._probe.indices(data, count)

    def positions(self, data: bytes) -> Iterator[int]:
        """Offsets in ``data`` inside every record that could match (and some that can't)."""
        if self._names is not None:
            for m in self._names.finditer(data):
                yield m.start()
        for needle, anchors in self._needles.items():
            skip = 1 if needle[0] == _QUOTE and anchors[0].at_start else 0
            i = data.find(needle)
            while i >= 0:
                if any(a.holds_at(data, i + skip) for a in anchors):
                    yield i
                i = data.find(needle, i + 1)
        for literal in sorted(self.literals):
            i = data.find(literal)
            while i >= 0:
                yield i
                i = data.find(literal, i + 1)
        # JSON may escape a character as \uXXXX (or a slash as \/): such records are always
        # evaluated. (One memchr for a backslash first: most buffers have none.)
        if b"\\" in data:
            for m in _ESCAPE.finditer(data):
                yield m.start()


class _Probe:
    """Decode only the fields the prefilter needs, with msgspec, and test them exactly.

    Each condition is a key path with the pattern's value: ``eventName`` in the wanted
    names, or ``$.a.b.K`` a string that the pattern's value globs (the engine's own
    ``_equals`` for strings; a number never holds the literal, see the module docstring).
    Strings are decoded, so escapes need no special case. Duplicate keys keep the last
    value, as the engine's parser does. A record whose path leads through something that
    is not an object (or null) fails the decode: then the caller falls back to positions.
    """

    def __init__(
        self, decoder: msgspec.json.Decoder[Any], conditions: list[tuple[list[str], Callable[[str], bool]]]
    ) -> None:
        self.decoder = decoder
        self.conditions = conditions

    @classmethod
    def build(cls, names: frozenset[str], paths: frozenset[tuple[tuple[str, ...], str]]) -> _Probe | None:
        wanted: list[tuple[tuple[str, ...], Callable[[str], bool]]] = []
        if names:
            wanted.append((("eventName",), names.__contains__))
        for keys, value in sorted(paths):
            wanted.append((keys, fp._glob(value)))
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
        trail = msgspec.defstruct("ProbeTrail", [("Records", list[record])])  # type: ignore[valid-type]
        conditions = [(fields[keys], test) for keys, test in wanted]
        return cls(msgspec.json.Decoder(trail), conditions)

    def indices(self, data: bytes, count: int) -> list[int] | None:
        try:
            records = self.decoder.decode(data).Records
        except msgspec.DecodeError:
            return None
        if len(records) != count:
            return None
        chosen: set[int] = set()
        for attrs, test in self.conditions:
            # Column by column: the leaf values of every record, then the test on each.
            values: list[Any] = records
            for attr in attrs:
                values = [None if v is None else getattr(v, attr) for v in values]
            chosen.update(i for i, v in enumerate(values) if type(v) is str and test(v))
        return sorted(chosen)


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


def _trie(words: list[bytes]) -> bytes:
    """A regex matching exactly ``words``, common prefixes factored (fewer branches to try
    at each ``"eventName"`` than a flat alternation)."""
    root: dict[int, Any] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[-1] = {}

    def render(node: dict[int, Any]) -> bytes:
        alts = [b"" if ch < 0 else re.escape(bytes([ch])) + render(sub) for ch, sub in sorted(node.items())]
        return alts[0] if len(alts) == 1 else b"(?:" + b"|".join(alts) + b")"

    return render(root)


def describe(prefilter: Prefilter | None) -> dict[str, Any]:
    """What the prefilter looks for (for tests and debugging)."""
    if prefilter is None:
        return {"prefilter": None}
    return {
        "eventNames": sorted(prefilter.event_names),
        "literals": sorted(x.decode() for x in prefilter.literals),
        "anchors": sorted(
            f"{a.key.decode()}:{'' if a.at_start else '*'}{a.literal.decode()}{'' if a.at_end else '*'}"
            for a in prefilter.anchors
        ),
    }
