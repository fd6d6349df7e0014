"""Terraform state for the harness's stacks kept by an HTTP state server of the worker, so
that an apply or destroy writes the state once every 20 seconds instead of after every
resource.

Why: the local backend's state manager (``statemgr.Filesystem``, Terraform 1.11.4)
serializes and writes the whole state file after each resource an apply creates or a
destroy deletes, and first marshals the previous state again to compare the two
(``statefile.StatesMarshalEqual``). The cost grows with the square of the stack's size.
Measured with ``perf`` on examples/eventbridge-organization (360 resources), symbolized from
the binary's ``.gopclntab``: 61 % of the apply's CPU and 70 % of the destroy's went to
``Filesystem.WriteState``. An ``strace`` of the apply counted 367 writes of the state file,
227 MB in all. A remote backend's state manager (``states/remote.State``) only keeps a copy
in memory on each update. Terraform's local operation persists it every 20 seconds, when the
operation is interrupted, and at its end (``backend/local/hook_state.go``, ``backend_apply.go``).

The backend is Terraform's own ``http`` backend (HashiCorp, "Backend Type: http"), with an
empty block in the staged config. Its address comes from ``TF_HTTP_ADDRESS`` in the stack's
environment, so init records the same backend configuration for every stack (the address is
not part of it), and ``initcache`` can copy it. No lock address is set: the backend then
does no locking, as the harness's own drift check ran with ``-lock=false`` already.

The server stores each stack's state at ``terraform.tfstate`` in the stack's staged folder,
byte for byte what Terraform sent, where the local backend would have written it. So
``Stack.outputs()``, ``Stack.state()`` and the tests read it the same way. It answers GET
(the state, or 404 before the first write), POST (the new state) and DELETE, for the
folders registered with it and nothing else. It listens on loopback only.

Only the harness turns it on (``TRAILWATCH_HTTP_STATE=1``, set by tests/conftest.py). A
stack kept by ``make demo KEEP=1`` keeps its state in a local file the user can read with
Terraform after the demo's process exits.
"""

from __future__ import annotations

import functools
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from trailwatch.harness.envflag import env_flag

ENABLE_VAR = "TRAILWATCH_HTTP_STATE"
#: The staged config's backend block: an ``http`` backend whose address is in the environment.
BACKEND_FILE = "trailwatch_state_backend.tf"
BACKEND_BLOCK = 'terraform {\n  backend "http" {}\n}\n'
STATE_FILE = "terraform.tfstate"

_LOCK = threading.Lock()
#: token -> the staged folder whose state it names.
_FOLDERS: dict[str, Path] = {}


def enabled() -> bool:
    return env_flag(ENABLE_VAR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _state_path(self) -> Path | None:
        token = self.path.split("?", 1)[0].strip("/")
        with _LOCK:
            folder = _FOLDERS.get(token)
        return None if folder is None else folder / STATE_FILE

    def _reply(self, status: int, body: bytes = b"") -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if body:
            self.send_header("Content-Type", "application/json")
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self) -> None:
        path = self._state_path()
        if path is None:
            self._reply(403)
        elif not path.exists():
            self._reply(404)
        else:
            self._reply(200, path.read_bytes())

    def do_POST(self) -> None:
        path = self._state_path()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if path is None:
            self._reply(403)
            return
        partial = path.with_name(f".{STATE_FILE}.{threading.get_ident()}")
        partial.write_bytes(body)
        partial.replace(path)
        self._reply(200)

    def do_DELETE(self) -> None:
        path = self._state_path()
        if path is None:
            self._reply(403)
            return
        path.unlink(missing_ok=True)
        self._reply(200)

    def log_message(self, format: str, *args: object) -> None:
        pass


@functools.cache
def _server() -> ThreadingHTTPServer:
    """This process's server, started the first time a stack registers (a daemon thread: it
    ends with the process)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="trailwatch-state", daemon=True).start()
    return server


def register(config_dir: Path) -> dict[str, str]:
    """Serve ``config_dir``'s state; return the environment that points Terraform's ``http``
    backend at it."""
    token = secrets.token_hex(16)
    with _LOCK:
        _FOLDERS[token] = Path(config_dir)
    port = _server().server_address[1]
    return {"TF_HTTP_ADDRESS": f"http://127.0.0.1:{port}/{token}"}


def unregister(config_dir: Path) -> None:
    """Stop serving ``config_dir``'s state (its stack was removed)."""
    with _LOCK:
        for token in [t for t, folder in _FOLDERS.items() if folder == Path(config_dir)]:
            del _FOLDERS[token]
