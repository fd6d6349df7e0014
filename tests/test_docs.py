"""Docs that cannot drift: generated README tables are current, and the generator notices
a new variable."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from trailwatch import docs
from trailwatch.terraform import REPO_ROOT


def test_every_readme_table_is_current() -> None:
    stale = docs.stale(REPO_ROOT)
    assert not stale, f"stale README tables (run .venv/bin/trailwatch docs): {stale}"


def test_adding_a_variable_makes_the_readme_stale(tmp_path: Path) -> None:
    mod = tmp_path / "mod"
    shutil.copytree(REPO_ROOT / "modules" / "log-group", mod)
    readme = mod / "README.md"
    assert docs.render(mod) in readme.read_text()
    with (mod / "variables.tf").open("a") as fh:
        fh.write(
            '\nvariable "brand_new" {\n  description = "Added without regenerating."\n  type = string\n}\n'
        )
    assert docs.render(mod) not in readme.read_text()
    assert "| `brand_new` | Added without regenerating. | `string` | n/a | yes |" in docs.render(mod)
    assert docs.update(readme, mod) is True
    assert docs.render(mod) in readme.read_text()


def _default_cells(readme: Path) -> dict[str, str]:
    """Variable name -> the Default cell of a README's generated inputs table."""
    text = readme.read_text().split(docs.BEGIN, 1)[1].split(docs.END, 1)[0]
    cells = {}
    for line in text.splitlines():
        # | `name` | description | `type` | default | required |
        if line.startswith("| `") and line.rstrip().endswith(("| yes |", "| no |")):
            parts = [p.strip() for p in re.split(r"(?<!\\)\|", line)[1:-1]]
            cells[parts[0].strip("`")] = parts[3]
    return cells


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *_strings(v))]
    return []


def test_defaults_render_as_terraform_values() -> None:
    """Each default is written as the value Terraform gives it: JSON, strings without their HCL
    quotes at any depth (a list of strings once read `["\\"security@example.com\\""]`)."""
    mod = REPO_ROOT / "tests" / "configs" / "docs-defaults"
    table = docs.render(mod)
    assert '| `emails` |  | `list(string)` | `["security@example.com"]` | no |' in table
    assert '| `tags` |  | `map(string)` | `{"Project": "trailwatch", "Key-2": "v"}` | no |' in table
    assert "| `rules` |  | `list(object({name = string, n = number, on = bool}))` | " in table
    assert '`[{"name": "a", "n": 1, "on": true}]` | no |' in table
    assert '| `quoted` |  | `string` | `"say \\"hi\\""` | no |' in table
    assert "| `nothing` |  | `string` | `null` | no |" in table
    assert "| `needed` |  | `string` | n/a | yes |" in table
    checked = 0
    for module in docs.module_dirs(REPO_ROOT):
        for name, cell in _default_cells(module / "README.md").items():
            if cell == "n/a":
                continue
            assert cell.startswith("`") and cell.endswith("`"), (module.name, name, cell)
            value = json.loads(cell.strip("`").replace("\\|", "|"))
            leftovers = [s for s in _strings(value) if len(s) >= 2 and s[0] == s[-1] == '"']
            assert not leftovers, f"{module.name}: {name} default keeps HCL quotes: {cell}"
            checked += 1
    assert checked >= 100
