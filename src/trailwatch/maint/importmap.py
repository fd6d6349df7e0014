"""The project's structure: which trailwatch module imports which (``python -m trailwatch.maint
imports`` prints it; tests/test_import_map.py holds its rules).

Read from the source with ``ast``, nothing imported: every ``import`` and ``from ... import``
of a trailwatch module, at module level or inside a function (``lazy``: loaded when that code
runs), except under ``if TYPE_CHECKING:``. The product is computed, not listed: every module
the user commands' CLI reaches through its imports, the demo command's lazy load of the
harness aside.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE = "trailwatch"
SOURCE = Path(__file__).resolve().parents[1]
#: The product's entry point (``trailwatch``), and the one import of the harness it may make:
#: the demo command's, inside the function that runs it.
CLI = "trailwatch.cli"
DEMO = "trailwatch.harness.demo"
HARNESS = "trailwatch.harness"
MAINT = "trailwatch.maint"


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    #: the names a ``from`` import takes from the target (empty for ``import x``)
    names: tuple[str, ...]
    line: int
    lazy: bool


def modules(root: Path = SOURCE) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    out: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, lazy: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking(child):
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, lazy
        inner = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        yield from _walk(child, inner)


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), str(path))


@cache
def imports(root: Path = SOURCE) -> tuple[Import, ...]:
    """Every import of a trailwatch module by a trailwatch module (read once per process)."""
    known = modules(root)
    out: list[Import] = []
    for name, path in known.items():
        for node, lazy in _walk(_parse(path), False):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == PACKAGE:
                        out.append(Import(name, alias.name, (), node.lineno, lazy))
                continue
            base = node.module or ""
            if node.level:  # relative: from the importing module's package
                package = name if path.name == "__init__.py" else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            if base.split(".")[0] != PACKAGE:
                continue
            taken: list[str] = []
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in known:  # `from trailwatch import sql`: the submodule itself
                    out.append(Import(name, sub, (), node.lineno, lazy))
                else:
                    taken.append(alias.name)
            if taken:
                out.append(Import(name, base, tuple(taken), node.lineno, lazy))
    return tuple(out)


def private_attributes(root: Path = SOURCE) -> set[tuple[str, str, str]]:
    """(module, imported module, name) for every ``module._name`` a trailwatch module reads off
    a trailwatch module it imported (``from trailwatch import sql`` then ``sql._literal``): the
    attribute form of a private name crossing a module, which a ``from`` import list does not
    show. Dunder names are not private."""
    known = modules(root)
    found: set[tuple[str, str, str]] = set()
    for name, path in known.items():
        tree = _parse(path)
        bound: dict[str, str] = {}
        for node, _lazy in _walk(tree, False):  # `import trailwatch.sql as sql`
            if isinstance(node, ast.Import):
                bound |= {a.asname: a.name for a in node.names if a.name in known and a.asname}
        for imp in imports(root):
            if imp.source == name and not imp.names:
                bound.setdefault(imp.target.rpartition(".")[2], imp.target)
        for attr in ast.walk(tree):
            if (
                isinstance(attr, ast.Attribute)
                and isinstance(attr.value, ast.Name)
                and attr.value.id in bound
                and attr.attr.startswith("_")
                and not attr.attr.startswith("__")
            ):
                found.add((name, bound[attr.value.id], attr.attr))
    return found


def third_party(names: Iterable[str], root: Path = SOURCE) -> dict[str, set[str]]:
    """Top-level name of each non-standard-library, non-trailwatch import -> the modules (of
    ``names``) that import it, lazily or not (TYPE_CHECKING imports excluded)."""
    known = modules(root)
    out: dict[str, set[str]] = {}
    for name in names:
        for node, _ in _walk(_parse(known[name]), False):
            if isinstance(node, ast.ImportFrom) and node.level:
                continue
            tops = (
                [a.name.split(".")[0] for a in node.names]
                if isinstance(node, ast.Import)
                else [(node.module or "").split(".")[0]]
            )
            for top in tops:
                if top != PACKAGE and top not in sys.stdlib_module_names and top != "__future__":
                    out.setdefault(top, set()).add(name)
    return out


def graph(found: Iterable[Import]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for i in found:
        out.setdefault(i.source, set()).add(i.target)
    return out


def cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (or a module importing
    itself), each sorted: every import cycle is inside one."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    nodes = sorted(set(edges) | {t for ts in edges.values() for t in ts})

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in edges.get(v, ()):
                out.append(sorted(component))

    for v in nodes:
        if v not in index:
            visit(v)
    return sorted(out)


def product(found: Iterable[Import]) -> set[str]:
    """The modules the user commands reach: trailwatch.cli and everything it imports, lazily
    or not, except the demo command's harness, and their packages' ``__init__``."""
    edges: dict[str, set[str]] = {}
    for i in found:
        if not (i.source == CLI and i.target == DEMO and i.lazy):
            edges.setdefault(i.source, set()).add(i.target)
    seen = {PACKAGE, CLI}
    todo = [CLI]
    while todo:
        for target in edges.get(todo.pop(), ()):
            parts = target.split(".")
            for n in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b first
                prefix = ".".join(parts[:n])
                if prefix not in seen:
                    seen.add(prefix)
                    todo.append(prefix)
    return seen


def group(name: str, product_modules: set[str]) -> str:
    if name == HARNESS or name.startswith(HARNESS + "."):
        return "harness"
    if name == MAINT or name.startswith(MAINT + "."):
        return "maint"
    return "product" if name in product_modules else "other"


def top_graph(found: Iterable[Import]) -> dict[str, set[str]]:
    """The imports between top-level modules (a subpackage is one)."""
    out: dict[str, set[str]] = {}
    for i in found:
        if top(i.source) != top(i.target):
            out.setdefault(top(i.source), set()).add(top(i.target))
    return out


def top(name: str) -> str:
    """The top-level module (or subpackage) of trailwatch a module belongs to."""
    return ".".join(name.split(".")[:2])


def render(root: Path = SOURCE) -> str:
    """The map: each top-level module, its group, and the top-level modules it imports
    (``*``: only lazily, inside a function); then the cycles, module by module."""
    found = imports(root)
    used = product(found)
    every = modules(root)
    tops: dict[str, dict[str, bool]] = {top(m): {} for m in every}
    for i in found:
        source, target = top(i.source), top(i.target)
        if source != target:
            tops[source][target] = tops[source].get(target, True) and i.lazy
    groups = {t: "/".join(sorted({group(m, used) for m in every if top(m) == t})) for t in tops}
    width = max(len(t) for t in tops)
    lines = [
        "trailwatch import map: top-level module [group] -> what it imports",
        "(* only lazily, inside a function). Groups: product = what `trailwatch` reaches from",
        "its user commands; harness; maint; other = shipped, but no user command imports it.",
        "",
    ]
    for t in sorted(tops):
        targets = ", ".join(f"{x}{'*' if lazy else ''}" for x, lazy in sorted(tops[t].items()))
        lines.append(f"{t:<{width}}  [{groups[t]}]  -> {targets or '-'}")
    for title, found_cycles in (
        ("top-level modules", cycles(top_graph(found))),
        ("modules", cycles(graph(found))),
    ):
        lines += ["", f"import cycles between {title}: {len(found_cycles)}"]
        lines += [f"  {' <-> '.join(c)}" for c in found_cycles]
    return "\n".join(lines) + "\n"
