"""The proxy in front of the shared provider (src/trailwatch/harness/providerproxy.py): Terraform sees,
for every type a config names, exactly the provider's own schema, and no other type; and each
provider configuration of a config with aliases is served by a process of its own."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from trailwatch.harness import providerserver
from trailwatch.harness.emulator import Emulator
from trailwatch.harness.providerproxy import narrow_schema, schema_types
from trailwatch.harness.terraform import Stack, plugin_cache_dir, provider_mirror, terraform_env


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _entry(number: int, key: str, value: bytes) -> bytes:
    return _field(number, _field(1, key.encode()) + _field(2, value))


def test_narrowing_drops_only_the_other_types_entries_and_keeps_every_other_byte() -> None:
    provider = _field(1, b"provider block schema")
    capabilities = _varint(6 << 3 | 2) + _varint(2) + b"\x08\x01"
    function = _entry(7, "arn_parse", b"function")
    kept = {
        "resource": _entry(2, "aws_cloudtrail", b"x" * 300),  # a length over one varint byte
        "data": _entry(3, "aws_caller_identity", b"data schema"),
    }
    dropped = [
        _entry(2, "aws_instance", b"instance schema"),
        _entry(3, "aws_ami", b"ami schema"),
        _entry(8, "aws_secretsmanager_secret_version", b"ephemeral schema"),
    ]
    response = provider + dropped[0] + kept["resource"] + dropped[1] + kept["data"] + dropped[2]
    response += capabilities + function
    narrowed = narrow_schema(response, {"aws_cloudtrail", "aws_caller_identity", "aws_not_in_the_schema"})
    assert narrowed == provider + kept["resource"] + kept["data"] + capabilities + function
    assert schema_types(narrowed) == {2: {"aws_cloudtrail"}, 3: {"aws_caller_identity"}}
    assert schema_types(response)[8] == {"aws_secretsmanager_secret_version"}


def test_a_group_field_is_refused() -> None:
    with pytest.raises(ValueError, match="wire type 3"):
        narrow_schema(_varint(5 << 3 | 3), set())


TYPE_MAPS = ("resource_schemas", "data_source_schemas", "ephemeral_resource_schemas")


def _schema(config: Path, reattach: str) -> dict[str, Any]:
    env = {**os.environ, **terraform_env(), "TF_REATTACH_PROVIDERS": reattach}
    out = subprocess.run(
        ["terraform", "providers", "schema", "-json"], cwd=config, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    found: dict[str, Any] = json.loads(out.stdout)["provider_schemas"][providerserver.ADDRESS]
    return found


def _binary() -> Path:
    binary = providerserver.provider_binary([p for p in (provider_mirror(), plugin_cache_dir()) if p])
    assert binary is not None, "no single AWS provider binary in the mirror or the plugin cache"
    return binary


def test_terraform_sees_each_named_types_own_schema_and_no_other() -> None:
    """``terraform providers schema -json`` through the proxy and straight from a provider
    process, for examples/complete's staged tree (every module)."""
    env = {**os.environ, **terraform_env()}
    stack = Stack("complete")
    server = providerserver.ProviderServer(_binary(), env)
    direct = providerserver.ProviderProcess(_binary(), env)
    try:
        stack.init()
        types = providerserver.config_types(stack.dir.parent.parent)
        narrowed = _schema(stack.dir, server.reattach(types))
        full = _schema(stack.dir, direct.value)
    finally:
        server.stop()
        direct.stop()
        stack.cleanup()
    assert len(full["resource_schemas"]) > 1000  # the provider's whole schema
    assert {"aws_cloudtrail", "aws_cloudwatch_log_metric_filter", "aws_kms_key"} <= set(
        narrowed["resource_schemas"]
    )
    assert "aws_caller_identity" in narrowed["data_source_schemas"]
    for kind in TYPE_MAPS:
        assert set(narrowed.get(kind, {})) == types & set(full.get(kind, {})), kind
        for name, schema in narrowed.get(kind, {}).items():
            assert schema == full[kind][name], name
    # The provider block, the provider functions and anything else: unchanged.
    assert {k: v for k, v in narrowed.items() if k not in TYPE_MAPS} == {
        k: v for k, v in full.items() if k not in TYPE_MAPS
    }
    assert narrowed["provider"] == full["provider"]
    assert narrowed.get("functions") and narrowed["functions"] == full["functions"]


#: A root config with a provider block per region: a log group in each.
TWO_REGIONS = """
provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "ireland"
  region = "eu-west-1"
}

resource "aws_cloudwatch_log_group" "home" {
  name = "/proxy/home"
}

resource "aws_cloudwatch_log_group" "away" {
  provider = aws.ireland
  name     = "/proxy/away"
}
"""


def _log_groups(emulator: Emulator, region: str) -> list[str]:
    groups = emulator.client("logs", region).describe_log_groups(logGroupNamePrefix="/proxy/")["logGroups"]
    return [g["logGroupName"] for g in groups]


@pytest.mark.emulator
def test_each_provider_configuration_has_a_process_of_its_own(emulator: Emulator, tmp_path: Path) -> None:
    """Both provider blocks of a config attach: each log group lands in its block's region
    (one process configured by both blocks in turn would put both in one region), and the
    next commands reuse the same processes."""
    (tmp_path / "two-regions").mkdir()
    (tmp_path / "two-regions" / "main.tf").write_text(TWO_REGIONS)
    stack = Stack(tmp_path / "two-regions", emulator=emulator)
    assert "TF_REATTACH_PROVIDERS" in stack.env, "a config with aliases attaches to the shared provider"
    server = providerserver._SERVERS[emulator.endpoint]
    try:
        before = server.processes()
        stack.apply()
        after_apply = server.processes()
        assert _log_groups(emulator, "us-east-1") == ["/proxy/home"]
        assert _log_groups(emulator, "eu-west-1") == ["/proxy/away"]
        assert stack.drift_check()[0] == 0
        stack.destroy()
        assert server.processes() == after_apply <= before + 2
        assert _log_groups(emulator, "us-east-1") == _log_groups(emulator, "eu-west-1") == []
    finally:
        stack.cleanup()


#: Two resources the provider's own validation refuses (retention_in_days is one of a list of
#: values; a log group name has a character set), and one it accepts.
INVALID = """
provider "aws" {
  region = "us-east-1"
}

resource "aws_cloudwatch_log_group" "bad_retention" {
  name              = "/proxy/retention"
  retention_in_days = 42
}

resource "aws_cloudwatch_log_group" "bad_name" {
  name = "/proxy/not a name!"
}

resource "aws_cloudwatch_log_group" "good" {
  name = "/proxy/good"
}
"""


def _validate(config: Path, reattach: str) -> list[dict[str, Any]]:
    env = {**os.environ, **terraform_env(), "TF_REATTACH_PROVIDERS": reattach}
    out = subprocess.run(
        ["terraform", "validate", "-json", "-no-color"], cwd=config, env=env, capture_output=True, text=True
    )
    assert out.returncode == 1, out.stdout + out.stderr
    diagnostics: list[dict[str, Any]] = json.loads(out.stdout)["diagnostics"]
    return sorted(diagnostics, key=lambda d: (d["range"]["start"]["line"], d["summary"], d["detail"]))


def test_validation_answers_are_the_providers_and_each_request_is_forwarded_once(tmp_path: Path) -> None:
    """``terraform validate`` through the proxy, twice (the second time from kept answers),
    and straight from a provider process: the same errors, from the provider's own checks."""
    (tmp_path / "invalid").mkdir()
    (tmp_path / "invalid" / "main.tf").write_text(INVALID)
    env = {**os.environ, **terraform_env()}
    stack = Stack(tmp_path / "invalid")
    server = providerserver.ProviderServer(_binary(), env)
    direct = providerserver.ProviderProcess(_binary(), env)
    try:
        stack.init()
        reattach = server.reattach({"aws_cloudwatch_log_group"})
        first = _validate(stack.dir, reattach)
        kept, replayed = server.validation_answers()
        second = _validate(stack.dir, reattach)
        straight = _validate(stack.dir, direct.value)
        assert server.validation_answers() == (kept, replayed + kept)
    finally:
        server.stop()
        direct.stop()
        stack.cleanup()
    assert first == second == straight
    # The provider's two errors, each at its attribute.
    lines = INVALID.splitlines()
    assert [lines[d["range"]["start"]["line"] - 1].strip() for d in first] == [
        "retention_in_days = 42",
        'name = "/proxy/not a name!"',
    ]
    assert "expected retention_in_days to be one of" in first[0]["summary"]
    # One answer per distinct request: the provider block, and each log group (three).
    assert kept == 4, (kept, replayed)
