"""The record stage's document (``Prefilter.examine``) decides each filter it names exactly as
the engine does on the record's own parse: on the recorded corpus, the scenarios, synthetic
realistic and hostile records, their whitespace and escape variants, and fuzzed values on
every key path a filter reads (types, nulls, duplicate keys, escapes), and it stands aside
where ``json.loads`` would fail on the record (an integer past Python's digit limit, nesting
near the recursion limit)."""

from __future__ import annotations

import copy
import gzip
import json
import random
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest

from test_prefilter import _catalog_filters, _tricky, _variants
from trailwatch.backtest import backtest
from trailwatch.evaluate import MetricFilterSpec
from trailwatch.filterpattern import compile_pattern
from trailwatch.filterpattern.event import MISSING, Event, _parse_json
from trailwatch.filterpattern.json_pattern import tokenize_json
from trailwatch.harness import scenarios
from trailwatch.harness.synthetic import records as synthetic_records
from trailwatch.prefilter import Prefilter, selector_paths

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def filters() -> list[MetricFilterSpec]:
    return _catalog_filters()


@pytest.fixture(scope="module")
def prefilter(filters: list[MetricFilterSpec]) -> Prefilter:
    pre = Prefilter.for_filters(filters)
    assert pre is not None
    return pre


def _verdicts(prefilter: Prefilter, filters: list[MetricFilterSpec], text: str) -> tuple[set[str], bool]:
    """The filters that match the record as the backtest decides it (the document for the
    decided ones, the engine for the others), and whether the record had a document."""
    only, doc = prefilter.examine(text.encode())
    out = set()
    event = Event(text)
    for f in filters:
        if f.name not in only:
            continue
        if doc is not None and f.name in prefilter.decided:
            hit = f.pattern.match_document(doc)
        else:
            hit = f.pattern.matches(event)
        if hit:
            out.add(f.name)
    return out, doc is not None


def _engine(filters: list[MetricFilterSpec], text: str) -> set[str]:
    event = Event(text)  # parsed once for every filter
    return {f.name for f in filters if f.pattern.matches(event)}


def _values(filters: list[MetricFilterSpec]) -> list[Any]:
    """Every value the patterns compare with, and values of every other JSON type."""
    out: list[Any] = [None, True, False, 0, 1.5, [], ["Root"], {}, {"type": "Root"}, "", "x"]
    for f in filters:
        text = f.pattern.text.strip()
        for tok in tokenize_json(text[1:-1], 0):
            if tok.kind == "str":
                value = json.loads(tok.text)
                out += [value, value.replace("*", ""), value.replace("*", "zz"), value + "\n"]
            elif tok.kind == "word" and tok.text.upper() not in ("NOT", "EXISTS", "IS", "NULL"):
                out.append(tok.text)
    return out


def _put(record: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
    node = record
    for key in keys[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    if value is _DELETE:
        node.pop(keys[-1], None)
    else:
        node[keys[-1]] = value


_DELETE = object()


def _corpus() -> list[dict[str, Any]]:
    recorded = json.loads((ROOT / "tests" / "records" / "console-access.json").read_text())["records"]
    return (
        [r["record"] for r in recorded]
        + list(scenarios.corpus().values())
        + synthetic_records(200, seed=11)
        + synthetic_records(200, seed=12, hostile=True)
        + _tricky()
    )


def test_the_catalog_is_decided_by_the_document(
    filters: list[MetricFilterSpec], prefilter: Prefilter
) -> None:
    assert prefilter.decided == {f.name for f in filters}
    # An index or wildcard step, or another kind of pattern: the engine decides.
    assert selector_paths(compile_pattern('{ $.resources[0].type = "x" }')) is None
    assert selector_paths(compile_pattern('{ $.a.* = "x" }')) is None
    assert selector_paths(compile_pattern('"ConsoleLogin"')) is None
    assert selector_paths(compile_pattern('{ ($.a.b = "x") && ($.c NOT EXISTS) }')) == frozenset(
        {("a", "b"), ("c",)}
    )
    mixed = [
        MetricFilterSpec(
            "leaf", compile_pattern('{ ($.eventName = "A") && ($.userIdentity NOT EXISTS) }'), "m", "T", "1"
        ),
        MetricFilterSpec(
            "inner",
            compile_pattern('{ ($.eventName = "B") && ($.userIdentity.type = "Root") }'),
            "m",
            "T",
            "1",
        ),
    ]
    pre = Prefilter.for_filters(mixed)
    assert pre is not None
    # One path cannot be both a leaf and an object of the document: the first name keeps it,
    # the engine decides the other.
    assert pre.decided == {"inner"}
    for name in ("A", "B"):
        for identity in ({"type": "Root"}, None, "Root", [1]):
            text = json.dumps({"eventName": name, "userIdentity": identity})
            assert _verdicts(pre, mixed, text)[0] == _engine(mixed, text), text
    # When the conditions' own paths clash there is no document (every filter a candidate).
    clash = [
        MetricFilterSpec("leaf", compile_pattern('{ $.userIdentity = "Root*" }'), "m", "T", "1"),
        MetricFilterSpec("inner", compile_pattern('{ $.userIdentity.type = "Root" }'), "m", "T", "1"),
    ]
    pre = Prefilter.for_filters(clash)
    assert pre is not None and pre.decided == frozenset()
    assert pre.examine(b'{"userIdentity":{"type":"Root"}}') == (frozenset({"leaf", "inner"}), None)


def test_the_document_decides_as_the_engine(filters: list[MetricFilterSpec], prefilter: Prefilter) -> None:
    rng = random.Random(24)
    values = _values(filters)
    paths = sorted({p for ps in prefilter.paths.values() for p in ps})
    records = _corpus()
    texts: list[str] = []
    for record in records:
        texts += _variants(record)
    # Fuzz: values of every type, and missing keys or objects, on the paths the filters read.
    for record in rng.sample(records, 150):
        for _ in range(6):
            mutated = copy.deepcopy(record)
            for _ in range(rng.randint(1, 4)):
                keys = rng.choice(paths)
                cut = rng.randint(1, len(keys))
                value = (
                    rng.choice([*values, _DELETE, "1e999"])
                    if cut == len(keys)
                    else rng.choice([None, "x", 5, []])
                )
                _put(mutated, keys[:cut], value)
            compact = json.dumps(mutated, separators=(",", ":"))
            texts.append(compact)
            # Duplicate keys (the last one wins), escaped keys and values, an overflowing number.
            texts.append('{"eventName":"ConsoleLogin","userIdentity":{"type":"Root"},' + compact[1:])
            texts.append(compact[:-1] + ',"eventName":"ConsoleLogin","userIdentity":null}')
            texts.append(
                compact.replace('"Root"', '"R\\u006fot"').replace('"eventName"', '"event\\u004eame"')
            )
            texts.append(compact.replace('"Success"', "1e999").replace('"Root"', "-0"))
    decided = matched = 0
    for text in texts:
        mine, had = _verdicts(prefilter, filters, text)
        expected = _engine(filters, text)
        assert mine == expected, text
        decided += had and bool(mine)
        matched += bool(expected)
    # Most matches were decided on the document, not by the engine.
    assert decided > 0.5 * matched > 100


def test_no_document_where_the_engine_cannot_parse(
    filters: list[MetricFilterSpec], prefilter: Prefilter
) -> None:
    """A record json.loads refuses matches nothing (the engine's MISSING document), though
    msgspec reads it: one with an integer past Python's limit on an integer's digits, and
    one nested as deep as json.loads stops (msgspec goes a few levels further)."""
    root = json.dumps(_tricky()[0], separators=(",", ":"))
    assert _engine(filters, root)
    digits = sys.get_int_max_str_digits()
    texts = ['{"n":' + "7" * (digits + 1) + "," + root[1:]]
    # The deepest nesting msgspec reads and json.loads does not, at this call depth (if any).
    limit = sys.getrecursionlimit()
    probe = msgspec.json.Decoder(Any)
    for depth in range(limit - 40, limit + 40):
        text = '{"pad":' + "[" * depth + "]" * depth + "," + root[1:]
        try:
            probe.decode(text.encode())
        except (msgspec.DecodeError, RecursionError):
            break
        if _parse_json(text) is MISSING:
            texts.append(text)
    texts.append('{"pad":' + "[" * (limit // 4) + "]" * (limit // 4) + "," + root[1:])
    for text in texts:
        mine, had = _verdicts(prefilter, filters, text)
        assert mine == _engine(filters, text)
        assert not had
    assert _parse_json(texts[0]) is MISSING and not _engine(filters, texts[0])


def test_backtest_with_documents_equals_the_engine(tmp_path: Path, filters: list[MetricFilterSpec]) -> None:
    """End to end, with a filter that publishes a value read from the event, one the engine
    decides (an index step), the corpus and the fuzzed records: the prefiltered backtest
    reports what the full evaluation reports."""
    extra = [
        MetricFilterSpec("valued", compile_pattern('{ $.eventName = "ConsoleLogin" }'), "v", "T", "$.n"),
        MetricFilterSpec(
            "indexed", compile_pattern('{ $.resources[0].type = "AWS::IAM::Role" }'), "i", "T", "1"
        ),
    ]
    recs = _corpus()
    for n, r in enumerate(recs):
        r = dict(r)
        r.setdefault("eventTime", "2026-11-02T09:00:00Z")
        r["n"] = n
        r["resources"] = [{"type": "AWS::IAM::Role"}] if n % 7 == 0 else []
        recs[n] = r
    path = tmp_path / "a.json.gz"
    path.write_bytes(gzip.compress(json.dumps({"Records": recs}, separators=(",", ":")).encode()))
    every = [*filters, *extra]
    fast = backtest(every, [], [path], prefilter=True, workers=1).to_json()
    full = backtest(every, [], [path], prefilter=False, workers=1).to_json()
    assert fast == full
    assert all(f["matches"] for f in fast["filters"] if f["filterName"] in ("valued", "indexed"))


@pytest.mark.parametrize(
    "value",
    [
        "01",
        "1.",
        ".5",
        "-",
        "1e",
        "+1",
        "[1,]",
        "{}1",
        "tru",
        "\x0b1",
        "\xa01",
        '"\\u00"',
        '"\\x"',
        "-01",
        "1.e5",
        "1E+",
        '"\t"',
        "[-]",
        "0x1",
        "NaN",
        "Infinity",
        "-Infinity",
        '"\\U0041"',
        '"\\ud800"',
        '"\\udc00\\ud800"',
    ],
)
def test_msgspec_reads_no_record_that_json_refuses(prefilter: Prefilter, value: str) -> None:
    """The document stands for json.loads' parse only if msgspec refuses whatever json
    refuses (within the digit and nesting limits): malformed values, and those json reads
    but msgspec does not (NaN, Infinity, lone surrogates) are refused by msgspec."""
    text = '{"eventName":"ConsoleLogin","x":' + value + ',"userIdentity":{"type":"Root"}}'
    record = text.encode("utf-8", "surrogatepass")
    with pytest.raises(msgspec.DecodeError):
        msgspec.json.decode(record)
    assert prefilter.examine(record)[1] is None
