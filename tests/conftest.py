"""Shared fixtures: one embedded AWS emulator per session (so one per pytest-xdist worker,
each on its own free port), reset before each test.

`make test` runs the suite on pytest-xdist workers with ``--dist loadgroup``: a module whose
tests share one applied stack is an ``xdist_group`` (its tests run in one worker, in order);
every other test is scheduled on its own. The slowest tests are collected first so that no
worker starts one of them last, and the tests that mostly wait on the provider alternate with
busy ones so that the two cores stay in use (``pytest_collection_modifyitems``).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tftest

from trailwatch.harness import providerserver, statestore
from trailwatch.harness.emulator import Emulator
from trailwatch.harness.terraform import (
    Drift,
    Stack,
    TerraformNotFound,
    inline_stack,
    terraform_binary,
    terraform_env,
)
from trailwatch.maint.planpolicies import ROOT_CONFIG, ROOT_MODULE_ARGS, Store

TESTS_DIR = Path(__file__).parent

# Each worker's Terraform commands attach to one long-lived AWS provider process per emulator
# instead of starting the provider two or three times per command (src/trailwatch/harness/providerserver.py).
# Set at import, in the controller and in every worker, before any Terraform runs.
os.environ.setdefault(providerserver.ENABLE_VAR, "1")
# Each stack's state is kept by the worker's HTTP state server, so that an apply or destroy does
# not rewrite the whole state file after every resource (src/trailwatch/harness/statestore.py).
os.environ.setdefault(statestore.ENABLE_VAR, "1")

#: The tests that use `root_applied` run in this xdist group: one worker, in collection order.
ROOT_APPLIED = pytest.mark.xdist_group("root-applied")

#: Test files in the order their tests start: the longest first (a whole example lifecycle
#: or the demo takes a minute; a pure-Python test, milliseconds). Files not listed follow.
SLOWEST_FIRST = (
    # root-applied first: one worker runs that group's tests one after another (about four
    # minutes), so it starts at once or it is the run's tail. The read-only tests of
    # test_athena_module.py first, test_lifecycle.py's last (its bucket test destroys the stack).
    "test_athena_module.py",
    "test_alarm_messages.py",
    "test_lifecycle.py",
    "test_service_calls.py",
    "test_examples.py",
    "test_demo.py",
    # a group of its own (about 30 s): started late, it was a run's tail
    "test_routing.py",
    # one checkov scan of every example and modules/athena (about 20 s, one worker's group)
    "test_security.py",
    "test_validation.py",
    "test_detections_end_to_end.py",
    "test_signin_events.py",
    "test_readme_examples.py",
    "test_scenarios.py",
    "test_lint.py",
    "test_allowlist.py",
    "test_backtest.py",
    "test_filter_limits.py",
)


#: What mostly waits: an apply waits on the provider's own polls (an S3 lifecycle configuration
#: 55 s, an SQS queue or its policy 25 s, a KMS key 12 s) with the CPU idle. Every other test
#: (plans, checkov, mypy, the engine) keeps a core busy from its start to its end.
WAITING_TESTS = (
    "tests/test_examples.py::test_example_lifecycle[",
    "tests/test_lifecycle.py::test_interrupted_apply_converges_without_duplicates",
    "tests/test_demo.py::test_demo_applies_shows_and_destroys",
)
WAITING_GROUPS = frozenset({"routing", "signin-events", "detections", "eventbridge-org"})


def _unit(item: pytest.Item) -> tuple[str, bool]:
    """What xdist schedules as one (a test's xdist group, or the test alone), and whether it
    is a group."""
    group = item.get_closest_marker("xdist_group")
    if group and group.args:
        return str(group.args[0]), True
    return item.nodeid, False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slowest files first, the tests that mostly wait spread among the busy ones; tests
    marked ``after_lifecycles`` last of all, so that the example lifecycles they read from have
    started (and hold their configs' locks) before them.

    The workers (8 for `make test`) share two cores: while a lifecycle waits on the provider,
    another worker's plan or scan uses the core. With every lifecycle first (the slowest-first
    order alone), the first two minutes of a run kept about 0.6 of the two cores idle."""
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}

    def order(item: pytest.Item) -> int:
        if item.get_closest_marker("after_lifecycles"):
            return len(rank) + 1
        return rank.get(item.path.name, len(rank))

    items.sort(key=order)  # stable: keeps file order
    units: dict[tuple[str, bool], list[pytest.Item]] = {}
    for item in items:
        units.setdefault(_unit(item), []).append(item)
    Unit = list[pytest.Item]
    (_, first), *rest = units.items()  # root-applied: the longest chain, started at once
    waiting: list[Unit] = []
    last: list[Unit] = []
    # The busy units cut after each busy group (a plan batch, the checkov scan: it fills a core
    # for a while); the waiting units spread evenly before those runs, so that the last busy
    # group and the quick tests after it, not a cluster of waiting units, end the run.
    runs: list[list[Unit]] = [[]]
    for (key, group), unit in rest:
        if unit[0].get_closest_marker("after_lifecycles"):
            last.append(unit)
        elif key in WAITING_GROUPS if group else key.startswith(WAITING_TESTS):
            waiting.append(unit)
        else:
            runs[-1].append(unit)
            if group:
                runs.append([])
    before: list[list[Unit]] = [[] for _ in runs]
    for j, unit in enumerate(waiting):
        before[j * (len(runs) - 1) // len(waiting)].append(unit)
    merged = [first]
    for ahead, run in zip(before, runs, strict=True):
        merged += ahead + run
    items[:] = [item for unit in merged + last for item in unit]


def pytest_configure(config: pytest.Config) -> None:
    """Before xdist starts its workers: fill the shared provider plugin cache once, so that
    parallel `terraform init`s only link it (Terraform's cache is not safe to fill in
    parallel)."""
    if hasattr(config, "workerinput"):
        return
    try:
        binary = terraform_binary()
    except TerraformNotFound:
        return  # the `terraform` fixture fails every test that needs it, with the fix
    with tempfile.TemporaryDirectory(prefix="trailwatch-warm-") as tmp:
        (Path(tmp) / "versions.tf").write_text((Path(__file__).parents[1] / "versions.tf").read_text())
        subprocess.run(
            [binary, "init", "-backend=false", "-input=false", "-no-color"],
            cwd=tmp,
            env={**os.environ, **terraform_env()},
            capture_output=True,
            check=False,
        )


@pytest.fixture(scope="session")
def terraform() -> str:
    # A missing binary is a failure with the fix in the message, never a skip.
    return terraform_binary()


@pytest.fixture(scope="session")
def emulator_session() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


@pytest.fixture
def emulator(emulator_session: Emulator) -> Emulator:
    """The session's emulator with every service emptied."""
    emulator_session.reset()
    return emulator_session


@pytest.fixture(scope="session")
def collected_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Plans and applied states of whole configs, shared by every xdist worker of this run
    (the workers' temporary directories share one parent, fresh for each run)."""
    base = tmp_path_factory.getbasetemp()
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # unset without xdist, or with -n 0
    return Store((base.parent if worker else base) / "collected-configs")


@dataclass(frozen=True)
class RootApplied:
    stack: Stack
    plan: dict[str, Any]
    #: The plan right after apply, as a scheduled drift check runs it, read back too: what
    #: tests/test_athena_module.py and tests/test_lifecycle.py each assert of it.
    drift: Drift


@pytest.fixture(scope="session")
def root_applied(emulator_session: Emulator, terraform: str, collected_store: Store) -> Iterator[RootApplied]:
    """The root module with every optional path on (planpolicies.ROOT_MODULE_ARGS), applied
    once for the tests of the ``root-applied`` group (tests/test_athena_module.py, then
    tests/test_lifecycle.py's "apply, then ..." tests, its bucket test last since it destroys
    it). Its plan and applied state also go to tests/test_service_calls.py."""
    emulator_session.reset()
    stack = inline_stack(ROOT_MODULE_ARGS, emulator=emulator_session, name="root")
    with collected_store.producing(ROOT_CONFIG) as publish:
        plan = dict(stack.plan(save=True))
        stack.apply_saved_plan()
        publish(plan, stack.state())
    yield RootApplied(stack, plan, stack.drift_plan())
    if stack.holds_resources():
        with contextlib.suppress(tftest.TerraformTestError):
            stack.destroy()
    stack.cleanup()
