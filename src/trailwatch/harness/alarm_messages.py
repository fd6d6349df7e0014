"""Alarm messages (modules/alarm-messages) evaluated outside AWS, and their console links decoded.

The state machine's ``Render`` state holds one JSONata expression (the catalog texts of every
alarm, then modules/alarm-messages/message.jsonata). :func:`render` evaluates that expression,
as read back from a deployed definition, with jsonata-python (a port of the JSONata reference
implementation), binding ``$states.input`` to the event and registering ``$parse`` as Step
Functions documents it ("Transforming data with JSONata in Step Functions": JSONata 2.0.6, no
``$eval``, ``$parse`` deserializes a JSON string). Nothing here builds a link: the encoding
exists once, in the JSONata; :func:`decode_insights_link` and :func:`decode_pattern_link` only
invert it, so a test can check what the console will be given.
:func:`alarm_state_change_event` builds the event CloudWatch sends to EventBridge (Amazon
CloudWatch User Guide, "Alarm events and EventBridge"), which moto never emits.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import jsonata

_FRAGMENT = "#logsV2:logs-insights"


def render_expression(definition: str) -> str:
    """The JSONata expression of the definition's Render state (without the ``{% %}``)."""
    output = json.loads(definition)["States"]["Render"]["Output"]
    if not (output.startswith("{%") and output.endswith("%}")):
        raise ValueError("the Render state's Output is not a JSONata expression")
    return str(output[2:-2])


def render(expression: str, event: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, str]]:
    """The SNS Publish requests (TopicArn, Subject, Message) the state machine makes for an event."""
    expr = jsonata.Jsonata(expression)
    expr.register_lambda("parse", lambda text: json.loads(text))
    frame = expr.create_frame()
    frame.bind("states", {"input": event})
    result = expr.evaluate(None, frame)
    if not isinstance(result, list):
        raise TypeError(
            f"the Render state must output a list (the Map state's items), got {type(result).__name__}"
        )
    return [dict(r) for r in result]


@dataclass(frozen=True)
class InsightsLink:
    region: str
    start: datetime
    end: datetime
    time_type: str
    tz: str
    query: str
    log_groups: list[str]


def _value(token: str) -> str:
    # A primitive: "'" then encodeURIComponent's output with % written as *.
    if not token.startswith("'"):
        raise ValueError(f"not a string value: {token!r}")
    return unquote(token[1:].replace("*", "%"))


def _parse_detail(text: str) -> dict[str, str | list[str]]:
    """The console's ~(key~value~key~(~value...)) object (values escaped, so ~ ( ) ' are syntax)."""
    if not (text.startswith("~(") and text.endswith(")")):
        raise ValueError(f"not a queryDetail object: {text[:40]!r}")
    body = text[2:-1]
    out: dict[str, str | list[str]] = {}
    pos = 0
    while pos < len(body):
        m = re.match(r"([A-Za-z]+)~", body[pos:])
        if not m:
            raise ValueError(f"expected a key at {body[pos : pos + 30]!r}")
        key = m.group(1)
        pos += m.end()
        if body.startswith("(", pos):
            close = body.index(")", pos)
            items = body[pos + 1 : close].split("~")
            out[key] = [_value(i) for i in items if i]
            pos = close + 1
        else:
            nxt = body.find("~", pos)
            nxt = len(body) if nxt < 0 else nxt
            out[key] = _value(body[pos:nxt])
            pos = nxt
        if body.startswith("~", pos):
            pos += 1
    return out


def decode_insights_link(url: str) -> InsightsLink:
    """The region, time range, query and log groups a Logs Insights console link opens."""
    base, sep, fragment = url.partition(_FRAGMENT)
    if not sep:
        raise ValueError(f"not a Logs Insights link: {url[:80]}")
    region = re.search(r"[?&]region=([a-z0-9-]+)", base)
    # The fragment after the page: encodeURIComponent('?queryDetail=' + escape(object)), % -> $.
    once = unquote(fragment.replace("$", "%"))
    if not once.startswith("?queryDetail="):
        raise ValueError(f"no queryDetail in {fragment[:40]!r}")
    detail = _parse_detail(unquote(once[len("?queryDetail=") :]))

    def when(key: str) -> datetime:
        return datetime.fromisoformat(str(detail[key]).replace("Z", "+00:00"))

    groups = detail["source"]
    return InsightsLink(
        region=region.group(1) if region else "",
        start=when("start"),
        end=when("end"),
        time_type=str(detail["timeType"]),
        tz=str(detail["tz"]),
        query=str(detail["editorString"]),
        log_groups=list(groups) if isinstance(groups, list) else [groups],
    )


@dataclass(frozen=True)
class PatternLink:
    region: str
    log_group: str
    pattern: str
    start: datetime
    end: datetime


_EVENTS = re.compile(r"#logsV2:log-groups/log-group/([^/]+)/log-events(.*)$")


def decode_pattern_link(url: str) -> PatternLink:
    """The region, log group, filter pattern and time range of a log-events search link."""
    base, _, _ = url.partition("#")
    m = _EVENTS.search(url)
    if not m:
        raise ValueError(f"not a log-events link: {url[:80]}")
    region = re.search(r"[?&]region=([a-z0-9-]+)", base)
    group = unquote(unquote(m.group(1).replace("$", "%")))
    query = unquote(m.group(2).replace("$", "%"))
    if not query.startswith("?"):
        raise ValueError(f"no search in {m.group(2)[:40]!r}")
    params = dict(p.split("=", 1) for p in query[1:].split("&"))

    def when(key: str) -> datetime:
        return datetime.fromtimestamp(int(params[key]) / 1000, UTC)

    return PatternLink(
        region=region.group(1) if region else "",
        log_group=group,
        pattern=unquote(params["filterPattern"]),
        start=when("start"),
        end=when("end"),
    )


def is_insights_link(url: str) -> bool:
    return _FRAGMENT in url


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+0000"


def alarm_state_change_event(
    alarm: dict[str, Any], matched: list[float], changed: datetime, account: str, region: str
) -> dict[str, Any]:
    """A single metric alarm's state change to ALARM as CloudWatch sends it to EventBridge
    ("Alarm events and EventBridge"): reasonData is a JSON string with the evaluated datapoints
    (newest first), their period and the threshold. ``alarm`` is the alarm as DescribeAlarms
    returns it; ``matched`` the datapoint values, newest first, one per period before the
    state change."""
    period = alarm["Period"]
    newest = changed.replace(second=0, microsecond=0) - timedelta(seconds=period)
    stamps = [newest - timedelta(seconds=period * i) for i in range(len(matched))]
    reason_data = {
        "version": "1.0",
        "queryDate": _iso(changed),
        "startDate": _iso(stamps[-1]),
        "statistic": alarm["Statistic"],
        "period": period,
        "recentDatapoints": matched,
        "threshold": alarm["Threshold"],
        "evaluatedDatapoints": [
            {"timestamp": _iso(t), "sampleCount": v, "value": v} for t, v in zip(stamps, matched, strict=True)
        ],
    }
    return {
        "version": "0",
        "id": "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": account,
        "time": changed.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [alarm["AlarmArn"]],
        "detail": {
            "alarmName": alarm["AlarmName"],
            "state": {
                "value": "ALARM",
                "reason": (
                    f"Threshold Crossed: {len(matched)} datapoint(s) were greater than or equal"
                    f" to the threshold ({alarm['Threshold']})."
                ),
                "reasonData": json.dumps(reason_data),
                "timestamp": _iso(changed),
            },
            "previousState": {"value": "OK", "reason": "", "timestamp": _iso(changed - timedelta(hours=1))},
            "configuration": {
                "description": alarm.get("AlarmDescription", ""),
                "metrics": [
                    {
                        "id": "m1",
                        "metricStat": {
                            "metric": {
                                "namespace": alarm["Namespace"],
                                "name": alarm["MetricName"],
                                "dimensions": {},
                            },
                            "period": period,
                            "stat": alarm["Statistic"],
                        },
                        "returnData": True,
                    }
                ],
            },
        },
    }
