"""`make demo`: apply examples/minimal on the embedded emulator and show what it built."""

from __future__ import annotations

import signal
import threading
from typing import Any

from rich.console import Console
from rich.table import Table

from trailwatch.emulator import Emulator
from trailwatch.terraform import Stack, terraform_binary


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
        stack = Stack("minimal", emulator=emu)
        destroyed = False
        try:
            with console.status("terraform init (offline provider mirror + shared plugin cache)"):
                stack.init()
            console.print(":white_check_mark: terraform init")
            with console.status("terraform plan"):
                plan = stack.plan()
            creates = [a for a, rc in plan.resource_changes.items() if "create" in rc["change"]["actions"]]
            console.print(f":white_check_mark: terraform plan: {len(creates)} resources to create")
            with console.status("terraform apply examples/minimal"):
                stack.apply()
            console.print(":white_check_mark: terraform apply")
            outputs = stack.outputs()
            out_table = Table(title="Outputs")
            out_table.add_column("output")
            out_table.add_column("value", overflow="fold")
            for k, v in outputs.items():
                out_table.add_row(k, str(v))
            console.print(out_table)
            console.print(_readback(emu, outputs))
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
