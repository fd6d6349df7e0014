"""modules/athena on the emulator, through the root module (athena_enabled): plan -> the
inventory, apply, the Glue table and workgroup read back as Athena needs them, a drift check
with nothing to do, destroy; and checkov over the module."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from trailwatch import cloudtrail_table
from trailwatch.emulator import ACCOUNT_ID, Emulator
from trailwatch.inventory import check, summarize
from trailwatch.terraform import REPO_ROOT, Stack, inline_stack

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("athena")]

INVENTORY = Path(__file__).parent / "inventories" / "athena.yaml"
ARGS: dict[str, object] = {
    "name_prefix": "twa",
    "allowed_source_cidrs": ["203.0.113.0/24"],
    "athena_enabled": True,
    "athena_regions": ["us-east-1", "eu-west-1"],
    "athena_bytes_scanned_cutoff_per_query": 53687091200,
    "athena_results_bucket_force_destroy": True,
    "s3_bucket_force_destroy": True,
}


@pytest.fixture(scope="module")
def applied(emulator_session: Emulator, terraform: str) -> Iterator[tuple[Emulator, Stack, dict[str, Any]]]:
    emulator_session.reset()
    stack = inline_stack(ARGS, emulator=emulator_session, name="athena")
    try:
        plan = stack.plan(save=True)
        stack.apply_saved_plan()
        yield emulator_session, stack, dict(plan)
    finally:
        stack.destroy()
        stack.cleanup()


def test_plan_matches_the_inventory(applied: tuple[Emulator, Stack, dict[str, Any]]) -> None:
    _, _, plan = applied
    inventory = yaml.safe_load(INVENTORY.read_text())
    errors = check(summarize(plan), inventory)
    assert not errors, "\n".join(errors)


def test_the_table_is_the_catalog_table_with_partition_projection(
    applied: tuple[Emulator, Stack, dict[str, Any]],
) -> None:
    emu, _, _ = applied
    table = emu.client("glue").get_table(DatabaseName="trailwatch", Name="cloudtrail")["Table"]
    sd = table["StorageDescriptor"]
    expected = cloudtrail_table.load().raw
    assert [(c["Name"], c["Type"]) for c in sd["Columns"]] == [
        (c["name"].lower(), c["type"].lower()) for c in expected["columns"]
    ]
    assert sd["SerdeInfo"]["SerializationLibrary"] == expected["serde"]
    assert sd["InputFormat"] == expected["input_format"]
    assert [k["Name"] for k in table["PartitionKeys"]] == ["account", "region", "timestamp"]
    params = table["Parameters"]
    bucket = f"twa-cloudtrail-{ACCOUNT_ID}-us-east-1"
    assert params["projection.enabled"] == "true"
    assert params["projection.account.values"] == ACCOUNT_ID
    assert params["projection.region.values"] == "us-east-1,eu-west-1"
    assert params["projection.timestamp.format"] == "yyyy/MM/dd"
    assert params["projection.timestamp.range"] == "2024/01/01,NOW"
    assert params["storage.location.template"] == (
        f"s3://{bucket}/AWSLogs/${{account}}/CloudTrail/${{region}}/${{timestamp}}"
    )


def test_the_workgroup_enforces_encrypted_results_and_the_cost_guard(
    applied: tuple[Emulator, Stack, dict[str, Any]],
) -> None:
    emu, _, _ = applied
    wg = emu.client("athena").get_work_group(WorkGroup="trailwatch")["WorkGroup"]
    conf = wg["Configuration"]
    results = f"twa-athena-results-{ACCOUNT_ID}-us-east-1"
    assert conf["EnforceWorkGroupConfiguration"] is True
    assert conf["BytesScannedCutoffPerQuery"] == 53687091200
    assert conf["ResultConfiguration"]["OutputLocation"] == f"s3://{results}/"
    assert conf["ResultConfiguration"]["EncryptionConfiguration"]["EncryptionOption"] == "SSE_S3"
    s3 = emu.client("s3")
    rules = s3.get_bucket_lifecycle_configuration(Bucket=results)["Rules"]
    assert rules[0]["Expiration"]["Days"] == 30
    sse = s3.get_bucket_encryption(Bucket=results)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert sse["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = s3.get_public_access_block(Bucket=results)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    policy = json.loads(s3.get_bucket_policy(Bucket=results)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["DenyInsecureTransport"]


def test_nothing_drifts_after_apply(applied: tuple[Emulator, Stack, dict[str, Any]]) -> None:
    _, stack, _ = applied
    code, text = stack.drift_check()
    assert code == 0, text


def test_checkov_passes_on_the_module_with_reasoned_skips() -> None:
    from test_security import assert_checkov_passes

    assert_checkov_passes(REPO_ROOT / "modules" / "athena", 10)
