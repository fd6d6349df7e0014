"""The service-call table (docs/service-calls.yaml): load it, render it, and bind each row to
the concrete calls of a deployed stack, evaluated by policycheck against the stack's policies.

A row's ``binding`` names a function here that, given the resources of an applied state,
yields the calls AWS would make (principal, action, resource, and a request context holding
exactly the keys the row says the call carries) and the policies that decide them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from trailwatch.harness.alarm_messages import render_expression
from trailwatch.harness.terraform import REPO_ROOT
from trailwatch.maint.planpolicies import Resource, policies, resources
from trailwatch.maint.policycheck import Decision, Request, evaluate, evaluate_all

TABLE = REPO_ROOT / "docs" / "service-calls.yaml"
RENDERED = REPO_ROOT / "docs" / "service-calls.md"

#: A member account of the organization, for the organization trail's paths and streams.
MEMBER_ACCOUNT = "111122223333"
#: A date CloudTrail writes under, for sample object keys.
SAMPLE_DAY = "2026/11/28"


@dataclass(frozen=True)
class Row:
    id: str
    call: str
    principal: str
    actions: tuple[str, ...]
    resource: str
    policy: str
    carries: Mapping[str, str]
    not_carried: Mapping[str, str]
    page: str
    guide: str
    binding: str


def load(path: Path = TABLE) -> list[Row]:
    rows = yaml.safe_load(path.read_text())
    return [Row(**{**r, "actions": tuple(r["actions"]), "carries": r["carries"] or {}}) for r in rows]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(rows: Sequence[Row]) -> str:
    lines = [
        "# Service-to-service calls",
        "",
        "<!-- Generated from docs/service-calls.yaml by `make service-calls`; do not edit. -->",
        "",
        "Every call one AWS service makes to another on this stack's behalf, with the request",
        "context AWS documents for it. The emulator enforces none of these policies, so",
        "`tests/test_service_calls.py` evaluates each row against every policy the plan produces",
        "(root module and every example) with exactly the keys in *Carries*: a statement",
        "conditioned on a key the call does not carry cannot match on AWS. See DEVELOPERS.md,",
        '"What only real AWS exercises".',
        "",
        "| Call | Principal | Action | Resource | Granted by | Carries | Does not carry | Documentation |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        carries = "<br>".join(f"`{k}` = {v}" for k, v in r.carries.items()) or "no condition keys"
        missing = "<br>".join(f"`{k}`: {v}" for k, v in r.not_carried.items()) or ""
        lines.append(
            "| "
            + " | ".join(
                _cell(c)
                for c in (
                    f"**{r.id}**: {r.call}",
                    f"`{r.principal}`" if "amazonaws.com" in r.principal else r.principal,
                    ", ".join(f"`{a}`" for a in r.actions),
                    r.resource,
                    r.policy,
                    carries,
                    missing,
                    f"{r.guide}: *{r.page}*",
                )
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


@dataclass
class Call:
    """One concrete call and the policies AWS consults for it (same account)."""

    row: Row
    label: str
    request: Request
    grant: list[dict[str, Any]]
    boundaries: list[dict[str, Any]] = field(default_factory=list)
    attached: bool = False
    problem: str | None = None  # a policy the call needs is not in the stack

    def decide(self) -> Decision:
        return evaluate_all(self.request, self.grant, boundaries=self.boundaries, attached=self.attached)


class Deployed:
    """Lookups over the resources of an applied state."""

    def __init__(self, state: Mapping[str, Any]) -> None:
        self.resources = resources(state)
        self.docs = {p.address: p.document for p in policies(state) if p.document is not None}
        self.organization_id = _read_organization_id(state)

    def of_type(self, rtype: str) -> list[Resource]:
        return [r for r in self.resources if r.type == rtype]

    def find(self, rtype: str, **match: Any) -> Resource | None:
        for r in self.of_type(rtype):
            if all(r.values.get(k) == v for k, v in match.items()):
                return r
        return None

    def doc(self, res: Resource | None) -> dict[str, Any] | None:
        return None if res is None else self.docs.get(res.address)

    def key_policy(self, key_arn: str | None) -> dict[str, Any] | None:
        return self.doc(self.find("aws_kms_key", arn=key_arn)) if key_arn else None

    def topic_policy(self, topic_arn: str) -> dict[str, Any] | None:
        return self.doc(self.find("aws_sns_topic_policy", arn=topic_arn))

    def queue_policy(self, queue: Resource) -> dict[str, Any] | None:
        return self.doc(self.find("aws_sqs_queue_policy", queue_url=queue.values.get("url"))) or self.doc(
            queue if queue.values.get("policy") else None
        )

    def role(self, arn: str) -> Resource | None:
        return self.find("aws_iam_role", arn=arn)

    def role_policies(self, role: Resource) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str | None]:
        """(identity policies, boundaries, problem) of a role: inline and attached policies."""
        name = role.values["name"]
        grant = [
            d
            for r in self.of_type("aws_iam_role_policy")
            if r.values.get("role") == name
            if (d := self.doc(r))
        ]
        for att in self.of_type("aws_iam_role_policy_attachment"):
            if att.values.get("role") == name:
                managed = self.doc(self.find("aws_iam_policy", arn=att.values.get("policy_arn")))
                if managed is None:
                    return grant, [], f"attached policy {att.values.get('policy_arn')} is not in the stack"
                grant.append(managed)
        boundaries: list[dict[str, Any]] = []
        boundary_arn = role.values.get("permissions_boundary")
        if boundary_arn:
            boundary = self.doc(self.find("aws_iam_policy", arn=boundary_arn))
            if boundary is None:
                return grant, [], f"permissions boundary {boundary_arn} is not in the stack"
            boundaries.append(boundary)
        return grant, boundaries, None


def _read_organization_id(state: Mapping[str, Any]) -> str | None:
    """The organization a config reads (its aws_organizations_organization data source): the
    organization its accounts belong to, whatever its policies say."""
    queue = [(state.get("values") or {}).get("root_module", {})]
    while queue:
        mod = queue.pop(0)
        for res in mod.get("resources", []):
            if res.get("mode") == "data" and res.get("type") == "aws_organizations_organization":
                found = (res.get("values") or {}).get("id")
                return str(found) if found else None
        queue.extend(mod.get("child_modules", []))
    return None


def _account(arn: str) -> str:
    return arn.split(":")[4]


def _region(arn: str) -> str:
    return arn.split(":")[3]


def _context(row: Row, values: Mapping[str, str]) -> dict[str, str]:
    """The request context of a call: exactly the keys the row says it carries."""
    missing = set(row.carries) - set(values)
    extra = set(values) - set(row.carries)
    if missing or extra:
        raise ValueError(f"{row.id}: binding gives {sorted(values)}, the table says {sorted(row.carries)}")
    return dict(values)


def _calls(
    row: Row,
    label: str,
    principal: str,
    resource: str,
    context: Mapping[str, str],
    grant: dict[str, Any] | None,
    missing: str,
) -> Iterator[Call]:
    for action in row.actions:
        yield Call(
            row,
            f"{label} {action}",
            Request(principal, action, resource, _context(row, context)),
            [grant] if grant else [],
            problem=None if grant else missing,
        )


Binder = Callable[[Row, Deployed], Iterator[Call]]
BINDINGS: dict[str, Binder] = {}


def binding(fn: Binder) -> Binder:
    BINDINGS[fn.__name__] = fn
    return fn


def _trails(d: Deployed) -> Iterator[Resource]:
    yield from d.of_type("aws_cloudtrail")


def _trail_source(trail: Resource) -> dict[str, str]:
    return _source(trail.values["arn"])


def _service(row: Row) -> str:
    return f"service:{row.principal}"


@binding
def trail_bucket_acl(row: Row, d: Deployed) -> Iterator[Call]:
    for trail in _trails(d):
        bucket = trail.values["s3_bucket_name"]
        policy = d.doc(d.find("aws_s3_bucket_policy", bucket=bucket))
        ctx = {**_trail_source(trail), "aws:SecureTransport": "true"}
        yield from _calls(
            row, f"bucket {bucket}", _service(row), f"arn:aws:s3:::{bucket}", ctx, policy, "no bucket policy"
        )


def _log_object_keys(trail: Resource, org_id: str | None) -> Iterator[str]:
    arn = trail.values["arn"]
    account, region = _account(arn), _region(arn)
    prefix = f"{trail.values['s3_key_prefix']}/" if trail.values.get("s3_key_prefix") else ""
    stamp = SAMPLE_DAY.replace("/", "")

    def key(owner: str, kind: str, suffix: str) -> str:
        file = f"{owner.split('/')[-1]}_{kind}_{region}_{stamp}T0000Z{suffix}"
        return f"{prefix}AWSLogs/{owner}/{kind}/{region}/{SAMPLE_DAY}/{file}"

    yield key(account, "CloudTrail", "_x.json.gz")
    yield key(account, "CloudTrail-Digest", ".json.gz")
    if trail.values.get("is_organization_trail") and org_id:
        yield key(f"{org_id}/{MEMBER_ACCOUNT}", "CloudTrail", "_x.json.gz")


def _organization_id(d: Deployed, trail: Resource) -> str | None:
    """The organization id an organization trail writes under (from its bucket policy or role)."""
    if not trail.values.get("is_organization_trail"):
        return None
    for doc in d.docs.values():
        text = json.dumps(doc)
        start = text.find("/AWSLogs/o-")
        if start >= 0:
            return text[start + len("/AWSLogs/") :].split("/")[0]
    return None


@binding
def trail_bucket_put(row: Row, d: Deployed) -> Iterator[Call]:
    for trail in _trails(d):
        bucket = trail.values["s3_bucket_name"]
        policy = d.doc(d.find("aws_s3_bucket_policy", bucket=bucket))
        ctx = {
            **_trail_source(trail),
            "s3:x-amz-acl": "bucket-owner-full-control",
            "aws:SecureTransport": "true",
        }
        for key in _log_object_keys(trail, _organization_id(d, trail)):
            yield from _calls(
                row,
                f"s3://{bucket}/{key}",
                _service(row),
                f"arn:aws:s3:::{bucket}/{key}",
                ctx,
                policy,
                "no bucket policy",
            )


@binding
def trail_key_encrypt(row: Row, d: Deployed) -> Iterator[Call]:
    for trail in _trails(d):
        key = trail.values.get("kms_key_id")
        if key:
            ctx = {**_trail_source(trail), "kms:EncryptionContext:aws:cloudtrail:arn": trail.values["arn"]}
            yield from _calls(
                row,
                f"key {key}",
                _service(row),
                key,
                ctx,
                d.key_policy(key),
                "the trail key's policy is not in the stack",
            )


@binding
def trail_key_describe(row: Row, d: Deployed) -> Iterator[Call]:
    for trail in _trails(d):
        key = trail.values.get("kms_key_id")
        if key:
            yield from _calls(
                row,
                f"key {key}",
                _service(row),
                key,
                _trail_source(trail),
                d.key_policy(key),
                "the trail key's policy is not in the stack",
            )


def _delivery_roles(d: Deployed) -> Iterator[tuple[Resource, Resource | None]]:
    for trail in _trails(d):
        arn = trail.values.get("cloud_watch_logs_role_arn")
        if arn:
            yield trail, d.role(arn)


@binding
def delivery_role_trust(row: Row, d: Deployed) -> Iterator[Call]:
    for trail, role in _delivery_roles(d):
        arn = trail.values["cloud_watch_logs_role_arn"]
        yield from _calls(
            row, f"role {arn}", _service(row), arn, {}, d.doc(role), "the delivery role is not in the stack"
        )


@binding
def delivery_role_logs(row: Row, d: Deployed) -> Iterator[Call]:
    for trail, role in _delivery_roles(d):
        if role is None:
            continue
        group = str(trail.values["cloud_watch_logs_group_arn"]).removesuffix(":*")
        account, region = _account(trail.values["arn"]), _region(trail.values["arn"])
        streams = [f"{account}_CloudTrail_{region}", f"{account}_CloudTrail_{region}_2"]
        org_id = _organization_id(d, trail)
        if org_id:
            streams.append(f"{org_id}_{MEMBER_ACCOUNT}_CloudTrail_{region}")
        for stream in streams:
            yield from _role_calls(row, d, role, stream, f"{group}:log-stream:{stream}", {})


@binding
def log_group_key(row: Row, d: Deployed) -> Iterator[Call]:
    for group in d.of_type("aws_cloudwatch_log_group"):
        key = group.values.get("kms_key_id")
        if key:
            arn = str(group.values["arn"]).removesuffix(":*")
            principal = f"service:logs.{_region(arn)}.amazonaws.com"
            ctx = {"kms:EncryptionContext:aws:logs:arn": arn}
            yield from _calls(
                row,
                f"group {arn}",
                principal,
                key,
                ctx,
                d.key_policy(key),
                "the log group key's policy is not in the stack",
            )


def _source(arn: str) -> dict[str, str]:
    """The source keys a service sends for the resource (alarm, rule, topic) it acts for."""
    return {"aws:SourceArn": arn, "aws:SourceAccount": _account(arn)}


def _module_of(res: Resource) -> str:
    return res.address[: res.address.index(f"{res.type}.")]


def _rule_targets(d: Deployed) -> Iterator[tuple[Resource, Resource]]:
    """(rule, target) pairs: the rule of the same name in the same module instance (rule names
    repeat across regions, one module instance per region)."""
    for target in d.of_type("aws_cloudwatch_event_target"):
        for rule in d.of_type("aws_cloudwatch_event_rule"):
            if rule.values.get("name") == target.values.get("rule") and _module_of(rule) == _module_of(
                target
            ):
                yield rule, target
                break
        else:
            raise ValueError(f"{target.address}: no rule {target.values.get('rule')!r} beside it")


def _publishers(d: Deployed, kind: str) -> Iterator[tuple[str, str, Resource]]:
    """(label, source ARN, topic) for every alarm or EventBridge rule that publishes to a topic
    of the stack."""
    topics = {t.values["arn"]: t for t in d.of_type("aws_sns_topic")}
    if kind == "alarm":
        for alarm in d.of_type("aws_cloudwatch_metric_alarm"):
            for arn in sorted(set(alarm.values.get("alarm_actions") or []) & set(topics)):
                yield alarm.values["alarm_name"], alarm.values["arn"], topics[arn]
    else:
        for rule, target in _rule_targets(d):
            if target.values.get("arn") in topics:
                yield rule.values["name"], rule.values["arn"], topics[target.values["arn"]]


def _publish(row: Row, d: Deployed, kind: str) -> Iterator[Call]:
    for label, source, topic in _publishers(d, kind):
        arn = topic.values["arn"]
        yield from _calls(
            row,
            f"{label} -> {arn}",
            _service(row),
            arn,
            _source(source),
            d.topic_policy(arn),
            "no topic policy",
        )


def _publish_encrypted(row: Row, d: Deployed, kind: str, sends_source: bool) -> Iterator[Call]:
    for label, source, topic in _publishers(d, kind):
        key = topic.values.get("kms_master_key_id")
        if key:
            ctx = {
                **(_source(source) if sends_source else {}),
                "kms:EncryptionContext:aws:sns:topicArn": topic.values["arn"],
            }
            missing = "the topic key's policy is not in the stack"
            yield from _calls(
                row, f"{label} -> key {key}", _service(row), key, ctx, d.key_policy(key), missing
            )


@binding
def alarm_topic(row: Row, d: Deployed) -> Iterator[Call]:
    return _publish(row, d, "alarm")


@binding
def alarm_topic_key(row: Row, d: Deployed) -> Iterator[Call]:
    return _publish_encrypted(row, d, "alarm", sends_source=True)


@binding
def rule_topic(row: Row, d: Deployed) -> Iterator[Call]:
    return _publish(row, d, "rule")


@binding
def rule_topic_key(row: Row, d: Deployed) -> Iterator[Call]:
    # EventBridge sends no source keys to KMS for an encrypted topic (see the table).
    return _publish_encrypted(row, d, "rule", sends_source=False)


def _role_targets(d: Deployed, service: str) -> Iterator[tuple[Resource, Resource, Resource | None]]:
    """(rule, target, role) for the targets with a role whose ARN is of ``service`` (events: a
    forwarding bus; states: the alarm-messages state machine)."""
    for rule, target in _rule_targets(d):
        if target.values.get("role_arn") and target.values["arn"].split(":")[2] == service:
            yield rule, target, d.role(target.values["role_arn"])


def _forwarders(d: Deployed) -> Iterator[tuple[Resource, Resource, Resource | None]]:
    return _role_targets(d, "events")


def _assume_from_rule(row: Row, d: Deployed, service: str) -> Iterator[Call]:
    for rule, target, role in _role_targets(d, service):
        ctx = _source(rule.values["arn"])
        role_arn = target.values["role_arn"]
        yield from _calls(
            row,
            f"{rule.values['name']} assumes {role_arn}",
            _service(row),
            role_arn,
            ctx,
            d.doc(role),
            "the target role is not in the stack",
        )


def _role_calls(
    row: Row, d: Deployed, role: Resource | None, label: str, resource: str, context: Mapping[str, str]
) -> Iterator[Call]:
    """The row's actions by a role of the stack on a resource, judged by its identity policies
    and permissions boundary."""
    if role is None:
        return
    grant, boundaries, problem = d.role_policies(role)
    for action in row.actions:
        yield Call(
            row,
            f"{label} {action}",
            Request(role.values["arn"], action, resource, _context(row, context)),
            grant,
            boundaries,
            attached=True,
            problem=problem if problem else (None if grant else "the role has no policy"),
        )


@binding
def forward_role_trust(row: Row, d: Deployed) -> Iterator[Call]:
    return _assume_from_rule(row, d, "events")


@binding
def forward_role_put_events(row: Row, d: Deployed) -> Iterator[Call]:
    for rule, target, role in _forwarders(d):
        yield from _role_calls(
            row, d, role, f"{rule.values['name']} -> {target.values['arn']}", target.values["arn"], {}
        )


@binding
def organization_bus_put_events(row: Row, d: Deployed) -> Iterator[Call]:
    """Each forwarding rule whose target is a bus of the stack with a bus policy (the
    organization-wide eventbridge path): its role puts events on that bus as a member of
    another account would, so the bus policy alone must allow it, with the organization the
    config's accounts belong to as aws:PrincipalOrgID."""
    policies = {
        f"{b.values['arn']}": d.doc(
            d.find("aws_cloudwatch_event_bus_policy", event_bus_name=b.values["name"])
        )
        for b in d.of_type("aws_cloudwatch_event_bus")
    }
    for rule, target, role in _forwarders(d):
        bus = str(target.values["arn"])
        if bus not in policies or role is None:
            continue
        org = d.organization_id
        ctx = {"aws:PrincipalOrgID": org} if org else {}
        yield from (
            Call(
                row,
                f"{rule.values['name']} ({role.values['arn']}) -> {bus} {action}",
                Request(role.values["arn"], action, bus, _context(row, ctx)),
                [p] if (p := policies[bus]) else [],
                problem=None
                if p and org
                else "no bus policy"
                if not p
                else "the config reads no organization",
            )
            for action in row.actions
        )


@binding
def rule_log_group(row: Row, d: Deployed) -> Iterator[Call]:
    """Each rule target that is a log group of the stack (the eventbridge detection path):
    EventBridge writes to one of its streams, under the account's CloudWatch Logs resource
    policies (any of them may grant it: they are the account's, per region)."""
    groups = {g.values["arn"].removesuffix(":*"): g for g in d.of_type("aws_cloudwatch_log_group")}
    policies = [doc for r in d.of_type("aws_cloudwatch_log_resource_policy") if (doc := d.doc(r))]
    for rule, target in _rule_targets(d):
        arn = str(target.values.get("arn"))
        if arn in groups:
            stream = f"{arn}:log-stream:{rule.values['name']}"
            for action in row.actions:
                yield Call(
                    row,
                    f"{rule.values['name']} -> {arn} {action}",
                    Request(_service(row), action, stream, _context(row, {})),
                    policies,
                    problem=None if policies else "no CloudWatch Logs resource policy in the stack",
                )


@binding
def messages_target_trust(row: Row, d: Deployed) -> Iterator[Call]:
    return _assume_from_rule(row, d, "states")


@binding
def messages_start_execution(row: Row, d: Deployed) -> Iterator[Call]:
    for rule, target, role in _role_targets(d, "states"):
        yield from _role_calls(
            row, d, role, f"{rule.values['name']} -> {target.values['arn']}", target.values["arn"], {}
        )


def _machines(d: Deployed) -> Iterator[tuple[Resource, Resource | None, list[str]]]:
    """(state machine, its role, the destination topics of its Render state's table)."""
    for machine in d.of_type("aws_sfn_state_machine"):
        expression = render_expression(machine.values["definition"])
        table = json.loads(expression[expression.index(":=") + 2 : expression.index(";\n")])
        topics = sorted(
            {t for entry in table.values() for t in (*entry["topics"]["text"], *entry["topics"]["chat"])}
        )
        yield machine, d.role(machine.values["role_arn"]), topics


@binding
def messages_machine_trust(row: Row, d: Deployed) -> Iterator[Call]:
    for machine, role, _ in _machines(d):
        arn = machine.values["role_arn"]
        yield from _calls(
            row,
            f"{machine.values['name']} assumes {arn}",
            _service(row),
            arn,
            _source(machine.values["arn"]),
            d.doc(role),
            "the role is not in the stack",
        )


@binding
def messages_publish(row: Row, d: Deployed) -> Iterator[Call]:
    for machine, role, topics in _machines(d):
        for topic in topics:
            for call in _role_calls(row, d, role, f"{machine.values['name']} -> {topic}", topic, {}):
                policy = d.topic_policy(topic)
                if policy and evaluate(policy, call.request).denied_by:
                    call.problem = f"the topic policy of {topic} denies it"
                yield call


@binding
def messages_publish_key(row: Row, d: Deployed) -> Iterator[Call]:
    topics = {t.values["arn"]: t for t in d.of_type("aws_sns_topic")}
    for machine, role, arns in _machines(d):
        for arn in arns:
            key = topics[arn].values.get("kms_master_key_id") if arn in topics else None
            if not key:
                continue
            ctx = {"kms:EncryptionContext:aws:sns:topicArn": arn}
            for call in _role_calls(row, d, role, f"{machine.values['name']} -> {arn} key {key}", key, ctx):
                # Same account: the key policy must let IAM policies grant the key (a statement
                # allowing the account principal), or the role's policy is not consulted.
                policy = d.key_policy(key)
                account = Request(
                    f"arn:aws:iam::{_account(key)}:root", call.request.action, key, call.request.context
                )
                if policy is None:
                    call.problem = "the topic key's policy is not in the stack"
                elif not evaluate(policy, account).allowed_by:
                    call.problem = (
                        f"the key policy of {key} does not let IAM policies grant {call.request.action}"
                    )
                yield call


@binding
def chat_channel_role_trust(row: Row, d: Deployed) -> Iterator[Call]:
    # The channel configurations name this role (iam_role_arn); they exist only on real AWS,
    # so the role is found as modules/chat's own.
    for role in d.of_type("aws_iam_role"):
        if ".module.chat[" in f".{_module_of(role)}" and role.address.endswith(".aws_iam_role.channel[0]"):
            arn = role.values["arn"]
            yield from _calls(
                row,
                f"role {arn}",
                _service(row),
                arn,
                {},
                d.doc(role),
                "the channel role is not in the stack",
            )


@binding
def topic_queue(row: Row, d: Deployed) -> Iterator[Call]:
    queues = {q.values["arn"]: q for q in d.of_type("aws_sqs_queue")}
    for sub in d.of_type("aws_sns_topic_subscription"):
        if sub.values.get("protocol") != "sqs" or sub.values.get("endpoint") not in queues:
            continue
        queue = queues[sub.values["endpoint"]]
        topic = sub.values["topic_arn"]
        ctx = _source(topic)
        yield from _calls(
            row,
            f"{topic} -> {queue.values['arn']}",
            _service(row),
            queue.values["arn"],
            ctx,
            d.queue_policy(queue),
            "no queue policy lets SNS send to the queue",
        )


@dataclass(frozen=True)
class Result:
    row: Row
    label: str
    decision: Decision | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None and self.decision is not None and self.decision.allowed

    def explain(self) -> str:
        why = self.problem or (self.decision.explain() if self.decision else "")
        return f"{self.row.id}: {self.label}: {why} ({self.row.guide}: {self.row.page})"


def verify(state: Mapping[str, Any], rows: Sequence[Row]) -> list[Result]:
    """Every concrete call of every row in an applied state, decided."""
    d = Deployed(state)
    out: list[Result] = []
    for row in rows:
        for call in BINDINGS[row.binding](row, d):
            out.append(Result(row, call.label, None if call.problem else call.decide(), call.problem))
    return out
