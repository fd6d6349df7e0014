"""A gRPC proxy in front of the harness's shared AWS provider process that serves Terraform
the provider's schema narrowed to the resource types the staged configurations name.

Why: every Terraform command asks the provider for its whole schema (GetSchema: about 1,500
resource types, 600 data sources) and decodes it, even for a config of ten resources. With
the provider process shared (providerserver), that decoding is most of what is left of a
command's fixed cost: ``terraform show -json`` of a saved plan took 1.2-1.4 CPU-s here, and a
config with no resource at all 1.1-1.4 CPU-s to validate. Served the narrowed schema,
``show`` takes 0.16 CPU-s and a plan of examples/minimal 1.5 instead of 2.7-3.2 (Terraform's
own CPU time), and examples/minimal's whole validate, plan, show, apply, replan and destroy
23 instead of 33 CPU-s, the emulator, the provider and this proxy included.

What changes for Terraform, and what does not:

- The schema of every type a config names is the provider's own, byte for byte, and so are
  the provider block's schema, the provider functions and the server capabilities. Only
  the map entries of the other resource, data source, ephemeral resource, list resource and
  action types are left out of the GetSchema response (tfplugin5.proto, ``GetProviderSchema.
  Response`` fields 2, 3, 8, 9, 11).
- Every other call (configure, validate, plan, apply, read, import, functions, the plugin
  broker and stdio streams aside: see ``NOT_FORWARDED``) is passed through unchanged, bytes
  in and bytes out, to the one
  provider process.
- A type no staged config names is unknown to Terraform, which then fails with "The provider
  hashicorp/aws does not support resource type": a loud error, never a silent difference.
  ``keep()`` is called with the types of each config before Terraform runs in it, so the
  set only grows, and a response already served never lacked a type a later command needs.

Only the harness uses it, with the shared provider (``TRAILWATCH_SHARED_PROVIDER``).
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Callable, Collection, Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc

#: tfplugin5 ``GetProviderSchema.Response`` fields that map a type name to its schema:
#: resource_schemas 2, data_source_schemas 3, ephemeral_resource_schemas 8,
#: list_resource_schemas 9, action_schemas 11 (functions, 7, are kept whole).
TYPE_MAP_FIELDS = frozenset({2, 3, 8, 9, 11})
GET_SCHEMA = "/tfplugin5.Provider/GetSchema"
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


class SchemaProxy(grpc.GenericRpcHandler):  # type: ignore[misc]
    """Listens on a Unix socket of its own and forwards every call to the provider process
    named by ``upstream`` (a ``TF_REATTACH_PROVIDERS`` value); ``reattach`` is the value that
    points Terraform at the proxy instead."""

    def __init__(self, upstream: str) -> None:
        ((address, config),) = json.loads(upstream).items()
        if config["Addr"]["Network"] != "unix":
            raise ValueError(f"the provider listens on {config['Addr']}, not a Unix socket")
        self._channel = grpc.insecure_channel(f"unix:{config['Addr']['String']}", options=_OPTIONS)
        self._lock = threading.Lock()
        self._keep: set[str] = set()
        self._full: bytes | None = None
        self._narrowed: bytes | None = None
        self._dir = tempfile.mkdtemp(prefix="tw-schema-")
        socket = f"{self._dir}/proxy.sock"
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=64), options=_OPTIONS)
        self._server.add_generic_rpc_handlers((self,))
        self._server.add_insecure_port(f"unix:{socket}")
        self._server.start()
        self.reattach = json.dumps(
            {address: {**config, "Addr": {"Network": "unix", "String": socket}}}, separators=(",", ":")
        )

    def keep(self, types: Collection[str]) -> None:
        """Serve ``types`` too from the next GetSchema call on."""
        with self._lock:
            if not set(types) <= self._keep:
                self._keep.update(types)
                self._narrowed = None

    def _schema(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        with self._lock:
            if self._full is None:
                self._full = self._forward_unary(GET_SCHEMA)(request, context)
            if self._narrowed is None:
                self._narrowed = narrow_schema(self._full, self._keep)
            return self._narrowed

    def _forward_unary(self, method: str) -> Callable[[bytes, grpc.ServicerContext], bytes]:
        call = self._channel.unary_unary(method)

        def forward(request: bytes, context: grpc.ServicerContext) -> bytes:
            try:
                response: bytes = call(request)
            except grpc.RpcError as err:
                context.abort(err.code(), err.details())
            return response

        return forward

    def service(self, details: Any) -> Any:
        method: str = details.method
        if method in NOT_FORWARDED:
            return None  # UNIMPLEMENTED
        if method in UNARY_STREAM:
            stream = self._channel.unary_stream(method)

            def out(request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
                upstream = stream(request)
                context.add_callback(upstream.cancel)  # Terraform gone: end the provider's side
                yield from _relay(upstream, context)

            return grpc.unary_stream_rpc_method_handler(out)
        if method == GET_SCHEMA:
            return grpc.unary_unary_rpc_method_handler(self._schema)
        return grpc.unary_unary_rpc_method_handler(self._forward_unary(method))

    def stop(self) -> None:
        self._server.stop(grace=None)
        self._channel.close()
        Path(self._dir, "proxy.sock").unlink(missing_ok=True)
        Path(self._dir).rmdir()


def _relay(upstream: Iterator[bytes], context: grpc.ServicerContext) -> Iterator[bytes]:
    try:
        yield from upstream
    except grpc.RpcError as err:
        if err.code() != grpc.StatusCode.CANCELLED:
            context.abort(err.code(), err.details())
