"""One long-lived AWS provider process per emulator, which Terraform attaches to instead of
starting its own.

Every Terraform command starts the AWS provider two or three times (schema, validation, the
plan or apply walk), and each start decodes the provider's whole schema: about a third of a
plan's CPU time against the emulator, and the suite is CPU-bound on two cores. Terraform's
documented provider-debugging hook (HashiCorp, "Debugging Providers": a provider started
with ``-debug`` prints a ``TF_REATTACH_PROVIDERS`` value; Terraform then talks to that
running process instead of starting one) lets one process serve every command of a
worker. Measured here: a root-module plan 8.8 -> 5.5 CPU-s, a batch of plan-time validation
cases 20.9 -> 12.7 CPU-s.

It is the same provider binary, configured by the same provider blocks on every command
(Terraform calls ConfigureProvider each time); nothing the module does changes. Limits:

- One process holds one provider configuration at a time, so only a root config with a
  single ``aws`` provider block may attach (``attachable``); configs with aliases (a region
  per forwarder) get fresh providers as before.
- The process ignores ``AWS_CA_BUNDLE``: the provider fails to reconfigure its HTTP client
  with a custom CA bundle a second time ("unable to add custom RootCAs HTTPClient"), and
  the emulator speaks plain HTTP, so the bundle is never used.
- Its own logging is off (in debug mode it would log every RPC at trace level).

Only the harness turns it on (``TRAILWATCH_SHARED_PROVIDER=1``, set by tests/conftest.py);
``make demo`` and the CLI start providers the normal way unless it is set. The process dies
with the Python process that started it.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

ENABLE_VAR = "TRAILWATCH_SHARED_PROVIDER"
ADDRESS = "registry.terraform.io/hashicorp/aws"
_REATTACH = re.compile(r"TF_REATTACH_PROVIDERS='(\{.*\})'")
#: Every logger of the provider and its SDKs (terraform-plugin-log sinks), off.
_QUIET = {
    name: "OFF"
    for name in (
        "TF_LOG",
        "TF_LOG_PROVIDER",
        "TF_LOG_PROVIDER_AWS",
        "TF_LOG_SDK",
        "TF_LOG_SDK_PROTO",
        "TF_LOG_SDK_MUX",
        "TF_LOG_SDK_FRAMEWORK",
        "TF_LOG_SDK_HELPER_SCHEMA",
        "TF_LOG_SDK_HELPER_RESOURCE",
    )
}
_START_TIMEOUT = 60.0


def enabled() -> bool:
    return os.environ.get(ENABLE_VAR, "").lower() in {"1", "true", "yes"}


def provider_binary(search: list[Path]) -> Path | None:
    """The one AWS provider binary for this platform in the given mirrors/caches, or None
    when there is none or more than one version (then Terraform picks, not us)."""
    found: set[Path] = set()
    for root in search:
        base = root / ADDRESS
        found.update(p.resolve() for p in base.glob("*/*/terraform-provider-aws*") if p.is_file())
    return found.pop() if len(found) == 1 else None


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the Python process that started it exits."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class ProviderServer:
    """A provider process started with ``-debug``; ``reattach()`` is the value for
    ``TF_REATTACH_PROVIDERS``, restarting the process if it died."""

    def __init__(self, binary: Path, env: dict[str, str]) -> None:
        self.binary = binary
        self.env = {k: v for k, v in env.items() if k != "AWS_CA_BUNDLE"} | _QUIET
        self._proc: subprocess.Popen[bytes] | None = None
        self._value = ""
        self._lock = threading.Lock()

    def reattach(self) -> str:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            return self._value

    def _start(self) -> None:
        log = Path(tempfile.mkstemp(prefix="trailwatch-provider-", suffix=".log")[1])
        with log.open("wb") as sink:
            self._proc = subprocess.Popen(
                [str(self.binary), "-debug"],
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            m = _REATTACH.search(log.read_text(errors="replace"))
            if m:
                # Validate it is the JSON Terraform expects before handing it on.
                self._value = json.dumps(json.loads(m.group(1)), separators=(",", ":"))
                return
            if self._proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.binary} -debug printed no TF_REATTACH_PROVIDERS; its output: {log}")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


_SERVERS: dict[str, ProviderServer] = {}


def reattach_env(key: str, binary: Path | None, env: dict[str, str]) -> dict[str, str]:
    """``{"TF_REATTACH_PROVIDERS": ...}`` for the shared process keyed by ``key`` (an
    emulator endpoint), or ``{}`` when the harness has not enabled it or no binary is known."""
    if not enabled() or binary is None:
        return {}
    server = _SERVERS.get(key)
    if server is None:
        server = _SERVERS[key] = ProviderServer(binary, env)
    return {"TF_REATTACH_PROVIDERS": server.reattach()}


@atexit.register
def _stop_all() -> None:
    for server in _SERVERS.values():
        server.stop()
