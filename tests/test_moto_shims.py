"""Each moto shim is still needed: run moto's own (unpatched) code and show the bug.

When one of these tests fails, moto has fixed the bug: delete the shim in
src/trailwatch/moto_shims.py and this test.
"""

from __future__ import annotations

import json

from moto.cloudtrail.models import CloudTrailBackend
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.logs.metric_filters import MetricFilters
from moto.s3.models import s3_backends

from trailwatch import moto_shims
from trailwatch.emulator import Emulator


def _bucket(name: str) -> None:
    s3_backends[DEFAULT_ACCOUNT_ID]["aws"].create_bucket(name, "us-east-1")


def test_moto_delete_trail_by_arn_is_still_a_noop() -> None:
    _bucket("shim-probe-bucket")
    backend = CloudTrailBackend("us-east-1", DEFAULT_ACCOUNT_ID)
    trail = backend.create_trail(
        name="shim-probe",
        bucket_name="shim-probe-bucket",
        s3_key_prefix="",
        sns_topic_name="",
        is_global=False,
        is_multi_region=False,
        log_validation=False,
        is_org_trail=False,
        cw_log_group_arn="",
        cw_role_arn="",
        kms_key_id="",
        tags_list=[],
    )
    moto_shims.original_delete_trail()(backend, trail.arn)
    assert "shim-probe" in backend.trails, "moto now deletes trails by ARN: remove the DeleteTrail shim"


def test_moto_put_metric_filter_still_appends_duplicates() -> None:
    filters = MetricFilters()
    add = moto_shims.original_add_filter()
    add(filters, "f", "ERROR", "g", [{"metricName": "m", "metricNamespace": "n", "metricValue": "1"}])
    add(filters, "f", "WARN", "g", [{"metricName": "m", "metricNamespace": "n", "metricValue": "1"}])
    assert len(filters.metric_filters) == 2, (
        "moto now upserts metric filters: remove the PutMetricFilter shim"
    )


def test_shims_fix_both_bugs_through_the_api(emulator: Emulator) -> None:
    emulator.client("s3").create_bucket(Bucket="shim-bucket")
    ct = emulator.client("cloudtrail")
    arn = ct.create_trail(Name="shim-trail", S3BucketName="shim-bucket")["TrailARN"]
    ct.delete_trail(Name=arn)
    assert ct.describe_trails()["trailList"] == []

    logs = emulator.client("logs")
    logs.create_log_group(logGroupName="g")
    for pattern in ("ERROR", "WARN"):
        logs.put_metric_filter(
            logGroupName="g",
            filterName="f",
            filterPattern=pattern,
            metricTransformations=[{"metricName": "m", "metricNamespace": "n", "metricValue": "1"}],
        )
    (only,) = logs.describe_metric_filters(logGroupName="g")["metricFilters"]
    assert only["filterPattern"] == "WARN"


def test_moto_still_cannot_deliver_to_sns_targets() -> None:
    from moto.events.models import Rule

    rule = Rule(  # type: ignore[abstract]
        name="shim-probe",
        account_id=DEFAULT_ACCOUNT_ID,
        region_name="us-east-1",
        description=None,
        event_pattern=None,
        schedule_exp=None,
        role_arn=None,
        event_bus_name="default",
        state="ENABLED",
        targets=[{"Id": "sns", "Arn": f"arn:aws:sns:us-east-1:{DEFAULT_ACCOUNT_ID}:probe"}],
    )
    event = {
        "version": "0",
        "id": "probe",
        "source": "aws.signin",
        "detail-type": "AWS Console Sign In via CloudTrail",
        "account": DEFAULT_ACCOUNT_ID,
        "time": 0,
        "region": "us-east-1",
        "resources": [],
        "detail": {},
        "ingestion-time": 0,
    }
    try:
        moto_shims.original_send_to_targets()(rule, event)
    except NotImplementedError:
        return
    raise AssertionError("moto now delivers to SNS targets: remove the SNS-target shim")


def test_moto_still_misses_a_workgroup_by_an_arn_without_account() -> None:
    from moto.athena.models import AthenaBackend

    backend = AthenaBackend("us-east-1", DEFAULT_ACCOUNT_ID)
    backend.create_work_group("shim-probe", {}, "", [])
    arn = "arn:aws:athena:us-east-1::workgroup/shim-probe"  # as the harness's provider builds it
    assert moto_shims.original_list_athena_tags()(backend, arn) is None, (
        "moto now finds a workgroup by an ARN without account: remove the Athena tags shim"
    )
    assert moto_shims._list_athena_tags(backend, "arn:aws:athena:us-east-1::workgroup/shim-probe") == {
        "Tags": []
    }


def test_moto_still_cannot_validate_a_state_machine_definition_or_list_its_versions() -> None:
    assert not moto_shims.MOTO_VALIDATES_DEFINITIONS, (
        "moto now answers ValidateStateMachineDefinition: remove the Step Functions shim"
    )
    assert not moto_shims.MOTO_LISTS_VERSIONS, "moto now answers ListStateMachineVersions: remove that shim"


def test_the_definition_shim_answers_ok_and_fail(emulator: Emulator) -> None:
    sfn = emulator.client("stepfunctions")
    ok = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
    assert sfn.validate_state_machine_definition(definition=json.dumps(ok))["result"] == "OK"
    bad = sfn.validate_state_machine_definition(definition=json.dumps({"StartAt": "B", "States": {}}))
    assert bad["result"] == "FAIL" and bad["diagnostics"][0]["location"] == "/StartAt"
    assert sfn.validate_state_machine_definition(definition="{")["result"] == "FAIL"


def test_the_versions_shim_lists_published_versions_newest_first(emulator: Emulator) -> None:
    iam = emulator.client("iam")
    role = iam.create_role(
        RoleName="shim-sfn", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"})
    )
    sfn = emulator.client("stepfunctions")
    ok = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
    arn = sfn.create_state_machine(name="shim-sfn", definition=ok, roleArn=role["Role"]["Arn"])[
        "stateMachineArn"
    ]
    assert sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"] == []
    sfn.update_state_machine(stateMachineArn=arn, definition=ok, publish=True)
    sfn.update_state_machine(stateMachineArn=arn, definition=ok, publish=True)
    listed = sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in listed] == [f"{arn}:2", f"{arn}:1"]
