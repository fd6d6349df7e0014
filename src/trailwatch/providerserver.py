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

Terraform reaches the process through ``schemaproxy.SchemaProxy``, which serves it the schema
narrowed to the types the staged configs name (``TRAILWATCH_NARROW_SCHEMA=0``: the process
itself, whole schema).

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
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trailwatch.schemaproxy import SchemaProxy

ENABLE_VAR = "TRAILWATCH_SHARED_PROVIDER"
NARROW_VAR = "TRAILWATCH_NARROW_SCHEMA"
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
_AWS_TYPE = re.compile(r"\baws_[a-z0-9_]+\b")


def enabled() -> bool:
    return os.environ.get(ENABLE_VAR, "").lower() in {"1", "true", "yes"}


def narrowed() -> bool:
    return os.environ.get(NARROW_VAR, "1").lower() not in {"0", "false", "no"}


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


def config_types(base: Path) -> set[str]:
    """Every ``aws_*`` word in the Terraform files under ``base`` (``*.tf``, ``*.tf.json``):
    a superset of the resource and data source types a config there can name."""
    found: set[str] = set()
    for path in base.rglob("*"):
        if ".terraform" in path.parts or not (path.suffix == ".tf" or path.name.endswith(".tf.json")):
            continue
        if path.is_file():
            found.update(_AWS_TYPE.findall(path.read_text(errors="replace")))
    return found


class ProviderServer:
    """A provider process started with ``-debug``; ``reattach(types)`` is the value for
    ``TF_REATTACH_PROVIDERS``, restarting the process if it died. Unless ``narrow`` is off,
    the value points at a ``SchemaProxy`` in front of the process, told to serve ``types``."""

    def __init__(self, binary: Path, env: dict[str, str], narrow: bool = True) -> None:
        self.binary = binary
        self.env = {k: v for k, v in env.items() if k != "AWS_CA_BUNDLE"} | _QUIET
        self.narrow = narrow
        self._proc: subprocess.Popen[bytes] | None = None
        self._proxy: SchemaProxy | None = None
        self._value = ""
        self._lock = threading.Lock()

    def reattach(self, types: Collection[str] = ()) -> str:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            if self._proxy is None:
                return self._value
            self._proxy.keep(types)
            return self._proxy.reattach

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
                if self.narrow:
                    from trailwatch.schemaproxy import SchemaProxy  # grpcio: a test dependency

                    self._proxy = SchemaProxy(self._value)
                return
            if self._proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.binary} -debug printed no TF_REATTACH_PROVIDERS; its output: {log}")

    def direct(self) -> str:
        """The ``TF_REATTACH_PROVIDERS`` value of the process itself (whole schema)."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            return self._value

    def stop(self) -> None:
        proxy, self._proxy = self._proxy, None
        if proxy is not None:
            proxy.stop()
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


_SERVERS: dict[str, ProviderServer] = {}


def reattach_env(
    key: str, binary: Path | None, env: dict[str, str], types: Collection[str] = ()
) -> dict[str, str]:
    """``{"TF_REATTACH_PROVIDERS": ...}`` for the shared process keyed by ``key`` (an
    emulator endpoint), serving at least the resource and data source ``types`` a config
    names, or ``{}`` when the harness has not enabled it or no binary is known."""
    if not enabled() or binary is None:
        return {}
    server = _SERVERS.get(key)
    if server is None:
        server = _SERVERS[key] = ProviderServer(binary, env, narrow=narrowed())
    return {"TF_REATTACH_PROVIDERS": server.reattach(types)}


@atexit.register
def _stop_all() -> None:
    for server in _SERVERS.values():
        server.stop()
