"""The chat topic's encryption is a choice (issue 24, finding 9): delivery from a
KMS-encrypted topic to the chat service is confirmed by no AWS page in reach, so
chat_topic_encrypted = false leaves the chat topic unencrypted, and the module's own topic
keeps its key."""

from __future__ import annotations

import json

import pytest

from trailwatch.harness.emulator import Emulator
from trailwatch.harness.terraform import plan_files

pytestmark = pytest.mark.emulator


def test_an_unencrypted_chat_topic_is_a_supported_choice(emulator_session: Emulator, terraform: str) -> None:
    doc = {
        "provider": {"aws": {"region": "us-east-1"}},
        "module": {
            name: {
                "source": "../../",
                "name_prefix": f"ct-{name}",
                "chat_enabled": True,
                "chat_topic_encrypted": encrypted,
                "alarm_messages_enabled": True,
            }
            for name, encrypted in (("plain", False), ("kms", True))
        },
    }
    plan = plan_files({"main.tf.json": json.dumps(doc)}, emulator_session, "chat-topic")
    changes = plan.resource_changes
    for name, encrypted in (("plain", False), ("kms", True)):
        chat = f"module.{name}.module.chat[0].module.topic"
        keys = [a for a in changes if a.startswith(f"{chat}.aws_kms_key.")]
        assert bool(keys) is encrypted, name
        topic = changes[f"{chat}.aws_sns_topic.this[0]"]["change"]
        assert ("kms_master_key_id" in topic["after_unknown"]) is encrypted, name
        # The module's own topic keeps its key either way.
        assert f"module.{name}.module.notifications.aws_kms_key.this[0]" in changes
        # The state machine is granted the keys of the encrypted topics it publishes to, by
        # ARN (the module's topic; the chat topic only when encrypted).
        machine = changes[f"module.{name}.module.alarm_messages[0].aws_iam_role_policy.machine"]["change"]
        assert "policy" in machine["after_unknown"]
