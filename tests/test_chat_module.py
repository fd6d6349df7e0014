"""modules/chat (issue 13): Slack and Microsoft Teams channel configurations, planned.

The emulator (moto 5.2.5) has no chat service, so the consumer config tests/configs/chat is
planned, not applied: the channel configurations, their role and guardrails, the chat topic's
key, and the sign-in rules' chat targets are read from the plan. Not known at plan, so not
asserted here: the chat topic's ARN and its topic policy (it names the topic); that policy is
modules/notifications' own, which every applied example checks. Authorising the workspace or
tenant, creating the configurations and delivery exist only on real AWS.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trailwatch.emulator import Emulator
from trailwatch.inventory import summarize
from trailwatch.terraform import Stack

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("chat_module")]

CONFIG = Path(__file__).parent / "configs" / "chat"
CHAT = "module.trailwatch.module.chat[0]"
SIGNIN_RULES = {
    "console_login_unexpected_ip",
    "console_login_without_mfa",
    "console_login_failures",
    "root_usage",
    "root_privileged_task",
}


@pytest.fixture(scope="module")
def planned(emulator_session: Emulator, terraform: str) -> Iterator[dict[str, dict[str, Any]]]:
    stack = Stack(CONFIG, emulator=emulator_session)
    try:
        yield summarize(dict(stack.plan())).values
    finally:
        stack.cleanup()


def test_slack_and_teams_configurations_take_the_console_ids(planned: dict[str, dict[str, Any]]) -> None:
    slack = planned[f'{CHAT}.aws_chatbot_slack_channel_configuration.this["security"]']
    assert slack["slack_team_id"] == "T0123456789"
    assert slack["slack_channel_id"] == "C0123456789"
    assert slack["configuration_name"] == "trailwatch-chat-slack-security"
    teams = planned[f'{CHAT}.aws_chatbot_teams_channel_configuration.this["security"]']
    assert teams["tenant_id"] == "00000000-0000-4000-8000-000000000001"
    assert teams["team_id"] == "00000000-0000-4000-8000-000000000002"
    assert teams["channel_id"] == "19%3a0123456789abcdef0123456789abcdef%40thread.tacv2"
    assert teams["configuration_name"] == "trailwatch-chat-teams-security"
    for cfg in (slack, teams):
        # Never unset: the API would apply AdministratorAccess.
        assert cfg["guardrail_policy_arns"] == ["arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"]
        assert cfg["logging_level"] == "ERROR"
        assert cfg["user_authorization_required"] is False
        assert len(cfg["sns_topic_arns"]) == 1  # the chat topic (its ARN is known after apply)


def test_channel_role_trusts_the_chat_service_and_has_no_permissions(
    planned: dict[str, dict[str, Any]],
) -> None:
    role = planned[f"{CHAT}.aws_iam_role.channel[0]"]
    assert role["name"] == "trailwatch-chat-channel"
    trust = json.loads(role["assume_role_policy"])
    (stmt,) = trust["Statement"]
    assert stmt["Effect"] == "Allow"
    assert stmt["Principal"] == {"Service": "chatbot.amazonaws.com"}
    assert stmt["Action"] == "sts:AssumeRole"
    # The service documents no source keys for this AssumeRole: a condition would deny it.
    assert "Condition" not in stmt
    attached = [a for a in planned if a.startswith(f"{CHAT}.aws_iam_role_policy")]
    assert attached == [], attached


def test_chat_topic_key_admits_alarms_and_signin_rules(planned: dict[str, dict[str, Any]]) -> None:
    key = planned[f"{CHAT}.module.topic.aws_kms_key.this[0]"]
    stmts = {s["Sid"]: s for s in json.loads(key["policy"])["Statement"]}
    assert set(stmts) == {
        "AccountAdministration",
        "CloudWatchAlarmsPublishEncrypted",
        "EventBridgeRulesPublishEncrypted",
    }
    for sid, service in (
        ("CloudWatchAlarmsPublishEncrypted", "cloudwatch.amazonaws.com"),
        ("EventBridgeRulesPublishEncrypted", "events.amazonaws.com"),
    ):
        assert stmts[sid]["Principal"] == {"Service": service}
        assert sorted(stmts[sid]["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
        assert "Condition" not in stmts[sid]
    topic = planned[f"{CHAT}.module.topic.aws_sns_topic.this[0]"]
    assert topic["name"] == "trailwatch-chat"
    assert topic["fifo_topic"] is False


def test_every_signin_rule_sends_the_chat_topic_its_custom_notification(
    planned: dict[str, dict[str, Any]],
) -> None:
    prefix = "module.trailwatch.module.signin_events[0].aws_cloudwatch_event_target.sns"
    chat_targets = {a.removeprefix(prefix) for a in planned if a.startswith(prefix) and "#chat" in a}
    assert chat_targets == {f'["{k}#chat0"]' for k in SIGNIN_RULES}
    for key in SIGNIN_RULES:
        template = planned[f'{prefix}["{key}#chat0"]']["input_transformer"][0]["input_template"]
        assert '"source":"custom"' in template.replace(" ", "") and '"version":"1.0"' in template.replace(
            " ", ""
        )
