"""The EventBridge side of the detections (modules/signin-events), in Python.

* :func:`envelope` wraps a CloudTrail record the way EventBridge delivers it on the default
  bus: source ``aws.<service>`` from the record's eventSource, detail-type from its
  eventType ("AWS Console Sign In via CloudTrail", "AWS API Call via CloudTrail", "AWS
  Service Event via CloudTrail"), the record as ``detail`` (EventBridge User Guide, "AWS
  service events delivered via AWS CloudTrail"). :func:`delivered` says whether a rule in a
  given state receives it at all (read-only management events only reach rules in
  ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS).
* :func:`rule_envelope`, :func:`rule_pattern`, :func:`forward_pattern`, :func:`rule_state`,
  :func:`input_paths_for`, :func:`text_template` and :func:`chat_template` build what
  modules/signin-events builds for a detection, from the same catalog.
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


_DETAIL_TYPES = {
    "awsapicall": "AWS API Call via CloudTrail",
    "awsconsolesignin": "AWS Console Sign In via CloudTrail",
    "awsserviceevent": "AWS Service Event via CloudTrail",
}
ALL_MANAGEMENT_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"


def envelope(record: dict[str, Any], region: str | None = None, account: str | None = None) -> dict[str, Any]:
    """A CloudTrail record as the EventBridge event AWS puts on the default bus."""
    source = str(record.get("eventSource") or "signin.amazonaws.com")
    event_type = str(record.get("eventType") or "").lower()
    if event_type not in _DETAIL_TYPES:
        # A record without its eventType (reduced exports): a ConsoleLogin is a sign-in.
        event_type = "awsconsolesignin" if record.get("eventName") == "ConsoleLogin" else "awsapicall"
    return {
        "version": "0",
        "id": record.get("eventID", "00000000-0000-0000-0000-000000000000"),
        "detail-type": _DETAIL_TYPES[event_type],
        "source": "aws." + source.split(".", 1)[0],
        "account": account or record.get("recipientAccountId", ""),
        "time": record.get("eventTime", ""),
        "region": region or record.get("awsRegion", "us-east-1"),
        "resources": [],
        "detail": record,
    }


def delivered(record: dict[str, Any], state: str = "ENABLED") -> bool:
    """Whether EventBridge hands this CloudTrail record to a rule in ``state`` at all:
    read-only management events only reach ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS
    (EventBridge User Guide, "Receiving read-only management events from AWS services")."""
    return state == ALL_MANAGEMENT_EVENTS or record.get("readOnly") is not True


def is_signin_record(record: dict[str, Any]) -> bool:
    """Whether CloudTrail sends this record to EventBridge as a sign-in service event."""
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


def _subject_lines(subject: list[dict[str, Any]], label_format: str) -> list[str]:
    """The subject's lines: each label, then its paths' placeholders in key order (as
    Terraform's keys() lists an object's attributes)."""
    return [
        label_format.format(item["label"]) + " ".join(f"<{n}>" for n in sorted(item["paths"]))
        for item in subject
    ]


def template_for(why: str, message: str = "signin", subject: list[dict[str, Any]] | None = None) -> str:
    """The input template of a rule whose reason is ``why`` (as modules/signin-events builds it)."""
    s = settings()
    lines = s["input_template_lines"] if message == "signin" else s["change_template_lines"]
    out: list[str] = []
    for line in lines:
        if line == s["subject_placeholder"]:
            out.extend(_subject_lines(subject or [], "{}: "))
        else:
            out.append(line.replace(s["why_placeholder"], why))
    return "\n".join(f'"{line}"' for line in out)


def chat_template_for(
    why: str, severity: str, message: str = "signin", subject: list[dict[str, Any]] | None = None
) -> str:
    """The chat channels' input template of a rule (custom notification JSON), as
    modules/signin-events builds it: the catalog's template as Terraform's jsonencode writes
    it (keys sorted, compact), with the message's description (and subject lines), the
    reason and the upper-case severity filled in."""
    s = settings()
    chat = s["chat_notification"]
    text = json.dumps(chat["template"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    subject_text = "".join(line + "\n" for line in _subject_lines(subject or [], "*{}:* "))
    description = chat["descriptions"][message].replace(s["subject_placeholder"], subject_text)
    text = text.replace(chat["description_placeholder"], json.dumps(description, ensure_ascii=False)[1:-1])
    text = text.replace(s["why_placeholder"], json.dumps(why)[1:-1])
    return text.replace(chat["severity_placeholder"], severity.upper())


def patterns() -> dict[str, dict[str, Any]]:
    """key -> the detection's ``eventbridge`` block (why, patterns, and envelope, message,
    subject, opt_in, all_management_events where set) for each detection with a real-time
    sign-in rule (modules/signin-events): every block but the detection path's own
    (``detection_path_only``)."""
    return {k: eb for k, eb in detection_rules().items() if "detection_path_only" not in eb}


def detection_rules() -> dict[str, dict[str, Any]]:
    """key -> the detection's ``eventbridge`` block, for every detection with one (the
    eventbridge detection path's rules: :func:`detection_pattern`)."""
    return {k: d["eventbridge"] for k, d in load()["detections"].items() if "eventbridge" in d}


def path_settings() -> dict[str, Any]:
    """The catalog's ``eventbridge_path`` block (envelope, state, inexpressible, differences)."""
    data: dict[str, Any] = load()["eventbridge_path"]
    return data


def takes_exclusions(key: str, pattern_id: str) -> bool:
    """Whether a pattern id takes the exclusions: exactly where its filter pattern holds the
    exclusion placeholder (as modules/metric-filters fills it)."""
    text = str(load()["detections"][key]["patterns"][pattern_id])
    return str(load()["placeholders"]["exclusions"]) in text


def _excluded(fragment_name: str, placeholder_name: str, values: list[str]) -> dict[str, Any]:
    """An exclusion fragment of the catalog with its placeholder replaced by the values."""
    x = load()["exclusions"]
    text = json.dumps(x[fragment_name]).replace(json.dumps(x[placeholder_name]), json.dumps(values))
    fragment: dict[str, Any] = json.loads(text)
    return fragment


def detail_pattern(
    key: str,
    pattern_id: str = "tuned",
    excluded_event_sources: list[str] | None = None,
    excluded_principal_arns: list[str] | None = None,
) -> dict[str, Any]:
    """A detection's detail pattern: its envelope's detail (the event names an API-call
    detection watches), the catalog pattern, and the exclusions given (each merged as its
    own key, as the HCL's merge() does)."""
    env = detection_rules()[key].get("envelope", settings()["envelope"])
    detail: dict[str, Any] = {**env.get("detail", {}), **detection_rules()[key]["patterns"][pattern_id]}
    if excluded_event_sources:
        detail = {
            **detail,
            **_excluded(
                "eventbridge_event_source", "eventbridge_event_source_placeholder", excluded_event_sources
            ),
        }
    if excluded_principal_arns:
        detail = {
            **detail,
            **_excluded("eventbridge_principal_arn", "eventbridge_placeholder", excluded_principal_arns),
        }
    return detail


def detection_pattern(
    key: str,
    pattern_id: str = "tuned",
    allowlist_wildcards: list[str] | None = None,
    excluded_event_sources: list[str] | None = None,
    excluded_principal_arns: list[str] | None = None,
) -> dict[str, Any]:
    """A detection's rule on the eventbridge detection path: every CloudTrail event (the
    path's envelope), its detail pattern with the allowlist filled in, and the exclusions
    only where the pattern id's filter takes them, of the kinds the detection takes
    (its catalog ``exclusions``), as modules/metric-filters fills them."""
    kinds = load()["detections"][key].get("exclusions", []) if takes_exclusions(key, pattern_id) else []
    detail = detail_pattern(
        key,
        pattern_id,
        excluded_event_sources if "event_source" in kinds else None,
        excluded_principal_arns if "principal_arn" in kinds else None,
    )
    return full_pattern(detail, allowlist_wildcards, path_settings()["envelope"])


def rule_envelope(key: str) -> dict[str, Any]:
    """The envelope of a detection's rule: source, detail-type and (for an API-call
    detection) the detail its events must have."""
    env: dict[str, Any] = patterns()[key].get("envelope", settings()["envelope"])
    return env


def rule_state(key: str) -> str:
    """The rule's state: ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS where a watched event
    may be read-only, else ENABLED."""
    return ALL_MANAGEMENT_EVENTS if "all_management_events" in patterns()[key] else "ENABLED"


def input_paths_for(key: str) -> dict[str, str]:
    """The input paths of a detection's targets: the catalog's, with its subject's."""
    paths = dict(settings()["input_paths"])
    for item in patterns()[key].get("subject", []):
        paths.update(item["paths"])
    return paths


def text_template(key: str) -> str:
    """The text input template of a detection's rule."""
    eb = patterns()[key]
    return template_for(eb["why"], eb.get("message", "signin"), eb.get("subject"))


def chat_template(key: str) -> str:
    """The chat input template of a detection's rule."""
    eb = patterns()[key]
    severity = str(load()["detections"][key]["severity"])
    return chat_template_for(eb["why"], severity, eb.get("message", "signin"), eb.get("subject"))


def rule_pattern(
    key: str,
    pattern_id: str = "tuned",
    allowlist_wildcards: list[str] | None = None,
    excluded_principal_arns: list[str] | None = None,
) -> dict[str, Any]:
    """A detection's full event pattern, as modules/signin-events builds it: the envelope's
    source and detail-type, and as detail the envelope's detail, the catalog pattern and
    (when given) the principal exclusions, with the allowlist filled in."""
    env = rule_envelope(key)
    detail = detail_pattern(key, pattern_id, None, excluded_principal_arns)
    return full_pattern(detail, allowlist_wildcards, {k: v for k, v in env.items() if k != "detail"})


def forward_pattern(keys: list[str]) -> dict[str, Any]:
    """The forwarding rule's pattern for these enabled detections: their envelopes, one or
    ``$or`` of the distinct ones, in key order (as Terraform iterates a map)."""
    distinct: list[dict[str, Any]] = []
    for key in sorted(keys):
        env = rule_envelope(key)
        if env not in distinct:
            distinct.append(env)
    if not distinct:
        return dict(settings()["envelope"])
    return distinct[0] if len(distinct) == 1 else {"$or": distinct}


def full_pattern(
    detail: dict[str, Any],
    allowlist_wildcards: list[str] | None = None,
    env: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A detail pattern with an envelope (the console sign-in one unless given) and the
    allowlist filled in (as the HCL does)."""
    s = settings()
    text = json.dumps({**(env if env is not None else s["envelope"]), "detail": detail})
    text = text.replace(json.dumps(s["allowlist_placeholder"]), json.dumps(allowlist_wildcards or []))
    result: dict[str, Any] = json.loads(text)
    return result
