"""The trailwatch command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.console import Console

from trailwatch.terraform import TerraformNotFound


def _demo(args: argparse.Namespace) -> int:
    from trailwatch import demo

    return demo.run(keep=args.keep)


def _docs(args: argparse.Namespace) -> int:
    from trailwatch import docs
    from trailwatch.terraform import REPO_ROOT

    if args.check:
        stale = docs.stale(REPO_ROOT)
        for readme in stale:
            print(f"stale: {readme.relative_to(REPO_ROOT)} (run: trailwatch docs)", file=sys.stderr)
        return 1 if stale else 0
    for d in docs.module_dirs(REPO_ROOT):
        if docs.update(d / "README.md", d):
            print(f"updated {(d / 'README.md').relative_to(REPO_ROOT)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trailwatch",
        description="Tools for the trailwatch CloudTrail sign-in detection module.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="apply examples/minimal on the embedded AWS emulator and show it")
    p.add_argument("--keep", action="store_true", help="keep the stack and emulator up until Ctrl-C")
    p.set_defaults(func=_demo)

    p = sub.add_parser("docs", help="regenerate the inputs/outputs tables of every module README")
    p.add_argument("--check", action="store_true", help="only report stale READMEs (exit 1 if any)")
    p.set_defaults(func=_docs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        rc: int = args.func(args)
    except TerraformNotFound as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}")
        return 2
    return rc


if __name__ == "__main__":
    sys.exit(main())
