"""Shims for moto bugs that the trailwatch stack hits.

Each shim patches one moto method in-process, a backend's or the server dispatcher's (the
emulator runs in the same process as the harness). ``tests/test_moto_shims.py`` runs the
*unpatched* method and fails once moto behaves correctly: that is the signal to delete the
shim.

- ``DeleteTrail`` by trail ARN is a no-op in moto <= 5.2.5: the provider deletes trails by
  ARN, so the trail survives ``terraform destroy``. Remove once moto resolves ARNs there.
- ``PutMetricFilter`` on an existing filter name appends a second filter instead of
  replacing the first, so an in-place pattern update leaves a stale duplicate. Remove once
  moto upserts by (log group, filter name).
- EventBridge rules with an SNS target: moto's ``Rule.send_to_targets`` raises
  NotImplementedError for SNS (it delivers to logs, SQS, archives, buses and API
  destinations only), and its input transformer only renders templates that are JSON.
  The shim delivers SNS targets itself: moto's own pattern matching decides whether the
  rule matches, :func:`trailwatch.harness.signin_notifications.render` fills the target's input
  transformer, and moto's SNS publishes to the topic's subscriptions. Other targets go to
  moto unchanged. Remove once moto delivers to SNS targets.
- Athena ``ListTagsForResource`` by a workgroup ARN with an empty account: the harness's
  provider skips requesting the account ID (``skip_requesting_account_id``), so the ARN it
  builds for the tags read after every create and refresh is ``arn:aws:athena:<region>::
  workgroup/<name>``, and moto (which keys tags by the full ARN, unlike AWS, which resolves
  the caller's account) answers "Does Not Exist". The shim answers for an existing
  workgroup by name. Remove once moto resolves such ARNs, or the harness requests the
  account ID.
- Step Functions ``ValidateStateMachineDefinition`` is not implemented (moto <= 5.2.5 answers
  500): the AWS provider calls it for every ``aws_sfn_state_machine`` whose definition is
  known at plan and retries the 500 for minutes. The shim answers as AWS does in form
  ("result" OK or FAIL, "diagnostics"), judging only what moto itself needs: the definition
  is a JSON object whose StartAt names one of its States. It does not validate the Amazon
  States Language (moto's CreateStateMachine does not either); the alarm-messages JSONata is
  evaluated by tests/test_alarm_messages.py instead. Remove once moto implements the call.
- Step Functions ``ListStateMachineVersions`` is not implemented either (500), and the
  provider reads it after every create and refresh. The shim lists the versions moto keeps
  for the state machine (none unless one was published), newest first as AWS does. Remove
  with the one above.
- **Requests are served one at a time, and an SDK call moto has answered is not run again.**
  - moto's server runs each request on a thread of its own (werkzeug's threaded server), and
    its backends are plain dicts and lists with no lock: the dispatcher
    (``DomainDispatcherApplication.__call__``) locks only its choice of the service's app,
    then calls the app outside the lock (getmoto/moto issue #372, "Moto running into
    thread-safety issues"). Terraform sends up to ten requests at once, so a request that
    iterates a backend's dict while another request adds to it fails with "RuntimeError:
    dictionary changed size during iteration": a 500, which the AWS SDK sends again. Seen
    in one of five plain runs of ``tests/test_examples.py`` (during the chat example's
    lifecycle), and every time from 12 client threads with the interpreter's thread switch
    interval cut to 1 us: DescribeAlarms, ListKeys, DescribeLogGroups, IAM CreateRole and
    GetRole. The shim runs the whole app call, response body included, under one lock per
    process; it reads the request body first, outside the lock. The emulator's work is
    Python under the GIL, so little concurrency is lost (a full run: 237 s with the lock,
    235 s without, back to back).
  - The AWS provider also sends again, as attempt 2 of the same call, a few requests that
    moto has already carried out and answered 200: 0 to 2 of about 7,600 SDK requests in
    each of five full runs of the suite with every request logged (6 in all). A
    packet capture of one (DeleteAlarms) shows why: moto sent the response headers, the
    provider closed the connection 2.3 ms later, before the 213-byte body arrived, and sent
    the call again. The capture does not show why the provider gave up. A repeated delete
    or put is harmless, but a repeated CreateKey makes a second key that no state holds:
    that fits the one CI failure of the organization-trail lifecycle (a key still Enabled
    after destroy). AWS itself would run the call again; what the shim hides is a loss on
    the loopback between the provider and the emulator. The SDKs send one invocation ID
    with every attempt of a call (the amz-sdk-invocation-id header). The shim keeps the 2xx
    answers of the last 4,096 calls by that ID and answers a later attempt of one of them
    with the same status, headers and body, without running it again. A call whose attempt
    failed (an error status) is run again, as moto would.
  - moto must then never call the emulator over HTTP from inside a request (an SNS HTTP
    subscription or an API destination pointing at the emulator): that request would wait
    for itself. Nothing in the harness does.
  - Remove the lock once moto's server serialises requests or locks its backends. Remove
    the replay once the provider stops repeating answered calls against the emulator.
"""

from __future__ import annotations

import io
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from moto.athena.models import AthenaBackend
from moto.cloudtrail.models import CloudTrailBackend
from moto.events.models import Rule
from moto.logs.metric_filters import MetricFilters
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.sns.models import sns_backends
from moto.stepfunctions.responses import StepFunctionResponse
from moto.utilities.arns import parse_arn

from trailwatch.harness.signin_notifications import render

_ORIGINALS: dict[str, Callable[..., Any]] = {}

#: Whether moto itself answers ValidateStateMachineDefinition and ListStateMachineVersions
#: (read before the shims are on).
MOTO_VALIDATES_DEFINITIONS = hasattr(StepFunctionResponse, "validate_state_machine_definition")
MOTO_LISTS_VERSIONS = hasattr(StepFunctionResponse, "list_state_machine_versions")


#: One request at a time in the emulator's process (see the module docstring).
_SERVING = threading.Lock()
#: The 2xx answers (status, headers, body) moto gave, by the AWS SDK's invocation ID, oldest
#: first. A retry follows within the SDK's backoff (seconds), and an emulator serves far
#: fewer than 4,096 requests in that time.
_ANSWERED: OrderedDict[str, tuple[str, list[tuple[str, str]], bytes]] = OrderedDict()
_ANSWERS_KEPT = 4096


def original_dispatch() -> Callable[..., Any]:
    """moto's own ``DomainDispatcherApplication.__call__``, whether or not the shim is on."""
    return _ORIGINALS.get("dispatch", DomainDispatcherApplication.__call__)


def _read_body(environ: dict[str, Any]) -> None:
    """Read the request's body off the socket and put it back as a buffer (as moto's own
    dispatcher does for the requests it reads), so no other request waits on this client."""
    length = environ.get("CONTENT_LENGTH")
    stream = environ["wsgi.input"]
    if length:
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        return
    environ["wsgi.input"] = io.BytesIO(body)


def _dispatch(
    self: DomainDispatcherApplication, environ: dict[str, Any], start_response: Callable[..., Any]
) -> Iterable[bytes]:
    # The SDKs send one invocation ID with every attempt of a call (amz-sdk-invocation-id).
    invocation: str = environ.get("HTTP_AMZ_SDK_INVOCATION_ID", "")
    _read_body(environ)  # before the lock: a client may still be sending it
    with _SERVING:
        if invocation in _ANSWERED:
            status, headers, body = _ANSWERED[invocation]
            start_response(status, headers)
            return [body]
        sent: list[tuple[str, list[tuple[str, str]]]] = []

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            sent.append((status, list(headers)))
            return start_response(status, headers, exc_info)

        response = original_dispatch()(self, environ, keep)
        try:
            # The body too: a streamed one would otherwise read the backend after the lock.
            body = b"".join(response)
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()
        if invocation and sent and sent[-1][0].startswith("2"):
            _ANSWERED[invocation] = (*sent[-1], body)
            while len(_ANSWERED) > _ANSWERS_KEPT:
                _ANSWERED.popitem(last=False)
        return [body]


def original_delete_trail() -> Callable[..., Any]:
    """moto's own ``CloudTrailBackend.delete_trail``, whether or not the shim is on."""
    return _ORIGINALS.get("delete_trail", CloudTrailBackend.delete_trail)


def original_add_filter() -> Callable[..., Any]:
    """moto's own ``MetricFilters.add_filter``, whether or not the shim is on."""
    return _ORIGINALS.get("add_filter", MetricFilters.add_filter)


def original_send_to_targets() -> Callable[..., Any]:
    """moto's own ``Rule.send_to_targets``, whether or not the shim is on."""
    return _ORIGINALS.get("send_to_targets", Rule.send_to_targets)


def _send_to_targets(self: Rule, original_event: Any, transform_input: bool = True) -> None:
    sns = [t for t in self.targets if parse_arn(t["Arn"]).service == "sns"]
    others = [t for t in self.targets if t not in sns]
    if sns and self.event_pattern.matches_event(original_event):
        for target in sns:
            arn = parse_arn(target["Arn"])
            transformer = target.get("InputTransformer")
            if transform_input and transformer:
                message = render(
                    transformer["InputTemplate"], transformer.get("InputPathsMap", {}), original_event
                )
            elif transform_input and "Input" in target:
                message = target["Input"]
            else:
                message = json.dumps(original_event)
            sns_backends[arn.account][arn.region].publish(message, arn=target["Arn"])
    if others:
        saved = self.targets
        self.targets = others
        try:
            original_send_to_targets()(self, original_event, transform_input)
        finally:
            self.targets = saved


def _delete_trail(self: CloudTrailBackend, name: str) -> None:
    # Resolve an ARN to the trail name that moto keys its trails by.
    for trail_name, trail in list(self.trails.items()):
        if name in (trail_name, trail.arn):
            del self.trails[trail_name]
            return


def _add_filter(
    self: MetricFilters,
    filter_name: str,
    filter_pattern: str,
    log_group_name: str,
    metric_transformations: Any,
) -> None:
    # PutMetricFilter is an upsert keyed by (log group, filter name).
    self.metric_filters = [
        f
        for f in self.metric_filters
        if not (f["filterName"] == filter_name and f["logGroupName"] == log_group_name)
    ]
    original_add_filter()(self, filter_name, filter_pattern, log_group_name, metric_transformations)


def original_list_athena_tags() -> Callable[..., Any]:
    return _ORIGINALS.get("athena_tags", AthenaBackend.list_tags_for_resource)


def _list_athena_tags(self: AthenaBackend, resource_arn: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = original_list_athena_tags()(self, resource_arn)
    if found:
        return found
    kind, _, name = resource_arn.split(":", 5)[-1].partition("/")
    if kind != "workgroup" or name not in self.work_groups:
        return None
    partition = resource_arn.split(":")[1]
    own = f"arn:{partition}:athena:{self.region_name}:{self.account_id}:workgroup/{name}"
    return original_list_athena_tags()(self, own) or {"Tags": []}


def _validate_state_machine_definition(self: StepFunctionResponse) -> str:
    diagnostics: list[dict[str, str]] = []
    try:
        definition = json.loads(self._get_param("definition") or "")
    except ValueError as err:
        diagnostics.append({"severity": "ERROR", "code": "INVALID_JSON_DESCRIPTION", "message": str(err)})
    else:
        states = definition.get("States") if isinstance(definition, dict) else None
        if not isinstance(states, dict) or definition.get("StartAt") not in states:
            diagnostics.append(
                {
                    "severity": "ERROR",
                    "code": "SCHEMA_VALIDATION_FAILED",
                    "message": "StartAt must name one of the definition's States",
                    "location": "/StartAt",
                }
            )
    return json.dumps(
        {"result": "FAIL" if diagnostics else "OK", "diagnostics": diagnostics, "truncated": False}
    )


def _epoch(when: datetime) -> float:
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _list_state_machine_versions(self: StepFunctionResponse) -> str:
    machine = self.stepfunction_backend.describe_state_machine(self._get_param("stateMachineArn"))
    versions = sorted(machine.versions.values(), key=lambda v: v.version, reverse=True)
    return json.dumps(
        {
            "stateMachineVersions": [
                {"stateMachineVersionArn": v.arn, "creationDate": v.creation_date.timestamp()}
                for v in versions
            ]
        }
    )


def replace(
    originals: dict[str, Callable[..., Any]],
    key: str,
    owner: object,
    name: str,
    replacement: Callable[..., Any],
) -> None:
    """Put ``replacement`` at ``owner.name``, once: what was there is kept in
    ``originals[key]`` (a later call with the same key does nothing)."""
    if key not in originals:
        originals[key] = getattr(owner, name)
        setattr(owner, name, replacement)


def apply() -> None:
    """Install every shim (idempotent)."""
    replace(_ORIGINALS, "dispatch", DomainDispatcherApplication, "__call__", _dispatch)
    replace(_ORIGINALS, "delete_trail", CloudTrailBackend, "delete_trail", _delete_trail)
    replace(_ORIGINALS, "add_filter", MetricFilters, "add_filter", _add_filter)
    replace(_ORIGINALS, "send_to_targets", Rule, "send_to_targets", _send_to_targets)
    replace(_ORIGINALS, "athena_tags", AthenaBackend, "list_tags_for_resource", _list_athena_tags)
    if not MOTO_VALIDATES_DEFINITIONS:
        StepFunctionResponse.validate_state_machine_definition = _validate_state_machine_definition  # type: ignore[attr-defined]
    if not MOTO_LISTS_VERSIONS:
        StepFunctionResponse.list_state_machine_versions = _list_state_machine_versions  # type: ignore[attr-defined]
