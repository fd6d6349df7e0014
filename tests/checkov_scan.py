"""checkov over several Terraform directories in one process (run by .venv-checkov's python).

    .venv-checkov/bin/python tests/checkov_scan.py --out FILE DIR...  # {DIR: report} in FILE
    .venv-checkov/bin/python tests/checkov_scan.py --compare DIR...   # against the CLI, per DIR

Each DIR's report is what `checkov -d DIR --framework terraform --skip-download -o json`
prints, from checkov's own entry point (`checkov.main.Checkov(argv).run()`), so the arguments,
config files and output are the CLI's. One process imports checkov and loads its checks once
instead of once per directory: over the five examples and modules/athena 21-28 CPU-s
instead of about 43 for six CLI runs (DEVELOPERS.md, "Test run time"); parses and evaluators are
reused across directories (`_reuse_work_across_directories`), and checkov's string helpers
answer each distinct argument once (`_remember_string_functions`).

checkov keeps its runners in a module-level list (`checkov.main.DEFAULT_RUNNERS`) and the
Terraform runner keeps its state between runs: checkov's own `-d a -d b` (one process, one
runner) reported every earlier directory's results again under each later one (1464 passed
checks for modules/athena after the five examples, instead of its own 28). So each directory gets a
new `Checkov` and a new Terraform runner. checkov parses files in a pool of forked workers
(one per CPU); here it parses in its own process (`CHECKOV_PARALLELIZATION_TYPE=none`, read at
import): measured over the six directories, 20.7 and 23.0 CPU-s instead of 22.2 and 28.0 on
this project's shared 2 cores (the same reports). `--compare` proves the reports equal to
the CLI's: the same passed, failed and skipped checks (check, resource, file, lines, suppress comment)
and the same summary. Re-run it after upgrading checkov (requirements-checkov.txt).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ARGS = ("--framework", "terraform", "--skip-download", "-o", "json")
KINDS = ("passed_checks", "failed_checks", "skipped_checks")
PARALLELIZATION = "CHECKOV_PARALLELIZATION_TYPE"


def _reuse_work_across_directories() -> None:
    """Two things checkov redoes for every directory and every expression, done once here.

    - Parsing a file: every example calls the root module, so each scan parsed the same
      module files again (python-hcl2's lark parser: 12.6 of 92 profiled CPU-s over the
      examples and modules/athena). A file's parse is kept by path, size and modification
      time, and each caller gets a deep copy, as if freshly parsed (checkov edits what it
      gets). A file that failed to parse is not kept: the next caller parses it again and
      records the error itself.
    - checkov's safe evaluator built a new asteval `Interpreter` for every expression it
      evaluates (214,272 of them, 14.4 profiled CPU-s), each over the same module-level
      symbol table. One interpreter serves them all; `Interpreter.eval` resets its error
      list and state on each call.

    `--compare` proves the reports unchanged: the same checks, resources, lines and summaries
    as the CLI's, for every directory.
    """
    import copy

    from checkov.terraform import parser_utils, tf_parser
    from checkov.terraform.graph_builder.variable_rendering import safe_eval_functions
    from checkov.terraform.module_loading import module_finder

    parse = parser_utils.load_or_die_quietly
    parsed: dict[tuple[str, int, int, bool], Any] = {}

    def load(file: Any, parsing_errors: dict[str, Exception], clean_definitions: bool = True) -> Any:
        path = os.path.realpath(os.fspath(file))
        stat = os.stat(path)
        key = (path, stat.st_size, stat.st_mtime_ns, clean_definitions)
        if key not in parsed:
            result = parse(file, parsing_errors, clean_definitions)
            if result is None:
                return None
            parsed[key] = result
        return copy.deepcopy(parsed[key])

    for module in (parser_utils, tf_parser, module_finder):
        module.load_or_die_quietly = load
    interpreter = safe_eval_functions.get_asteval()
    safe_eval_functions.get_asteval = lambda: interpreter
    _remember_string_functions()


def _remember_string_functions() -> None:
    """checkov's expression helpers, each a function of its string arguments alone, answered
    once per distinct argument. Over the ten examples and modules/athena, 215,753 safe
    evaluations asked 6,399 distinct questions; the scan took 41.6 CPU-s before and 22.7 after
    (with the bracket, variable-block and conditional scanners below). Every caller gets a
    fresh copy of a mutable answer (a list, dict, set or `VarBlockMatch`), as from a new call,
    since checkov edits some of them in place. An evaluation that failed (`ValueError`, how
    `evaluate` reports asteval's errors) raises again with the same message; any other
    exception is never kept. An expression calling `timestamp()` (the clock) is always
    evaluated anew.
    """
    import copy

    from checkov.common.util import parser_utils, var_utils
    from checkov.terraform.graph_builder.variable_rendering import evaluate_terraform, safe_eval_functions

    plain = (str, int, float, bool, type(None))
    evaluate = safe_eval_functions.evaluate

    def outcome(input_str: str) -> tuple[bool, Any]:
        try:
            return True, evaluate(input_str)
        except ValueError as exc:
            return False, str(exc)

    def fresh_outcome(kept: tuple[bool, Any]) -> Any:
        ok, value = kept
        if not ok:
            raise ValueError(value)
        return value if type(value) in plain else copy.deepcopy(value)

    evaluate_once = _remembered(outcome, fresh_outcome)

    def remembered_evaluate(input_str: Any) -> Any:
        if not isinstance(input_str, str) or "timestamp" in input_str:
            return evaluate(input_str)
        return evaluate_once(input_str)

    safe_eval_functions.evaluate = remembered_evaluate
    evaluate_terraform.evaluate = remembered_evaluate
    evaluate_terraform.find_brackets_pairs = _remembered(
        evaluate_terraform.find_brackets_pairs, lambda pairs: [dict(pair) for pair in pairs]
    )
    var_blocks = _remembered(parser_utils.find_var_blocks, lambda blocks: [copy.copy(b) for b in blocks])
    for module in (parser_utils, var_utils, evaluate_terraform):
        module.find_var_blocks = var_blocks
    evaluate_terraform.find_conditional_expression_groups = _remembered(
        evaluate_terraform.find_conditional_expression_groups,
        lambda found: None if found is None else (list(found[0]), found[1], found[2]),
    )


def _remembered(function: Callable[..., Any], fresh: Callable[[Any], Any]) -> Callable[..., Any]:
    """``function`` answered once per distinct (hashable) arguments; each caller gets
    ``fresh(answer)``, a copy of whatever in it a caller could change."""
    answers: dict[tuple[Any, ...], Any] = {}

    def remembered(*args: Any) -> Any:
        if args not in answers:
            answers[args] = function(*args)
        return fresh(answers[args])

    return remembered


def scan(directory: str) -> Any:
    """One directory's report, as the CLI's `-o json` prints it (parsed)."""
    import checkov.main
    from checkov.terraform.runner import Runner as TerraformRunner

    ckv = checkov.main.Checkov(["-d", directory, *ARGS])
    ckv.runners = [TerraformRunner() if isinstance(r, TerraformRunner) else r for r in ckv.runners]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ckv.run()
    try:
        return json.loads(out.getvalue())
    except json.JSONDecodeError:
        sys.exit(f"checkov printed no JSON report for {directory}:\n{out.getvalue()}")


def check_sets(report: Any) -> dict[str, Any]:
    """What a report says, in a form two runs compare by (list order and the rendering
    breadcrumbs differ between two CLI runs of the same directory)."""
    reports = report if isinstance(report, list) else [report]
    sets: dict[str, Any] = {}
    for r in reports:
        for kind in KINDS:
            sets[f"{r['check_type']} {kind}"] = sorted(
                (
                    c["check_id"],
                    c["resource"],
                    c["file_path"],
                    tuple(c["file_line_range"]),
                    (c.get("check_result") or {}).get("suppress_comment", ""),
                )
                for c in r["results"][kind]
            )
        sets[f"{r['check_type']} summary"] = r["summary"]
    return sets


def compare(directories: list[str]) -> int:
    """Each directory scanned here and by the CLI: 0 when every report is the same."""
    ours = {d: scan(d) for d in directories}
    differ = 0
    cli_env = {k: v for k, v in os.environ.items() if k != PARALLELIZATION}  # as `make lint` runs it
    for d in directories:
        cli = subprocess.run(
            [str(Path(sys.executable).with_name("checkov")), "-d", d, *ARGS],
            capture_output=True,
            text=True,
            check=False,
            env=cli_env,
        )
        a, b = check_sets(ours[d]), check_sets(json.loads(cli.stdout))
        ids = {k: len({c[0] for c in v}) for k, v in b.items() if not k.endswith("summary")}
        verdict = "same as the CLI" if a == b else "DIFFERS FROM THE CLI"
        print(f"{d}: {verdict}; distinct check IDs {ids}; summary {b.get('terraform summary')}")
        differ += a != b
    return 1 if differ else 0


def main(argv: list[str]) -> int:
    os.environ[PARALLELIZATION] = "none"  # before checkov is imported
    _reuse_work_across_directories()
    if argv[:1] == ["--compare"]:
        return compare(argv[1:])
    if argv[:1] != ["--out"] or len(argv) < 2:
        sys.exit(__doc__)
    reports = {d: scan(d) for d in argv[2:]}
    Path(argv[1]).write_text(json.dumps(reports))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
