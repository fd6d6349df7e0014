"""modules/athena on the emulator, through the root module (athena_enabled): the shared applied
root stack's plan (tests/conftest.py `root_applied`) -> the inventory, the Glue table and
workgroup read back as Athena needs them, a drift check with nothing to do (its destroy is
tests/test_lifecycle.py's bucket test). checkov over the module is in tests/test_security.py
(one checkov process for every directory it scans)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT_APPLIED, RootApplied
from trailwatch import cloudtrail_table
from trailwatch.harness.emulator import ACCOUNT_ID, Emulator
from trailwatch.harness.inventory import check, summarize
from trailwatch.harness.terraform import Stack
from trailwatch.maint.planpolicies import ROOT_MODULE_ARGS

pytestmark = [pytest.mark.emulator, ROOT_APPLIED]

INVENTORY = Path(__file__).parent / "inventories" / "athena.yaml"
#: The shared applied root stack (tests/conftest.py): the root module with every optional
#: path on, athena included (planpolicies.ROOT_MODULE_ARGS).
PREFIX = str(ROOT_MODULE_ARGS["name_prefix"])


@pytest.fixture
def applied(root_applied: RootApplied, emulator_session: Emulator) -> tuple[Emulator, Stack, dict[str, Any]]:
    return emulator_session, root_applied.stack, root_applied.plan


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
    bucket = f"{PREFIX}-cloudtrail-{ACCOUNT_ID}-us-east-1"
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
    results = f"{PREFIX}-athena-results-{ACCOUNT_ID}-us-east-1"
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


def test_nothing_drifts_after_apply(root_applied: RootApplied) -> None:
    # The drift check right after apply (root_applied runs it once for this test and
    # tests/test_lifecycle.py's replan test).
    assert root_applied.drift.code == 0, root_applied.drift.text
