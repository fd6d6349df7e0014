"""Shared fixtures: one embedded AWS emulator per session, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from trailwatch.emulator import Emulator
from trailwatch.terraform import terraform_binary

TESTS_DIR = Path(__file__).parent


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
