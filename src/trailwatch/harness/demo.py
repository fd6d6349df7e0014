"""`make demo`: apply examples/minimal on the embedded emulator and show what it built.

The demo also turns on the real-time sign-in notifications (an override file sets
``signin_events_enabled`` on the example's module and subscribes a queue to the topic), so
the story's sign-ins are published to EventBridge too and the messages the security team
would read are printed.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from trailwatch.backtest.report import describe
from trailwatch.backtest.sources import detections_from_log_group
from trailwatch.evaluate import AlarmResult, Evaluator
from trailwatch.filterpattern import Event
from trailwatch.harness import record_corpus as ev
from trailwatch.harness.emulator import ACCOUNT_ID, Emulator
from trailwatch.harness.signin_notifications import envelope
from trailwatch.harness.terraform import Stack, terraform_binary, topic_feed_config

ALLOWED_IP = "203.0.113.10"  # the allowlist the demo gives examples/minimal
#: examples/minimal's required inputs, the user's own on real AWS: here one allowlisted office
#: IP and one recipient, documentation values (RFC 5737, RFC 2606) that reach nobody. The
#: demo and `make bench` pass them, so neither prompts; tests/inventories/minimal.yaml holds
#: the same values for the example's tests.
EXAMPLE_VARS: dict[str, object] = {
    "allowed_source_cidrs": [ALLOWED_IP],
    "alarm_email_addresses": ["security@example.com"],
}

# Terraform merges *_override.tf into the example: the module gets the EventBridge path; a
# second file adds a queue that reads what the topic sends.
DEMO_OVERRIDE = """
module "trailwatch" {
  signin_events_enabled = true
}
"""
DEMO_QUEUE = topic_feed_config("trailwatch-demo-feed")


def story() -> list[tuple[str, ev.Record]]:
    """The seed's story: what happened on the console this morning."""
    return [
        ("allowlisted login with MFA", ev.iam_user_login(mfa=True, ip=ALLOWED_IP, user="anaya")),
        ("login from an unknown IP", ev.iam_user_login(mfa=True, ip="198.51.100.23", user="mallory")),
        ("IAM user without MFA", ev.iam_user_login(mfa=False, ip=ALLOWED_IP, user="bob")),
        ("SSO login from the office", ev.sso_login(ip=ALLOWED_IP, user="kim")),
        ("SSO login from an unknown IP", ev.sso_login(ip="198.51.100.40", user="jdoe")),
        ("root login", ev.root_login(mfa=True, ip=ALLOWED_IP)),
        ("wrong password 1/3", _wrong_password()),
        ("wrong password 2/3", _wrong_password()),
        ("wrong password 3/3", _wrong_password()),
        (
            "console password set for anaya with mallory's keys",
            ev.change(
                "CreateLoginProfile",
                request={"userName": "anaya", "passwordResetRequired": False},
                identity=ev.iam_user("mallory"),
                ip="198.51.100.23",
            ),
        ),
    ]


def _wrong_password() -> ev.Record:
    """A failed sign-in at the password step (the documented failure, with "MFAUsed": "No":
    with "Yes" it is a failure at the MFA step, console_login_mfa_failed)."""
    rec = ev.iam_user_failure(ip="192.0.2.99", user="anaya")
    rec["additionalEventData"] = {**rec["additionalEventData"], "MFAUsed": "No"}
    return rec


def _describe(event: Event) -> str:
    when, user, ip, mfa, _agent = describe(event)
    return f"{when} {user} from {ip} MFA={mfa}"


def _notification(alarm: dict[str, Any], result: AlarmResult, region: str) -> dict[str, Any]:
    """The JSON CloudWatch publishes to SNS when an alarm changes state."""
    return {
        "AlarmName": alarm["AlarmName"],
        "AlarmDescription": alarm.get("AlarmDescription"),
        "AWSAccountId": ACCOUNT_ID,
        "NewStateValue": "ALARM",
        "NewStateReason": (
            f"Threshold Crossed: {result.matches} matching event(s), threshold {alarm['Threshold']}"
        ),
        "StateChangeTime": result.first_alarm_time,
        "Region": region,
        "AlarmArn": alarm["AlarmArn"],
        "OldStateValue": "OK",
        "Trigger": {
            "MetricName": alarm.get("MetricName"),
            "Namespace": alarm.get("Namespace"),
            "Statistic": alarm.get("Statistic"),
            "Period": alarm.get("Period"),
            "EvaluationPeriods": alarm.get("EvaluationPeriods"),
            "ComparisonOperator": alarm.get("ComparisonOperator"),
            "Threshold": alarm.get("Threshold"),
            "TreatMissingData": alarm.get("TreatMissingData"),
        },
    }


def replay(emu: Emulator, outputs: dict[str, Any], console: Console) -> list[AlarmResult]:
    """Write the story to the log group, evaluate what CloudWatch would, and set the alarms."""
    group = str(outputs["log_group_name"])
    logs = emu.client("logs")
    stream = f"{ACCOUNT_ID}_CloudTrail_{emu.region}"
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)
    events = story()
    stamp = datetime.fromtimestamp(now / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[
            {"timestamp": now, "message": ev.message({**rec, "eventTime": stamp})} for _, rec in events
        ],
    )
    console.print(f":white_check_mark: wrote {len(events)} sign-in records to {group} / {stream}")

    # moto stores filters and alarms but never evaluates them: the engine does.
    filters, alarm_specs = detections_from_log_group(logs, emu.client("cloudwatch"), group)
    stored = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"]
    evaluator = Evaluator(filters, alarm_specs)
    evaluator.add_all((e["timestamp"], e["message"]) for e in stored)
    results = evaluator.alarm_results()

    per_event = Table(title="Each sign-in, and the detections it trips")
    per_event.add_column("sign-in")
    per_event.add_column("detections", overflow="fold")
    for label, rec in events:
        e = Event(ev.message(rec))
        hits = [f.name.split("-", 1)[1] for f in filters if f.pattern.matches(e)]
        per_event.add_row(label, ", ".join(hits) or "none")
    console.print(per_event)

    cw = emu.client("cloudwatch")
    sns = emu.client("sns")
    described = {a["AlarmName"]: a for a in cw.describe_alarms()["MetricAlarms"]}
    for r in results:
        state = "ALARM" if r.would_alarm else "INSUFFICIENT_DATA" if r.would_alarm is None else "OK"
        reason = f"trailwatch demo: {r.matches} matching event(s) evaluated by the filter-pattern engine"
        cw.set_alarm_state(AlarmName=r.name, StateValue=state, StateReason=reason)
        if r.would_alarm:
            alarm = described[r.name]
            sns.publish(
                TopicArn=str(outputs["sns_topic_arn"]),
                Subject=f'ALARM: "{r.name}" in {emu.region}'[:100],
                Message=json.dumps(_notification(alarm, r, emu.region)),
            )
    fired = sum(bool(r.would_alarm) for r in results)
    console.print(
        f":white_check_mark: set {len(results)} alarm states in the emulator; published {fired} "
        "notification(s) to the topic"
    )

    samples = {f.name: f for f in evaluator.filter_results.values()}
    metric_to_filter = {f.metric_name: f.name for f in filters}
    table = Table(title="Alarms after replay (state as set in the emulator)")
    table.add_column("alarm", overflow="fold")
    table.add_column("state")
    table.add_column("matches", justify="right")
    table.add_column("offending events (time, user, IP, MFA)", overflow="fold")
    for r in sorted(results, key=lambda r: (not r.would_alarm, r.name)):
        state = cw.describe_alarms(AlarmNames=[r.name])["MetricAlarms"][0]["StateValue"]
        metric = described[r.name]["MetricName"]
        fr = samples.get(metric_to_filter.get(metric, ""))
        offending = "\n".join(_describe(e) for e in fr.samples) if fr and r.would_alarm else ""
        style = "bold red" if state == "ALARM" else "green"
        table.add_row(r.name, f"[{style}]{state}[/]", str(r.matches), offending)
    console.print(table)
    return results


def realtime(emu: Emulator, outputs: dict[str, Any], console: Console) -> list[str]:
    """Publish the story to EventBridge as CloudTrail delivers it (each event with its source
    and detail-type) and print what reaches the topic."""
    events = emu.client("events")
    for _, rec in story():
        event = envelope(rec)
        events.put_events(
            Entries=[
                {"Source": event["source"], "DetailType": event["detail-type"], "Detail": json.dumps(rec)}
            ]
        )
    sqs = emu.client("sqs")
    url = str(outputs["feed_queue_url"])
    messages: list[str] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in batch:
            if not m["Body"].startswith("{"):  # the alarm notifications above are JSON
                messages.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    console.print(
        f":white_check_mark: published {len(story())} events to EventBridge; "
        f"{len(messages)} real-time notification(s) reached the topic:"
    )
    for body in messages:
        console.print(body, markup=False, highlight=False)
        console.print()
    return messages


def _readback(emu: Emulator, outputs: dict[str, Any]) -> Table:
    table = Table(title="What the emulator now holds (read back with boto3)", show_lines=False)
    table.add_column("resource")
    table.add_column("check")
    table.add_column("value", overflow="fold")
    ct = emu.client("cloudtrail")
    (trail,) = ct.describe_trails(trailNameList=[str(outputs["trail_arn"])])["trailList"]
    status = ct.get_trail_status(Name=trail["TrailARN"])
    table.add_row("trail", "multi-region", str(trail["IsMultiRegionTrail"]))
    table.add_row("", "global service events", str(trail["IncludeGlobalServiceEvents"]))
    table.add_row("", "log file validation", str(trail["LogFileValidationEnabled"]))
    table.add_row("", "logging", str(status["IsLogging"]))
    table.add_row("", "delivers to", trail["CloudWatchLogsLogGroupArn"])
    table.add_row("", "KMS key", trail.get("KmsKeyId", "-"))
    name = str(outputs["log_group_name"])
    group = next(
        g
        for g in emu.client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
        if g["logGroupName"] == name
    )
    table.add_row("log group", "retention (days)", str(group.get("retentionInDays", "never expires")))
    table.add_row("", "KMS key", group.get("kmsKeyId", "-"))
    role_name = str(outputs["delivery_role_arn"]).rsplit("/", 1)[-1]
    role = emu.client("iam").get_role(RoleName=role_name)["Role"]
    (stmt,) = role["AssumeRolePolicyDocument"]["Statement"]
    table.add_row("delivery role", "trusted by", stmt["Principal"]["Service"])
    for key, value in stmt.get("Condition", {}).get("StringEquals", {}).items():
        table.add_row("", key, value)
    return table


def run(keep: bool = False, console: Console | None = None) -> int:
    console = console or Console()
    terraform_binary()
    with Emulator() as emu:
        console.print(f"[bold]Embedded AWS emulator[/] (moto) on {emu.endpoint}")
        stack = Stack(
            "minimal",
            emulator=emu,
            extra_files={"demo_override.tf": DEMO_OVERRIDE, "demo_feed.tf": DEMO_QUEUE},
            tf_vars=EXAMPLE_VARS,
        )
        destroyed = False
        try:
            with console.status("terraform init (offline provider mirror + shared plugin cache)"):
                stack.init()
            console.print(":white_check_mark: terraform init")
            with console.status("terraform plan"):
                plan = stack.plan(save=True)
            creates = [a for a, rc in plan.resource_changes.items() if "create" in rc["change"]["actions"]]
            console.print(f":white_check_mark: terraform plan: {len(creates)} resources to create")
            with console.status("terraform apply examples/minimal"):
                stack.apply_saved_plan()  # exactly the plan shown, without planning again
            console.print(":white_check_mark: terraform apply")
            outputs = stack.outputs()
            out_table = Table(title="Outputs")
            out_table.add_column("output")
            out_table.add_column("value", overflow="fold")
            for k, v in outputs.items():
                out_table.add_row(k, str(v))
            console.print(out_table)
            console.print(_readback(emu, outputs))
            replay(emu, outputs, console)
            realtime(emu, outputs, console)
            if keep:
                console.print(
                    f"KEEP=1: the stack stays up. Explore it with\n"
                    f"  AWS_ENDPOINT_URL={emu.endpoint} AWS_ACCESS_KEY_ID=testing "
                    f"AWS_SECRET_ACCESS_KEY=testing aws cloudtrail describe-trails\n"
                    f"Terraform working directory: {stack.dir}\nPress Ctrl-C to stop the emulator."
                )
                stop = threading.Event()
                signal.signal(signal.SIGINT, lambda *_: stop.set())
                signal.signal(signal.SIGTERM, lambda *_: stop.set())
                stop.wait()
                return 0
            with console.status("terraform destroy"):
                stack.destroy()
            destroyed = True
            console.print(":white_check_mark: terraform destroy: the emulator holds no trail any more")
        finally:
            if not keep:
                if not destroyed:
                    stack.destroy()
                stack.cleanup()
    return 0
