"""The EventBridge side of sign-in detections (modules/signin-events), in Python.

* :func:`envelope` wraps a CloudTrail sign-in record the way EventBridge delivers it
  ("AWS Console Sign In via CloudTrail" from ``aws.signin``, the record as ``detail``).
* :func:`render` fills an input transformer (InputPathsMap + InputTemplate) from an event,
  as EventBridge does for a text template whose lines are JSON strings: each ``<name>`` is
  replaced by the value at its JSON path (strings JSON-escaped inside the quotes), a path
  that resolves to nothing gives an empty string, and each line's quotes are kept.
* :func:`chat_template_for` is the same message for chat channels: a custom notification
  (Amazon Q Developer in chat applications) that EventBridge fills like the text.
* :func:`patterns` reads the catalog's EventBridge patterns (the same file HCL reads).
"""

from __future__ import annotations

import json
import re
from typing import Any

from trailwatch.catalog import load
from trailwatch.filterpattern import select

_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.-]+)>")


def settings() -> dict[str, Any]:
    """The catalog's ``signin_events`` block (envelope, input paths, template lines)."""
    data: dict[str, Any] = load()["signin_events"]
    return data


def envelope(record: dict[str, Any], region: str | None = None, account: str | None = None) -> dict[str, Any]:
    """A CloudTrail sign-in record as the EventBridge event AWS puts on the default bus."""
    env = settings()["envelope"]
    return {
        "version": "0",
        "id": record.get("eventID", "00000000-0000-0000-0000-000000000000"),
        "detail-type": env["detail-type"][0],
        "source": env["source"][0],
        "account": account or record.get("recipientAccountId", ""),
        "time": record.get("eventTime", ""),
        "region": region or record.get("awsRegion", "us-east-1"),
        "resources": [],
        "detail": record,
    }


def is_signin_record(record: dict[str, Any]) -> bool:
    """Whether CloudTrail sends this record to EventBridge as a console sign-in event."""
    return record.get("eventSource") == "signin.amazonaws.com"


def render(template: str, input_paths: dict[str, str], event: dict[str, Any]) -> str:
    """The text EventBridge sends to the target for this input transformer and event."""
    values = {name: select(event, path) for name, path in input_paths.items()}

    def fill(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in values:
            return m.group(0)
        v = values[name]
        if v is None:
            return ""
        text = v if isinstance(v, str) else json.dumps(v)
        # Inside a JSON string: escape as JSON would, without the surrounding quotes.
        return json.dumps(text)[1:-1]

    return _PLACEHOLDER.sub(fill, template)


def flagged(message: str) -> tuple[str, str]:
    """(event ID, reason) of a rendered text message: what a test reads back from a queue."""
    lines = message.splitlines()
    event_id = next(line for line in lines if line.startswith('"Event ID: ')).removeprefix('"Event ID: ')
    return event_id.rstrip('"'), lines[0].split("flagged, ", 1)[1].rstrip('"')


def template_for(why: str) -> str:
    """The input template of a rule whose reason is ``why`` (as modules/signin-events builds it)."""
    s = settings()
    return "\n".join(f'"{line.replace(s["why_placeholder"], why)}"' for line in s["input_template_lines"])


def chat_template_for(why: str, severity: str) -> str:
    """The chat channels' input template of a rule (custom notification JSON), as
    modules/signin-events builds it: the catalog's template as Terraform's jsonencode writes
    it (keys sorted, compact), with the reason and the upper-case severity filled in."""
    chat = settings()["chat_notification"]
    text = json.dumps(chat["template"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = text.replace(settings()["why_placeholder"], json.dumps(why)[1:-1])
    return text.replace(chat["severity_placeholder"], severity.upper())


def patterns() -> dict[str, dict[str, Any]]:
    """key -> {"why": ..., "patterns": {pattern id: detail pattern}} for each sign-in detection."""
    return {k: d["eventbridge"] for k, d in load()["detections"].items() if "eventbridge" in d}


def full_pattern(detail: dict[str, Any], allowlist_wildcards: list[str] | None = None) -> dict[str, Any]:
    """A catalog detail pattern with the envelope and the allowlist filled in (as the HCL does)."""
    s = settings()
    text = json.dumps({**s["envelope"], "detail": detail})
    text = text.replace(json.dumps(s["allowlist_placeholder"]), json.dumps(allowlist_wildcards or []))
    result: dict[str, Any] = json.loads(text)
    return result
