"""Docs that cannot drift: generated README tables are current, and the generator notices
a new variable."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import hcl2

from trailwatch.harness.terraform import REPO_ROOT
from trailwatch.maint import docs


def test_every_readme_table_is_current() -> None:
    stale = docs.stale(REPO_ROOT)
    assert not stale, f"stale README tables (run make docs): {stale}"


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


def _default_cells(text: str) -> dict[str, str]:
    """Variable name -> the Default cell of a generated inputs table (in a README, the part
    between the markers)."""
    if docs.BEGIN in text:
        text = text.split(docs.BEGIN, 1)[1].split(docs.END, 1)[0]
    cells = {}
    for line in text.splitlines():
        # | `name` | description | `type` | default | required |
        if line.startswith("| `") and line.rstrip().endswith(("| yes |", "| no |")):
            parts = [p.strip() for p in re.split(r"(?<!\\)\|", line)[1:-1]]
            cells[parts[0].strip("`")] = parts[3]
    return cells


def _declared_defaults(module: Path) -> dict[str, object]:
    """Variable name -> its default as written in variables*.tf, as python-hcl2 reads it."""
    out = {}
    for path in sorted(module.glob("variables*.tf")):
        with path.open() as fh:
            for entry in hcl2.load(fh).get("variable", []):
                for name, body in entry.items():
                    if "default" in body:
                        out[name.strip('"')] = body["default"]
    return out


def _value(parsed: object) -> object:
    """What Terraform makes of a value python-hcl2 parsed: strings keep their HCL quotes and
    escapes there ('"a"', '"$${x}"'), keys too."""
    if isinstance(parsed, str):
        if len(parsed) >= 2 and parsed[0] == parsed[-1] == '"':
            return str(json.loads(parsed)).replace("$${", "${").replace("%%{", "%{")
        return parsed
    if isinstance(parsed, list):
        return [_value(v) for v in parsed]
    if isinstance(parsed, dict):
        return {_value(k): _value(v) for k, v in parsed.items() if k != "__is_block__"}
    return parsed


DEFAULTS_CONFIG = REPO_ROOT / "tests" / "configs" / "docs-defaults"


def test_defaults_render_as_hcl() -> None:
    """Each default is written as HCL, as a user would copy it into a .tf or .tfvars file:
    strings without a second layer of quotes at any depth (a list of strings once read
    `["\\"security@example.com\\""]`), maps and objects as `{ "key" = value }` (they were
    JSON), a literal `${` or `%{` doubled."""
    table = docs.render(DEFAULTS_CONFIG)
    assert '| `emails` |  | `list(string)` | `["security@example.com"]` | no |' in table
    assert '| `tags` |  | `map(string)` | `{ "Project" = "trailwatch", "Key-2" = "v" }` | no |' in table
    assert "| `rules` |  | `list(object({name = string, n = number, on = bool}))` | " in table
    assert '`[{ "name" = "a", "n" = 1, "on" = true }]` | no |' in table
    assert '| `quoted` |  | `string` | `"say \\"hi\\""` | no |' in table
    assert '| `template` |  | `string` | `"$${literal} and %%{literal}, a tab\\tand a \\\\"` | no |' in table
    assert "| `nothing` |  | `string` | `null` | no |" in table
    assert "| `needed` |  | `string` | n/a | yes |" in table


def test_every_default_cell_is_the_declared_value(terraform: str, tmp_path: Path) -> None:
    """Terraform itself reads every Default cell of every generated table (one `terraform
    console`, about a second) and gets the value the variable declares."""
    cells: list[str] = []
    expected: list[object] = []
    for module in [*docs.module_dirs(REPO_ROOT), DEFAULTS_CONFIG]:
        text = (module / "README.md").read_text() if module != DEFAULTS_CONFIG else docs.render(module)
        declared = _declared_defaults(module)
        for name, cell in _default_cells(text).items():
            if cell == "n/a":
                continue
            assert cell.startswith("`") and cell.endswith("`"), (module.name, name, cell)
            cells.append(cell.strip("`").replace("\\|", "|"))
            expected.append(_value(declared[name]))
    assert len(cells) >= 100
    (tmp_path / "main.tf").write_text(
        "locals {\n  cells = [\n" + "".join(f"    {c},\n" for c in cells) + "  ]\n}\n"
    )
    out = subprocess.run(
        [terraform, "console"],
        input="jsonencode(local.cells)\n",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    evaluated = json.loads(json.loads(out.strip()))
    wrong = [(c, e, v) for c, e, v in zip(cells, expected, evaluated, strict=True) if v != e]
    assert not wrong, "cells Terraform reads otherwise than declared (cell, declared, read):\n" + "\n".join(
        map(str, wrong)
    )


# ------------------------------------------------------------------------------------------
# Counts and lists that README prose quotes: each held to what it counts.
# ------------------------------------------------------------------------------------------

README = REPO_ROOT / "README.md"
DOCS = REPO_ROOT / "docs"
NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30,
}  # fmt: skip


def _readme(page: Path = README) -> str:
    """A user document's text with its line breaks and runs of spaces as single spaces."""
    return " ".join(page.read_text().split())


def _words_to_int(words: str) -> int:
    return sum(NUMBERS[w] for w in words.lower().split("-"))


def test_the_validation_case_counts_are_the_case_lists() -> None:
    import test_validation

    m = re.search(
        r"one test per case \((\d+) for the root module, (\d+) for `modules/signin-events` alone, "
        r"(\d+) for `modules/alarm-messages` alone",
        _readme(DOCS / "proof.md"),
    )
    assert m, "docs/proof.md no longer states the validation case counts"
    counts = tuple(int(n) for n in m.groups())
    root = len(test_validation.CASES) + len(test_validation.VARIABLE_CASES)
    assert counts == (root, len(test_validation.SUBMODULE_CASES), len(test_validation.ALARM_MESSAGES_CASES))


def test_the_allowlist_case_count_is_the_tests() -> None:
    import test_allowlist

    text = " ".join((REPO_ROOT / "modules" / "allowlist" / "README.md").read_text().split())
    m = re.search(r"random addresses, for (\d+) cases", text)
    assert m, "modules/allowlist/README.md no longer states the case count"
    assert int(m.group(1)) == len(test_allowlist.CASES)


def test_the_detection_count_is_the_catalogs() -> None:
    catalog = json.loads((REPO_ROOT / "catalog" / "detections.json").read_text())
    m = re.search(r"([A-Z][a-z]+(?:-[a-z]+)?) detections, one catalog", _readme())
    assert m, "README no longer states the detection count"
    assert _words_to_int(m.group(1)) == len(catalog["detections"])


def test_the_cost_table_prices_what_the_example_deploys() -> None:
    """docs/backtest.md's cost table is `trailwatch cost` on examples/minimal's plan: as many alarms
    and custom metrics as that plan has (tests/inventories/minimal.yaml, which
    tests/test_examples.py holds to the plan), each priced at its unit price, rows adding up."""
    import yaml

    counts = yaml.safe_load((REPO_ROOT / "tests" / "inventories" / "minimal.yaml").read_text())["counts"]
    text = (DOCS / "backtest.md").read_text()
    table = text.split("| item | this stack (USD/month) | with `default_value = 0` |", 1)[1].split("\n\n", 1)[
        0
    ]
    rows = [[c.strip() for c in line.split("|")[1:-1]] for line in table.strip().splitlines()[1:]]
    (alarms,) = [r for r in rows if r[0].endswith(" alarms")]
    (metrics,) = [r for r in rows if r[0].endswith(" custom metrics")]
    (ingestion,) = [r for r in rows if r[0].startswith("CloudWatch Logs ingestion")]
    (total,) = [r for r in rows if r[0] == "**total**"]
    n_alarms, n_metrics = int(alarms[0].split()[0]), int(metrics[0].split()[0])
    assert n_alarms == counts["aws_cloudwatch_metric_alarm"]
    # One metric per detection, each with one alarm; a metric fed by several filters is billed once.
    assert n_metrics == counts["aws_cloudwatch_metric_alarm"] < counts["aws_cloudwatch_log_metric_filter"]
    money = [[float(c.strip("*").split()[0]) for c in r[1:]] for r in (alarms, metrics, ingestion, total)]
    assert money[0] == [round(0.10 * n_alarms, 2)] * 2
    assert money[1][1] == round(0.30 * n_metrics, 2)  # default_value = 0: billed every hour
    hours = re.match(r"[\d.]+ \(([\d.]+) of 730 hours", metrics[1])
    assert hours and abs(money[1][0] - 0.30 * n_metrics * float(hours.group(1)) / 730) < 0.006
    for col in (0, 1):
        assert abs(sum(r[col] for r in money[:3]) - money[3][col]) < 0.011


def test_the_make_lint_list_is_the_makefiles() -> None:
    """README's list of what `make lint` runs names every command of the Makefile's recipe."""
    makefile = (REPO_ROOT / "Makefile").read_text()
    recipe = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    commands = {
        r"terraform fmt -check": "`terraform fmt -check`",
        r"terraform -chdir=\S+ validate": "`terraform validate`",
        r"checkov -d": "checkov",
        r"ruff check": "`ruff check`",
        r"ruff format --check": "`ruff format --check`",
        r"\)/mypy\b": "mypy",
        # The maintainers' commands, by what they check (DEVELOPERS.md spells them out).
        r"service-calls --check": "the service-call check",
        r"policies --lint": "the policy lint",
    }
    # The recipe's logical lines (a trailing backslash continues one), each a step.
    steps = [step.strip().lstrip("@") for step in recipe.split("\n", 1)[1].replace("\\\n", " ").splitlines()]
    for step in steps:
        assert any(re.search(p, step) for p in commands), (
            f"README does not describe make lint's step {step!r}"
        )
    said = _readme().split("`make lint` (", 1)[1].split("), `make bench`", 1)[0]
    for pattern, doc in commands.items():
        assert re.search(pattern, recipe), f"the Makefile no longer runs {doc}"
        assert doc in said, f"README's make lint list does not name {doc}"


def test_metric_and_alarm_names_are_as_the_readme_says() -> None:
    """`<prefix>-<key>` for filters and alarms, `<prefix>-<MetricName>` for metrics: as planned
    (tests/inventories/minimal.yaml, held to the plan) and as the catalog names them."""
    import yaml

    values = yaml.safe_load((REPO_ROOT / "tests" / "inventories" / "minimal.yaml").read_text())["values"]
    catalog = json.loads((REPO_ROOT / "catalog" / "detections.json").read_text())["detections"]
    key = "console_login_unexpected_ip"
    prefix = "module.trailwatch.module."
    metric_filter = values[f'{prefix}metric_filters.aws_cloudwatch_log_metric_filter.this["{key}"]']
    alarm = values[f'{prefix}alarms.aws_cloudwatch_metric_alarm.this["{key}"]']
    assert metric_filter["name"] == alarm["alarm_name"] == f"trailwatch-{key}"
    assert metric_filter["metric_transformation"][0]["name"] == f"trailwatch-{catalog[key]['metric_name']}"
    assert alarm["metric_name"] == f"trailwatch-{catalog[key]['metric_name']}"
    text = _readme(DOCS / "detections.md")
    assert "`<prefix>-<key>` (`trailwatch-root_usage`)" in text
    assert (
        f"`<prefix>-<MetricName>`, the catalog's `metric_name` (`trailwatch-{catalog['root_usage']['metric_name']}`)"
        in text
    )


#: Words of the project's own history, which a user cannot follow: "issue 13", "part 4",
#: "the issue-24 shapes", "the seed", "session 23", "finding 6". DEVELOPERS.md may keep them.
JARGON = re.compile(r"\b(issues?|parts?|sessions?|findings?)[ -]\d+\b|\bthe seed\b|\bseed's\b", re.IGNORECASE)


def test_user_documents_speak_without_internal_jargon() -> None:
    documents = [
        REPO_ROOT / "README.md",
        REPO_ROOT / "CHANGELOG.md",
        *sorted(REPO_ROOT.glob("examples/*/README.md")),
        *sorted(REPO_ROOT.glob("modules/*/README.md")),
        *sorted(REPO_ROOT.glob("docs/*.md")),
    ]
    assert len(documents) >= 20
    found = [
        f"{doc.relative_to(REPO_ROOT)}:{n}: {m.group()}"
        for doc in documents
        for n, line in enumerate(doc.read_text().splitlines(), 1)
        for m in JARGON.finditer(line)
    ]
    assert not found, "internal jargon in user documents:\n" + "\n".join(found)
    assert JARGON.search("Alarm messages (issue 13, parts 3 and 4)")
    assert JARGON.search("the seed's story") and not JARGON.search("seeded with 2026")
    assert JARGON.search("The issue-24 shapes") and not JARGON.search("an issue-free run")


# ------------------------------------------------------------------------------------------
# Links between the user documents: the README's long sections live in docs/*.md.
# ------------------------------------------------------------------------------------------

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _prose(page: Path) -> str:
    """A Markdown page without its fenced code blocks (a link there is code, not a link)."""
    return re.sub(r"^```.*?^```", "", page.read_text(), flags=re.S | re.M)


def _anchors(page: Path) -> set[str]:
    """The anchors GitHub gives a page's headings: lower case, punctuation but hyphens dropped,
    spaces as hyphens."""
    out = set()
    for heading in re.findall(r"^#{1,6} (.+)$", _prose(page), re.M):
        out.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    return out


def _user_documents() -> list[Path]:
    return [
        REPO_ROOT / "README.md",
        REPO_ROOT / "CHANGELOG.md",
        *sorted(DOCS.glob("*.md")),
        *sorted(REPO_ROOT.glob("examples/*/README.md")),
        *sorted(REPO_ROOT.glob("modules/*/README.md")),
    ]


def test_links_between_the_documents_resolve() -> None:
    """Every relative link of a user document names a file of the repository, and every
    #anchor a heading of the page it points to."""
    broken, checked = [], 0
    for page in _user_documents():
        for target in LINK.findall(_prose(page)):
            if re.match(r"[a-z]+:", target):  # https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            checked += 1
            if not dest.exists():
                broken.append(f"{page.relative_to(REPO_ROOT)}: {target} (no such file)")
            elif anchor and (dest.suffix != ".md" or anchor not in _anchors(dest)):
                broken.append(f"{page.relative_to(REPO_ROOT)}: {target} (no such heading)")
    assert not broken, "broken links:\n" + "\n".join(broken)
    assert checked >= 40
    assert "compare-a-detections-forms-trailwatch-variants" in _anchors(DOCS / "backtest.md")


def test_the_readme_links_every_docs_page() -> None:
    """The README's contents reach every page of docs/ (each a section that moved there)."""
    linked = {(REPO_ROOT / t.partition("#")[0]).resolve() for t in LINK.findall(README.read_text())}
    pages = sorted(DOCS.glob("*.md"))
    assert len(pages) >= 10
    assert not [p.name for p in pages if p.resolve() not in linked]


def test_the_release_section_tells_the_module_from_the_tools() -> None:
    """The CHANGELOG's newest version section says what the release holds, the module's
    changes apart from the tools' and the test harness's."""
    text = (REPO_ROOT / "CHANGELOG.md").read_text()
    start = re.search(r"^## \[\d+\.\d+\.\d+\]", text, re.M)
    assert start, "CHANGELOG.md has no version section"
    end = text.find("\n## ", start.end())
    section = text[start.start() : end if end >= 0 else len(text)]
    headings = re.findall(r"^### (.+)$", section, re.M)
    assert headings[:3] == [
        "The Terraform module",
        "The `trailwatch` tools",
        "Test harness and maintainer tooling (not part of the module)",
    ], headings


def test_a_wrapped_heredoc_description_renders_as_its_one_line_form(tmp_path: Path) -> None:
    """A description written as an indented heredoc, wrapped to fit the .tf file, gets the
    same table row as the same text in quotes on one line: its lines joined by one space, no
    trailing newline, no markers; a literal "$${" is "${" as Terraform reads it."""
    one_line = 'Quotes "as is", a pipe | and $${literal} stay; wrapped text joins on one space.'
    heredoc = (
        "<<-EOT\n"
        '    Quotes "as is", a pipe | and $${literal}\n'
        "    stay; wrapped text joins\n"
        "    on one space.\n"
        "  EOT"
    )
    rows = {}
    quoted = '"' + one_line.replace('"', '\\"') + '"'
    for name, desc in (("quoted", quoted), ("wrapped", heredoc)):
        mod = tmp_path / name
        mod.mkdir()
        (mod / "variables.tf").write_text(
            f'variable "v" {{\n  description = {desc}\n  type        = string\n}}\n'
        )
        (mod / "outputs.tf").write_text(f'output "o" {{\n  description = {desc}\n  value       = var.v\n}}\n')
        rows[name] = docs.render(mod)
    assert rows["wrapped"] == rows["quoted"]
    assert (
        '| `v` | Quotes "as is", a pipe \\| and ${literal} stay; wrapped text joins on one space. |'
        in (rows["wrapped"])
    )


def test_a_heredoc_means_what_terraform_reads() -> None:
    """The value of a heredoc as python-hcl2 hands it over (in quotes, markers included): an
    indented one loses its lines' common indentation, and each line ends with a newline."""
    assert docs._unquote('"<<-EOT\n    a\n      b\n    EOT"') == "a\n  b\n"
    assert docs._unquote('"<<EOT\n  a\nEOT"') == "  a\n"
    assert docs._unquote('"<<EOT"') == "<<EOT"  # a quoted string that only looks like one


def test_no_description_cell_keeps_a_heredoc_line_break() -> None:
    """Every description of every module renders on one table line, without markers."""
    for d in docs.module_dirs(REPO_ROOT):
        for line in docs.render(d).splitlines():
            assert "<<" not in line and "EOT" not in line and not line.endswith("  |"), (d, line)
