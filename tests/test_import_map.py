"""The project's structure (trailwatch.maint.importmap; `python -m trailwatch.maint imports`
prints the map): no import cycle, the product imports nothing of the harness or the
maintainers' tooling (the demo command's lazy load aside), no private name crosses a module,
and the runtime dependencies are exactly what the product imports."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from trailwatch.maint import importmap
from trailwatch.maint.cli import main as maint_main

ROOT = Path(__file__).parents[1]

#: Private names imported across modules: none (a name another module needs is public).
KNOWN_PRIVATE: set[tuple[str, str, str]] = set()


def test_the_cycle_finder_finds_cycles() -> None:
    assert importmap.cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert importmap.cycles({"a": {"a"}}) == [["a"]]
    assert importmap.cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle() -> None:
    found = importmap.imports()
    assert importmap.cycles(importmap.graph(found)) == []
    assert importmap.cycles(importmap.top_graph(found)) == []
    # Lazy imports count: a function-level import of a module that imports back is a cycle.
    assert any(i.lazy for i in found)


def test_the_product_imports_no_harness_and_no_maintainers_tooling() -> None:
    found = importmap.imports()
    product = importmap.product(found)
    assert {"trailwatch.cli", "trailwatch.sql", "trailwatch.cost", "trailwatch.variants"} <= product
    assert {"trailwatch.backtest.executors.duckdb", "trailwatch.eventpattern"} <= product
    assert not {m for m in product if importmap.group(m, product) in ("harness", "maint")}
    # The one import of the harness by a product module: the demo command's, when it runs.
    into_harness = {
        (i.source, i.target, i.lazy)
        for i in found
        if i.source in product and importmap.group(i.target, product) in ("harness", "maint")
    }
    assert into_harness == {("trailwatch.cli", "trailwatch.harness.demo", True)}


def test_the_wheel_carries_only_what_a_user_command_runs() -> None:
    # Every module outside the harness and the maintainers' tooling is reached from a user
    # command: a module that none reaches belongs in one of those two (the wheel leaves them out).
    product = importmap.product(importmap.imports())
    unreached = {m for m in importmap.modules() if importmap.group(m, product) == "other"}
    assert not unreached, f"shipped in the wheel but run by no user command: {sorted(unreached)}"


def test_no_private_name_crosses_a_module() -> None:
    private = {
        (i.source, i.target, name) for i in importmap.imports() for name in i.names if name.startswith("_")
    }
    assert private == KNOWN_PRIVATE


def test_the_runtime_dependencies_are_what_the_product_imports() -> None:
    found = importmap.imports()
    product = sorted(m for m in importmap.product(found) if m in importmap.modules())
    imported = set(importmap.third_party(product))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {re.split(r"[<>=;\[ ]", d, maxsplit=1)[0] for d in project["dependencies"]}
    assert imported == declared
    extras = {
        re.split(r"[<>=;\[ ]", d, maxsplit=1)[0]
        for ds in project["optional-dependencies"].values()
        for d in ds
    }
    assert {"moto", "tftest"} <= extras and not {"moto", "tftest", "flask"} & declared


def test_the_map_prints(capsys: pytest.CaptureFixture[str]) -> None:
    assert maint_main(["imports"]) == 0
    out = capsys.readouterr().out
    for line in (
        "trailwatch.cli ",
        "trailwatch.harness ",
        "trailwatch.maint ",
        "import cycles between modules",
    ):
        assert line in out
    cli_line = next(line for line in out.splitlines() if line.startswith("trailwatch.cli "))
    assert "[product]" in cli_line and "trailwatch.harness*" in cli_line


def test_no_private_name_is_read_off_another_module() -> None:
    # The attribute form: `from trailwatch import sql` then `sql._literal(...)`.
    assert importmap.private_attributes() == set()
