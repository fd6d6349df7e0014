"""``python -m trailwatch.maint``: the maintainers' commands, run from a checkout (``make docs``,
``make service-calls``; ``make lint`` runs their checks and ``policies --lint``).

They read and write the repository (module READMEs, docs/service-calls.md, every example's
policies on the emulator), so they are not in ``trailwatch --help``, which lists what a user
runs, and the wheel does not carry them. Same exit codes and error handling as ``trailwatch``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from trailwatch.cli import Parser, run
from trailwatch.exitcodes import ExitCode


def _docs(args: argparse.Namespace) -> int:
    from trailwatch.harness.terraform import REPO_ROOT
    from trailwatch.maint import docs

    if args.check:
        stale = docs.stale(REPO_ROOT)
        for readme in stale:
            print(f"stale: {readme.relative_to(REPO_ROOT)} (run: make docs)", file=sys.stderr)
        return ExitCode.CHECK_FAILED if stale else ExitCode.OK
    for d in docs.module_dirs(REPO_ROOT):
        if docs.update(d / "README.md", d):
            print(f"updated {(d / 'README.md').relative_to(REPO_ROOT)}")
    return ExitCode.OK


def _service_calls(args: argparse.Namespace) -> int:
    from trailwatch.maint import servicecalls

    text = servicecalls.render(servicecalls.load())
    if args.check:
        if not servicecalls.RENDERED.exists() or servicecalls.RENDERED.read_text() != text:
            print("stale: docs/service-calls.md (run: make service-calls)", file=sys.stderr)
            return ExitCode.CHECK_FAILED
        return ExitCode.OK
    servicecalls.RENDERED.write_text(text)
    print(f"wrote {servicecalls.RENDERED}")
    return ExitCode.OK


def _policies(args: argparse.Namespace) -> int:
    from trailwatch.harness.emulator import Emulator
    from trailwatch.maint import planpolicies, policylint

    configs = args.config or planpolicies.configs()
    docs: list[tuple[str, planpolicies.PolicyDoc]] = []
    with Emulator() as emu:
        for config in configs:
            print(f"plan + apply {config} on the emulator ...", flush=True)
            collected = planpolicies.collect(config, emu)
            drift = planpolicies.compare(collected.plan, collected.state)
            if drift:
                print("\n".join(drift), file=sys.stderr)
                return ExitCode.CHECK_FAILED
            docs += [(config, d) for d in planpolicies.iter_documents(collected)]
    if args.dump:
        out = Path(args.dump)
        out.mkdir(parents=True, exist_ok=True)
        for config, d in docs:
            (out / f"{config}--{d.name}.json".replace("/", "_")).write_text(json.dumps(d.document, indent=2))
    if not args.lint:
        for config, d in docs:
            print(f"{config}: {d.name} [{d.kind}]")
        return ExitCode.OK
    report = policylint.lint(docs, policylint.load_suppressions())
    for finding in report.findings:
        print(f"parliament: {finding}")
    for s in report.unused:
        print(f"policy-lint.yaml: unused suppression {s.issue} {s.kind} {s.sid}: remove it")
    print(
        f"parliament: {len(docs)} documents, {len(report.findings)} findings, "
        f"{len(report.suppressed)} suppressed with a reason, {len(report.unused)} unused suppressions"
    )
    return ExitCode.CHECK_FAILED if report.findings or report.unused else ExitCode.OK


def _imports(args: argparse.Namespace) -> int:
    from trailwatch.maint import importmap

    print(importmap.render(), end="")
    return ExitCode.OK


def _equality(args: argparse.Namespace) -> int:
    from trailwatch.maint import equality

    return equality.command(args)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m trailwatch.maint",
        description="Maintainers' commands of the trailwatch repository (run from a checkout).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("docs", help="regenerate the inputs/outputs tables of every module README")
    p.add_argument(
        "--check",
        action="store_true",
        help=f"only report stale READMEs (exit {int(ExitCode.CHECK_FAILED)} if any)",
    )
    p.set_defaults(func=_docs)

    p = sub.add_parser("service-calls", help="render docs/service-calls.md from docs/service-calls.yaml")
    p.add_argument(
        "--check",
        action="store_true",
        help=f"only report a stale docs/service-calls.md (exit {int(ExitCode.CHECK_FAILED)})",
    )
    p.set_defaults(func=_service_calls)

    p = sub.add_parser(
        "policies",
        help="every IAM policy document a config produces (plan, apply on the emulator); --lint: parliament",
    )
    p.add_argument("config", nargs="*", help="root and/or example names (default: root and every example)")
    p.add_argument(
        "--lint", action="store_true", help="lint them with parliament (suppressions: policy-lint.yaml)"
    )
    p.add_argument("--dump", metavar="DIR", help="write each document to DIR as JSON")
    p.set_defaults(func=_policies)

    p = sub.add_parser(
        "imports", help="the import map between trailwatch's top-level modules, their groups and any cycle"
    )
    p.set_defaults(func=_imports)

    from trailwatch.maint import equality

    p = sub.add_parser(
        "equality",
        help="the eventbridge path's equality proof (each rule flags exactly what its filter matches) "
        f"over every bench shape at full size (exit {int(ExitCode.CHECK_FAILED)} on a difference)",
    )
    equality.add_arguments(p)
    p.set_defaults(func=_equality)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return run(build_parser(), argv)
