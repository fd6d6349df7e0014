"""The sign-in message for chat channels (a custom notification of Amazon Q Developer in chat
applications), rendered in Python the way EventBridge fills the input transformer."""

from __future__ import annotations

import json

from trailwatch.catalog import detections
from trailwatch.scenarios import corpus
from trailwatch.signin_notifications import chat_template_for, envelope, patterns, render, settings


def test_every_rule_renders_a_valid_custom_notification_for_every_signin() -> None:
    s = settings()
    for key, eb in patterns().items():
        template = chat_template_for(eb["why"], detections()[key].severity)
        for name, record in corpus().items():
            # A user agent with quotes and a backslash must not break the JSON.
            rec = {**record, "userAgent": 'Mozilla/5.0 "quoted" \\ agent'}
            note = json.loads(render(template, s["input_paths"], envelope(rec)))
            assert note["version"] == "1.0" and note["source"] == "custom", name
            assert note["id"] == rec["eventID"]
            assert note["content"]["title"] == (
                f"[{detections()[key].severity.upper()}] trailwatch: {rec['eventName']} flagged, {eb['why']}"
            )
            description = note["content"]["description"]
            assert f"*Source IP:* {rec['sourceIPAddress']}" in description
            assert f"*Time:* {rec['eventTime']}" in description
            assert f"*Region:* {rec['awsRegion']}" in description
            assert 'Mozilla/5.0 "quoted" \\ agent' in description
            assert f"*Event ID:* {rec['eventID']}" in description


def test_the_chat_template_carries_the_text_templates_fields() -> None:
    # One set of facts for both audiences: every placeholder of the text is in the chat form.
    s = settings()
    text = "\n".join(s["input_template_lines"])
    chat = json.dumps(s["chat_notification"]["template"])
    for name in s["input_paths"]:
        assert (f"<{name}>" in text) == (f"<{name}>" in chat), name
