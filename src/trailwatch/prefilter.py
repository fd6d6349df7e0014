"""The backtest prefilter: find, in a file's raw text, the records that some filter could match.

Every compiled pattern carries a necessary condition (``FilterPattern.hint``): an exact
``eventName`` or a literal that must appear in the raw text. One regex pass over the
decompressed buffer finds the records with a wanted ``eventName``, one ``find`` pass per
literal finds the rest, and only those records are parsed and evaluated in full. A filter
without a hint, or with a default value (which publishes for every event), turns the
prefilter off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from trailwatch.evaluate import MetricFilterSpec


@dataclass
class Prefilter:
    event_names: frozenset[str]
    literals: frozenset[bytes]

    @classmethod
    def for_filters(cls, filters: list[MetricFilterSpec]) -> Prefilter | None:
        names: set[str] = set()
        literals: set[bytes] = set()
        for f in filters:
            if f.pattern.hint is None or f.default_value is not None:
                return None
            for kind, value in f.pattern.hint:
                if kind == "eventName":
                    names.add(value)
                else:
                    literals.add(value.encode())
        return cls(frozenset(names), frozenset(literals))

    def positions(self, data: bytes) -> Iterator[int]:
        """Offsets in ``data`` inside every record that could match (and some that can't)."""
        if self.event_names:
            alternation = b"|".join(re.escape(n.encode()) for n in sorted(self.event_names))
            rx = re.compile(rb'"eventName"\s*:\s*"(?:' + alternation + rb')"')
            for m in rx.finditer(data):
                yield m.start()
        # JSON may escape any character as \uXXXX: such records are always evaluated.
        # (One memchr for a backslash first: most buffers have none.)
        escapes = (b"\\u",) if b"\\" in data else ()
        for needle in (*sorted(self.literals), *escapes):
            i = data.find(needle)
            while i >= 0:
                yield i
                i = data.find(needle, i + 1)
