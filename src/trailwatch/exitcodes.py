"""The exit codes of every trailwatch command: one meaning each, the same in every command.

The values follow the AWS CLI's return codes where it has one for the meaning ("AWS CLI
return codes", AWS CLI User Guide: 2 for skipped files in ``aws s3``, 130 for SIGINT, 252
for invalid input, 253 for the environment, 254 for a service error, 255 for anything
else). This table is the one place they are defined: ``trailwatch --help`` prints it, the
docs/backtest.md lists it, and tests/test_exit_codes.py holds the three and every command to it.
"""

from __future__ import annotations

import textwrap
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    STRICT_STOPPED = 1
    SKIPPED = 2
    CHECK_FAILED = 3
    INTERRUPTED = 130
    BAD_INPUT = 252
    ENVIRONMENT = 253
    SERVICE_ERROR = 254
    INTERNAL_ERROR = 255


#: What each code means (the "Exit codes" table of docs/backtest.md and ``--help`` print these).
MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "success: every input was read and the command did what it was asked",
    ExitCode.STRICT_STOPPED: "--strict stopped at the first unreadable file or record (nothing on stdout)",
    ExitCode.SKIPPED: "the command finished but skipped unreadable files or records, each listed "
    "(`errors` in --json): backtest, variants, cost --measure",
    ExitCode.CHECK_FAILED: "a check found problems: `python -m trailwatch.maint` docs --check, "
    "service-calls --check, policies (drift or lint findings), equality (a rule and its filter disagree)",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C); a running Athena query is stopped first",
    ExitCode.BAD_INPUT: "bad input: an argument is missing, unknown or invalid, or a plan, request, "
    "pattern or path it names cannot be read or used (invalid JSON, wrong shape, invalid filter "
    "pattern, no exact SQL for a pattern, no such file)",
    ExitCode.ENVIRONMENT: "environment: something the command needs is missing (terraform on PATH, "
    "AWS credentials or region, a reachable endpoint, memory: a backtest worker killed by the system)",
    ExitCode.SERVICE_ERROR: "service error: AWS refused the request or an Athena query failed, was "
    "cancelled or timed out; test-metric-filter and test-event-pattern exit so for a pattern AWS "
    "would refuse, as the AWS CLI does",
    ExitCode.INTERNAL_ERROR: "internal error: a bug in trailwatch (the message names it; "
    "TRAILWATCH_DEBUG=1 prints the traceback)",
}


def help_text() -> str:
    """The table for ``trailwatch --help``."""
    lines = ["exit codes (the same in every command):"]
    for code, meaning in MEANINGS.items():
        first = f"  {int(code):>3}  "
        lines.append(
            textwrap.fill(meaning.replace("`", ""), 96, initial_indent=first, subsequent_indent=" " * 7)
        )
    return "\n".join(lines)


def markdown_table() -> str:
    """The table of the "Exit codes" section of docs/backtest.md."""
    rows = ["| code | meaning |", "|---:|---|"]
    rows += [f"| {int(code)} | {meaning} |" for code, meaning in MEANINGS.items()]
    return "\n".join(rows)
