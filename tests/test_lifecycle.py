"""Lifecycle faults on the emulator: drift is detected and repaired, an interrupted apply
converges, and the log archive is not destroyed by accident."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
import tftest

from conftest import ROOT_APPLIED, RootApplied
from trailwatch.catalog import detections
from trailwatch.harness.emulator import Emulator
from trailwatch.harness.inventory import summarize
from trailwatch.harness.terraform import Stack, inline_stack, module_config, terraform_binary, terraform_env
from trailwatch.maint.planpolicies import ROOT_MODULE_ARGS

pytestmark = pytest.mark.emulator

#: The tests that share `applied` run in one xdist worker, in file order.
SHARED = ROOT_APPLIED

ARGS: dict[str, object] = {
    "name_prefix": "life",
    "allowed_source_cidrs": ["203.0.113.10"],
    "alarm_email_addresses": ["soc@example.com"],
}
#: The shared applied stack: the root module with every optional path on.
APPLIED_ARGS = ROOT_MODULE_ARGS
APPLIED = str(APPLIED_ARGS["name_prefix"])


@pytest.fixture
def stack(emulator: Emulator, terraform: str) -> Iterator[Stack]:
    """A stack of its own on an emptied emulator, not applied yet. What a test applied is
    emptied with the emulator afterwards, not destroyed: no test here asserts on that destroy
    (the example lifecycles assert that destroy leaves nothing), and the next test on this
    worker's emulator starts from an emptied one either way."""
    s = inline_stack(ARGS, emulator=emulator, name="lifecycle")
    yield s
    if s.holds_resources():
        emulator.reset()
    s.cleanup()


@pytest.fixture
def applied(root_applied: RootApplied) -> Stack:
    """The session's shared applied root stack (tests/conftest.py): the tests below start from
    "apply, then ..." and leave it converged (the replan, drift repaired) or destroyed (the
    bucket test, which runs last)."""
    return root_applied.stack


# The tests with a stack of their own (on an emptied emulator) come first; then the ones
# sharing `applied` (one xdist group, in this order), the bucket test last since it
# destroys it.


def test_interrupted_apply_converges_without_duplicates(stack: Stack, emulator: Emulator) -> None:
    stack.init()
    # One operation at a time, interrupted (Ctrl-C) while the trail's KMS key waits for
    # propagation: terraform stops gracefully and keeps what it created in its state.
    # (Killing it while a create call is on the wire can orphan that one resource in any
    # provider; that is Terraform's limit, not the module's.)
    proc = subprocess.Popen(
        [terraform_binary(), "apply", "-auto-approve", "-no-color", "-input=false", "-parallelism=1"],
        cwd=stack.dir,
        env={**os.environ, **terraform_env(emulator), **stack.backend_env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "module.trail.aws_kms_key.this[0]: Creating..." in line:
            time.sleep(2)
            proc.send_signal(signal.SIGINT)
            break
    rest, _ = proc.communicate(timeout=300)
    assert proc.returncode != 0, "the apply was expected to stop early"
    assert "Interrupt received" in rest, rest[-2000:]
    assert emulator.client("cloudwatch").describe_alarms()["MetricAlarms"] == [], "it stopped midway"

    stack.apply()
    assert stack.pending_changes() == {}
    out = stack.outputs()
    group = str(out["log_group_name"])
    assert len(emulator.client("cloudtrail").describe_trails()["trailList"]) == 1
    # Every catalog detection is on (the allowlist is set): its filters and one alarm each, no duplicates.
    every = len(detections())
    described = out["metric_filters"]
    assert isinstance(described, dict)
    filters = sum(len(f["filters"]) for f in described.values())
    assert filters > every
    assert (
        len(emulator.client("logs").describe_metric_filters(logGroupName=group)["metricFilters"]) == filters
    )
    assert len(emulator.client("cloudwatch").describe_alarms()["MetricAlarms"]) == every
    assert len(emulator.client("logs").describe_log_groups()["logGroups"]) == 1
    assert len(emulator.client("sns").list_topics()["Topics"]) == 1
    assert len(emulator.client("iam").list_roles()["Roles"]) == 1
    kms = emulator.client("kms")
    states = [kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"] for k in kms.list_keys()["Keys"]]
    # Trail, log group and topic keys; an interrupted key, if any, is scheduled for deletion.
    assert states.count("Enabled") == 3, states


def test_data_safety_defaults_in_the_plan(stack: Stack) -> None:
    values = summarize(stack.plan()).values
    trail = values["module.trailwatch.module.trail.aws_cloudtrail.this[0]"]
    assert trail["enable_log_file_validation"] is True
    assert values["module.trailwatch.module.trail.aws_s3_bucket.this[0]"]["force_destroy"] is False
    versioning = values["module.trailwatch.module.trail.aws_s3_bucket_versioning.this[0]"]
    assert versioning["versioning_configuration"][0]["status"] == "Enabled"
    keys = [v for a, v in values.items() if ".aws_kms_key." in a]
    assert len(keys) == 3 and all(k["deletion_window_in_days"] == 30 for k in keys)


@SHARED
def test_replan_after_apply_is_empty(root_applied: RootApplied) -> None:
    # One plan after apply (root_applied's drift_plan), as a scheduled drift check runs it
    # (plan -detailed-exitcode), read back: it wants no change, and exits 0 (no data source
    # is left to read during apply).
    drift = root_applied.drift
    applied = {
        r["address"]
        for r in root_applied.stack.state()["values"]["root_module"]["resources"]
        if r["mode"] == "managed"
    }
    assert applied and applied <= drift.planned, sorted(applied - drift.planned)[:10]
    assert drift.pending == {}
    assert drift.code == 0, f"plan -detailed-exitcode exited {drift.code} after apply:\n{drift.text}"


def _instances(doc: dict[str, Any]) -> dict[str, tuple[object, ...]]:
    """Every resource instance of a ``show -json``-shaped state, by address."""
    found: dict[str, tuple[object, ...]] = {}
    queue = [doc["values"]["root_module"]]
    while queue:
        mod = queue.pop(0)
        for r in mod.get("resources", []):
            found[r["address"]] = (r["mode"], r["type"], r["name"], r.get("index"), r["values"])
        queue.extend(mod.get("child_modules", []))
    return found


@SHARED
def test_state_and_outputs_read_from_the_state_file_are_what_terraform_shows(applied: Stack) -> None:
    """Stack.state() and Stack.outputs() read the state file instead of starting Terraform:
    the same instances, addresses and values as ``terraform show -json``, and the same
    output values, for the root module with every optional path on."""
    shown = json.loads(applied.tf.execute_command("show", "-json", "-no-color").out)
    read = _instances(applied.state())
    assert len(read) > 100
    assert read == _instances(shown)
    assert applied.outputs() == {k: v["value"] for k, v in shown["values"]["outputs"].items()}


@SHARED
def test_drift_is_detected_by_plan_and_repaired_by_apply(applied: Stack, emulator_session: Emulator) -> None:
    stack, emulator = applied, emulator_session
    out = stack.outputs()
    cw, ct, logs = emulator.client("cloudwatch"), emulator.client("cloudtrail"), emulator.client("logs")
    group = str(out["log_group_name"])

    # Out-of-band changes: an alarm deleted, trail logging stopped, a filter pattern edited.
    cw.delete_alarms(AlarmNames=[f"{APPLIED}-root_usage"])
    ct.stop_logging(Name=str(out["trail_arn"]))
    (mfa,) = [
        f
        for f in logs.describe_metric_filters(logGroupName=group)["metricFilters"]
        if f["filterName"] == f"{APPLIED}-console_login_without_mfa"
    ]
    logs.put_metric_filter(
        logGroupName=group,
        filterName=mfa["filterName"],
        filterPattern='{ $.eventName = "Nothing" }',
        metricTransformations=mfa["metricTransformations"],
    )

    drift = stack.pending_changes()
    assert drift == {
        'module.trailwatch.module.alarms.aws_cloudwatch_metric_alarm.this["root_usage"]': ["create"],
        "module.trailwatch.module.trail.aws_cloudtrail.this[0]": ["update"],
        'module.trailwatch.module.metric_filters.aws_cloudwatch_log_metric_filter.this["console_login_without_mfa"]': [
            "update"
        ],
    }

    stack.apply()
    assert stack.pending_changes() == {}
    assert cw.describe_alarms(AlarmNames=[f"{APPLIED}-root_usage"])["MetricAlarms"]
    assert ct.get_trail_status(Name=str(out["trail_arn"]))["IsLogging"] is True
    (fixed,) = [
        f
        for f in logs.describe_metric_filters(logGroupName=group)["metricFilters"]
        if f["filterName"] == f"{APPLIED}-console_login_without_mfa"
    ]
    described = out["metric_filters"]
    assert isinstance(described, dict)
    (planned,) = [
        f for f in described["console_login_without_mfa"]["filters"] if f["name"] == fixed["filterName"]
    ]
    assert fixed["filterPattern"] == planned["pattern"]


@SHARED
def test_a_bucket_holding_logs_is_not_destroyed_unless_the_user_opts_in(
    applied: Stack, emulator_session: Emulator
) -> None:
    stack, emulator = applied, emulator_session
    bucket = f"{APPLIED}-cloudtrail-123456789012-us-east-1"
    s3 = emulator.client("s3")
    # The bucket policy denies non-TLS requests (the emulator enforces it, and it speaks
    # plain HTTP): lift it to write a log file as CloudTrail would.
    with pytest.raises(s3.exceptions.ClientError):
        s3.put_object(Bucket=bucket, Key="probe", Body=b"{}")
    s3.delete_bucket_policy(Bucket=bucket)
    s3.put_object(
        Bucket=bucket, Key="AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/28/log.json.gz", Body=b"{}"
    )
    with pytest.raises(tftest.TerraformTestError) as err:
        stack.destroy()
    assert "BucketNotEmpty" in str(err.value.cmd_error) or "not empty" in str(err.value.cmd_error).lower()
    assert s3.head_bucket(Bucket=bucket)

    # Opting in: s3_bucket_force_destroy = true, applied, then destroy succeeds.
    (stack.dir / "main.tf.json").write_text(module_config({**APPLIED_ARGS, "s3_bucket_force_destroy": True}))
    stack.apply()
    stack.destroy()
    assert s3.list_buckets()["Buckets"] == []
