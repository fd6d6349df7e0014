"""Three patches that make moto 5.2.5 cheaper to run, with nothing it answers changed.

Unlike ``moto_shims`` (moto bugs), these fix no behaviour: each replaces work whose result
is thrown away or recomputed. ``tests/test_moto_speedups.py`` proves each one answers as
moto's own code does. Measured with py-spy over a whole ``make test`` (the emulator runs in
the pytest workers), before these patches:

- **Every request lists moto's package directory.** The server's dispatcher
  (``DomainDispatcherApplication.get_backend_for_host``) asks ``backends.
  list_of_moto_modules()`` whether the service name is a moto module: a ``listdir`` and an
  ``isdir`` for each of about 150 entries, on every call the emulator serves, under the
  dispatcher's lock. That was about 15 CPU-s of the suite. The directory does not change
  while the process runs, so it is listed once.
- **Every request lists the methods of its service's response class**
  (``BaseResponse.call_action`` calls ``method_names_from_class``, an ``inspect.getmembers``
  over a class of a few hundred attributes) to see whether the action is one: about 4
  CPU-s. The list is made once per class, after the shims have added their methods.
- **Every KMS key gets a 2048-bit RSA key pair**, symmetric keys included
  (``kms.models.Key.__init__`` calls ``generate_private_key`` for every key spec; for
  SYMMETRIC_DEFAULT and the HMAC specs it falls back to RSA 2048). Only Sign, Verify and
  GetPublicKey read it. That was about 8 CPU-s. The pair is now generated the first time one
  of those reads it, as the same kind of key, so every answer is unchanged.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto import backends
from moto.core import responses as core_responses
from moto.core import utils as core_utils
from moto.kms import models as kms_models
from moto.kms import utils as kms_utils
from moto.kms.utils import AbstractPrivateKey

from trailwatch.harness.moto_shims import replace

_ORIGINALS: dict[str, Callable[..., Any]] = {}
#: One lock for every lazy key (an instance lock would make the key uncopyable): two
#: requests reading one key at once must not generate two different pairs.
_GENERATING = threading.Lock()


def original_list_of_moto_modules() -> Callable[[], Iterable[str]]:
    """moto's own ``backends.list_of_moto_modules``, whether or not the patch is on."""
    return _ORIGINALS.get("list_of_moto_modules", backends.list_of_moto_modules)


def original_generate_private_key() -> Callable[[str], AbstractPrivateKey]:
    """moto's own ``generate_private_key`` as ``kms.models`` calls it, patched or not."""
    return _ORIGINALS.get("generate_private_key", kms_utils.generate_private_key)


@functools.cache
def _moto_modules() -> tuple[str, ...]:
    return tuple(original_list_of_moto_modules()())


def _list_of_moto_modules() -> Iterable[str]:
    return _moto_modules()


def original_method_names_from_class() -> Callable[[object], list[str]]:
    """moto's own ``method_names_from_class`` as ``BaseResponse`` calls it, patched or not."""
    return _ORIGINALS.get("method_names_from_class", core_utils.method_names_from_class)


@functools.cache
def _method_names(clazz: object) -> tuple[str, ...]:
    return tuple(original_method_names_from_class()(clazz))


def _method_names_from_class(clazz: object) -> list[str]:
    return list(_method_names(clazz))


class LazyPrivateKey:
    """Stands for the key pair moto would have generated for ``key_spec``, and generates it
    (with moto's own function) the first time anything on it is read."""

    def __init__(self, key_spec: str) -> None:
        self.key_spec = key_spec
        self._key: AbstractPrivateKey | None = None

    @property
    def generated(self) -> bool:
        return self._key is not None

    def __getattr__(self, name: str) -> Any:
        # Called only for what this class does not define: the real key's attributes. Not
        # for special names, which copy and pickle probe for and the real key does not have.
        if name.startswith("__"):
            raise AttributeError(name)
        with _GENERATING:
            if self._key is None:
                self._key = original_generate_private_key()(self.key_spec)
        return getattr(self._key, name)


def _generate_private_key(key_spec: str) -> Any:
    return LazyPrivateKey(key_spec)


def apply() -> None:
    """Install the patches (idempotent). After ``moto_shims.apply()``: the shims add
    methods to response classes, whose method lists are then kept."""
    replace(_ORIGINALS, "list_of_moto_modules", backends, "list_of_moto_modules", _list_of_moto_modules)
    # kms.models and core.responses imported these by name: patched where they are called.
    replace(_ORIGINALS, "generate_private_key", kms_models, "generate_private_key", _generate_private_key)
    replace(
        _ORIGINALS,
        "method_names_from_class",
        core_responses,
        "method_names_from_class",
        _method_names_from_class,
    )
