"""Each moto shim is still needed: run moto's own (unpatched) code and show the bug.

When one of these tests fails, moto has fixed the bug: delete the shim in
src/trailwatch/harness/moto_shims.py and this test.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.config import Config
from flask import Flask
from moto.cloudtrail.models import CloudTrailBackend
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.logs.metric_filters import MetricFilters
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.s3.models import s3_backends
from moto.sns.models import SNSBackend
from werkzeug.test import EnvironBuilder

from trailwatch.harness import moto_shims
from trailwatch.harness.emulator import Emulator


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


def _two_requests_meet(dispatch: Callable[..., Any], wait: float) -> list[str]:
    """Send two requests through ``dispatch`` (moto's dispatcher, patched or not) to an app
    that waits for both to be inside it at once; what each request came back with."""
    meet = threading.Barrier(2, timeout=wait)
    app = Flask("probe")  # what moto's dispatcher hands each request to: a service's Flask app

    @app.route("/<path:anything>")
    def probe(anything: str) -> str:
        try:
            meet.wait()
        except threading.BrokenBarrierError:
            return "alone"
        return "met"

    dispatcher = DomainDispatcherApplication(lambda service: app)

    def request() -> str:
        environ = EnvironBuilder(path="/moto-api/probe").get_environ()
        return b"".join(dispatch(dispatcher, environ, lambda *a: None)).decode()

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(lambda _: request(), range(2)))


def test_moto_still_serves_requests_side_by_side() -> None:
    assert _two_requests_meet(moto_shims.original_dispatch(), wait=10) == ["met", "met"], (
        "moto's dispatcher no longer lets two requests into its backends at once: remove the shim"
    )


def test_the_shim_lets_one_request_in_at_a_time() -> None:
    moto_shims.apply()
    # The first request waits inside the app and gives up; only then does the second enter.
    assert _two_requests_meet(DomainDispatcherApplication.__call__, wait=0.5) == ["alone", "alone"]


def test_the_emulator_serves_its_clients_one_at_a_time(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside = peak = 0
    lock = threading.Lock()
    list_topics = SNSBackend.list_topics

    def slow_list_topics(self: SNSBackend, *args: Any, **kwargs: Any) -> Any:
        nonlocal inside, peak
        with lock:
            inside += 1
            peak = max(peak, inside)
        time.sleep(0.2)  # long enough for every other client to have sent its request
        with lock:
            inside -= 1
        return list_topics(self, *args, **kwargs)

    monkeypatch.setattr(SNSBackend, "list_topics", slow_list_topics)
    emulator.client("sns").create_topic(Name="one-at-a-time")
    # No SDK retry may hide a failed request.
    clients = [emulator.client("sns", config=Config(retries={"max_attempts": 1})) for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda c: c.list_topics()["Topics"], clients))
    assert peak == 1
    assert all(len(a) == 1 for a in answers), answers


def _sdk_headers(service: str, invocation: str, attempt: int, target: str = "") -> dict[str, str]:
    """The headers of one attempt of an AWS SDK call, as the SDKs send them (moto reads the
    service from the credential scope and checks no signature)."""
    return {
        "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20261129/us-east-1/{service}/aws4_request,"
        " SignedHeaders=host, Signature=0",
        "Content-Type": "application/x-amz-json-1.1" if target else "application/x-www-form-urlencoded",
        "amz-sdk-invocation-id": invocation,
        "amz-sdk-request": f"attempt={attempt}; max=25",
        **({"X-Amz-Target": target} if target else {}),
    }


def _send(emulator: Emulator, headers: dict[str, str], body: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        emulator.endpoint + "/", data=body.encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


CREATE_KEY = '{"Description": "sent twice"}'


def _create_key(invocation: str, attempt: int) -> dict[str, str]:
    return _sdk_headers("kms", invocation, attempt, "TrentService.CreateKey")


def test_moto_still_runs_a_retried_call_again(emulator: Emulator) -> None:
    dispatcher = DomainDispatcherApplication(create_backend_app)

    def key_made(attempt: int) -> str:
        headers = list(_create_key("retried-call", attempt).items())
        environ = EnvironBuilder(method="POST", path="/", headers=headers, data=CREATE_KEY).get_environ()
        answer = b"".join(moto_shims.original_dispatch()(dispatcher, environ, lambda *a: None))
        return str(json.loads(answer)["KeyMetadata"]["KeyId"])

    assert key_made(1) != key_made(2), "moto now answers a retried call once: remove the shim's replay"


def test_a_call_moto_answered_is_answered_again_not_run_again(emulator: Emulator) -> None:
    # The SDK sends attempt 2 when attempt 1's answer was lost on the way back.
    first = _send(emulator, _create_key("lost-answer", 1), CREATE_KEY)
    again = _send(emulator, _create_key("lost-answer", 2), CREATE_KEY)
    assert first[0] == 200 and again == first
    assert len(emulator.client("kms").list_keys()["Keys"]) == 1
    # Another call with the same request is run: it is a new invocation.
    other = _send(emulator, _create_key("another-call", 1), CREATE_KEY)
    assert other[0] == 200 and other != first
    assert len(emulator.client("kms").list_keys()["Keys"]) == 2


def test_a_failed_attempt_is_run_again(emulator: Emulator) -> None:
    arn = "arn:aws:sns:us-east-1:123456789012:retried"
    body = f"Action=GetTopicAttributes&TopicArn={arn}&Version=2010-03-31"
    assert _send(emulator, _sdk_headers("sns", "failed-first", 1), body)[0] == 404
    emulator.client("sns").create_topic(Name="retried")
    status, answer = _send(emulator, _sdk_headers("sns", "failed-first", 2), body)
    assert status == 200 and arn.encode() in answer
