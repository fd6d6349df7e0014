"""Curated filter-pattern cases beyond the live recordings: documented AWS behaviour
(shared/reference), CloudTrail shapes, and the limits."""

from __future__ import annotations

import json

import pytest

from trailwatch import catalog
from trailwatch.filterpattern import (
    Event,
    InvalidParameterError,
    InvalidPatternError,
    compile_pattern,
    test_metric_filter,
)
from trailwatch.harness.synthetic import records as synthetic_records
from trailwatch.prefilter import may_match

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


def test_a_quoted_blank_is_a_literal_space_and_the_unquoted_blank_matches_everything() -> None:
    """AWS's recording (floci boundary-quoted-space: ``" "`` matched "two words" and " ", not
    "x") corrects the page's "matches everything", which holds for the unquoted blank only."""
    got = test_metric_filter('" "', ["a", "b c", "x", " "])
    assert [m["eventNumber"] for m in got["matches"]] == [2, 4]
    assert len(test_metric_filter(" ", ["a", "b c", "x"])["matches"]) == 3


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        # Each rule with the AWS TestMetricFilter recording it comes from (vuthehuyht/floci,
        # src/test/resources/cloudwatchlogs/, eu-west-1, 2026-09-16).
        ("%%", "Invalid character(s) in term '%%'"),  # regex-empty
        ('"ERROR"WARN', "Invalid metric filter pattern"),  # terms-adjacent-quote
        ('{ $.a > "0" }', "Invalid character(s) in term '\"0\"'"),  # json-quoted-order
        ("{ $.a = a:b }", "Invalid character(s) in term ':'"),  # edge-json-unquoted-symbol
        ("{ $.a = 1e2147483648 }", "Invalid metric filter pattern"),  # boundary-huge-exponent
    ],
)
def test_the_last_edges_are_refused_as_aws_refuses_them(pattern: str, message: str) -> None:
    with pytest.raises(InvalidPatternError) as err:
        compile_pattern(pattern)
    assert str(err.value) == message


def test_number_literals_keep_their_value_up_to_the_exponent_bound() -> None:
    # The largest exponent a signed 32-bit int holds is still a number (it overflows a double:
    # no finite event number equals it), and a tiny one is not zero (rec edge-underflow-ordered).
    assert test_metric_filter("{ $.a = 1e2147483647 }", ['{"a":1}'])["matches"] == []
    got = test_metric_filter("{ $.a > 1e-999 }", ['{"a":1}', '{"a":0}'])
    assert [m["eventNumber"] for m in got["matches"]] == [1]


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


# Edge families (the rules are in the filterpattern package's module docstrings, each with its source).


@pytest.mark.parametrize(
    ("pattern", "upper"),
    [
        ("{ $.a is null }", "{ $.a IS NULL }"),
        ("{ $.a Is Null }", "{ $.a IS NULL }"),
        ("{ $.a is true }", "{ $.a IS TRUE }"),
        ("{ $.a iS fAlSe }", "{ $.a IS FALSE }"),
        ("{ $.a not exists }", "{ $.a NOT EXISTS }"),
        ("{ $.a Not Exists || $.a is null }", "{ $.a NOT EXISTS || $.a IS NULL }"),
    ],
)
def test_keywords_are_read_in_any_case(pattern: str, upper: str) -> None:
    assert matching(pattern) == matching(upper) != []


@pytest.mark.parametrize(
    ("pattern", "term"), [("{ $.a is not null }", "not"), ("{ $.a Is Nothing }", "Nothing")]
)
def test_unsupported_keywords_stay_rejected_in_any_case(pattern: str, term: str) -> None:
    with pytest.raises(InvalidPatternError, match=f"Invalid character\\(s\\) in term '{term}'"):
        compile_pattern(pattern)


def test_true_as_a_value_is_still_the_string() -> None:
    assert matching("{ $.a = TRUE }", ["true", "false"]) == []


OVERFLOW = ['{"a":1e309}', '{"a":-1e309}', '{"a":123e400}', '{"a":-9.9E+999}']


@pytest.mark.parametrize(
    "pattern",
    ["{ $.a = 1 }", "{ $.a != 1 }", "{ $.a > 0 }", "{ $.a < 0 }", "{ $.a >= 1e308 }", "{ $.a <= -1e308 }"],
)
def test_an_overflowed_event_number_takes_part_in_no_numeric_comparison(pattern: str) -> None:
    assert test_metric_filter(pattern, OVERFLOW)["matches"] == []


def test_an_overflowed_event_number_still_has_text() -> None:
    assert len(test_metric_filter("{ $.a = * }", OVERFLOW)["matches"]) == 4
    assert len(test_metric_filter('{ $.a != "foo" }', OVERFLOW)["matches"]) == 4
    assert [m["eventNumber"] for m in test_metric_filter("{ $.a = %^-Inf% }", OVERFLOW)["matches"]] == [2, 4]


@pytest.mark.parametrize("event", ['{"a":1e-400}', '{"a":-2.5e-999}', '{"a":0E-5000}'])
def test_an_underflowed_event_number_reads_as_zero(event: str) -> None:
    assert compile_pattern("{ $.a = 0 }").matches(event)
    assert not compile_pattern("{ $.a != 0 }").matches(event)
    assert not compile_pattern("{ $.a = 1e-400 }").matches(event)  # pattern literals are exact


def test_pattern_literals_are_exact_however_large() -> None:
    assert compile_pattern("{ $.a < 1e999999 }").matches('{"a":1e308}')
    assert not compile_pattern("{ $.a > 1e999999 }").matches('{"a":1e308}')
    assert compile_pattern("{ $.a = 123456789012345678901234567890 }").matches(
        '{"a":123456789012345678901234567890}'
    )
    assert not compile_pattern("{ $.a = 123456789012345678901234567891 }").matches(
        '{"a":123456789012345678901234567890}'
    )


@pytest.mark.parametrize("event", ['{"a":NaN}', '{"a":Infinity}', '{"a":-Infinity}'])
def test_non_json_number_literals_make_the_event_not_json(event: str) -> None:
    assert not compile_pattern("{ $.b NOT EXISTS }").matches(event)
    assert not compile_pattern("{ $.a = * }").matches(event)


@pytest.mark.parametrize(
    ("pattern", "hit", "miss"),
    [
        ("caf\u00e9", "un caf\u00e9", "cafe"),
        ("stra\u00dfe", "Hauptstra\u00dfe 1", "strasse"),
        ("\u65e5\u672c", "\u65e5\u672c\u8a9e", "\u4e2d\u6587"),
        ("\u0661\u0662", "x\u0661\u0662y", "12"),  # Arabic-Indic digits are decimal digits
        ("\u0394elta_1.0", "\u0394elta_1.0", "Delta_1.0"),
    ],
)
def test_unquoted_terms_hold_letters_and_digits_of_any_script(pattern: str, hit: str, miss: str) -> None:
    got = test_metric_filter(pattern, [hit, miss])
    assert [m["eventNumber"] for m in got["matches"]] == [1]


@pytest.mark.parametrize(
    ("pattern", "bad"), [("caf\u00e9!", "!"), ("\u00b2", "\u00b2"), ("a\u20acb", "\u20ac"), ("a+b", "+")]
)
def test_unquoted_terms_reject_other_symbols(pattern: str, bad: str) -> None:
    with pytest.raises(InvalidPatternError) as err:
        compile_pattern(pattern)
    assert str(err.value) == f"Invalid character(s) in term '{bad}'"


@pytest.mark.parametrize(
    ("blank", "matched"),
    # Quoted whitespace is matched literally (rec boundary-quoted-space records " "; two spaces
    # and a tab follow by the same rule, quoted text kept as written, rec terms-phrase).
    [('"  "', [3]), ('"\t"', [4]), ('" " " "', [2, 3])],
)
def test_quoted_whitespace_only_terms_are_literal(blank: str, matched: list[int]) -> None:
    msgs = ["a", "b c", "b  c", "b\tc"]
    assert [m["eventNumber"] for m in test_metric_filter(blank, msgs)["matches"]] == matched


@pytest.mark.parametrize(
    ("pattern", "message", "extracted"),
    [
        ("[a]", "x y\t ", {"$a": "x y\t "}),
        ("[a, b]", "x y z  ", {"$a": "x", "$b": "y z  "}),
        ("[a, b]", "x\t\ty\t", {"$a": "x", "$b": "y"}),
        ("[a, b]", "  x   y  ", {"$a": "x", "$b": "y"}),
        ("[a, b]", 'x "y z" w ', {"$a": "x", "$b": '"y z" w '}),
        ("[a, b]", "x [y z]\t", {"$a": "x", "$b": "y z"}),
        ("[a, b]", 'x "y', {"$a": "x", "$b": '"y'}),
    ],
)
def test_space_delimited_last_field_keeps_the_rest_verbatim(
    pattern: str, message: str, extracted: dict[str, str]
) -> None:
    assert compile_pattern(pattern).match(message) == extracted


def test_space_delimited_needs_a_word_per_field() -> None:
    assert compile_pattern("[a, b]").match("x \t ") is None


def test_the_api_request_constraints() -> None:
    test_metric_filter("x", ["x"] * 50)
    cases = [
        (
            ["x"] * 51,
            "Value '[" + ", ".join(["x"] * 51) + "]' at 'logEventMessages' failed to satisfy constraint: "
            "Member must have length less than or equal to 50",
        ),
        (
            [],
            "Value '[]' at 'logEventMessages' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ),
        (
            ["x", ""],
            "Value '' at 'logEventMessages.2.member' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ),
    ]
    for messages, violation in cases:
        with pytest.raises(InvalidParameterError) as err:
            test_metric_filter("x", messages)
        assert str(err.value) == "1 validation error detected: " + violation


def _written(record: dict[str, object]) -> list[str]:
    """One record as JSON writers write it: compact UTF-8, spaced, every non-ASCII character
    as \\uXXXX, and every slash escaped."""
    compact = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
    return [
        compact,
        json.dumps(record, indent=1, ensure_ascii=False),
        json.dumps(record),
        compact.replace("/", "\\/"),
    ]


def test_may_match_never_rules_out_a_match() -> None:
    """prefilter.may_match (the Evaluator's precheck: the backtest prefilter's record stage) is
    a necessary condition: on every
    catalog pattern, realistic and hostile records and values with non-ASCII characters and
    slashes, written every way JSON allows, a record the pattern matches is never ruled out
    (issue 28: "Zoë-only" and "user\\/x" were)."""
    patterns = [
        compile_pattern(catalog.fill(p, '($.sourceIPAddress != "203.0.113.*")'))
        for d in catalog.detections().values()
        for p in d.patterns.values()
    ]
    patterns += [
        compile_pattern('{ $.resources[0] = "Zoë-only" }'),
        compile_pattern('{ $.u = "user/x" }'),
        compile_pattern('{ $.userIdentity.arn = "arn:aws:iam::*:user/ö*" }'),
    ]
    tricky: list[dict[str, object]] = [
        {"resources": ["Zoë-only"]},
        {"u": "user/x"},
        {"userIdentity": {"arn": "arn:aws:iam::1:user/öle"}},
        {
            "eventName": "ConsoleLogin",
            "responseElements": {"ConsoleLogin": "Success"},
            "sourceIPAddress": "ä/1",
        },
    ]
    records = (
        synthetic_records(300, seed=7, hostile=False) + synthetic_records(300, seed=8, hostile=True) + tricky
    )
    checked = 0
    for record in records:
        for text in _written(record):
            event = Event(text)
            for pattern in patterns:
                if pattern.matches(event):
                    checked += 1
                    assert may_match(pattern, event), (pattern.text, text)
    assert checked > 100


@pytest.mark.parametrize("op", ["=", "!="])
@pytest.mark.parametrize(
    "value", ['"1"', "1", '"fo*"', '"*"', '"1e3"', "1e3", "%^fo%", '"Infinity"', "-0", '"x*y"']
)
def test_a_key_path_comparison_is_the_general_selectors(op: str, value: str) -> None:
    """``=`` and ``!=`` on a selector of object keys walk the document without ``resolve``
    (json_match._by_keys): on every kind of value, nested or missing, the answer is the one
    ``resolve`` and ``_equals``/``_comparable`` give."""
    from trailwatch.filterpattern.json_match import _comparable, _equals
    from trailwatch.filterpattern.json_pattern import JsonParser, tokenize_json
    from trailwatch.filterpattern.selectors import parse_selector, resolve

    (token,) = tokenize_json(value, 0)
    parsed = JsonParser([token]).parse_value(token, op)
    docs = [*VALUES.values(), '{"a":1e999}', '{"a":-1e999}', '{"a":"xay"}', '{"a":"fo"}', "[1]", "not json"]
    nested = [d.replace('{"a":', '{"b":{"a":', 1) + "}" if d.startswith('{"a":') else d for d in docs]
    nested += ['{"b":null}', '{"b":"a"}', '{"b":[{"a":"1"}]}', '{"b":{"a":"1"},"b":5}', '{"b":{}}']
    compared = 0
    for path, texts in (("$.a", docs), ("$.b.a", nested)):
        compiled = compile_pattern(f"{{ {path} {op} {value} }}")
        steps = parse_selector(path).steps
        for text in texts:
            event = Event(text)
            found, v, _ = resolve(event.doc, steps)
            expected = found and (
                _equals(v, parsed) if op == "=" else _comparable(v, parsed) and not _equals(v, parsed)
            )
            assert compiled.matches(event) is expected, (path, op, value, text)
            compared += expected
    # Each case matches some document but `!= "*"`, which every comparable value equals.
    assert compared > 0 or (op, value) == ("!=", '"*"')
