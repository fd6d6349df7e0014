"""The harness's on/off environment variables (``CI``, ``TRAILWATCH_SHARED_PROVIDER``,
``TRAILWATCH_PROVIDER_PROXY``, ``TRAILWATCH_HTTP_STATE``), read one way."""

from __future__ import annotations

import os

ON = frozenset({"1", "true", "yes"})
OFF = frozenset({"0", "false", "no"})


def env_flag(name: str, default: bool = False) -> bool:
    """Whether ``name`` is on. Off by default: on only when set to 1, true or yes. On by
    default: off only when set to 0, false or no. Any case."""
    value = os.environ.get(name, "").lower()
    if not value:
        return default
    return value not in OFF if default else value in ON
