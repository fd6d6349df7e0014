"""Reading backtest input files: every record is either an event or a reported skip.

A file is read whole (one file per worker at a time: memory is bounded by the largest file,
not by the archive), decompressed when it starts with the gzip magic number (ISA-L, see
DEVELOPERS.md: a one-member file, as CloudTrail writes them, in one call that must consume
the file exactly; anything else by ``igzip``, which reads every member and says what is
wrong), and then read as one of:

- a CloudTrail file, ``{"Records": [...]}``: the whole document is validated by msgspec
  (JSON syntax and shape; numbers are not converted, so the engine keeps its own number
  semantics), every element must be an object, and the text must be UTF-8;
- JSON Lines: every non-blank line must be one JSON object.

What cannot be read is never an event: a whole file (not gzip though named ``.gz``, a
truncated or corrupt gzip stream, empty, invalid or truncated JSON, a wrong shape such as
``{"Records": 5}``, unreadable) raises ``Unreadable``; a single record (an element of
``Records`` that is not an object, a JSON Lines line that is not a JSON object, a record that
is not UTF-8, a record without a usable ``eventTime``) becomes a ``Skipped`` entry and the
rest of the file is read.

A usable ``eventTime`` is a top-level string holding an RFC 3339 date-time (what CloudTrail
writes, ``2026-11-02T09:00:00Z``; UTC when it names no offset) after 1970-01-01: the time
the event is counted at. A record without one is never counted at some default time. The
times come from a second msgspec decode of the file that reads only ``eventTime`` as a
datetime with an offset (about as fast as the validating decode; the list is used as msgspec
makes it). It decodes each record into a Struct, which only an object decodes to: when it
succeeds, every record is known to be an object without a look at each. When a time has no
offset, a lenient decode adds UTC; when that fails too (a record without a usable time, or
one that is not an object), each record is looked at alone to say which. msgspec gives a
record either as ``Raw`` (its span, no fields) or as a Struct (its fields, no position), so
the spans and the times take a decode each. With a selector, the Struct is the selector's
(``Selector.record_type``): the same decode reads the fields the selector tests
(``prefilter.Prefilter``: the names and the anchors' key paths), and ``picked`` tests them
for the whole file at once. A record that fails the file-wide decode makes each record be
decoded alone; one whose own fields do not decode is left to the selector (it marks it).

Record boundaries come from msgspec, not from searching the text: each record's text is
its ``Raw``; in the compact form that CloudTrail writes (one ``,`` between records), the
byte offset of each record follows from the lengths of the records before it, which lets a
selector's hit positions in the raw buffer (a plain literal's) be mapped to exactly the
records that contain them. The validating decode is the only pass that parses the whole
file for its spans; a file not written compactly that holds a hit has every record selected
(the prefilter's record stage still tests each).
"""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import ctypes.util
import functools
import itertools
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Protocol

import msgspec
from isal import igzip, igzip_lib, isal_zlib

ARCHIVE_SUFFIXES = (".json.gz", ".json", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
#: CloudTrail writes digest files (hashes, no events) beside the logs, under this folder.
DIGEST_FOLDER = "CloudTrail-Digest"
GZIP_MAGIC = b"\x1f\x8b"
#: deflate's largest expansion (a compressed byte stands for at most about 1032).
_MAX_RATIO = 1032
#: glibc mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
CLOUDTRAIL_HEAD = re.compile(rb'\s*\{\s*"Records"\s*:')
_GZIP_ERRORS: tuple[type[BaseException], ...] = (OSError, ValueError, isal_zlib.error)  # type: ignore[assignment]
_OPEN_BRACE = ord("{")
#: A search of this buffer for a byte it lacks runs glibc's vectorized ``memchr`` over it,
#: which ends with ``vzeroupper``: see ``read``.
_VECTOR_RESET = bytes(512)
_KINDS = {ord("["): "an array", ord('"'): "a string", ord("t"): "a boolean", ord("f"): "a boolean"}
_KINDS[ord("n")] = "null"


class Selector(Protocol):
    """What picks the records worth evaluating (``prefilter.Prefilter`` is one). Each record of
    a file is decoded, in the pass that reads the record times, into the selector's
    ``record_type`` (its ``eventTime`` of the type given, and the fields the selector tests);
    a record is selected when ``picked`` names it among the decoded records (with a mark,
    ``FileRecords.marks``), or when it holds one of the offsets ``positions`` gives for the
    file's text (None: it cannot tell, every record is selected)."""

    def record_type(self, time: Any) -> type[msgspec.Struct]: ...

    def picked(self, records: Sequence[Any]) -> Mapping[int, Any]: ...

    def positions(self, data: bytes) -> Iterable[int] | None: ...


class _Trail(msgspec.Struct):
    Records: list[msgspec.Raw]


#: A time with an offset (CloudTrail writes ``Z``): then no record needs one added.
_AWARE = Annotated[datetime, msgspec.Meta(tz=True)]


class _AnyTime(msgspec.Struct, gc=False):
    eventTime: Any = msgspec.UNSET


#: Without a selector: each record's time alone (``eventTime`` as ``_AWARE``, ``datetime``
#: or ``Any``).
_TIME_ONLY: dict[Any, type[msgspec.Struct]] = {
    _AWARE: msgspec.defstruct("Record", [("eventTime", _AWARE)], gc=False),
    datetime: msgspec.defstruct("Record", [("eventTime", datetime)], gc=False),
    Any: _AnyTime,
}


def _record_type(selector: Selector | None, time: Any) -> type[msgspec.Struct]:
    return _TIME_ONLY[time] if selector is None else selector.record_type(time)


@functools.lru_cache(maxsize=64)
def _file_decoder(record: type[msgspec.Struct]) -> msgspec.json.Decoder[Any]:
    """A decoder of ``{"Records": [...]}`` into a list of ``record``."""
    records: Any = list[record]  # type: ignore[valid-type]
    return msgspec.json.Decoder(msgspec.defstruct("Trail", [("Records", records)], gc=False))


@functools.lru_cache(maxsize=64)
def _record_decoder(record: type[msgspec.Struct]) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(record)


_TRAIL = msgspec.json.Decoder(_Trail)
_ANY = msgspec.json.Decoder(msgspec.Raw)
_EVENT_TIME = operator.attrgetter("eventTime")
_ANY_TIME = msgspec.json.Decoder(_AnyTime)


def time_ms(when: datetime) -> int:
    """A usable eventTime's milliseconds since 1970 (UTC when it names no offset)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


def _time_and_record(record: bytes, decoder: msgspec.json.Decoder[Any]) -> tuple[int | str, Any]:
    """A record's eventTime in milliseconds (or the reason it has no usable one), and the
    record decoded by ``decoder`` (its ``eventTime`` of any type; None when that decode
    fails, as it does on a number beyond a double's range in a selector's field)."""
    try:
        fields = decoder.decode(record)
        when = fields.eventTime
    except (msgspec.DecodeError, RecursionError):
        fields = None
        try:
            when = _ANY_TIME.decode(record).eventTime
        except (msgspec.DecodeError, RecursionError):
            return "no usable eventTime: the record does not decode", None
    return _usable_time(when), fields


def _usable_time(value: Any) -> int | str:
    if value is msgspec.UNSET:
        return "no eventTime"
    if not isinstance(value, str):
        return f"no usable eventTime: {_kind(ord(msgspec.json.encode(value)[:1]))}, not a date-time string"
    try:
        ms = time_ms(msgspec.convert(value, datetime))
    except msgspec.ValidationError:
        return f"no usable eventTime: {value[:40]!r} is not an RFC 3339 date-time"
    if ms <= 0:
        return f"no usable eventTime: {value!r} is not after 1970"
    return ms


@dataclass(frozen=True)
class Skipped:
    """A file, or one record of it, that was not scanned, and why."""

    path: str
    reason: str
    #: 1-based: the element of ``Records`` (CloudTrail) or the line (JSON Lines); None: the file.
    record: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "reason": self.reason}
        if self.record is not None:
            out["record"] = self.record
        return out

    def __str__(self) -> str:
        where = self.path if self.record is None else f"{self.path} record {self.record}"
        return f"{where}: {self.reason}"


class Unreadable(Exception):
    """A whole file that cannot be read as CloudTrail or JSON Lines (the message says why)."""


def archive_files(paths: Iterable[Path]) -> list[Path]:
    """The input files under ``paths``: folders are walked for archive suffixes (digest
    folders left out); anything that is not a folder is kept, to be read or reported."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(
                sorted(
                    f
                    for f in p.rglob("*")
                    if f.name.endswith(ARCHIVE_SUFFIXES)
                    and not f.is_dir()
                    and DIGEST_FOLDER not in f.relative_to(p).parts
                )
            )
        elif p.exists() or p.is_symlink():
            out.append(p)
        else:
            raise FileNotFoundError(f"no such file or folder: {p}")
    return out


def size_of(path: Path) -> int:
    """The file's size on disk, 0 if it cannot be told (reading it will say why)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def read(path: Path) -> bytes:
    """The (decompressed) text of one file; ``Unreadable`` says why not."""
    if not path.is_file():
        raise Unreadable("not a regular file" if path.exists() else "cannot read: broken link or vanished")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or exc}") from None
    if raw[:2] == GZIP_MAGIC:
        data = _gunzip(raw)
        del raw
        # ISA-L's inflate returns with the upper halves of the vector registers in use (no
        # vzeroupper), and until something clears them the SSE code that runs next pays
        # for it: the prefilter's Hyperscan pass over the text (it runs for plain literals)
        # took 349 instead of 243 us a file of 300 records (AMD EPYC, glibc 2.36;
        # DEVELOPERS.md, session 30). msgspec's decodes are unaffected. The search costs
        # about 0.1 us; where memchr is not vectorized nothing is left to clear.
        _VECTOR_RESET.find(b"\x01")
        if not data.strip():
            raise Unreadable("empty file (after decompression)")
        return data
    if path.name.endswith(".gz"):
        raise Unreadable(f"not gzip, though named .gz (starts with {raw[:8]!r})")
    if not raw.strip():
        raise Unreadable("empty file")
    return raw


def retain_freed_memory() -> None:
    """Let this process reuse the memory of one file's buffers for the next (glibc only).

    glibc gives buffers over its mmap threshold (128 KiB at first) back to the kernel when
    they are freed, and a file's text is a few MB: every page of every file was a fresh
    page fault, about a quarter of decompression's time. With the threshold at its
    maximum (32 MiB) and the heap kept, freed buffers are reused; the heap stays the size
    of the largest file's buffers, so memory is still bounded by the largest file.
    """
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is not None:
        mallopt(_M_MMAP_THRESHOLD, 32 * 2**20)
        mallopt(_M_TRIM_THRESHOLD, 2**30)


def _gunzip(raw: bytes) -> bytes:
    """Decompress a gzip file. One member, as CloudTrail writes it, in one call; anything
    else (several members, trailing bytes, a truncated or corrupt stream) by ``igzip``,
    which reads every member and says what is wrong.

    The one call is told the member's size (ISIZE, the last 4 bytes: RFC 1952) as the most
    it may write, so that it allocates its output once instead of growing it (about 14% of
    decompression's instructions). The size is only a bound: a member that does not end
    within it (a wrong trailer, several members) leaves the stream unfinished, and igzip
    reads the file as before. A trailer claiming more than deflate can expand the file to
    (about 1032:1) is not trusted with an allocation: no bound then."""
    size = int.from_bytes(raw[-4:], "little")
    one = igzip_lib.IgzipDecompressor(igzip_lib.DECOMP_GZIP)
    with contextlib.suppress(*_GZIP_ERRORS):
        data: bytes = one.decompress(raw, size if 0 < size <= _MAX_RATIO * len(raw) else -1)
        if one.eof and not one.unused_data:
            return data
    try:
        return igzip.decompress(raw)  # type: ignore[no-any-return,no-untyped-call]
    except EOFError:
        raise Unreadable("truncated gzip: the stream ends before its end marker") from None
    except _GZIP_ERRORS as exc:
        raise Unreadable(f"corrupt gzip: {exc}") from None


@dataclass
class FileRecords:
    #: Records read (events), including those the prefilter did not select.
    total: int
    #: The records to evaluate, each with its eventTime (ms): all of them, or those holding
    #: a prefilter hit.
    selected: Iterator[tuple[int, bytes]]
    #: Records that could not be read.
    skipped: list[Skipped]
    #: The earliest and latest eventTime of the records read (ms), None when there are none.
    first_ms: int | None = None
    last_ms: int | None = None
    #: Every record's eventTime (ms), the unselected ones included (computed when asked).
    times: Callable[[], Iterable[int]] = tuple
    #: With a selector: the mark ``picked`` gave each selected record, in their order (None
    #: for a record it did not name).
    marks: list[Any] = field(default_factory=list)

    def times_ms(self) -> Iterable[int]:
        return self.times()


def records(data: bytes, path: str, selector: Selector | None) -> FileRecords:
    """Split a file's text into records (see the module docstring); ``Unreadable`` if the
    file as a whole cannot be read. With a ``selector`` only the records it picks are
    selected; without one, every record."""
    if CLOUDTRAIL_HEAD.match(data):
        return _cloudtrail(data, path, selector)
    return _json_lines(data, path, selector)


def _kind(first: int) -> str:
    if first in _KINDS:
        return _KINDS[first]
    return "a number"


def _holding(starts: list[int], ends: list[int], hits: Iterable[int]) -> set[int]:
    """The indices of the spans [starts[i], ends[i]) that hold a hit."""
    wanted: set[int] = set()
    for pos in hits:
        i = bisect.bisect_right(starts, pos) - 1
        if i >= 0 and pos < ends[i]:
            wanted.add(i)
    return wanted


def _cloudtrail(data: bytes, path: str, selector: Selector | None) -> FileRecords:
    try:
        raws = _TRAIL.decode(data).Records
    except msgspec.ValidationError as exc:
        raise Unreadable(f"not a CloudTrail file: {exc}") from None
    except (msgspec.DecodeError, RecursionError) as exc:  # RecursionError: nested too deep
        raise Unreadable(f"invalid JSON: {exc}") from None
    n = len(raws)
    if n == 0:
        return FileRecords(0, iter(()), [])
    skipped: list[Skipped] = []
    bad: set[int] = set()
    strict = _strict_times(data, selector)
    if strict is None:
        # Some record is not an object, or has no usable time with an offset: find which.
        for i, first in enumerate(memoryview(r)[0] for r in raws):
            if first != _OPEN_BRACE:
                bad.add(i)
                skipped.append(Skipped(path, f"not a JSON object ({_kind(first)})", i + 1))
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            for i, r in enumerate(raws):
                try:
                    bytes(r).decode("utf-8")
                except UnicodeDecodeError as exc:
                    if i not in bad:
                        bad.add(i)
                        skipped.append(Skipped(path, f"not UTF-8 (byte {exc.start} of the record)", i + 1))
            if not bad:
                raise Unreadable("not UTF-8 outside the records") from None
    times, decoded = (
        strict if strict is not None and not bad else _times(data, raws, bad, path, skipped, selector)
    )
    skipped.sort(key=lambda s: s.record or 0)
    total = n - len(bad)
    first_ms, last_ms = _span(times)

    def every_ms() -> Iterable[int]:
        return (time_ms(t) for i, t in enumerate(times) if i not in bad)

    hits = selector.positions(data) if selector is not None else None
    starts: list[int] = []
    if hits:
        lengths = list(map(len, raws))
        open_at = data.index(b"[")
        close_at = data.rindex(b"]")
        # The array's text spans at least the records plus one byte between each two;
        # exactly that only when it is compact and this '[' .. ']' pair is the Records
        # array's own. Then record i starts after the '[', the i records before it and a
        # ',' after each; otherwise offsets cannot be told to records: every record is
        # selected.
        if close_at - open_at - 1 == sum(lengths) + max(n - 1, 0):
            starts = list(
                map(operator.add, itertools.accumulate(lengths[:-1], initial=open_at + 1), range(n))
            )
        else:
            hits = None
    if selector is None:
        every = ((time_ms(times[i]), bytes(r)) for i, r in enumerate(raws) if i not in bad)
        return FileRecords(total, every, skipped, first_ms, last_ms, every_ms)
    marks = selector.picked(decoded)
    if hits is None:
        # Hits that cannot be placed: every record is selected.
        chosen = [i for i in range(n) if i not in bad]
    else:
        held = set(marks)
        if starts:
            held.update(_holding(starts, list(map(operator.add, starts, lengths)), hits))
        chosen = [i for i in sorted(held) if i not in bad]
    return FileRecords(
        total,
        ((time_ms(times[i]), bytes(raws[i])) for i in chosen),
        skipped,
        first_ms,
        last_ms,
        every_ms,
        [marks.get(i) for i in chosen],
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _strict_times(data: bytes, selector: Selector | None) -> tuple[list[datetime], list[Any]] | None:
    """Each record's eventTime and the record decoded (the selector's ``record_type``), when
    every record is an object (a Struct decodes from an object only) with a usable eventTime
    that names its offset, as CloudTrail writes it; None otherwise. One decode proves all of
    it, so the common file needs no look at each record."""
    try:
        decoded: list[Any] = _file_decoder(_record_type(selector, _AWARE)).decode(data).Records
    except (msgspec.DecodeError, RecursionError):
        return None
    aware = list(map(_EVENT_TIME, decoded))
    return (aware, decoded) if min(aware) > _EPOCH else None


def _times(
    data: bytes,
    raws: list[msgspec.Raw],
    bad: set[int],
    path: str,
    skipped: list[Skipped],
    selector: Selector | None,
) -> tuple[list[datetime], list[Any]]:
    """Each record's eventTime (aware) and the record decoded (None: it did not decode) when
    ``_strict_times`` could not give them all; a record without a usable time is added to
    ``bad`` and ``skipped`` (its entries are then the epoch and None, never read)."""
    if not bad:
        # Some record's eventTime names no offset (UTC, added here), or is not usable.
        with contextlib.suppress(msgspec.DecodeError, RecursionError):
            decoded = _file_decoder(_record_type(selector, datetime)).decode(data).Records
            times = map(_EVENT_TIME, decoded)
            aware = [t if t.tzinfo is not None else t.replace(tzinfo=UTC) for t in times]
            if min(aware) > _EPOCH:
                return aware, decoded
        # Some record has no usable eventTime, or a field the selector reads does not
        # decode: one by one.
    decoder = _record_decoder(_record_type(selector, Any))
    out: list[datetime] = []
    records: list[Any] = []
    for i, r in enumerate(raws):
        if i in bad:
            out.append(_EPOCH)
            records.append(None)
            continue
        ms, fields = _time_and_record(bytes(r), decoder)
        records.append(fields)
        if isinstance(ms, str):
            bad.add(i)
            skipped.append(Skipped(path, ms, i + 1))
            out.append(_EPOCH)
        else:
            out.append(datetime.fromtimestamp(ms / 1000, UTC))
    return out, records


def _span(times: list[datetime]) -> tuple[int | None, int | None]:
    first = min(times)
    if first > _EPOCH:  # every record has a usable time (the epoch marks those without)
        return time_ms(first), time_ms(max(times))
    usable = [t for t in times if t > _EPOCH]
    if not usable:
        return None, None
    return time_ms(min(usable)), time_ms(max(usable))


def _json_lines(data: bytes, path: str, selector: Selector | None) -> FileRecords:
    skipped: list[Skipped] = []
    good: list[tuple[int, int]] = []  # (start, end) of each readable line
    line_ms: list[int] = []  # its eventTime
    line_records: list[Any] = []  # it decoded for the selector (None: it did not decode)
    decoder = _record_decoder(_record_type(selector, Any))
    objects = 0  # lines that are JSON objects, with a usable eventTime or not
    ascii_only = data.isascii()
    start = 0
    for number, line in enumerate(data.split(b"\n"), start=1):
        end = start + len(line)
        body = line.strip()
        if body:
            reason = None
            try:
                _ANY.decode(body)
            except (msgspec.DecodeError, RecursionError) as exc:  # RecursionError: nested too deep
                reason = f"invalid JSON: {exc}"
            else:
                if body[0] != _OPEN_BRACE:
                    reason = f"not a JSON object ({_kind(body[0])})"
                elif not ascii_only:
                    try:
                        body.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        reason = f"not UTF-8 (byte {exc.start} of the line)"
            objects += reason is None
            when, fields = (reason, None) if reason else _time_and_record(body, decoder)
            if isinstance(when, int):
                good.append((start, end))
                line_ms.append(when)
                line_records.append(fields)
            else:
                skipped.append(Skipped(path, when, number))
        start = end + 1
    if not objects and skipped:
        # Not one line is a JSON object: report the file, not each of its lines.
        raise Unreadable(f"neither CloudTrail nor JSON Lines: line {skipped[0].record}: {skipped[0].reason}")
    total = len(good)
    first, last = (min(line_ms), max(line_ms)) if line_ms else (None, None)
    if selector is None:
        chosen: Iterable[int] = range(total)
        marks: list[Any] = []
    else:
        picked = selector.picked(line_records)
        hits = selector.positions(data)
        if hits is None:
            chosen = range(total)
        else:
            held = _holding([s for s, _ in good], [e for _, e in good], hits)
            held.update(picked)
            chosen = sorted(held)
        marks = [picked.get(i) for i in chosen]
    return FileRecords(
        total,
        ((line_ms[i], data[good[i][0] : good[i][1]]) for i in chosen),
        skipped,
        first,
        last,
        lambda: line_ms,
        marks,
    )
