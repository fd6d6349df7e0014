"""The Athena table over a trail's archive (catalog/cloudtrail-table.json), as Python reads it.

The same file gives modules/athena its Glue columns (``jsondecode(file(...))``), ``trailwatch
sql`` the column each selector reads, and the DuckDB view its columns and types.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

#: catalog/cloudtrail-table.json at the repository root, the one copy in git (Terraform reads it there).
#: The package reaches it as ``trailwatch/catalog_data/cloudtrail-table.json``: in a checkout through the
#: committed symlink src/trailwatch/catalog_data -> ../../catalog, in a wheel as the file the
#: build copied from it (DEVELOPERS.md, "Layout").
TABLE_PATH: Traversable = files("trailwatch").joinpath("catalog_data", "cloudtrail-table.json")


@dataclass(frozen=True)
class HiveType:
    """A Hive type: ``string``, ``struct<a:t,...>``, ``array<t>`` or ``map<k,v>``."""

    kind: str  # "string" | "struct" | "array" | "map"
    #: struct: (field name, type) in order; array: one ("", element); map: key and value
    fields: tuple[tuple[str, HiveType], ...] = ()

    def field(self, name: str) -> HiveType | None:
        """A struct's field, by its exact name (CloudTrail's keys are case-sensitive)."""
        return next((t for n, t in self.fields if n == name), None) if self.kind == "struct" else None

    def duckdb(self) -> str:
        """The same type in DuckDB's syntax."""
        if self.kind == "string":
            return "VARCHAR"
        if self.kind == "array":
            return f"{self.fields[0][1].duckdb()}[]"
        if self.kind == "map":
            return f"MAP({self.fields[0][1].duckdb()}, {self.fields[1][1].duckdb()})"
        return "STRUCT(" + ", ".join(f'"{n}" {t.duckdb()}' for n, t in self.fields) + ")"


def parse_type(text: str) -> HiveType:
    """Parse a Hive type string as the table file writes it (no spaces)."""
    t, rest = _parse(text, 0)
    if rest != len(text):
        raise ValueError(f"unexpected {text[rest:]!r} in Hive type {text!r}")
    return t


def _parse(text: str, i: int) -> tuple[HiveType, int]:
    for kind in ("string", "struct<", "array<", "map<"):
        if text.startswith(kind, i):
            i += len(kind)
            break
    else:
        raise ValueError(f"unknown Hive type at {text[i:]!r}")
    if kind == "string":
        return HiveType("string"), i
    fields: list[tuple[str, HiveType]] = []
    while True:
        name = ""
        if kind == "struct<":
            colon = text.index(":", i)
            name, i = text[i:colon], colon + 1
        t, i = _parse(text, i)
        fields.append((name, t))
        if text[i] == ">":
            return HiveType(kind[:-1], tuple(fields)), i + 1
        if text[i] != ",":
            raise ValueError(f"expected ',' or '>' at {text[i:]!r}")
        i += 1


@dataclass(frozen=True)
class Table:
    columns: tuple[tuple[str, HiveType], ...]
    #: STRING columns holding a JSON object's text (requestParameters, ...)
    json_columns: frozenset[str]
    raw: dict[str, Any]

    def column(self, name: str) -> HiveType | None:
        return next((t for n, t in self.columns if n == name), None)


@cache
def load() -> Table:
    raw = json.loads(TABLE_PATH.read_text())
    return Table(
        columns=tuple((c["name"], parse_type(c["type"])) for c in raw["columns"]),
        json_columns=frozenset(raw["json_columns"]),
        raw=raw,
    )
