"""Curated filter-pattern cases beyond the live recordings: documented AWS behaviour
(shared/reference), CloudTrail shapes, and the limits."""

from __future__ import annotations

import json

import pytest

from trailwatch.filterpattern import InvalidPatternError, compile_pattern, test_metric_filter

VALUES = {
    "num1": '{"a":1}',
    "str1": '{"a":"1"}',
    "num1.0": '{"a":1.0}',
    "str01": '{"a":"01"}',
    "foo": '{"a":"foo"}',
    "num1e3": '{"a":1e3}',
    "str1e3": '{"a":"1e3"}',
    "negzero": '{"a":-0.0}',
    "missing": "{}",
    "null": '{"a":null}',
    "true": '{"a":true}',
    "false": '{"a":false}',
    "object": '{"a":{}}',
    "array": '{"a":[]}',
}


def matching(pattern: str, names: list[str] | None = None) -> list[str]:
    compiled = compile_pattern(pattern)
    return [n for n in (names or list(VALUES)) if compiled.matches(VALUES[n])]


def test_not_equals_number_follows_the_reference_table() -> None:
    assert matching("{ $.a != 1 }") == ["str01", "foo", "num1e3", "str1e3", "negzero"]


def test_not_equals_never_matches_a_missing_field() -> None:
    # The reason "absent or different" needs an explicit NOT EXISTS.
    assert "missing" not in matching('{ $.a != "foo" }')
    assert "missing" in matching('{ ($.a != "foo") || ($.a NOT EXISTS) }')


def test_numeric_ordering_only_applies_to_json_numbers() -> None:
    assert matching("{ $.a > 0 }") == ["num1", "num1.0", "num1e3"]


@pytest.mark.parametrize(
    "pattern",
    [
        '{ $.a > "0" }',
        "{ $.a = 1 AND $.b = 2 }",
        "{ $.a == 1 }",
        "{ $['a.b'] = 1 }",
        "{ $[1] = 1 }",
        "{ $.a[-1] = 1 }",
        "{ $.a = 1 ",
        "ERR*",
        '"unclosed',
        "%(ab)+%",
        "%\\(ab\\)%",
        "%caf\u00e9%",
        "{ $.a = %1% || $.a = %2% || $.a = %3% }",
        "{ $.a[*].* = 1 }",
    ],
)
def test_aws_rejects(pattern: str) -> None:
    with pytest.raises(InvalidPatternError):
        compile_pattern(pattern)


def test_pattern_length_limit_is_the_apis() -> None:
    ok = '{ $.a = "' + "x" * (1024 - 12) + '" }'
    assert len(ok) == 1024
    compile_pattern(ok)
    with pytest.raises(InvalidPatternError, match="length less than or equal to 1024"):
        compile_pattern(ok + " ")


def test_optional_terms_are_ignored_next_to_other_terms() -> None:
    msgs = ["ERROR REQUEST", "ARGUMENTS", "REQUEST only", "nothing"]
    got = test_metric_filter("?ERROR ?ARGUMENTS REQUEST", msgs)
    assert [m["eventNumber"] for m in got["matches"]] == [1, 3]


def test_blank_phrase_matches_everything() -> None:
    assert len(test_metric_filter('" "', ["a", "b c", "x"])["matches"]) == 3


def test_cis_root_usage_on_cloudtrail_shapes() -> None:
    pattern = compile_pattern(
        '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}'
    )
    root_login = {"userIdentity": {"type": "Root"}, "eventType": "AwsConsoleSignIn"}
    service = {"userIdentity": {"type": "Root", "invokedBy": "s3.amazonaws.com"}, "eventType": "AwsApiCall"}
    assert pattern.matches(json.dumps(root_login))
    assert not pattern.matches(json.dumps(service))


def test_wildcard_and_regex_values() -> None:
    assert compile_pattern('{ $.ip != "10.0.0.*" }').matches('{"ip":"10.1.0.1"}')
    assert not compile_pattern('{ $.ip != "10.0.0.*" }').matches('{"ip":"10.0.0.200"}')
    rx = compile_pattern(r"{ $.ip = %^10\.0\.0\.1[6-9]$% }")
    assert rx.matches('{"ip":"10.0.0.17"}')
    assert not rx.matches('{"ip":"10.0.0.170"}')
    assert compile_pattern(r"{ $.ip != %^10\.0\.0\.1[6-9]$% }").matches('{"ip":"10.0.0.170"}')
    assert not compile_pattern(r"{ $.ip != %^10\.0\.0\.1[6-9]$% }").matches("{}")


def test_space_delimited_numeric_and_ellipsis() -> None:
    got = test_metric_filter(
        "[ip, user, ..., status=4*, bytes>1000]", ["1.2.3.4 bob x y 404 2048", "1.2.3.4 bob 200 5"]
    )
    assert got["matches"] == [
        {
            "eventNumber": 1,
            "eventMessage": "1.2.3.4 bob x y 404 2048",
            "extractedValues": {
                "$ip": "1.2.3.4",
                "$user": "bob",
                "$3": "x",
                "$4": "y",
                "$status": "404",
                "$bytes": "2048",
            },
        }
    ]
