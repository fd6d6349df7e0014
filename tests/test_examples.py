"""Every example, end to end on the embedded emulator.

plan -> inventory, apply -> outputs, boto3 read-back of what AWS would hold, a second plan
with no changes, destroy -> nothing of the module left.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from trailwatch.harness.emulator import ACCOUNT_ID, Emulator
from trailwatch.harness.inventory import check, summarize
from trailwatch.harness.signin_notifications import (
    forward_pattern,
    input_paths_for,
    patterns,
    rule_envelope,
    rule_state,
)
from trailwatch.harness.terraform import REPO_ROOT, Stack, destroyed_after
from trailwatch.maint.planpolicies import Store, applied_by, stack_options

INVENTORIES = Path(__file__).parent / "inventories"
EXAMPLES = sorted(p.name for p in (REPO_ROOT / "examples").iterdir() if (p / "main.tf").exists())

pytestmark = pytest.mark.emulator


def test_every_example_has_an_inventory_and_readme() -> None:
    assert EXAMPLES, "no examples found"
    for name in EXAMPLES:
        assert (INVENTORIES / f"{name}.yaml").exists(), (
            f"examples/{name} has no tests/inventories/{name}.yaml"
        )
        assert (REPO_ROOT / "examples" / name / "README.md").exists(), f"examples/{name} has no README.md"
        # Each module call is this repository's (the root module, or a submodule of it).
        sources = re.findall(
            r'^  source\s*= "([^"]*)"', (REPO_ROOT / "examples" / name / "main.tf").read_text(), re.M
        )
        assert sources, name
        for source in sources:
            assert source == "../../" or (
                re.fullmatch(r"\.\./\.\./modules/[\w-]+", source)
                and (REPO_ROOT / source[6:] / "main.tf").exists()
            ), f"examples/{name}: module source {source}"


#: Inputs whose value only the user knows: an example asks for them (no default).
USERS_OWN = (
    "alarm_email_addresses",
    "allowed_source_cidrs",
    "identity_center_region",
    # The organization-wide eventbridge path: the organization the buses admit, and the
    # security account's buses a member forwards to.
    "organization_id",
    "rules",
)
#: Reserved documentation values (RFC 2606 domains; RFC 5737 and RFC 3849 addresses): as a
#: default they would email nobody, or alarm on every real sign-in.
PLACEHOLDER = re.compile(r"example\.(com|org|net)\b|\b(192\.0\.2|198\.51\.100|203\.0\.113)\.|2001:db8:", re.I)


def _variables(example: str) -> dict[str, dict[str, Any]]:
    import hcl2

    with (REPO_ROOT / "examples" / example / "variables.tf").open() as fh:
        doc = hcl2.load(fh)
    return {name.strip('"'): body for block in doc.get("variable", []) for name, body in block.items()}


def test_examples_ask_for_the_users_own_values() -> None:
    """Recipients, allowlists and the like are required inputs of every example that takes
    them, and no example default is a placeholder address."""
    asked = 0
    for name in EXAMPLES:
        for var, body in _variables(name).items():
            if var in USERS_OWN:
                assert "default" not in body, f"examples/{name}: {var} has a default"
                asked += 1
            assert not PLACEHOLDER.search(json.dumps(body.get("default"))), (
                f"examples/{name}: {var} defaults to a placeholder: {body.get('default')}"
            )
    assert asked >= 8


def test_an_example_that_subscribes_nobody_says_so() -> None:
    """An example whose topic gets no subscription (its inventory expects no email and no
    other subscription) says so in its README and in its ``subscribers`` output."""
    silent = []
    for name in EXAMPLES:
        # A member stack has no detections: its topic is the forwarders' failure alarms'.
        expect = _inventory(name)["expect"]["detections"] or _inventory(name)["expect"]["member_topic"]
        outputs = (REPO_ROOT / "examples" / name / "outputs.tf").read_text()
        if expect["emails"] or expect["other_subscriptions"]:
            assert 'output "subscribers"' not in outputs, name
            continue
        silent.append(name)
        # The value starts with "nobody: ", as one string or as the first piece of a join()
        # that keeps the line short (issue 25).
        assert re.search(r'output "subscribers" \{[^}]*value += (join\(" ", \[\s*)?"nobody: ', outputs), name
        readme = " ".join((REPO_ROOT / "examples" / name / "README.md").read_text().split())
        assert "This example subscribes no one to the topic." in readme, name
    assert silent == ["existing-log-group", "organization-trail"]


def _module_calls(example: str) -> dict[str, dict[str, Any]]:
    import hcl2

    with (REPO_ROOT / "examples" / example / "main.tf").open() as fh:
        doc = hcl2.load(fh)
    return {name.strip('"'): body for block in doc.get("module", []) for name, body in block.items()}


def test_an_example_applied_by_another_is_of_the_same_module_calls() -> None:
    """An example whose lifecycle only plans (inventory ``applied_by``: another example's
    lifecycle applies, reads back, drift-checks and destroys the same module calls, and the
    service-call checks evaluate that one's state) has each of its module calls there, with the
    same arguments but those its inventory names (examples/eventbridge-central: the
    organization's ID, an input here, read from Organizations in
    examples/eventbridge-organization). It spares the suite an apply and a destroy of 270
    resources that would show nothing the other does not."""
    delegated = 0
    for name in EXAMPLES:
        other = applied_by(name)
        if other is None:
            continue
        delegated += 1
        assert other in EXAMPLES and applied_by(other) is None
        there = _module_calls(other)
        for call, args in _module_calls(name).items():
            assert call in there, f"examples/{name}: module {call} is not in examples/{other}"
            differ = {
                k
                for k in set(args) | set(there[call])
                if not k.startswith("__") and args.get(k) != there[call].get(k)  # not __comments__
            }
            assert differ == set(_inventory(name)["applied_by"].get("except", {}).get(call, [])), (
                name,
                call,
                differ,
            )
    assert delegated == 1


def _inventory(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((INVENTORIES / f"{name}.yaml").read_text())
    return data


def _setup_fixtures(emu: Emulator, fixtures: dict[str, Any]) -> dict[str, str]:
    """Pre-existing infrastructure an example assumes (a Control Tower group, an org)."""
    found: dict[str, str] = {}
    for group in fixtures.get("log_groups", []):
        emu.client("logs").create_log_group(logGroupName=group)
    if fixtures.get("organization"):
        org = emu.client("organizations").create_organization(FeatureSet="ALL")
        found["organization_id"] = org["Organization"]["Id"]
    return found


def _statements(doc: str | dict[str, Any]) -> list[dict[str, Any]]:
    policy = json.loads(doc) if isinstance(doc, str) else doc
    stmts = policy["Statement"]
    return stmts if isinstance(stmts, list) else [stmts]


def _as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v]


def _check_trail(emu: Emulator, exp: dict[str, Any], out: dict[str, Any], log_group_arn: str) -> str:
    ct = emu.client("cloudtrail")
    trails = ct.describe_trails(trailNameList=[exp["name"]])["trailList"]
    assert len(trails) == 1, trails
    t = trails[0]
    assert t["TrailARN"] == out["trail_arn"]
    assert t["IsMultiRegionTrail"] is True
    assert t["IncludeGlobalServiceEvents"] is True
    assert t["LogFileValidationEnabled"] is True
    assert t["IsOrganizationTrail"] is bool(exp.get("organization"))
    if exp.get("cloudwatch_logs", True):
        assert t["CloudWatchLogsLogGroupArn"] == f"{log_group_arn}:*"
        assert t["CloudWatchLogsRoleArn"] == out["delivery_role_arn"]
    else:
        # The eventbridge detection path: the trail feeds no log group.
        assert not t.get("CloudWatchLogsLogGroupArn") and not t.get("CloudWatchLogsRoleArn"), t
    assert t["KmsKeyId"].startswith(f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:key/")
    assert ct.get_trail_status(Name=t["TrailARN"])["IsLogging"] is True

    # The trail's key lets CloudTrail encrypt only for this trail, and the account decrypt.
    key_policy = _statements(
        emu.client("kms").get_key_policy(KeyId=t["KmsKeyId"], PolicyName="default")["Policy"]
    )
    by_sid = {s["Sid"]: s for s in key_policy}
    enc = by_sid["CloudTrailEncryptLogs"]
    assert enc["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert enc["Condition"]["StringEquals"]["aws:SourceArn"] == t["TrailARN"]
    assert "AccountDecryptLogs" in by_sid
    # The bucket uses an S3 Bucket Key: CloudTrail itself needs kms:Decrypt, for this trail.
    dec = by_sid["CloudTrailDescribeKey"]
    assert dec["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert sorted(_as_list(dec["Action"])) == ["kms:Decrypt", "kms:DescribeKey"]
    assert dec["Condition"] == {"StringEquals": {"aws:SourceArn": t["TrailARN"]}}

    # The archive: TLS only, CloudTrail only for this trail, versioned, private, SSE-KMS.
    s3 = emu.client("s3")
    bucket = t["S3BucketName"]
    stmts = {s["Sid"]: s for s in _statements(s3.get_bucket_policy(Bucket=bucket)["Policy"])}
    assert set(stmts) == {"CloudTrailAclCheck", "CloudTrailWrite", "DenyInsecureTransport"}
    for sid in ("CloudTrailAclCheck", "CloudTrailWrite"):
        assert stmts[sid]["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
        assert stmts[sid]["Condition"]["StringEquals"]["aws:SourceArn"] == t["TrailARN"]
    assert (
        stmts["CloudTrailWrite"]["Condition"]["StringEquals"]["s3:x-amz-acl"] == "bucket-owner-full-control"
    )
    deny = stmts["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny" and deny["Condition"]["Bool"]["aws:SecureTransport"] == "false"
    if exp.get("organization"):
        assert any("/AWSLogs/o-" in r for r in _as_list(stmts["CloudTrailWrite"]["Resource"]))
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    pab = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(pab.values()), pab
    sse = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert sse["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert sse["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == t["KmsKeyId"]
    return str(t["KmsKeyId"])


def _check_log_group(emu: Emulator, exp: dict[str, Any], trail_key: str | None) -> str:
    groups = emu.client("logs").describe_log_groups(logGroupNamePrefix=exp["name"])["logGroups"]
    group = next(g for g in groups if g["logGroupName"] == exp["name"])
    if exp.get("fixture"):
        return str(group["arn"]).removesuffix(":*")
    assert group.get("retentionInDays") == exp["retention"]
    key = group.get("kmsKeyId")
    if exp["kms"] == "trail":
        assert key == trail_key
    elif exp["kms"] == "dedicated":
        assert key and key != trail_key
        policy = _statements(emu.client("kms").get_key_policy(KeyId=key, PolicyName="default")["Policy"])
        logs_stmt = next(s for s in policy if s["Sid"] == "CloudWatchLogsUseForThisLogGroup")
        assert logs_stmt["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    return str(group["arn"]).removesuffix(":*")


def _check_role(emu: Emulator, exp: dict[str, Any], trail_arn: str, extra: dict[str, str]) -> None:
    iam = emu.client("iam")
    role = iam.get_role(RoleName=exp["name"])["Role"]
    assert role["Path"] == exp["path"]
    assert bool(role.get("PermissionsBoundary")) is bool(exp.get("boundary"))
    (trust,) = _statements(role["AssumeRolePolicyDocument"])
    assert trust["Effect"] == "Allow"
    assert trust["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    # No aws:SourceArn / aws:SourceAccount: the delivery role's trust policy does not support
    # them (CloudTrail User Guide); CreateTrail would fail on AWS.
    assert "Condition" not in trust, trust
    (policy_name,) = iam.list_role_policies(RoleName=exp["name"])["PolicyNames"]
    doc = iam.get_role_policy(RoleName=exp["name"], PolicyName=policy_name)["PolicyDocument"]
    (stmt,) = _statements(doc)
    assert sorted(_as_list(stmt["Action"])) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert sorted(_as_list(stmt["Resource"])) == sorted(s.format(**extra) for s in exp["streams"])


def _check_detections(emu: Emulator, exp: dict[str, Any], out: dict[str, Any], log_group: str) -> None:
    alarms_out: dict[str, dict[str, str]] = out["alarms"]
    assert len(alarms_out) == exp["count"]
    topic = str(out["sns_topic_arn"])
    # The eventbridge detection path: each detection's filters on its own group.
    groups = [f"{log_group}/{k}" for k in alarms_out] if exp.get("eventbridge_path") else [log_group]
    filters = [
        f for g in groups for f in emu.client("logs").describe_metric_filters(logGroupName=g)["metricFilters"]
    ]
    if exp.get("eventbridge_path"):
        assert all(
            f["logGroupName"] == f"{log_group}/{k}"
            for k in alarms_out
            for f in filters
            if k in f["filterName"]
        )
    # Each filter once (the PutMetricFilter shim keeps updates from duplicating them), and one
    # metric per alarm; a metric may be fed by more than one filter (the catalog's deploy).
    assert len({f["filterName"] for f in filters}) == len(filters) > exp["count"]
    metric_of_filter = {f["metricTransformations"][0]["metricName"] for f in filters}
    assert len(metric_of_filter) == exp["count"]
    cw = emu.client("cloudwatch")
    names = [a["name"] for a in alarms_out.values()]
    described = {a["AlarmName"]: a for a in cw.describe_alarms(AlarmNames=names)["MetricAlarms"]}
    assert set(described) == set(names)
    for key, a in alarms_out.items():
        alarm = described[a["name"]]
        assert alarm["AlarmArn"] == a["arn"]
        assert alarm["MetricName"] in metric_of_filter, key
        assert topic in alarm["AlarmActions"]
        assert (topic in alarm.get("OKActions", [])) is bool(exp.get("ok_actions"))
        assert alarm["TreatMissingData"] == "notBreaching"
        assert "fields @timestamp" in alarm["AlarmDescription"] and len(alarm["AlarmDescription"]) <= 1024
    sns = emu.client("sns")
    _check_topic_policies(emu, topic, bool(exp.get("signin_events") or exp.get("eventbridge_path")))
    subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert sorted(s["Endpoint"] for s in subs if s["Protocol"] == "email") == sorted(exp["emails"])
    assert len([s for s in subs if s["Protocol"] != "email"]) == exp["other_subscriptions"]


def _check_topic_policies(emu: Emulator, topic: str, signin: bool, region: str = "us-east-1") -> str:
    """A topic of the module (its own, or the chat topic): KMS-encrypted with a key that lets
    CloudWatch (this account's alarms) and, with sign-in notifications, EventBridge use it,
    and nobody else; a topic policy admitting only this account's alarms and rules. Returns
    the key's ARN."""
    attrs = emu.client("sns", region).get_topic_attributes(TopicArn=topic)["Attributes"]
    assert attrs.get("KmsMasterKeyId", "").startswith(f"arn:aws:kms:{region}:")
    key_policy = _statements(
        emu.client("kms", region).get_key_policy(KeyId=attrs["KmsMasterKeyId"], PolicyName="default")[
            "Policy"
        ]
    )
    assert {st["Sid"] for st in key_policy} == {
        "AccountAdministration",
        "CloudWatchAlarmsPublishEncrypted",
    } | ({"EventBridgeRulesPublishEncrypted"} if signin else set())
    # Each publishing service gets the SNS Developer Guide's key statement: GenerateDataKey*
    # and Decrypt, no source condition (EventBridge cannot use an encrypted topic otherwise).
    services = {"CloudWatchAlarms": "cloudwatch.amazonaws.com"} | (
        {"EventBridgeRules": "events.amazonaws.com"} if signin else {}
    )
    for sid, service in services.items():
        (key_stmt,) = [st for st in key_policy if st["Sid"] == f"{sid}PublishEncrypted"]
        assert key_stmt["Effect"] == "Allow"
        assert key_stmt["Principal"] == {"Service": service}
        assert "Condition" not in key_stmt, key_stmt
        assert sorted(_as_list(key_stmt["Action"])) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    stmts = {s["Sid"]: s for s in _statements(attrs["Policy"])}
    cw_stmt = stmts["CloudWatchAlarmsOfThisAccount"]
    assert cw_stmt["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert cw_stmt["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT_ID
    assert (
        cw_stmt["Condition"]["ArnLike"]["aws:SourceArn"]
        == f"arn:aws:cloudwatch:{region}:{ACCOUNT_ID}:alarm:*"
    )
    # EventBridge may publish only when sign-in notifications are on.
    assert ("EventBridgeRulesOfThisAccount" in stmts) is signin
    if signin:
        eb_stmt = stmts["EventBridgeRulesOfThisAccount"]
        assert eb_stmt["Principal"] == {"Service": "events.amazonaws.com"}
        assert eb_stmt["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT_ID
    return str(attrs["KmsMasterKeyId"])


def _check_queue_policies(emu: Emulator, out: dict[str, Any]) -> None:
    """Every queue subscribed to the topic lets SNS deliver, for this topic only."""
    sns, sqs = emu.client("sns"), emu.client("sqs")
    topic = str(out["sns_topic_arn"])
    queues = [
        s["Endpoint"]
        for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        if s["Protocol"] == "sqs"
    ]
    assert queues, "no queue is subscribed to the topic"
    for arn in queues:
        url = sqs.get_queue_url(QueueName=arn.split(":")[-1])["QueueUrl"]
        policy = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"].get("Policy")
        assert policy, f"{arn} has no queue policy: SNS cannot deliver to it"
        grants = [
            s
            for s in _statements(policy)
            if s["Effect"] == "Allow"
            and s["Principal"] == {"Service": "sns.amazonaws.com"}
            and "sqs:SendMessage" in _as_list(s["Action"])
            and arn in _as_list(s["Resource"])
        ]
        assert len(grants) == 1, policy
        assert grants[0]["Condition"] == {"ArnEquals": {"aws:SourceArn": topic}}


def _check_signin_events(emu: Emulator, exp: dict[str, Any], out: dict[str, Any]) -> None:
    """Per region: the notifying rules (SNS target + input transformer; with a chat topic, a
    second target sending it the custom notification), or a forwarder."""
    topic = str(out["sns_topic_arn"])
    chat_topic = out.get("chat_topic_arn")
    for region, want in exp.items():
        events = emu.client("events", region)
        # The sign-in rules (the alarm-messages rule is checked with the alarm messages).
        rules = [r for r in events.list_rules()["Rules"] if "-signin-" in r["Name"]]
        if want == "forward":
            (rule,) = rules
            (target,) = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
            assert target["Arn"] == f"arn:aws:events:us-east-1:{ACCOUNT_ID}:event-bus/default"
            assert target["RoleArn"].startswith(f"arn:aws:iam::{ACCOUNT_ID}:role/")
            assert json.loads(rule["EventPattern"]) == forward_pattern(
                [k for k, eb in patterns().items() if "opt_in" not in eb]
            )
            continue
        assert sorted(r["Name"].split("-signin-")[1].replace("-", "_") for r in rules) == sorted(want)
        for rule in rules:
            targets = {t["Arn"]: t for t in events.list_targets_by_rule(Rule=rule["Name"])["Targets"]}
            assert set(targets) == {topic} | ({str(chat_topic)} if chat_topic else set())
            key = rule["Name"].split("-signin-")[1].replace("-", "_")
            assert rule["State"] == rule_state(key)
            for target in targets.values():
                assert target["InputTransformer"]["InputPathsMap"] == input_paths_for(key)
            if chat_topic:
                # Chat renders only the custom-notification JSON; email keeps the text.
                chat = json.loads(_filled(targets[str(chat_topic)]["InputTransformer"]["InputTemplate"]))
                assert (chat["version"], chat["source"]) == ("1.0", "custom")
                assert chat["content"]["title"] and chat["content"]["description"]
                assert not targets[topic]["InputTransformer"]["InputTemplate"].lstrip().startswith("{")
            assert json.loads(rule["EventPattern"])["source"] == rule_envelope(key)["source"]


def _check_eventbridge_path(emu: Emulator, exp: dict[str, Any], out: dict[str, Any], group_arn: str) -> None:
    """The eventbridge detection path: a rule per detection, as planned, in the state that
    receives read-only events, delivering the bare record to its detection's own log group
    (no role); the real-time sign-in rules also notify the topic; the resource policy admits
    EventBridge to the streams of the detections' groups."""
    events = emu.client("events")
    rules = {r["Name"]: r for r in events.list_rules()["Rules"] if "-signin-" in r["Name"]}
    assert len(rules) == exp["rules"] == len(out["event_rule_patterns"])
    notifying = 0
    for key, pattern in out["event_rule_patterns"].items():
        rule = rules[f"trailwatch-signin-{key.replace('_', '-')}"]
        assert json.loads(rule["EventPattern"]) == json.loads(pattern), key
        assert rule["State"] == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS", key
        targets = {t["Id"]: t for t in events.list_targets_by_rule(Rule=rule["Name"])["Targets"]}
        logs = targets.pop("logs")
        assert (
            logs["Arn"] == f"{group_arn}/{key}" and logs["InputPath"] == "$.detail" and "RoleArn" not in logs
        )
        assert set(targets) <= {"sns"}, key
        notifying += "sns" in targets
        assert all(t["Arn"] == out["sns_topic_arn"] for t in targets.values())
    assert notifying == exp["notify"]
    (policy,) = [
        p
        for p in emu.client("logs").describe_resource_policies()["resourcePolicies"]
        if p["policyName"] == "trailwatch-eventbridge-to-logs"
    ]
    (stmt,) = _statements(policy["policyDocument"])
    assert stmt["Effect"] == "Allow"
    assert sorted(_as_list(stmt["Principal"]["Service"])) == [
        "delivery.logs.amazonaws.com",
        "events.amazonaws.com",
    ]
    assert sorted(_as_list(stmt["Action"])) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert _as_list(stmt["Resource"]) == [f"{group_arn}/*"]


def _dashed(key: str) -> str:
    return key.replace("_", "-")


def _failure_alarm(emu: Emulator, region: str, rule: str, bus: str, topic: str | None) -> None:
    """The FailedInvocations alarm of one rule (modules/rule-failure-alarms): on that rule of that
    bus, notifying ``topic``."""
    (alarm,) = emu.client("cloudwatch", region).describe_alarms(AlarmNames=[f"{rule}-target-failed"])[
        "MetricAlarms"
    ]
    assert alarm["AlarmActions"] == ([topic] if topic else []), alarm["AlarmName"]
    (metric,) = [q["MetricStat"]["Metric"] for q in alarm["Metrics"] if "MetricStat" in q]
    assert metric["MetricName"] == "FailedInvocations" and metric["Namespace"] == "AWS/Events"
    dims = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
    assert dims == ({"RuleName": rule} if bus == "default" else {"EventBusName": bus, "RuleName": rule}), dims


def _check_central(
    emu: Emulator, exp: dict[str, Any], out: dict[str, Any], group_arn: str, org_id: str
) -> None:
    """modules/eventbridge-central: a bus per detection whose policy admits the organization's
    accounts only (aws:PrincipalOrgID), on it one rule with the detection's own pattern and
    state delivering the bare record to the detection's group (no role), its failure alarm
    notifying the topic; ``member_rules`` names exactly those buses, patterns and states."""
    events = emu.client("events")
    patterns: dict[str, str] = out["event_rule_patterns"]
    buses = {b["Name"]: b["Arn"] for b in events.list_event_buses()["EventBuses"] if b["Name"] != "default"}
    assert len(buses) == exp["buses"] == len(patterns)
    assert len(out["notifying_detections"]) == exp["notifying"], out["notifying_detections"]
    assert out["bus_arns"] == {k: buses[f"trailwatch-{_dashed(k)}"] for k in patterns}
    for key, pattern in patterns.items():
        bus = f"trailwatch-{_dashed(key)}"
        (stmt,) = _statements(events.describe_event_bus(Name=bus)["Policy"])
        assert stmt["Effect"] == "Allow" and stmt["Principal"] == {"AWS": "*"}, stmt
        assert _as_list(stmt["Action"]) == ["events:PutEvents"] and _as_list(stmt["Resource"]) == [buses[bus]]
        assert stmt["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": org_id}}, stmt
        (rule,) = events.list_rules(EventBusName=bus)["Rules"]
        assert rule["Name"] == f"trailwatch-central-{_dashed(key)}"
        assert json.loads(rule["EventPattern"]) == json.loads(pattern), key
        assert rule["State"] == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS", key
        targets = {
            t["Id"]: t for t in events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus)["Targets"]
        }
        # Real-time notifications: the buses of the single-event detections also send what they
        # deliver to the topic, with the default bus's message (an input transformer; no role).
        assert set(targets) == {"logs"} | ({"sns"} if key in out["notifying_detections"] else set()), key
        target = targets["logs"]
        assert target["Arn"] == f"{group_arn}/{key}" and target["InputPath"] == "$.detail", target
        assert "RoleArn" not in target
        if "sns" in targets:
            sns = targets["sns"]
            assert sns["Arn"] == out["sns_topic_arn"] and "RoleArn" not in sns, sns
            template = sns["InputTransformer"]["InputTemplate"]
            assert "<account>" in template and "<region>" in template, template
        _failure_alarm(emu, "us-east-1", rule["Name"], bus, str(out["sns_topic_arn"]))
    if "member_rules" in out:
        assert out["member_rules"] == {
            k: {
                "bus_arn": buses[f"trailwatch-{_dashed(k)}"],
                "event_pattern": p,
                "state": "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
            }
            for k, p in patterns.items()
        }


def _check_members(
    emu: Emulator, exp: dict[str, Any], rules: dict[str, dict[str, str]], topic: str | None
) -> None:
    """modules/eventbridge-member in each region: one rule per detection on the default bus, with
    the central pattern and state, targeting that detection's central bus through the region's
    one role, which EventBridge of this account only may assume and which may put events on
    those buses only; a failure alarm per rule where a topic of the region is given."""
    iam = emu.client("iam")
    for region in exp["regions"]:
        events = emu.client("events", region)
        found = {r["Name"]: r for r in events.list_rules()["Rules"]}
        assert set(found) == {f"trailwatch-fwd-{_dashed(k)}" for k in rules}, region
        role = iam.get_role(RoleName=f"trailwatch-eb-forward-{region}")["Role"]
        for key, want in rules.items():
            rule = found[f"trailwatch-fwd-{_dashed(key)}"]
            assert json.loads(rule["EventPattern"]) == json.loads(want["event_pattern"]), (region, key)
            assert rule["State"] == want["state"], (region, key)
            (target,) = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
            assert (target["Arn"], target["RoleArn"]) == (want["bus_arn"], role["Arn"]), (region, key)
            if topic:
                _failure_alarm(emu, region, rule["Name"], "default", topic)
        alarms = emu.client("cloudwatch", region).describe_alarms()["MetricAlarms"]
        assert len(alarms) == (len(rules) if topic else 0), region
        (trust,) = _statements(role["AssumeRolePolicyDocument"])
        assert (
            trust["Principal"] == {"Service": "events.amazonaws.com"} and trust["Action"] == "sts:AssumeRole"
        )
        assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}}
        (policy_name,) = iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]
        (grant,) = _statements(
            iam.get_role_policy(RoleName=role["RoleName"], PolicyName=policy_name)["PolicyDocument"]
        )
        assert _as_list(grant["Action"]) == ["events:PutEvents"]
        assert sorted(_as_list(grant["Resource"])) == sorted({r["bus_arn"] for r in rules.values()})
    roles = [r["RoleName"] for r in iam.list_roles()["Roles"] if "-eb-forward-" in r["RoleName"]]
    assert sorted(roles) == sorted(f"trailwatch-eb-forward-{r}" for r in exp["regions"])


def _filled(template: str) -> str:
    """An input template with each ``<placeholder>`` replaced by a plain value, as EventBridge
    fills it, so that the JSON around the placeholders can be parsed."""
    return re.sub(r"<[A-Za-z0-9_.-]+>", "x", template)


def _check_chat(emu: Emulator, exp: dict[str, Any], out: dict[str, Any], unapplied: dict[str, Any]) -> None:
    """The chat topic: encrypted, publishable by this account's alarms and sign-in rules (key
    and topic policy as the module's own topic), notified by every alarm; and the channel
    role the chat configurations use: trusts the chat service, holds no permission. (The
    configurations themselves are checked in the plan: the emulator has no chat service.)"""
    chat_topic = str(out["chat_topic_arn"])
    assert chat_topic == f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:{exp['topic_name']}"
    # Its own key, with the same policies as the module's topic.
    key = _check_topic_policies(emu, chat_topic, signin=True)
    main_key = emu.client("sns").get_topic_attributes(TopicArn=str(out["sns_topic_arn"]))["Attributes"]
    assert key != main_key.get("KmsMasterKeyId")
    alarms = emu.client("cloudwatch").describe_alarms(AlarmNames=[a["name"] for a in out["alarms"].values()])
    assert all(chat_topic in a["AlarmActions"] for a in alarms["MetricAlarms"])
    iam = emu.client("iam")
    role = iam.get_role(RoleName=exp["channel_role"])["Role"]
    (trust,) = _statements(role["AssumeRolePolicyDocument"])
    assert trust["Effect"] == "Allow" and trust["Principal"] == {"Service": "chatbot.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    # The service documents no source keys for this AssumeRole: a condition would deny it.
    assert "Condition" not in trust
    assert iam.list_role_policies(RoleName=exp["channel_role"])["PolicyNames"] == []
    assert iam.list_attached_role_policies(RoleName=exp["channel_role"])["AttachedPolicies"] == []
    configurations = [c["after"] for a, c in unapplied.items() if ".aws_chatbot_" in a]
    assert len(configurations) == 2
    for after in configurations:
        assert after["sns_topic_arns"] == [chat_topic]
        assert after["iam_role_arn"] == role["Arn"]


def _assert_nothing_left(emu: Emulator, fixtures: dict[str, Any]) -> None:
    # The regions the examples deploy to (the sign-in forwarders', the eventbridge members').
    for region in ("us-east-1", "us-east-2", "eu-north-1", "ap-southeast-2", "us-west-2", "eu-west-1"):
        events = emu.client("events", region)
        assert events.list_rules()["Rules"] == [], region
        assert [b["Name"] for b in events.list_event_buses()["EventBuses"]] == ["default"], region
        assert emu.client("sns", region).list_topics()["Topics"] == [], region
        assert emu.client("cloudwatch", region).describe_alarms()["MetricAlarms"] == [], region
    assert emu.client("cloudtrail").describe_trails()["trailList"] == []
    groups = {g["logGroupName"] for g in emu.client("logs").describe_log_groups()["logGroups"]}
    assert groups == set(fixtures.get("log_groups", []))
    assert emu.client("s3").list_buckets()["Buckets"] == []
    assert emu.client("cloudwatch").describe_alarms()["MetricAlarms"] == []
    assert emu.client("sns").list_topics()["Topics"] == []
    for group in fixtures.get("log_groups", []):
        assert emu.client("logs").describe_metric_filters(logGroupName=group)["metricFilters"] == []
    roles = emu.client("iam").list_roles()["Roles"]
    assert [r["RoleName"] for r in roles if not r["Path"].startswith("/aws-service-role/")] == []
    kms = emu.client("kms")
    keys = [kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"] for key in kms.list_keys()["Keys"]]
    # KMS never deletes a key at once: it waits the (30-day) window. Each key left is named by
    # what tells its creator apart: its description, its manager and when it was made.
    left = [
        (k["KeyId"], k["Description"], k["KeyManager"], k["KeyState"], k["CreationDate"].isoformat())
        for k in keys
        if k["KeyState"] != "PendingDeletion"
    ]
    assert left == [], f"keys not scheduled for deletion, of {len(keys)}: {left}"


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_lifecycle(example: str, emulator: Emulator, terraform: str, collected_store: Store) -> None:
    inv = _inventory(example)
    fixtures = inv.get("fixtures") or {}
    extra = _setup_fixtures(emulator, fixtures)
    options = stack_options(example)
    # The member example's rules input (planpolicies.member_rules, from its inventory).
    member_rules = options["tf_vars"].get("rules")
    stack = Stack(example, emulator=emulator, **options)
    if applied_by(example):
        # Its module calls are another example's (checked above), whose lifecycle applies them:
        # here the plan of the example as written, held to its inventory.
        try:
            errors = check(summarize(dict(stack.plan())), inv)
        finally:
            stack.cleanup()
        assert not errors, "plan differs from inventory:\n" + "\n".join(errors)
        return
    # 5. destroy leaves nothing of the module behind (destroyed_after: a failure of steps
    # 1-4 is the one reported, a failing destroy is added to it, never raised in its place)
    with destroyed_after(stack):
        with collected_store.producing(example) as publish:
            # 1. plan -> inventory
            plan = dict(stack.plan(save=True))
            errors = check(summarize(plan), inv)
            assert not errors, "plan differs from inventory:\n" + "\n".join(errors)

            # 2. apply exactly that plan -> outputs; the plan and the applied state go to
            # tests/test_service_calls.py, which would otherwise apply this example again
            stack.apply_saved_plan()
            publish(plan, stack.state())
        out = stack.outputs()
        exp = inv["expect"]

        # 3. read back with boto3
        trail_key = None
        group_arn = ""  # a member stack has no log group
        if exp["trail"]:
            log_group_arn = f"arn:aws:logs:us-east-1:{ACCOUNT_ID}:log-group:{exp['log_group']['name']}"
            trail_key = _check_trail(emulator, exp["trail"], out, log_group_arn)
        if exp["log_group"] is None:
            # A member stack (the organization-wide eventbridge path): events are counted in
            # the security account, so there is no trail, log group or detection here at all.
            assert exp["trail"] is None and exp["detections"] is None, exp
            assert emulator.client("cloudtrail").describe_trails()["trailList"] == []
            assert emulator.client("logs").describe_log_groups()["logGroups"] == []
            assert not {"trail_arn", "log_group_name", "alarms"} & set(out), sorted(out)
        if exp["log_group"]:
            group_arn = _check_log_group(emulator, exp["log_group"], trail_key)
            assert out["log_group_name"] == exp["log_group"]["name"]
            if "log_group_arn" in out:
                assert out["log_group_arn"] == group_arn
        if exp["role"]:
            _check_role(emulator, exp["role"], str(out["trail_arn"]), extra)
        if exp["detections"]:
            _check_detections(
                emulator,
                {
                    **exp["detections"],
                    "signin_events": exp.get("signin_events"),
                    "eventbridge_path": exp.get("eventbridge_path"),
                },
                out,
                exp["log_group"]["name"],
            )
        if exp.get("eventbridge_path"):
            _check_eventbridge_path(emulator, exp["eventbridge_path"], out, group_arn)
        if exp.get("central"):
            org_id = (
                extra["organization_id"]
                if exp["central"]["organization"] == "fixture"
                else exp["central"]["organization"]
            )
            _check_central(emulator, exp["central"], out, group_arn, org_id)
        if exp.get("members"):
            # The member example's rules are its input; the composed example's members take
            # the central part's member_rules, which _check_central held to the buses.
            rules = member_rules
            if rules is None:
                buses = cast(dict[str, str], out["bus_arns"])
                patterns = cast(dict[str, str], out["event_rule_patterns"])
                rules = {
                    k: {
                        "bus_arn": buses[k],
                        "event_pattern": p,
                        "state": "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
                    }
                    for k, p in patterns.items()
                }
            # The topic of the member region that its forwarders' failure alarms notify: the
            # member example's own, the composed example's by region.
            topic = exp.get("member_topic")
            (region,) = exp["members"]["regions"]
            topic_arn = None
            if topic:
                topic_arn = str(
                    cast(dict[str, str], out["member_failure_topic_arns"])[region]
                    if "member_failure_topic_arns" in out
                    else out["sns_topic_arn"]
                )
                assert topic_arn.startswith(f"arn:aws:sns:{region}:"), topic_arn
                _check_topic_policies(emulator, topic_arn, False, region)
                subs = emulator.client("sns", region).list_subscriptions_by_topic(TopicArn=topic_arn)
                assert sorted(s["Endpoint"] for s in subs["Subscriptions"]) == sorted(topic["emails"])
            _check_members(emulator, exp["members"], rules, topic_arn)
        if exp.get("signin_events"):
            _check_signin_events(emulator, exp["signin_events"], out)
        wanted: dict[str, Any] = {}
        if stack.skip_types:
            # What the emulator has no service for is all that a full plan still wants, and
            # it now names what was applied (the chat configurations: topic and role ARNs).
            wanted = {
                a: rc["change"]
                for a, rc in stack.plan().resource_changes.items()
                if rc["change"]["actions"] not in (["no-op"], ["read"])
            }
            assert {a: c["actions"] for a, c in wanted.items()} == {
                rc["address"]: ["create"] for rc in plan["resource_changes"] if rc["type"] in stack.skip_types
            }
        if exp.get("chat"):
            _check_chat(emulator, exp["chat"], out, wanted)
        if "organization_id" in extra:
            assert out["organization_id"] == extra["organization_id"]

        if exp.get("queue_policies"):
            _check_queue_policies(emulator, out)

        # 4. a second plan has nothing to do, as a scheduled drift check sees it: exit code 0
        # (a data source "read during apply" would make it 2 on every run)
        code, text = stack.drift_check()
        assert code == 0, f"plan -detailed-exitcode exited {code} after apply:\n{text}"
    _assert_nothing_left(emulator, fixtures)
