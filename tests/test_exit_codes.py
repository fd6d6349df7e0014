"""Exit codes: one meaning each, the same in every command. The table is defined once
(trailwatch.exitcodes); docs/backtest.md's "Exit codes" section and ``--help`` print it, and
every command returns its codes (none returns a bare number; argparse's usage error, a missing
terraform, AWS's answers, Ctrl-C and a bug each map to their one code)."""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from trailwatch import cli
from trailwatch.exitcodes import MEANINGS, ExitCode, help_text, markdown_table
from trailwatch.maint import cli as maint_cli

TOOLS_DOC = Path(__file__).parents[1] / "docs" / "backtest.md"
CLI_SOURCE = Path(cli.__file__)
MAINT_CLI_SOURCE = Path(maint_cli.__file__)


def _readme_section() -> str:
    text = TOOLS_DOC.read_text()
    start = text.index("\n## Exit codes\n") + 1
    end = text.find("\n#", start)  # the next heading, or the end of the page
    return text[start : end if end >= 0 else len(text)]


def test_the_table_has_one_meaning_per_code() -> None:
    assert list(MEANINGS) == sorted(ExitCode)
    assert len({int(c) for c in ExitCode}) == len(ExitCode)
    assert all(m.strip() for m in MEANINGS.values())


def test_the_docs_list_exactly_the_table() -> None:
    section = _readme_section()
    rows = [line for line in section.splitlines() if line.startswith("|")]
    assert "\n".join(rows) == markdown_table()
    assert [int(r.split("|")[1]) for r in rows[2:]] == [int(c) for c in ExitCode]


def test_help_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["backtest", "--help"], ["sql", "--help"], ["test-metric-filter", "--help"]):
        with pytest.raises(SystemExit) as caught:
            cli.main(argv)
        assert caught.value.code == 0
        out = capsys.readouterr().out
        assert help_text() in out, argv
    codes = [line.split()[0] for line in help_text().splitlines()[1:] if not line.startswith(" " * 7)]
    assert [int(c) for c in codes] == [int(c) for c in ExitCode]


def _subcommands(build: Any = cli.build_parser) -> dict[str, argparse.ArgumentParser]:
    parser = build()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_a_usage_error_is_252_in_every_command(capsys: pytest.CaptureFixture[str], command: str) -> None:
    # argparse's own code is 2, which means "skipped input" here.
    with pytest.raises(SystemExit) as caught:
        cli.main([command, "--no-such-option"])
    assert caught.value.code == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    # The first problem argparse finds: the unknown option, or a required argument missing.
    assert "trailwatch: error: unrecognized arguments: --no-such-option" in err or (
        f"trailwatch {command}: error: the following arguments are required:" in err
    )


def test_help_lists_user_commands_only() -> None:
    """`trailwatch --help` lists what a user runs; the maintainers' commands are
    `python -m trailwatch.maint`'s, with the same usage-error code."""
    assert set(_subcommands()) == {
        "backtest",
        "sql",
        "variants",
        "cost",
        "test-metric-filter",
        "test-event-pattern",
        "demo",
    }
    assert set(_subcommands(maint_cli.build_parser)) == {
        "docs",
        "service-calls",
        "policies",
        "imports",
        "equality",
    }


@pytest.mark.parametrize("command", sorted(_subcommands(maint_cli.build_parser)))
def test_a_maintainers_usage_error_is_252(capsys: pytest.CaptureFixture[str], command: str) -> None:
    with pytest.raises(SystemExit) as caught:
        maint_cli.main([command, "--no-such-option"])
    assert caught.value.code == ExitCode.BAD_INPUT
    assert "error: unrecognized arguments: --no-such-option" in capsys.readouterr().err


def test_no_command_returns_a_bare_number() -> None:
    """Every ``return`` of a command handler in cli.py is 0 or an ExitCode member (or a
    variable or call that is one: checked by the tests of each command)."""
    bare = [
        (source.name, node.lineno, node.value.value)
        for source in (CLI_SOURCE, MAINT_CLI_SOURCE)
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.Return)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, int)
        and not isinstance(node.value.value, bool)
        and node.value.value != 0
    ]
    assert bare == []
    text = CLI_SOURCE.read_text()
    assert not re.search(r"\bEXIT_[A-Z]+\s*=", text), "exit codes are defined in trailwatch.exitcodes only"


def _raising(exc: BaseException) -> Any:
    def handler(args: argparse.Namespace) -> int:
        raise exc

    return handler


def _run_raising(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], exc: BaseException
) -> tuple[int, str]:
    parser = cli.build_parser()
    real_parse = parser.parse_args

    def parse_args(argv: Any = None) -> argparse.Namespace:
        args = real_parse(argv)
        args.func = _raising(exc)
        return args

    monkeypatch.setattr(parser, "parse_args", parse_args)
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    monkeypatch.delenv("TRAILWATCH_DEBUG", raising=False)
    rc = cli.main(["sql", "--catalog"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return rc, err


def test_errors_that_are_not_bugs_map_to_their_codes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from trailwatch.harness.terraform import TerraformNotFound

    client_error = botocore.exceptions.ClientError(
        {
            "Error": {
                "Code": "ResourceNotFoundException",
                "Message": "The specified log group does not exist.",
            }
        },
        "DescribeMetricFilters",
    )
    cases: list[tuple[BaseException, ExitCode, str]] = [
        (TerraformNotFound("terraform not found on PATH"), ExitCode.ENVIRONMENT, "terraform not found"),
        (botocore.exceptions.NoCredentialsError(), ExitCode.ENVIRONMENT, "Unable to locate credentials"),
        (botocore.exceptions.NoRegionError(), ExitCode.ENVIRONMENT, "You must specify a region"),
        (
            client_error,
            ExitCode.SERVICE_ERROR,
            "(ResourceNotFoundException) when calling the DescribeMetricFilters",
        ),
        (KeyboardInterrupt(), ExitCode.INTERRUPTED, "interrupted"),
        (
            ZeroDivisionError("division by zero"),
            ExitCode.INTERNAL_ERROR,
            "internal error, a bug in trailwatch",
        ),
    ]
    for exc, code, message in cases:
        rc, err = _run_raising(monkeypatch, capsys, exc)
        assert rc == code, (exc, err)
        assert err.startswith("error: ") and message in err, (exc, err)


def test_a_bug_keeps_its_traceback_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = cli.build_parser()
    real_parse = parser.parse_args
    monkeypatch.setattr(parser, "parse_args", lambda argv=None: _with_func(real_parse(argv)))
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    monkeypatch.setenv("TRAILWATCH_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        cli.main(["sql", "--catalog"])


def _with_func(args: argparse.Namespace) -> argparse.Namespace:
    args.func = _raising(ZeroDivisionError("division by zero"))
    return args
