"""Rich output for backtest: progress over big archives, and the alarm report. It renders
what an executor returned; it reads nothing from AWS."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from trailwatch.archive import Skipped, size_of
from trailwatch.backtest.result import BacktestResult
from trailwatch.filterpattern import Event


@contextlib.contextmanager
def progress(files: list[Path], enabled: bool = True) -> Iterator[Callable[[Path, int], None] | None]:
    """A progress bar over the files (or S3 objects): bytes, and files done of all."""
    if not enabled or not files:
        yield None
        return
    total = sum(map(size_of, files))
    with Progress(
        TextColumn("[bold]backtest"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[done]:,}/{task.fields[count]:,} files"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("files", total=total, done=0, count=len(files))
        done = 0

        def advance(path: Path, _size: int) -> None:
            nonlocal done
            done += 1
            bar.update(task, advance=size_of(path), done=done)

        yield advance


def describe(event: Event) -> tuple[str, str, str, str, str]:
    """(time, user, IP, MFA, user agent) of a CloudTrail record."""
    try:
        doc = json.loads(event.message)
    except ValueError:
        return ("-", "-", "-", "-", event.message[:60])
    ident = doc.get("userIdentity") or {}
    user = ident.get("userName") or ident.get("arn") or ident.get("type") or "-"
    mfa = (doc.get("additionalEventData") or {}).get("MFAUsed", "-")
    return (
        str(doc.get("eventTime", "-")),
        str(user),
        str(doc.get("sourceIPAddress", "-")),
        str(mfa),
        str(doc.get("userAgent", "-"))[:50],
    )


def render(result: BacktestResult, console: Console) -> None:
    console.print(f"[bold]{result.events_scanned:,}[/] events scanned")
    table = Table(title="Alarms that would have fired")
    table.add_column("alarm", overflow="fold")
    table.add_column("would alarm")
    table.add_column("first alarm (UTC)")
    table.add_column("matches", justify="right")
    table.add_column("sample offending events: time, user, IP, MFA, user agent", overflow="fold")
    for a in sorted(result.alarms, key=lambda a: (a.would_alarm is not True, a.would_alarm is None, a.name)):
        samples = result.alarm_samples.get(a.name, [])
        lines = "\n".join(" | ".join(describe(e)) for e in samples[:3]) if a.would_alarm else ""
        if a.would_alarm is None:
            lines = f"{', '.join(a.not_evaluated)}: {a.reason}"
        table.add_row(
            escape(a.name),
            "[bold red]yes[/]"
            if a.would_alarm
            else "[yellow]not evaluated[/]"
            if a.would_alarm is None
            else "[green]no[/]",
            a.first_alarm_time or "-",
            f"{a.matches:,}",
            escape(lines),
        )
    console.print(table)
    if result.skipped:
        render_skipped(result.skipped, console)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    console.print(f"[dim]report generated {stamp}[/]")


SKIPPED_SHOWN = 20


def render_skipped(skipped: list[Skipped], console: Console) -> None:
    """The files and records that could not be read: never counted, always said."""
    files = sum(1 for s in skipped if s.record is None)
    records = len(skipped) - files
    console.print(
        f"[bold yellow]skipped:[/] {files:,} unreadable file(s) and {records:,} unreadable record(s), "
        "not counted as events"
    )
    for s in skipped[:SKIPPED_SHOWN]:
        # One line each, never folded: paths stay whole for copy and grep.
        console.print(f"  {s}", soft_wrap=True, markup=False, highlight=False)
    if len(skipped) > SKIPPED_SHOWN:
        console.print(f"... and {len(skipped) - SKIPPED_SHOWN:,} more (all in --json errors)")
