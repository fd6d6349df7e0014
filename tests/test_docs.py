"""Docs that cannot drift: generated README tables are current, and the generator notices
a new variable."""

from __future__ import annotations

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
