"""Conformance of the EventBridge-pattern engine (src/trailwatch/eventpattern.py).

The cases follow the examples of the EventBridge user guide ("Event patterns",
"Comparison operators for use in event patterns", "Content filtering") and the README of
aws/event-ruler, the library EventBridge matches with: the same sample event shape
(an EC2 state-change event with counts, a limit and a source IP) and one pattern per
documented operator, each with the outcome the documentation states. A second part checks
that invalid patterns are rejected, and a third compares the engine with moto's matcher on
the sign-in rules, where moto implements every operator they use.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.events.models import EventPattern as MotoEventPattern

from trailwatch.eventpattern import EventPattern, InvalidEventPattern, matches
from trailwatch.harness import record_corpus as ev
from trailwatch.harness.scenarios import corpus
from trailwatch.harness.signin_notifications import envelope, full_pattern, is_signin_record, patterns

EVENT: dict[str, Any] = {
    "version": "0",
    "id": "ddddd4-aaaa-7777-4444-345dd43cc333",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "012345679012",
    "time": "2017-10-02T16:24:49Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
    "detail": {
        "c-count": 5,
        "d-count": 3,
        "x-limit": 301.8,
        "source-ip": "10.0.0.33",
        "instance-id": "i-000000aaaaaa00000",
        "state": "running",
        "FilePath": "/usr/lib/file.png",
        "LastName": "",
        "Name": "Alice",
        "nothing": None,
        "enabled": True,
        "tags": [{"key": "team", "value": "sec"}, {"key": "env", "value": "prod"}],
    },
}

DOCUMENTED: list[tuple[str, dict[str, Any], bool]] = [
    # Equals, multiple values (OR), AND across fields.
    ("equals", {"source": ["aws.ec2"]}, True),
    ("equals other", {"source": ["aws.s3"]}, False),
    ("one of several values", {"source": ["aws.ec2", "aws.fargate"]}, True),
    ("and across fields", {"source": ["aws.ec2"], "detail": {"state": ["stopped"]}}, False),
    (
        "nested field",
        {
            "detail-type": ["EC2 Instance State-change Notification"],
            "detail": {"state": ["initializing", "running"]},
        },
        True,
    ),
    (
        "array field: intersection",
        {"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000", "x"]},
        True,
    ),
    ("field must exist", {"detail": {"missing": ["x"]}}, False),
    ("case sensitive", {"detail": {"state": ["RUNNING"]}}, False),
    ("empty string", {"detail": {"LastName": [""]}}, True),
    ("null", {"detail": {"nothing": [None]}}, True),
    ("boolean", {"detail": {"enabled": [True]}}, True),
    ("string does not equal number", {"detail": {"c-count": ["5"]}}, False),
    ("number equals number", {"detail": {"c-count": [5]}}, True),
    ("number compared as number", {"detail": {"x-limit": [3.018e2]}}, True),
    # Prefix / suffix / ignore case / wildcard.
    ("prefix", {"time": [{"prefix": "2017-10-02"}]}, True),
    ("prefix miss", {"time": [{"prefix": "2018"}]}, False),
    ("prefix ignore case", {"detail": {"state": [{"prefix": {"equals-ignore-case": "RUN"}}]}}, True),
    ("suffix", {"detail": {"FilePath": [{"suffix": ".png"}]}}, True),
    ("suffix ignore case", {"detail": {"FilePath": [{"suffix": {"equals-ignore-case": ".PNG"}}]}}, True),
    ("equals-ignore-case", {"detail": {"Name": [{"equals-ignore-case": "alice"}]}}, True),
    ("wildcard", {"source": [{"wildcard": "aws.*"}]}, True),
    ("wildcard inside", {"detail": {"FilePath": [{"wildcard": "*/lib/*"}]}}, True),
    ("wildcard must cover the whole value", {"detail": {"FilePath": [{"wildcard": "/usr/lib"}]}}, False),
    ("wildcard is not a prefix on numbers", {"detail": {"c-count": [{"wildcard": "5*"}]}}, False),
    # Anything-but.
    ("anything-but string", {"detail": {"state": [{"anything-but": "initializing"}]}}, True),
    ("anything-but same string", {"detail": {"state": [{"anything-but": "running"}]}}, False),
    ("anything-but number", {"detail": {"x-limit": [{"anything-but": 123}]}}, True),
    ("anything-but list", {"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}, True),
    ("anything-but list hit", {"detail": {"state": [{"anything-but": ["stopped", "running"]}]}}, False),
    ("anything-but numbers", {"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}}, True),
    ("anything-but prefix", {"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}, True),
    ("anything-but prefix hit", {"detail": {"state": [{"anything-but": {"prefix": "run"}}]}}, False),
    ("anything-but suffix", {"detail": {"FilePath": [{"anything-but": {"suffix": ".txt"}}]}}, True),
    (
        "anything-but ignore case",
        {"detail": {"state": [{"anything-but": {"equals-ignore-case": "RUNNING"}}]}},
        False,
    ),
    ("anything-but wildcard", {"detail": {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}}, False),
    (
        "anything-but wildcard list",
        {"detail": {"FilePath": [{"anything-but": {"wildcard": ["*/bin/*", "*/etc/*"]}}]}},
        True,
    ),
    ("anything-but on an absent field", {"detail": {"missing": [{"anything-but": "x"}]}}, False),
    # Numeric.
    ("numeric range", {"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}}, True),
    ("numeric upper bound", {"detail": {"d-count": [{"numeric": ["<", 10]}]}}, True),
    ("numeric equals", {"detail": {"x-limit": [{"numeric": ["=", 3.018e2]}]}}, True),
    ("numeric outside", {"detail": {"c-count": [{"numeric": [">", 5]}]}}, False),
    ("numeric on a string", {"detail": {"state": [{"numeric": [">", 0]}]}}, False),
    # IP address.
    ("cidr", {"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}}, True),
    ("cidr outside", {"detail": {"source-ip": [{"cidr": "10.0.1.0/24"}]}}, False),
    ("cidr /8", {"detail": {"source-ip": [{"cidr": "10.0.0.0/8"}]}}, True),
    # Exists.
    ("exists true", {"detail": {"c-count": [{"exists": True}]}}, True),
    ("exists false on present field", {"detail": {"c-count": [{"exists": False}]}}, False),
    ("exists false on absent field", {"detail": {"missing": [{"exists": False}]}}, True),
    ("exists false when the parent is absent", {"detail": {"nope": {"deeper": [{"exists": False}]}}}, True),
    ("exists true on a null value", {"detail": {"nothing": [{"exists": True}]}}, True),
    ("exists is for leaves: an object is not one", {"detail": {"tags": [{"exists": True}]}}, False),
    # Arrays of objects are matched element-wise.
    ("array of objects", {"detail": {"tags": {"key": ["env"]}}}, True),
    # $or.
    (
        "$or",
        {"source": ["aws.ec2"], "$or": [{"detail": {"state": ["stopped"]}}, {"detail": {"c-count": [5]}}]},
        True,
    ),
    ("$or none", {"$or": [{"detail": {"state": ["stopped"]}}, {"detail": {"c-count": [6]}}]}, False),
    (
        "$or with an and inside",
        {
            "$or": [
                {"region": ["eu-west-1"]},
                {"detail": {"state": ["running"], "c-count": [{"numeric": [">", 1]}]}},
            ]
        },
        True,
    ),
    (
        "nested $or",
        {"detail": {"$or": [{"state": ["x"]}, {"$or": [{"c-count": [1]}, {"d-count": [3]}]}]}},
        True,
    ),
    # The complex example of the documentation.
    (
        "complex example",
        {
            "time": [{"prefix": "2017-10-02"}],
            "detail": {
                "state": [{"anything-but": "initializing"}],
                "c-count": [{"numeric": [">", 0, "<=", 5]}],
                "d-count": [{"numeric": ["<", 10]}],
                "x-limit": [{"anything-but": [100, 200, 300]}],
                "source-ip": [{"cidr": "10.0.0.0/8"}],
            },
        },
        True,
    ),
]


@pytest.mark.parametrize(("name", "pattern", "expected"), DOCUMENTED, ids=[c[0] for c in DOCUMENTED])
def test_documented_operator(name: str, pattern: dict[str, Any], expected: bool) -> None:
    assert matches(pattern, EVENT) is expected
    # Patterns arrive as JSON text from Terraform: same answer.
    assert EventPattern(json.dumps(pattern)).matches(json.dumps(EVENT)) is expected


def test_ipv6_cidr() -> None:
    event = {"detail": {"ip": "2001:db8:abcd::10"}}
    assert matches({"detail": {"ip": [{"cidr": "2001:db8:abcd::/48"}]}}, event)
    assert not matches({"detail": {"ip": [{"cidr": "2001:db8:abce::/48"}]}}, event)


def test_wildcard_escapes() -> None:
    assert matches({"a": [{"wildcard": "x\\*y"}]}, {"a": "x*y"})
    assert not matches({"a": [{"wildcard": "x\\*y"}]}, {"a": "xzy"})
    assert matches({"a": [{"wildcard": "x\\\\*"}]}, {"a": "x\\abc"})


INVALID: list[tuple[str, Any]] = [
    ("leaf not an array", {"source": "aws.ec2"}),
    ("empty array", {"source": []}),
    ("unknown operator", {"source": [{"contains": "ec2"}]}),
    ("two operators in one object", {"source": [{"prefix": "a", "suffix": "b"}]}),
    ("exists not boolean", {"source": [{"exists": "yes"}]}),
    ("numeric bad operator", {"n": [{"numeric": ["!=", 1]}]}),
    ("numeric odd arguments", {"n": [{"numeric": [">", 1, "<"]}]}),
    ("numeric range upside down", {"n": [{"numeric": ["<", 1, ">", 0]}]}),
    ("numeric out of range", {"n": [{"numeric": [">", 6e9]}]}),
    ("cidr not a network", {"ip": [{"cidr": "10.0.0.300/24"}]}),
    ("consecutive wildcards", {"s": [{"wildcard": "a**b"}]}),
    ("bad wildcard escape", {"s": [{"wildcard": "a\\b"}]}),
    ("anything-but mixed list", {"s": [{"anything-but": ["a", 1]}]}),
    ("anything-but unknown operator", {"s": [{"anything-but": {"numeric": [">", 1]}}]}),
    ("anything-but empty list", {"s": [{"anything-but": []}]}),
    ("$or with one branch", {"$or": [{"a": ["x"]}]}),
    ("$or not a list", {"$or": {"a": ["x"]}}),
    ("pattern not an object", ["x"]),
]


@pytest.mark.parametrize(("name", "pattern"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_pattern_is_rejected(name: str, pattern: Any) -> None:
    with pytest.raises(InvalidEventPattern):
        EventPattern(pattern)


def test_invalid_json_is_rejected() -> None:
    with pytest.raises(InvalidEventPattern, match="not valid JSON"):
        EventPattern("{source: [aws.ec2]}")


def test_agrees_with_moto_on_the_signin_rules() -> None:
    """moto implements every operator the sign-in rules use (anything-but with a wildcard
    list, exists, $or); on every corpus record and on addresses in and around the
    allowlist, its answers and the engine's agree."""
    allow = ["203.0.113.10", "198.51.100.*", "2001:db8:*", "192.0.2.16", "192.0.2.17"]
    records = [rec for rec in corpus().values() if is_signin_record(rec)]
    for ip in (
        "203.0.113.10",
        "203.0.113.100",
        "198.51.100.7",
        "198.51.101.7",
        "2001:db8::1",
        "2001:db9::1",
        "192.0.2.18",
    ):
        records.append(ev.iam_user_login(mfa=False, ip=ip))
    compared = 0
    for eb in patterns().values():
        for detail in eb["patterns"].values():
            pattern = full_pattern(detail, allow)
            ours = EventPattern(pattern)
            theirs = MotoEventPattern(json.dumps(pattern), pattern)
            for rec in records:
                event: Any = envelope(rec)
                assert ours.matches(event) == theirs.matches_event(event), (
                    json.dumps(pattern),
                    rec["eventID"],
                )
                compared += 1
    assert compared > 100
