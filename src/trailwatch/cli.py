"""The trailwatch command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from rich.console import Console

from trailwatch.exitcodes import ExitCode, help_text

if TYPE_CHECKING:
    from trailwatch.backtest.result import BacktestResult
    from trailwatch.specs import AlarmSpec, MetricFilterSpec

#: A local backtest's executor: (arguments, files, filters, alarms, logs client) -> result.
Executor = Callable[
    [argparse.Namespace, list[Any], list["MetricFilterSpec"], list["AlarmSpec"], Any], "BacktestResult"
]
T = TypeVar("T")


def _stderr() -> Console:
    """Errors and warnings: never wrapped at the terminal's width, so that a path or an
    ARN in a message stays whole (scripts and tests search the text for it)."""
    return Console(stderr=True, soft_wrap=True)


def _checkout() -> Path | None:
    """The repository this package runs from (an editable install in a checkout), or None for
    an installed wheel, which carries neither the module nor its examples."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "examples" / "minimal" / "main.tf").is_file() else None


def _demo(args: argparse.Namespace) -> int:
    if _checkout() is None:
        _error(
            _stderr(),
            "trailwatch demo applies the repository's examples/minimal, so it runs from a checkout: "
            "clone the trailwatch repository and run `make demo` there",
        )
        return ExitCode.ENVIRONMENT
    try:
        # The harness (moto, tftest) is loaded only here, when the demo runs.
        from trailwatch.harness import demo
    except ModuleNotFoundError as exc:
        _error(
            _stderr(),
            f"trailwatch demo needs the demo extra ({exc.name} is missing): run `make demo`, or "
            "pip install -e '.[demo]' in the checkout",
        )
        return ExitCode.ENVIRONMENT
    return demo.run(keep=args.keep)


def _load_cli_input_json(value: str) -> dict[str, object]:
    text = Path(value[len("file://") :]).read_text() if value.startswith("file://") else value
    doc = json.loads(text)
    if not isinstance(doc, dict):
        raise ValueError("--cli-input-json must be a JSON object")
    return doc


def _request(args: argparse.Namespace, params: Sequence[tuple[str, str]]) -> dict[str, object] | None:
    """An API request from --cli-input-json and the explicit arguments (which win), as the
    AWS CLI builds it; None (after printing the CLI's error) when it is incomplete."""
    request: dict[str, object] = {}
    if args.cli_input_json:
        try:
            request.update(_load_cli_input_json(args.cli_input_json))
        except (OSError, ValueError, RecursionError) as exc:
            print(f"Error parsing parameter 'cli-input-json': {_reason(exc)}", file=sys.stderr)
            return None
    for flag, key in params:
        value = getattr(args, flag.removeprefix("--").replace("-", "_"))
        if value is not None:
            request[key] = value
    missing = [flag for flag, key in params if key not in request]
    if missing:
        print(
            f"trailwatch: error: the following arguments are required: {', '.join(missing)}", file=sys.stderr
        )
        return None
    return request


def _client_side_problems(pattern: object, messages: object) -> list[str]:
    """What botocore's parameter validation says of a TestMetricFilter request."""

    def wrong_type(name: str, value: object, valid: str) -> str:
        return f"Invalid type for parameter {name}, value: {value}, type: {type(value)}, valid types: {valid}"

    def too_short(name: str) -> str:
        return f"Invalid length for parameter {name}, value: 0, valid min length: 1"

    problems = []
    if not isinstance(pattern, str):
        problems.append(wrong_type("filterPattern", pattern, "<class 'str'>"))
    if not isinstance(messages, list):
        problems.append(wrong_type("logEventMessages", messages, "<class 'list'>, <class 'tuple'>"))
        return problems
    if not messages:
        problems.append(too_short("logEventMessages"))
    for i, message in enumerate(messages):
        name = f"logEventMessages[{i}]"
        if not isinstance(message, str):
            problems.append(wrong_type(name, message, "<class 'str'>"))
        elif not message:
            problems.append(too_short(name))
    return problems


def _test_metric_filter(args: argparse.Namespace) -> int:
    from trailwatch.filterpattern import InvalidParameterError, test_metric_filter

    request = _request(
        args, (("--filter-pattern", "filterPattern"), ("--log-event-messages", "logEventMessages"))
    )
    if request is None:
        return ExitCode.BAD_INPUT
    pattern, messages = request["filterPattern"], request["logEventMessages"]
    problems = _client_side_problems(pattern, messages)
    if problems:
        # The AWS CLI checks types and minimum lengths before sending; maxima are the service's.
        print("\nParameter validation failed:\n" + "\n".join(problems), file=sys.stderr)
        return ExitCode.BAD_INPUT
    assert isinstance(pattern, str) and isinstance(messages, list)  # checked just above
    try:
        response = test_metric_filter(pattern, messages)
    except InvalidParameterError as exc:
        print(
            "\nAn error occurred (InvalidParameterException) when calling the TestMetricFilter "
            f"operation: {exc}",
            file=sys.stderr,
        )
        return ExitCode.SERVICE_ERROR
    print(json.dumps(response, indent=4, ensure_ascii=False))
    return 0


def _file_or_text(value: object) -> object:
    """An AWS CLI string parameter: ``file://path`` reads the file."""
    if isinstance(value, str) and value.startswith("file://"):
        return Path(value[len("file://") :]).read_text()
    return value


def _test_event_pattern(args: argparse.Namespace) -> int:
    from trailwatch.eventpattern import EventPattern, InvalidEventPattern

    request = _request(args, (("--event-pattern", "EventPattern"), ("--event", "Event")))
    if request is None:
        return ExitCode.BAD_INPUT
    try:
        pattern, event = _file_or_text(request["EventPattern"]), _file_or_text(request["Event"])
    except (OSError, ValueError) as exc:
        print(f"Error parsing parameter: {_reason(exc)}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    if not isinstance(pattern, str) or not isinstance(event, str):
        print("Parameter validation failed: EventPattern and Event must be strings", file=sys.stderr)
        return ExitCode.BAD_INPUT
    operation = (
        "\nAn error occurred (InvalidEventPatternException) when calling the TestEventPattern operation"
    )
    try:
        compiled = EventPattern(pattern)
    except (InvalidEventPattern, RecursionError) as exc:
        print(f"{operation}: Event pattern is not valid. Reason: {_reason(exc)}", file=sys.stderr)
        return ExitCode.SERVICE_ERROR
    try:
        parsed_event = json.loads(event)
        if not isinstance(parsed_event, dict):
            raise ValueError("the event must be a JSON object")
    except (ValueError, RecursionError) as exc:
        print(f"{operation}: Event is not valid: {_reason(exc)}", file=sys.stderr)
        return ExitCode.SERVICE_ERROR
    try:
        result = compiled.matches(parsed_event)
    except InvalidEventPattern as exc:  # a matcher checked when it is first used
        print(f"{operation}: Event pattern is not valid. Reason: {_reason(exc)}", file=sys.stderr)
        return ExitCode.SERVICE_ERROR
    except RecursionError as exc:
        print(f"{operation}: Event is not valid: {_reason(exc)}", file=sys.stderr)
        return ExitCode.SERVICE_ERROR
    print(json.dumps({"Result": result}, indent=4))
    return 0


def _archive(paths: list[str]) -> list[Path] | None:
    """The archive files under ``paths``, or None after saying which path does not exist."""
    from trailwatch.backtest import archive_files

    try:
        return archive_files(Path(p) for p in paths)
    except OSError as exc:
        _error(_stderr(), _reason(exc))
        return None


def _read_plan(path: str, err: Console) -> Any | None:
    """The JSON document of ``terraform show -json``, or None after saying why not."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError, RecursionError) as exc:
        _error(err, f"cannot read the plan {path}: {_reason(exc)}")
        return None


def _reason(exc: BaseException) -> str:
    """An exception as a reason a user can act on (a file's error names the file)."""
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.start})"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return str(exc)


def _error(err: Console, message: str) -> None:
    """One error line, printed as it is (no markup or highlighting in the message)."""
    err.print("[bold red]error:[/] ", end="")
    err.print(message, markup=False, highlight=False)


def _detections(args: argparse.Namespace, err: Console) -> tuple[list[Any], list[Any], Any] | None:
    """The detections source: a plan, the catalog, or a deployed log group (then also its
    logs client)."""
    from trailwatch.backtest import (
        DetectionsError,
        detections_from_catalog,
        detections_from_log_group,
        detections_from_plan,
    )

    try:
        if getattr(args, "catalog", False):
            modes = {key: getattr(args, f"{key}_mode") for key in catalog_modes()}
            filters, alarms = detections_from_catalog(args.cis_exact, modes, args.allowed_source)
            return filters, alarms, None
        if args.plan:
            plan = _read_plan(args.plan, err)
            if plan is None:
                return None
            filters, alarms = detections_from_plan(plan)
            if not filters:
                _error(err, f"{args.plan} plans no aws_cloudwatch_log_metric_filter")
                return None
            return filters, alarms, None
        import boto3

        logs, cloudwatch = boto3.client("logs"), boto3.client("cloudwatch")
        filters, alarms = detections_from_log_group(logs, cloudwatch, args.log_group)
    except DetectionsError as exc:
        _error(err, f"{args.plan or args.log_group or 'the catalog'}: {exc}")
        return None
    if not filters:
        _error(err, f"log group {args.log_group} has no metric filters")
        return None
    return filters, alarms, logs


def catalog_modes() -> dict[str, list[str]]:
    """The mode inputs ``backtest --catalog`` takes (one per catalog detection with modes)."""
    from trailwatch.catalog import mode_inputs

    return mode_inputs()


def _when(value: str) -> datetime:
    """A --from/--to value: an ISO date or date-time, UTC unless it says otherwise."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date or date-time: {value!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _seconds(value: str) -> float:
    """A duration in seconds: a number > 0."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not seconds > 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"not a number of seconds > 0: {value!r}")
    return seconds


def _workers(value: str) -> int:
    """A --workers value: a whole number >= 1."""
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"not a whole number >= 1: {value!r}")
    return n


def _backtest(args: argparse.Namespace) -> int:
    """Check the arguments, pick the detections and the events, run an executor, report."""
    err = _stderr()
    problem = _backtest_usage(args)
    if problem:
        _error(err, problem)
        return ExitCode.BAD_INPUT
    if args.athena:
        return _backtest_athena(args, err)
    files = _backtest_files(args, err)
    detections = None if files is None else _detections(args, err)
    if files is None or detections is None:
        return ExitCode.BAD_INPUT
    result = _run_executor(err, lambda: _executor(args)(args, files, *detections))
    if isinstance(result, ExitCode):
        return result
    _print_result(args, result)
    return ExitCode.SKIPPED if result.skipped else ExitCode.OK


def _backtest_usage(args: argparse.Namespace) -> str | None:
    """The first usage problem of a backtest's arguments, or None."""
    remote = any(p.startswith("s3://") for p in args.paths)
    sources = [args.plan, args.log_group, args.catalog]
    mode_options = [f"--{key.replace('_', '-')}-mode" for key in catalog_modes()]
    catalog_only = (
        args.cis_exact
        or args.allowed_source
        or any(getattr(args, f"{key}_mode") != "tuned" for key in catalog_modes())
    )
    selection = args.start or args.end or args.account or args.region
    rules = [
        (
            sum(map(bool, sources)) != 1,
            "give detections with exactly one of --plan, --log-group or --catalog",
        ),
        (
            catalog_only and not args.catalog,
            ", ".join(["--allowed-source", "--cis-exact", *mode_options]) + " go with --catalog",
        ),
        (
            args.athena and (args.paths or args.from_log_group or args.engine != "python"),
            "--athena reads the Athena table: give no paths, --from-log-group or --engine",
        ),
        (
            not args.athena and not args.paths and not args.from_log_group,
            "give CloudTrail archive files/folders, JSON Lines files, or --from-log-group",
        ),
        (
            args.from_log_group and not args.log_group,
            "--from-log-group reads the log group named by --log-group",
        ),
        (args.engine != "python" and args.from_log_group, "--from-log-group needs --engine python"),
        (
            not args.athena and args.engine == "python" and selection and not remote,
            "--from/--to/--account/--region select events for --engine duckdb or --athena, and the "
            "folders of s3:// paths",
        ),
        (
            remote and args.engine != "python",
            "s3:// paths are read by --engine python (or query them with --athena)",
        ),
    ]
    return next((message for broken, message in rules if broken), None)


def _backtest_files(args: argparse.Namespace, err: Console) -> list[Any] | None:
    """The archive: local files, then the objects listed under each s3:// path."""
    files: list[Any] | None = _archive([p for p in args.paths if not p.startswith("s3://")])
    remote = [p for p in args.paths if p.startswith("s3://")]
    if files is None or not remote:
        return files
    import boto3

    from trailwatch.backtest import s3

    client = boto3.client("s3")
    for url in remote:
        found = s3.list_archive(client, url, args.start, args.end, args.account, args.region)
        err.print(
            f"{url}: {len(found):,} objects, {sum(o.size for o in found):,} bytes",
            markup=False,
            highlight=False,
        )
        files += found
    return files


def _executor(args: argparse.Namespace) -> Executor:
    """The executor of a local backtest: streamed s3:// objects, DuckDB, or the Python engine."""
    if any(p.startswith("s3://") for p in args.paths):
        return _execute_streamed
    return _execute_duckdb if args.engine == "duckdb" else _execute_python


def _execute_streamed(
    args: argparse.Namespace,
    files: list[Any],
    filters: list[MetricFilterSpec],
    alarms: list[AlarmSpec],
    logs: Any,
) -> BacktestResult:
    from trailwatch.backtest import backtest, report
    from trailwatch.backtest.s3 import Prefetcher

    # Objects stream through memory: downloads run in parallel threads ahead of the scan,
    # which runs in this process (worker processes would read local paths).
    with Prefetcher([f for f in files if not isinstance(f, Path)]):
        return backtest(
            filters,
            alarms,
            files,
            prefilter=not args.no_prefilter,
            progress_display=lambda: report.progress(files, enabled=not args.no_progress),
            workers=1,
            strict=args.strict,
        )


def _execute_duckdb(
    args: argparse.Namespace,
    files: list[Any],
    filters: list[MetricFilterSpec],
    alarms: list[AlarmSpec],
    logs: Any,
) -> BacktestResult:
    from trailwatch.backtest.executors import duckdb as duckdb_executor
    from trailwatch.sql import partitions, time_range

    where = time_range(args.start, args.end) + partitions(args.account, args.region)
    return duckdb_executor.backtest(filters, alarms, files, where, threads=args.workers, strict=args.strict)


def _execute_python(
    args: argparse.Namespace,
    files: list[Any],
    filters: list[MetricFilterSpec],
    alarms: list[AlarmSpec],
    logs: Any,
) -> BacktestResult:
    from trailwatch.backtest import backtest, report
    from trailwatch.backtest.sources import log_group_events

    log_events = log_group_events(logs, args.log_group) if args.from_log_group else None
    # The progress display (a rich thread) starts once the workers are forked.
    return backtest(
        filters,
        alarms,
        files,
        log_events=log_events,
        prefilter=not args.no_prefilter,
        progress_display=lambda: report.progress(files, enabled=not args.no_progress),
        workers=args.workers,
        strict=args.strict,
    )


def _run_executor(err: Console, run: Callable[[], T]) -> T | ExitCode:
    """An executor's result, or the exit code of the input error that stopped it."""
    from trailwatch.backtest import SkippedError
    from trailwatch.sql import UntranslatableError

    try:
        return run()
    except SkippedError as exc:
        _error(err, f"{exc} (--strict: stopped at the first unreadable file or record)")
        return ExitCode.STRICT_STOPPED
    except UntranslatableError as exc:
        _error(err, f"no exact SQL for {exc}")
        return ExitCode.BAD_INPUT


def _print_result(
    args: argparse.Namespace, result: BacktestResult, extra: dict[str, Any] | None = None
) -> Console:
    """The result as JSON (with ``extra`` keys) or as the report; the report's console."""
    from trailwatch.backtest import report

    console = Console()
    if args.json:
        print(json.dumps({**result.to_json(), **(extra or {})}, indent=2))
    else:
        report.render(result, console)
    return console


def _backtest_athena(args: argparse.Namespace, err: Console) -> int:
    """backtest --athena: the detections' queries run by Athena over the trail's bucket."""
    import boto3

    from trailwatch.backtest.executors import athena as athena_executor
    from trailwatch.sql import partitions, time_range

    detections = _detections(args, err)
    if detections is None:
        return ExitCode.BAD_INPUT
    filters, alarms, _ = detections
    client = boto3.client("athena")

    def run() -> Any:
        with err.status("athena: submitting", spinner="dots") as status:

            def on_status(i: int, n: int, state: str, scanned: int) -> None:
                if not args.no_progress:
                    status.update(f"athena: query {i}/{n} {state}, {scanned / 2**30:,.2f} GiB scanned")

            return athena_executor.backtest(
                filters,
                alarms,
                client,
                args.workgroup,
                args.database,
                args.table,
                time_range(args.start, args.end) + partitions(args.account, args.region),
                on_status=on_status,
                timeout=args.athena_timeout,
            )

    try:
        outcome = _run_executor(err, run)
    except athena_executor.AthenaQueryFailed as exc:
        _error(err, str(exc))
        return ExitCode.SERVICE_ERROR
    if isinstance(outcome, ExitCode):
        return outcome
    result, athena_run = outcome
    console = _print_result(args, result, {"athena": athena_run.to_json()})
    if not args.json:
        console.print(
            f"athena: {len(athena_run.queries)} quer{'y' if len(athena_run.queries) == 1 else 'ies'} in "
            f"workgroup {athena_run.workgroup}, {athena_run.bytes_scanned:,} bytes scanned, about "
            f"${athena_run.price_usd:.4f} ({athena_executor.USD_PER_TB:g} USD per TB, 10 MB minimum "
            "per query)",
            markup=False,
            highlight=False,
        )
    return ExitCode.OK


def _sql(args: argparse.Namespace) -> int:
    from trailwatch import sql

    err = _stderr()
    try:
        if args.catalog:
            print(sql.catalog_predicates(), end="")
            return 0
        if bool(args.plan) == bool(args.log_group):
            err.print(
                "[bold red]error:[/] give detections with exactly one of --plan, --log-group or --catalog"
            )
            return ExitCode.BAD_INPUT
        detections = _detections(args, err)
        if detections is None:
            return ExitCode.BAD_INPUT
        filters, alarms, _ = detections
        relation = f"{sql.identifier(args.database)}.{sql.identifier(args.table)}"
        where = sql.time_range(args.start, args.end) + sql.partitions(args.account, args.region)
        queries = sql.queries(filters, alarms, relation, where)
    except sql.UntranslatableError as exc:
        _error(err, f"no exact SQL for {exc}")
        return ExitCode.BAD_INPUT
    print(sql.render(queries), end="")
    return 0


def _variants(args: argparse.Namespace) -> int:
    from rich.markup import escape
    from rich.table import Table

    from trailwatch.backtest.report import render_skipped
    from trailwatch.catalog import load
    from trailwatch.filterpattern import InvalidPatternError
    from trailwatch.variants import compare

    err = _stderr()
    if args.detection not in load()["detections"]:
        _error(err, f"unknown detection {args.detection}")
        return ExitCode.BAD_INPUT
    files = _archive(args.paths)
    if files is None:
        return ExitCode.BAD_INPUT
    try:
        result = compare(args.detection, files, args.exclude_event_source, args.exclude_principal_arn)
    except InvalidPatternError as exc:
        _error(err, f"the exclusions make an invalid filter pattern: {exc}")
        return ExitCode.BAD_INPUT
    doc = result.to_json()
    exit_code = ExitCode.SKIPPED if result.skipped else 0
    if args.json:
        print(json.dumps(doc, indent=2))
        return exit_code
    table = Table(title=escape(f"{args.detection}: {doc['eventsScanned']} events scanned"))
    for col in ("variant", "matches", "removed vs Security Hub", "pattern"):
        table.add_column(col, overflow="fold")
    for v in doc["variants"]:
        table.add_row(
            escape(v["variant"]), str(v["matches"]), str(v["removedVsSecurityHub"]), escape(v["pattern"])
        )
    Console().print(table)
    if result.skipped:
        render_skipped(result.skipped, Console())
    return exit_code


def _cost(args: argparse.Namespace) -> int:
    from rich.table import Table

    from trailwatch import cost
    from trailwatch.archive import Skipped
    from trailwatch.backtest import DetectionsError, check_plan

    err = _stderr()
    plan = _read_plan(args.plan, err)
    if plan is None:
        return ExitCode.BAD_INPUT
    try:
        check_plan(plan, alarms=bool(args.measure))
    except DetectionsError as exc:
        _error(err, f"{args.plan}: {exc}")
        return ExitCode.BAD_INPUT
    for name in ("events_per_day", "avg_event_bytes", "active_hours", "matched_per_day"):
        if getattr(args, name) < 0:
            _stderr().print(f"[bold red]error:[/] --{name.replace('_', '-')} must be >= 0")
            return ExitCode.BAD_INPUT
    try:
        organization = cost.Organization(
            args.accounts, args.regions, args.central_region_share, args.member_failure_alarms
        )
    except ValueError as exc:
        _error(err, str(exc))
        return ExitCode.BAD_INPUT
    rates = None
    files: list[Path] | None = None
    measured = ""
    skipped: list[Skipped] = []
    if args.measure:
        files = _archive(args.measure)
        if files is None:
            return ExitCode.BAD_INPUT
        try:
            rates, span, skipped = cost.measure(plan, files)
        except DetectionsError as exc:
            _error(err, f"{args.plan}: {exc}")
            return ExitCode.BAD_INPUT
        measured = f"active hours measured on {len(files)} file(s) spanning {span:.0f} h, scaled to a month"
    path = args.path or cost.detection_path(plan)
    matched = args.matched_per_day
    deliveries = None
    if files and (args.compare_paths or path == "eventbridge"):
        deliveries, _ = cost.measure_deliveries(plan, files)
        if matched == 0.0:
            # The archive's share of matched deliveries, at the stated volume (else its own).
            matched = (
                deliveries.matched_share * args.events_per_day
                if args.events_per_day
                else deliveries.matched_per_day
            )
        measured += (
            f"; {deliveries.matched_per_day:,.2f} matched deliveries/day"
            f" of {deliveries.events_per_day:,.0f} events/day"
        )
    lines = cost.estimate(
        plan,
        args.events_per_day,
        args.avg_event_bytes,
        args.active_hours,
        rates,
        path=path,
        matched_per_day=matched,
        organization=organization,
    )
    doc = cost.to_json(lines)
    doc["detectionPath"] = path
    if not organization.single:
        doc["organization"] = organization.to_json()
    if path == "eventbridge" or args.compare_paths:
        doc["eventbridgePriceSource"] = cost.EVENTBRIDGE_PRICE_SOURCE
        if not organization.single:
            doc["forwardingPriceSources"] = list(cost.EVENTBRIDGE_FORWARDING_SOURCES)
    if deliveries is not None:
        doc["deliveries"] = deliveries.to_json()
    other = None
    if args.compare_paths:
        other_path = "cloudwatch_logs" if path == "eventbridge" else "eventbridge"
        other = cost.estimate(
            plan,
            args.events_per_day,
            args.avg_event_bytes,
            args.active_hours,
            rates,
            path=other_path,
            matched_per_day=matched,
            organization=organization,
        )
        doc["otherPath"] = {"detectionPath": other_path, **cost.to_json(other)}
    if rates is not None:
        doc["activeHoursPerMonth"] = {k: round(v, 1) for k, v in sorted(rates.items())}
    zero = None
    if args.compare_default_zero:
        zero = cost.estimate(
            plan,
            args.events_per_day,
            args.avg_event_bytes,
            args.active_hours,
            rates,
            default_zero=True,
            organization=organization,
        )
        doc["defaultZero"] = cost.to_json(zero)
    if args.measure:
        doc["errors"] = [s.to_json() for s in skipped]
    exit_code = ExitCode.SKIPPED if skipped else 0
    if args.json:
        print(json.dumps(doc, indent=2))
        return exit_code
    table = Table(title=f"Monthly cost, {doc['region']}, prices as of {doc['pricesAsOf']}")
    table.add_column("item")
    table.add_column("quantity (this stack)", justify="right")
    table.add_column("unit price", justify="right")
    table.add_column("this stack (USD/month)", justify="right")
    if zero is not None:
        table.add_column("with default_value = 0", justify="right")
    table.add_column("note")
    for i, c in enumerate(lines):
        cells = [c.item, f"{c.quantity:g}", f"${c.unit_price:.2f}", f"${c.monthly:.2f}"]
        if zero is not None:
            cells.append(f"${zero[i].monthly:.2f}")
        table.add_row(*cells, c.note)
    totals = [f"[bold]${doc['monthlyTotal']:.2f}[/]"]
    if zero is not None:
        totals.append(f"[bold]${doc['defaultZero']['monthlyTotal']:.2f}[/]")
    table.add_row("[bold]total[/]", "", "", *totals, "")
    console = Console()
    console.print(table)
    if other is not None:
        console.print(
            f"the same detections on the {doc['otherPath']['detectionPath']} path: "
            f"[bold]${doc['otherPath']['monthlyTotal']:.2f}[/] a month ("
            + "; ".join(f"{c.item} ${c.monthly:.2f}" for c in other if "ingestion" in c.item)
            + ")"
        )
    if measured:
        console.print(f"[dim]{measured}[/]")
    console.print(f"[dim]source: {doc['priceSource']}; free tier not subtracted[/]")
    if "forwardingPriceSources" in doc:
        for source in doc["forwardingPriceSources"]:
            console.print(f"[dim]forwarding: {source}[/]", highlight=False)
    if skipped:
        from trailwatch.backtest.report import render_skipped

        render_skipped(skipped, console)
    return exit_code


def _time_range_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--from", dest="start", type=_when, help="events at or after (ISO date or time, UTC by default)"
    )
    p.add_argument(
        "--to",
        dest="end",
        type=_when,
        help="events before (ISO date or time, UTC by default); alone: everything up to it (s3:// paths: "
        "the day folders that exist, found by listing years and months)",
    )


class Parser(argparse.ArgumentParser):
    """argparse with trailwatch's exit code for a usage error (argparse's own is 2, which
    means skipped input here), and the exit-code table in every command's help."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        kwargs.setdefault("epilog", help_text())
        super().__init__(**kwargs)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(ExitCode.BAD_INPUT, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="trailwatch",
        description="Tools for the trailwatch CloudTrail sign-in detection module.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "demo", help="from a checkout: apply examples/minimal on the embedded AWS emulator and show it"
    )
    p.add_argument("--keep", action="store_true", help="keep the stack and emulator up until Ctrl-C")
    p.set_defaults(func=_demo)

    p = sub.add_parser(
        "test-metric-filter",
        help="evaluate a CloudWatch Logs filter pattern locally, like `aws logs test-metric-filter`",
    )
    p.add_argument("--filter-pattern", help="the filter pattern (up to 1024 characters)")
    p.add_argument("--log-event-messages", nargs="+", metavar="MESSAGE", help="log event messages to test")
    p.add_argument(
        "--cli-input-json",
        help='the request as JSON ({"filterPattern": ..., "logEventMessages": [...]}), inline or file://path',
    )
    p.set_defaults(func=_test_metric_filter)

    p = sub.add_parser(
        "test-event-pattern",
        help="evaluate an EventBridge event pattern locally, like `aws events test-event-pattern`",
    )
    p.add_argument("--event-pattern", help="the event pattern (JSON, or file://path)")
    p.add_argument("--event", help="the event to test (JSON, or file://path)")
    p.add_argument(
        "--cli-input-json",
        help='the request as JSON ({"EventPattern": ..., "Event": ...}), inline or file://path',
    )
    p.set_defaults(func=_test_event_pattern)

    p = sub.add_parser(
        "backtest",
        help="replay CloudTrail history through planned or deployed detections: which alarms fire",
        description="Replay CloudTrail history through planned or deployed detections. A file or record "
        "that cannot be read is listed with its path and reason (under `errors` with --json) and never "
        "counted; an alarm that cannot be evaluated exactly (RATE, a percentile, ...) is listed as not "
        "evaluated, by name.",
    )
    p.add_argument(
        "paths",
        nargs="*",
        help="CloudTrail S3 archive files or folders (.json.gz/.json), JSON Lines, or s3://bucket/prefix "
        "(listed by the CloudTrail key layout, streamed)",
    )
    p.add_argument("--plan", help="detections from a plan: the output of `terraform show -json PLANFILE`")
    p.add_argument("--log-group", help="detections from a deployed log group (boto3 credential chain)")
    p.add_argument(
        "--catalog",
        action="store_true",
        help="detections from the catalog, as the module deploys them with the inputs below (no plan)",
    )
    p.add_argument(
        "--allowed-source",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="--catalog: an allowed_source_cidrs entry (an IP address, or an IPv4 /8, /16 or /24); "
        "repeat; console_login_unexpected_ip runs only with one",
    )
    p.add_argument(
        "--cis-exact", action="store_true", help="--catalog: the module's cis_exact (Security Hub's strings)"
    )
    for key, modes in catalog_modes().items():
        p.add_argument(
            f"--{key.replace('_', '-')}-mode",
            choices=modes,
            default="tuned",
            help=f"--catalog: the module's {key}_mode (default: tuned)",
        )
    p.add_argument("--from-log-group", action="store_true", help="also replay the log group's own events")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--no-prefilter", action="store_true", help="parse and evaluate every record (slower)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--strict",
        action="store_true",
        help=f"stop with exit status {int(ExitCode.STRICT_STOPPED)} at the first unreadable file or record",
    )
    p.add_argument(
        "--workers",
        type=_workers,
        default=None,
        help="processes scanning files (default: CPUs, big archives); DuckDB: its threads",
    )
    p.add_argument(
        "--engine",
        choices=("python", "duckdb"),
        default="python",
        help="python: the filter-pattern engine (any input); duckdb: the Athena SQL of `trailwatch sql`, "
        "run locally by DuckDB over CloudTrail files",
    )
    _time_range_arguments(p)
    p.add_argument(
        "--account",
        action="append",
        default=[],
        help="only this account's events: s3:// folders, the account partition for --athena and "
        "--engine duckdb (repeat; organization trails)",
    )
    p.add_argument(
        "--region", action="append", default=[], help="s3:// paths: only this region's folders (repeat)"
    )
    p.add_argument(
        "--athena",
        action="store_true",
        help="run the detections' SQL on Amazon Athena over the trail's bucket (modules/athena)",
    )
    p.add_argument("--workgroup", default="trailwatch", help="--athena: the workgroup (default: trailwatch)")
    p.add_argument(
        "--athena-timeout",
        type=_seconds,
        default=3600.0,
        metavar="SECONDS",
        help="--athena: stop a query still running after this long (default 3600; Athena's own DML "
        "timeout can be raised to 240 minutes). Ctrl-C stops the running query too.",
    )
    p.add_argument(
        "--database", default="trailwatch", help="--athena: the Glue database (default: trailwatch)"
    )
    p.add_argument(
        "--table", default="cloudtrail", help="--athena: the CloudTrail table (default: cloudtrail)"
    )
    p.set_defaults(func=_backtest)

    p = sub.add_parser(
        "sql",
        help="the detections of a plan or log group as Athena (Trino) SQL over the CloudTrail table",
        description="Compile each metric filter pattern to an Athena SQL predicate over the CloudTrail "
        "table of modules/athena and print the queries that count matches per alarm period. A pattern "
        f"construct with no exact SQL equivalent is an error naming it (exit {int(ExitCode.BAD_INPUT)}).",
    )
    p.add_argument("--plan", help="detections from a plan: the output of `terraform show -json PLANFILE`")
    p.add_argument("--log-group", help="detections from a deployed log group (boto3 credential chain)")
    p.add_argument(
        "--catalog", action="store_true", help="the predicate of every catalog pattern in every mode"
    )
    p.add_argument("--database", default="trailwatch", help="the Glue database (default: trailwatch)")
    p.add_argument("--table", default="cloudtrail", help="the CloudTrail table (default: cloudtrail)")
    _time_range_arguments(p)
    p.add_argument("--account", action="append", default=[], help="only this account's partition (repeat)")
    p.add_argument("--region", action="append", default=[], help="only this region's partition (repeat)")
    p.set_defaults(func=_sql)

    p = sub.add_parser("cost", help="monthly CloudWatch cost of what a plan deploys (us-east-1 prices)")
    p.add_argument("--plan", required=True, help="the output of `terraform show -json PLANFILE`")
    p.add_argument("--events-per-day", type=float, default=0.0, help="CloudTrail events delivered per day")
    p.add_argument("--avg-event-bytes", type=float, default=1000.0, help="average event size in bytes")
    p.add_argument(
        "--active-hours",
        type=float,
        default=730.0,
        help="hours per month a publish-on-match metric gets a datapoint (730 = every hour, worst case)",
    )
    p.add_argument(
        "--measure",
        nargs="+",
        metavar="PATH",
        help="measure each metric's active hours by backtesting the plan over a CloudTrail archive",
    )
    p.add_argument(
        "--compare-default-zero",
        action="store_true",
        help="side by side with the same detections publishing default_value = 0 (billed every hour)",
    )
    p.add_argument(
        "--path",
        choices=["cloudwatch_logs", "eventbridge"],
        help="price the plan's detections on this detection path (default: the plan's own)",
    )
    p.add_argument(
        "--matched-per-day",
        type=float,
        default=0.0,
        help="eventbridge path: deliveries per day (an event once per detection matching it); "
        "with --measure, the archive's share of --events-per-day",
    )
    p.add_argument(
        "--compare-paths",
        action="store_true",
        help="also price the same detections on the other detection path",
    )
    p.add_argument(
        "--accounts",
        type=int,
        default=1,
        help="an organization: accounts whose events the detections cover, the security account included "
        "(--events-per-day and matched deliveries are per account); on the eventbridge path each member "
        "forwards its matched events to the central buses",
    )
    p.add_argument(
        "--regions",
        type=int,
        default=1,
        help="regions each account's events arise in and its member rules run in, the central one included",
    )
    p.add_argument(
        "--central-region-share",
        type=float,
        metavar="SHARE",
        help="share (0-1) of each account's events in the central region (default: 1/--regions); "
        "the rest crosses a region",
    )
    p.add_argument(
        "--member-failure-alarms",
        action="store_true",
        help="the members have failure_alarm_actions: a FailedInvocations alarm per member rule, "
        "in every account and region",
    )
    p.add_argument("--json", action="store_true", help="print the estimate as JSON")
    p.set_defaults(func=_cost)

    p = sub.add_parser(
        "variants",
        help="backtest every catalog variant of one detection over an archive, side by side",
    )
    p.add_argument("paths", nargs="+", help="CloudTrail archive files/folders or JSON Lines files")
    p.add_argument("--detection", default="unauthorized_api_calls", help="catalog key")
    p.add_argument("--exclude-event-source", action="append", default=[], help="as the module input")
    p.add_argument("--exclude-principal-arn", action="append", default=[], help="as the module input")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_variants)

    return parser


def _failure(exc: BaseException) -> tuple[ExitCode, str] | None:
    """The exit code and message of an error that is not a bug: the environment (terraform
    missing, no AWS credentials or region, an endpoint out of reach), a service's error
    answer, an interrupt. None for anything else."""
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED, f"interrupted: {exc}" if str(exc) else "interrupted"
    # trailwatch.harness.terraform (moto, boto3, tftest: about 0.4 s) is imported only by the
    # commands that drive Terraform; only they can raise TerraformNotFound.
    terraform = sys.modules.get("trailwatch.harness.terraform")
    if terraform is not None and isinstance(exc, terraform.TerraformNotFound):
        return ExitCode.ENVIRONMENT, str(exc)
    python_executor = sys.modules.get("trailwatch.backtest.executors.python")
    if python_executor is not None and isinstance(exc, python_executor.WorkerLost):
        return ExitCode.ENVIRONMENT, str(exc)
    botocore = sys.modules.get("botocore.exceptions")
    if botocore is not None:
        if isinstance(exc, botocore.ClientError):
            return ExitCode.SERVICE_ERROR, str(exc)
        environment = (
            botocore.NoCredentialsError,
            botocore.PartialCredentialsError,
            botocore.NoRegionError,
            botocore.EndpointConnectionError,
            botocore.ProfileNotFound,
        )
        if isinstance(exc, environment):
            return ExitCode.ENVIRONMENT, str(exc)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    return run(build_parser(), argv)


def run(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run its command; the errors that are not bugs become their exit
    codes and messages (``trailwatch`` and ``trailwatch-dev`` alike)."""
    args = parser.parse_args(argv)
    try:
        rc: int = args.func(args)
    except (Exception, KeyboardInterrupt) as exc:
        known = _failure(exc)
        if known is not None:
            code, message = known
            _error(_stderr(), message)
            return code
        if os.environ.get("TRAILWATCH_DEBUG"):
            raise
        _error(
            _stderr(),
            f"internal error, a bug in trailwatch: {type(exc).__name__}: {exc} "
            "(TRAILWATCH_DEBUG=1 prints the traceback)",
        )
        return ExitCode.INTERNAL_ERROR
    return rc


if __name__ == "__main__":
    sys.exit(main())
