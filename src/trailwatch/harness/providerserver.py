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
(Terraform calls ConfigureProvider each time); nothing the module does changes.

- Terraform reaches the processes through ``providerproxy.ProviderProxy``. It serves the
  schema narrowed to the types the staged configs name. It also starts a process per provider
  configuration: one process holds one configuration at a time, so configs with aliases (a
  region per forwarder) attach too. ``TRAILWATCH_PROVIDER_PROXY=0`` turns the proxy off.
  Then there is one process, with its whole schema, and configs with aliases start their
  own providers.
- The processes run without ``AWS_CA_BUNDLE``: the provider fails to reconfigure its HTTP
  client with a custom CA bundle a second time ("unable to add custom RootCAs HTTPClient"),
  and the emulator speaks plain HTTP, so the bundle is never used.
- Their own logging is off (in debug mode they would log every RPC at trace level).

Only the harness turns it on (``TRAILWATCH_SHARED_PROVIDER=1``, set by tests/conftest.py);
``make demo`` and the CLI start providers the normal way unless it is set. The processes die
with the Python process that started them.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from trailwatch.harness.envflag import env_flag

if TYPE_CHECKING:
    from trailwatch.harness.providerproxy import ProviderProxy

ENABLE_VAR = "TRAILWATCH_SHARED_PROVIDER"
PROXY_VAR = "TRAILWATCH_PROVIDER_PROXY"
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
    return env_flag(ENABLE_VAR)


def proxied() -> bool:
    """Whether Terraform reaches the shared provider through ``ProviderProxy`` (the default;
    ``TRAILWATCH_PROVIDER_PROXY=0``: straight, one process, configs without aliases only)."""
    return env_flag(PROXY_VAR, default=True)


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


class ProviderProcess:
    """One provider process started with ``-debug``; ``value`` is its
    ``TF_REATTACH_PROVIDERS`` value."""

    def __init__(self, binary: Path, env: dict[str, str]) -> None:
        self.binary = binary
        log = Path(tempfile.mkstemp(prefix="trailwatch-provider-", suffix=".log")[1])
        with log.open("wb") as sink:
            self._proc = subprocess.Popen(
                [str(binary), "-debug"],
                env=env,
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
                self.value = json.dumps(json.loads(m.group(1)), separators=(",", ":"))
                return
            if self._proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"{binary} -debug printed no TF_REATTACH_PROVIDERS (exit status {self._proc.returncode});"
            f" its output: {log}"
        )

    def alive(self) -> bool:
        return self._proc.poll() is None

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()


class ProviderServer:
    """The shared provider of one emulator: ``reattach(types)`` is the value for
    ``TF_REATTACH_PROVIDERS``, starting everything again if a process died. With ``proxy``
    (the default) it points at a ``ProviderProxy`` told to serve ``types``, with a process
    per provider configuration; without, at one process (whole schema, one configuration)."""

    def __init__(self, binary: Path, env: dict[str, str], proxy: bool = True) -> None:
        self.binary = binary
        self.env = {k: v for k, v in env.items() if k != "AWS_CA_BUNDLE"} | _QUIET
        self.proxied = proxy
        self._proc: ProviderProcess | None = None
        self._proxy: ProviderProxy | None = None
        self._lock = threading.Lock()

    def _spawn(self) -> ProviderProcess:
        return ProviderProcess(self.binary, self.env)

    def reattach(self, types: Collection[str] = ()) -> str:
        with self._lock:
            if not self.proxied:
                if self._proc is None or not self._proc.alive():
                    self._proc = self._spawn()
                return self._proc.value
            if self._proxy is not None and not self._proxy.alive():
                self._proxy.stop()
                self._proxy = None
            if self._proxy is None:
                from trailwatch.harness.providerproxy import ProviderProxy  # grpcio: a test dependency

                self._proxy = ProviderProxy(self._spawn)
            self._proxy.keep(types)
            return self._proxy.reattach

    def processes(self) -> int:
        """How many provider processes run now."""
        with self._lock:
            if self._proxy is not None:
                return self._proxy.processes()
            return int(self._proc is not None and self._proc.alive())

    def validation_answers(self) -> tuple[int, int]:
        """The proxy's kept validation answers and replays (``(0, 0)`` without a proxy)."""
        with self._lock:
            return self._proxy.validation_answers() if self._proxy is not None else (0, 0)

    def stop(self) -> None:
        with self._lock:
            proxy, self._proxy = self._proxy, None
            proc, self._proc = self._proc, None
        if proxy is not None:
            proxy.stop()
        if proc is not None:
            proc.stop()


_SERVERS: dict[str, ProviderServer] = {}


def reattach_env(
    key: str, binary: Path | None, env: dict[str, str], types: Collection[str] = (), aliases: bool = False
) -> dict[str, str]:
    """``{"TF_REATTACH_PROVIDERS": ...}`` for the shared provider keyed by ``key`` (an
    emulator endpoint), serving at least the resource and data source ``types`` a config
    names; ``{}`` when the harness has not enabled it, no binary is known, or the config has
    provider ``aliases`` and no proxy gives each configuration its process."""
    if not enabled() or binary is None or (aliases and not proxied()):
        return {}
    server = _SERVERS.get(key)
    if server is None:
        server = _SERVERS[key] = ProviderServer(binary, env, proxy=proxied())
    return {"TF_REATTACH_PROVIDERS": server.reattach(types)}


@atexit.register
def _stop_all() -> None:
    for server in _SERVERS.values():
        server.stop()
