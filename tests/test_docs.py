"""Docs that cannot drift: generated README tables are current, and the generator notices
a new variable."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

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


# ------------------------------------------------------------------------------------------
# Counts and lists that README prose quotes: each held to what it counts.
# ------------------------------------------------------------------------------------------

README = REPO_ROOT / "README.md"
NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30,
}  # fmt: skip


def _readme() -> str:
    return " ".join(README.read_text().split())


def _words_to_int(words: str) -> int:
    return sum(NUMBERS[w] for w in words.lower().split("-"))


def test_the_validation_case_counts_are_the_case_lists() -> None:
    import test_validation

    m = re.search(
        r"one test per case \((\d+) for the root module, (\d+) for `modules/signin-events` alone, "
        r"(\d+) for `modules/alarm-messages` alone",
        _readme(),
    )
    assert m, "README no longer states the validation case counts"
    counts = tuple(int(n) for n in m.groups())
    lists = (test_validation.CASES, test_validation.SUBMODULE_CASES, test_validation.ALARM_MESSAGES_CASES)
    assert counts == tuple(len(cases) for cases in lists)


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
    """The README's cost table is `trailwatch cost` on examples/minimal's plan: as many alarms
    and custom metrics as that plan has (tests/inventories/minimal.yaml, which
    tests/test_examples.py holds to the plan), each priced at its unit price, rows adding up."""
    import yaml

    counts = yaml.safe_load((REPO_ROOT / "tests" / "inventories" / "minimal.yaml").read_text())["counts"]
    text = README.read_text()
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
        r"trailwatch\.maint service-calls --check": "`python -m trailwatch.maint service-calls --check`",
        r"trailwatch\.maint policies --lint": "`python -m trailwatch.maint policies --lint`",
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
    text = _readme()
    assert "`<prefix>-<key>` (`trailwatch-root_usage`)" in text
    assert (
        f"`<prefix>-<MetricName>`, the catalog's `metric_name` (`trailwatch-{catalog['root_usage']['metric_name']}`)"
        in text
    )


#: Words of the project's own history, which a user cannot follow: "issue 13", "part 4",
#: "the seed", "session 23", "finding 6". DEVELOPERS.md may keep them.
JARGON = re.compile(r"\b(issues?|parts?|sessions?|findings?) \d+\b|\bthe seed\b|\bseed's\b", re.IGNORECASE)


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
