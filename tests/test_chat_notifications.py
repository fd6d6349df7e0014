"""The sign-in message for chat channels (a custom notification of Amazon Q Developer in chat
applications), rendered in Python the way EventBridge fills the input transformer."""

from __future__ import annotations

import json

from trailwatch.catalog import detections
from trailwatch.harness.scenarios import corpus
from trailwatch.harness.signin_notifications import (
    chat_template,
    chat_template_for,
    envelope,
    input_paths_for,
    patterns,
    render,
    settings,
    text_template,
)


def test_every_rule_renders_a_valid_custom_notification_for_every_signin() -> None:
    for key, eb in patterns().items():
        template = chat_template(key)
        for name, record in corpus().items():
            # A user agent with quotes and a backslash must not break the JSON.
            rec = {**record, "userAgent": 'Mozilla/5.0 "quoted" \\ agent'}
            note = json.loads(render(template, input_paths_for(key), envelope(rec)))
            assert note["version"] == "1.0" and note["source"] == "custom", name
            assert note["id"] == rec["eventID"]
            assert note["content"]["title"] == (
                f"[{detections()[key].severity.upper()}] trailwatch: {rec['eventName']} flagged, {eb['why']}"
            )
            description = note["content"]["description"]
            assert f"*Source IP:* {rec.get('sourceIPAddress', '')}" in description
            assert f"*Time:* {rec['eventTime']}" in description
            assert f"*Region:* {rec['awsRegion']}" in description
            assert 'Mozilla/5.0 "quoted" \\ agent' in description
            assert f"*Event ID:* {rec['eventID']}" in description


def test_the_chat_template_carries_the_text_templates_fields() -> None:
    # One set of facts for both audiences: every placeholder of the text is in the chat form,
    # for every rule (its message and its subject lines).
    for key in patterns():
        text = text_template(key)
        chat = chat_template(key)
        for name in input_paths_for(key):
            assert (f"<{name}>" in text) == (f"<{name}>" in chat), (key, name)
        assert chat_template(key) == chat_template_for(
            patterns()[key]["why"],
            detections()[key].severity,
            patterns()[key].get("message", "signin"),
            patterns()[key].get("subject"),
        )
    # The lines of both messages, with their subject: each used by some rule.
    assert {patterns()[k].get("message", "signin") for k in patterns()} == set(
        settings()["chat_notification"]["descriptions"]
    )
