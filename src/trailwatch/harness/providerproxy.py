"""A gRPC proxy in front of the harness's shared AWS provider processes. Terraform attaches
to it (``TF_REATTACH_PROVIDERS``) as if it were the provider. It does three things:

1. **It serves the schema narrowed to the types the staged configs name.** Every Terraform
   command asks the provider for its whole schema (GetSchema: about 1,500 resource types and
   600 data sources) and decodes it, even for a config of ten resources. With the provider
   process shared, that decoding was most of a command's fixed cost: ``terraform show -json``
   of a saved plan took 1.2-1.4 CPU-s here, and validating a config with no resource at all
   1.1-1.4 CPU-s. With the narrowed schema, ``show`` takes 0.16 CPU-s, and a plan of
   examples/minimal 1.5 instead of 2.7-3.2 (Terraform's own CPU time). examples/minimal's
   whole validate, plan, show, apply, replan and destroy takes 23 instead of 33 CPU-s, the
   emulator, the provider and this proxy included.
2. **It gives each provider configuration a process of its own**, so that configs with
   aliases (a provider block per region) attach too. One provider process holds one
   configuration at a time: Configure replaces the previous one. Each Terraform provider
   instance is a connection of its own (go-plugin dials once per client), so the proxy
   listens on loopback TCP, where each connection has its own peer address. A connection's
   Configure call picks the process for that exact configuration (the request's bytes: the
   provider block's values), started the first time. Every later call of the connection
   goes to that process. Calls made before Configure need no configuration (schema,
   validation, functions) and go to the first process. The processes are started from the
   proxy's threads, so gRPC's fork handlers are off (``GRPC_ENABLE_FORK_SUPPORT``): a child
   here only ever runs ``exec``.
3. **It answers each distinct validation request once** (``VALIDATION``): the checks of a
   configuration against the schema and the provider's validation functions, which depend on
   the request's bytes alone. Terraform validates every resource and data source in its
   validate walk and again in its plan walk, and ``terraform test`` does both for each run,
   so the plan-time validation cases ask the same few hundred questions thousands of times
   (one batch of 29 cases: 3,325 validation calls, 139 distinct requests). Replaying the
   kept answer took that batch from about 41 to 30 CPU-s, the provider and this proxy
   included. An answer is kept only once the provider has given it: an error is passed on,
   never kept.

What changes for Terraform, and what does not:

- The schema of every type a config names is the provider's own, byte for byte. So are the
  provider block's schema, the provider functions and the server capabilities. Only the map
  entries of the other resource, data source, ephemeral resource, list resource and action
  types are left out of the GetSchema response (tfplugin5.proto, ``GetProviderSchema.
  Response`` fields 2, 3, 8, 9, 11).
- A validation answer is the provider's own, byte for byte: the first identical request's.
  Terraform makes these calls in its validate walk, before any Configure, so they need no
  provider configuration; a kept answer may have come from an unconfigured process and be
  replayed to a configured connection: the same binary, validating the same bytes. They read
  nothing remote.
- Every other call (configure, plan, apply, read, import, functions) is passed through
  unchanged, bytes in and bytes out. The exceptions are the plugin's stdio and broker
  streams: see ``NOT_FORWARDED``.
- A type no staged config names is unknown to Terraform, which then fails with "The provider
  hashicorp/aws does not support resource type": a loud error, never a silent difference.
  ``keep()`` is called with the types of each config before Terraform runs in it. The set only
  grows, so a response already served never lacks a type a later command needs.

Only the harness uses it, with the shared provider (``TRAILWATCH_SHARED_PROVIDER``).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Collection, Iterator
from concurrent import futures
from typing import Any, Protocol

# Before gRPC starts: its fork handlers would run in every child started while the proxy
# serves (the provider processes, Terraform), which only exec.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")

import grpc

#: tfplugin5 ``GetProviderSchema.Response`` fields that map a type name to its schema:
#: resource_schemas 2, data_source_schemas 3, ephemeral_resource_schemas 8,
#: list_resource_schemas 9, action_schemas 11 (functions, 7, are kept whole).
TYPE_MAP_FIELDS = frozenset({2, 3, 8, 9, 11})
GET_SCHEMA = "/tfplugin5.Provider/GetSchema"
CONFIGURE = "/tfplugin5.Provider/Configure"
#: Calls whose answer depends on the request alone: they check a configuration against the
#: schema and the provider's validation functions, need no provider configuration (Terraform
#: makes them before Configure), and read nothing remote. Each distinct request is forwarded
#: once and its answer replayed (see ``ProviderProxy._validated``).
VALIDATION = frozenset(
    {
        "/tfplugin5.Provider/PrepareProviderConfig",
        "/tfplugin5.Provider/ValidateResourceTypeConfig",
        "/tfplugin5.Provider/ValidateDataSourceConfig",
    }
)
#: Streaming methods of the provider service; every other method is unary.
UNARY_STREAM = frozenset({"/tfplugin5.Provider/ListResource", "/tfplugin5.Provider/InvokeAction"})
#: go-plugin's connection-long streams (the plugin's stdout/stderr, the plugin broker) are
#: answered UNIMPLEMENTED, as by a plugin built before them; go-plugin then syncs no output
#: ("stdio service not available", hashicorp/go-plugin grpc_stdio.go) and ignores the
#: broker's error (grpc_client.go). Forwarded, each would hold a proxy thread for as long as
#: Terraform keeps the connection, and ``terraform test`` keeps one per run until it exits.
#: The provider's logging is off and Terraform brokers nothing for a provider.
NOT_FORWARDED = frozenset({"/plugin.GRPCStdio/StreamStdio", "/plugin.GRPCBroker/StartStream"})
#: The schema response is tens of MB: no message size limit either way.
_OPTIONS = [("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]


def _varint(buf: memoryview, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7


def _fields(buf: memoryview) -> Iterator[tuple[int, memoryview | None, memoryview]]:
    """The top-level fields of a protobuf message: (number, payload of a length-delimited
    field or None, the field's whole encoding)."""
    i = 0
    while i < len(buf):
        start = i
        tag, i = _varint(buf, i)
        wire = tag & 7
        payload = None
        if wire == 0:
            _, i = _varint(buf, i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == 2:
            length, i = _varint(buf, i)
            payload, i = buf[i : i + length], i + length
        else:
            raise ValueError(f"protobuf wire type {wire} (groups) in a tfplugin5 message")
        yield tag >> 3, payload, buf[start:i]


def _map_key(entry: memoryview) -> str:
    for number, payload, _ in _fields(entry):
        if number == 1 and payload is not None:
            return bytes(payload).decode()
    return ""


def narrow_schema(response: bytes, keep: Collection[str]) -> bytes:
    """The GetSchema response without the type-map entries whose name is not in ``keep``."""
    out = bytearray()
    for number, payload, whole in _fields(memoryview(response)):
        if number in TYPE_MAP_FIELDS and payload is not None and _map_key(payload) not in keep:
            continue
        out += whole
    return bytes(out)


def schema_types(response: bytes) -> dict[int, set[str]]:
    """The type names of each type-map field of a GetSchema response (for tests)."""
    found: dict[int, set[str]] = {}
    for number, payload, _ in _fields(memoryview(response)):
        if number in TYPE_MAP_FIELDS and payload is not None:
            found.setdefault(number, set()).add(_map_key(payload))
    return found


class Upstream(Protocol):
    """A provider process: ``value`` is its own ``TF_REATTACH_PROVIDERS`` value."""

    value: str

    def alive(self) -> bool: ...

    def stop(self) -> None: ...


class _Route:
    """One upstream process and a channel to it."""

    def __init__(self, upstream: Upstream) -> None:
        ((self.address, config),) = json.loads(upstream.value).items()
        if config["Addr"]["Network"] != "unix":
            raise ValueError(f"the provider listens on {config['Addr']}, not a Unix socket")
        self.config = config
        self.upstream = upstream
        self.channel = grpc.insecure_channel(f"unix:{config['Addr']['String']}", options=_OPTIONS)

    def close(self) -> None:
        self.channel.close()
        self.upstream.stop()


class ProviderProxy(grpc.GenericRpcHandler):  # type: ignore[misc]
    """Listens on a loopback port and forwards every call to a provider process from
    ``spawn`` (one per provider configuration); ``reattach`` is the value that points
    Terraform at the proxy."""

    def __init__(self, spawn: Callable[[], Upstream]) -> None:
        self._spawn = spawn
        self._lock = threading.Lock()
        self._first = _Route(spawn())
        self._by_config: dict[bytes, _Route] = {}
        self._by_peer: dict[str, _Route] = {}
        self._keep: set[str] = set()
        self._answers: dict[tuple[str, bytes], bytes] = {}
        self._replayed = 0
        self._full: bytes | None = None
        self._narrowed: bytes | None = None
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=64), options=_OPTIONS)
        self._server.add_generic_rpc_handlers((self,))
        port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()
        addr = {"Network": "tcp", "String": f"127.0.0.1:{port}"}
        self.reattach = json.dumps(
            {self._first.address: {**self._first.config, "Addr": addr}}, separators=(",", ":")
        )

    def keep(self, types: Collection[str]) -> None:
        """Serve ``types`` too from the next GetSchema call on."""
        with self._lock:
            if not set(types) <= self._keep:
                self._keep.update(types)
                self._narrowed = None

    def _routes(self) -> list[_Route]:
        """Every process's route, once each (the first one may also serve a configuration)."""
        return list({id(r): r for r in (self._first, *self._by_config.values())}.values())

    def processes(self) -> int:
        """How many provider processes serve the configurations seen so far."""
        with self._lock:
            return len(self._routes())

    def alive(self) -> bool:
        with self._lock:
            return all(r.upstream.alive() for r in self._routes())

    def _route(self, method: str, request: bytes, peer: str) -> _Route:
        with self._lock:
            if method != CONFIGURE:
                return self._by_peer.get(peer, self._first)
            key = hashlib.sha256(_configuration(request)).digest()
            route = self._by_config.get(key)
            if route is None:
                # The first configuration takes the first process; each other one, its own,
                # started from this server thread (the executor's threads live as long as
                # the proxy, so the process's parent-death signal fires only with the worker).
                route = self._first if not self._by_config else _Route(self._spawn())
                self._by_config[key] = route
            self._by_peer[peer] = route
            return route

    def _schema(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        with self._lock:
            if self._full is None:
                self._full = _call(self._first.channel.unary_unary(GET_SCHEMA), request, context)
            if self._narrowed is None:
                self._narrowed = narrow_schema(self._full, self._keep)
            return self._narrowed

    def _validated(self, method: str, request: bytes, context: grpc.ServicerContext) -> bytes:
        """A validation call's answer: the provider's own for the first such request, the
        same bytes for each later identical one. Errors (aborts) are never kept."""
        key = (method, request)
        with self._lock:
            answer = self._answers.get(key)
            self._replayed += answer is not None
        if answer is None:
            route = self._route(method, request, context.peer())
            answer = _call(route.channel.unary_unary(method), request, context)
            with self._lock:
                self._answers[key] = answer
        return answer

    def validation_answers(self) -> tuple[int, int]:
        """How many validation answers are kept, and how many times one was replayed."""
        with self._lock:
            return len(self._answers), self._replayed

    def service(self, details: Any) -> Any:
        method: str = details.method
        if method in NOT_FORWARDED:
            return None  # UNIMPLEMENTED
        if method == GET_SCHEMA:
            return grpc.unary_unary_rpc_method_handler(self._schema)
        if method in VALIDATION:
            return grpc.unary_unary_rpc_method_handler(
                lambda request, context: self._validated(method, request, context)
            )
        if method in UNARY_STREAM:

            def out(request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
                route = self._route(method, request, context.peer())
                upstream = route.channel.unary_stream(method)(request)
                context.add_callback(upstream.cancel)  # Terraform gone: end the provider's side
                yield from _relay(upstream, context)

            return grpc.unary_stream_rpc_method_handler(out)

        def forward(request: bytes, context: grpc.ServicerContext) -> bytes:
            route = self._route(method, request, context.peer())
            return _call(route.channel.unary_unary(method), request, context)

        return grpc.unary_unary_rpc_method_handler(forward)

    def stop(self) -> None:
        self._server.stop(grace=None)
        with self._lock:
            routes = self._routes()
            self._by_config.clear()
            self._by_peer.clear()
        for route in routes:
            route.close()


def _configuration(request: bytes) -> bytes:
    """A Configure request's provider block values (tfplugin5 ``Configure.Request.config``,
    field 2), without Terraform's version and the client capabilities, which can differ
    between the plan and the apply of one command."""
    for number, payload, _ in _fields(memoryview(request)):
        if number == 2 and payload is not None:
            return bytes(payload)
    return b""


def _call(method: grpc.UnaryUnaryMultiCallable, request: bytes, context: grpc.ServicerContext) -> bytes:
    try:
        response: bytes = method(request)
    except grpc.RpcError as err:
        context.abort(err.code(), err.details())
    return response


def _relay(upstream: Iterator[bytes], context: grpc.ServicerContext) -> Iterator[bytes]:
    try:
        yield from upstream
    except grpc.RpcError as err:
        if err.code() != grpc.StatusCode.CANCELLED:
            context.abort(err.code(), err.details())
