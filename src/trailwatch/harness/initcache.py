"""``terraform init`` once per process for each distinct set of what it reads; a later staged
config with the same inputs gets a copy of what that init wrote.

What init reads in a staged root config without a backend: the root module's module calls
(source and version), its ``terraform`` blocks (required providers and versions), the
providers its blocks name, and every module it calls, which is the staged module tree. What
it writes: ``.terraform/modules/modules.json`` (each module's key, source and directory,
relative to the config, so the same in every staging), ``.terraform/providers`` (a link to
the provider package in the shared plugin cache) and ``.terraform.lock.hcl``. Most of its
0.7 CPU-s is hashing the 700 MB provider package for the lock file, the same package each
time.

The harness's own backend block (``statestore.BACKEND_FILE``, exactly as it writes it) is an
input like the others: init then also writes ``.terraform/terraform.tfstate``, the backend's
configuration, which names no stack (the address is in the environment).

Anything else makes the config's inputs unknown here (``inputs`` answers None) and it gets a
real init: any other ``backend`` or ``cloud`` block, ``terraform test`` files (their run blocks call
modules too), a file that does not parse. A copy that missed something would not pass
silently: Terraform checks the lock file and the module manifest against the config on every
command and refuses a provider or module it does not find there.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import json
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from trailwatch.harness import statestore

LOCK_FILE = ".terraform.lock.hcl"
#: What ``terraform init`` writes in a root config (relative paths); the last only with the
#: harness's backend block (``statestore``): the backend's configuration as written, the same
#: for every stack since its address comes from the environment.
WRITTEN = (
    LOCK_FILE,
    ".terraform/modules/modules.json",
    ".terraform/providers",
    ".terraform/terraform.tfstate",
)
#: Blocks whose type label names a provider (by its prefix: ``aws_s3_bucket`` -> ``aws``).
TYPED_BLOCKS = ("resource", "data", "ephemeral")


def _unquote(value: Any) -> Any:
    """python-hcl2 keeps the quotes of labels and string literals (``'"aws"'``)."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dict):
        return {_unquote(k): _unquote(v) for k, v in value.items() if k != "__is_block__"}
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    return value


def _labelled(doc: dict[str, Any], kind: str) -> Iterator[tuple[str, Any]]:
    """(label, body) of each ``kind`` block, in either file form (HCL read by python-hcl2:
    a list of one-key objects; JSON: an object, or a list of objects)."""
    for part in _blocks(doc, kind):
        yield from part.items()


def _blocks(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    found = doc.get(kind, [])
    return [part for part in (found if isinstance(found, list) else [found]) if isinstance(part, dict)]


def _typed_providers(doc: Any) -> Iterator[str]:
    """The provider prefix of every resource, data source and ephemeral resource type, at any
    depth (``check`` blocks hold data sources too)."""
    if isinstance(doc, list):
        for item in doc:
            yield from _typed_providers(item)
    elif isinstance(doc, dict):
        for key, value in doc.items():
            if key in TYPED_BLOCKS:
                for part in value if isinstance(value, list) else [value]:
                    if isinstance(part, dict):
                        yield from (name.split("_", 1)[0] for name in part)
            yield from _typed_providers(value)


def _load(path: Path) -> dict[str, Any]:
    if path.name.endswith(".tf.json"):
        doc = json.loads(path.read_text())
    else:
        import hcl2  # python-hcl2 (requirements.txt), as trailwatch.maint.docs uses it

        with path.open() as f:
            doc = _unquote(hcl2.load(f))
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: not a Terraform file")
    return doc


def _root_inputs(config_dir: Path) -> dict[str, Any] | None:
    """The root module's part of init's inputs, or None when init may read more."""
    modules: dict[str, Any] = {}
    terraform: list[dict[str, Any]] = []
    providers: set[str] = set()
    for path in sorted(config_dir.iterdir()):
        if ".tftest." in path.name:
            return None
        if not (path.is_file() and path.name.endswith((".tf", ".tf.json"))):
            continue
        if path.name == statestore.BACKEND_FILE and path.read_text() == statestore.BACKEND_BLOCK:
            terraform.append({"backend": "http, its address in the environment (statestore)"})
            continue
        try:
            doc = _load(path)
        except Exception:  # python-hcl2 missing, or a file it or json refuses: a real init says why
            return None
        for name, body in _labelled(doc, "module"):
            call = body[0] if isinstance(body, list) else body
            modules[name] = {k: call.get(k) for k in ("source", "version")}
        for block in _blocks(doc, "terraform"):
            if {"backend", "cloud"} & set(block):
                return None
            terraform.append(block)
        providers.update(name for name, _ in _labelled(doc, "provider"))
        providers.update(_typed_providers(doc))
    return {"modules": modules, "terraform": terraform, "providers": sorted(providers)}


def _tree_digest(config_dir: Path) -> str:
    """Every file of the staged tree (``<base>/examples/<config>``) but the root config's own
    top-level files: the module tree, and any module inside the config's folder."""
    base = config_dir.parent.parent
    digest = hashlib.sha256()
    for path in sorted(base.rglob("*")):
        if not path.is_file() or path.parent == config_dir or ".terraform" in path.parts:
            continue
        digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def inputs(config_dir: Path) -> str | None:
    """A digest of everything ``terraform init`` of a staged root config reads, or None when
    it may read more than this module knows of."""
    root = _root_inputs(config_dir)
    if root is None:
        return None
    text = json.dumps({"root": root, "tree": _tree_digest(config_dir)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


_LOCK = threading.Lock()
#: inputs digest -> a copy of what init wrote for it.
_SAVED: dict[str, Path] = {}


@functools.cache
def _saved_root() -> Path:
    """This process's folder of kept copies, removed when it exits."""
    root = Path(tempfile.mkdtemp(prefix="trailwatch-init-"))
    atexit.register(shutil.rmtree, root, True)
    return root


def _copy(src: Path, dst: Path) -> None:
    for rel in WRITTEN:
        if (src / rel).is_dir():
            shutil.copytree(src / rel, dst / rel, symlinks=True, dirs_exist_ok=True)
        elif (src / rel).exists():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / rel, dst / rel)


def initialised(config_dir: Path, init: Callable[[], str]) -> str:
    """Initialise a staged root config: with a copy of what an earlier ``init()`` in this
    process wrote for the same inputs, or by calling ``init()`` (the real ``terraform
    init``) and keeping a copy of what it wrote. Returns init's output, or says it reused."""
    key = inputs(config_dir)
    if key is not None:
        with _LOCK:
            saved = _SAVED.get(key)
        if saved is not None:
            _copy(saved, config_dir)
            return f"trailwatch: reused what terraform init wrote for the same inputs ({key[:12]})\n"
    out = init()
    if key is not None:
        with _LOCK:
            if key not in _SAVED:
                _copy(config_dir, _saved_root() / key)
                _SAVED[key] = _saved_root() / key
    return out
