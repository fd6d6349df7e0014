"""The eventbridge detection path's equality proof: for every catalog detection in every mode
(pattern id), its EventBridge rule (catalog/detections.json, ``eventbridge_path``) flags
exactly the records its metric filter pattern matches: the event-pattern engine on each
record as EventBridge delivers it, against the filter-pattern engine on the message CloudTrail
writes to CloudWatch Logs. Records: the sign-in scenarios (built from
:mod:`trailwatch.harness.record_corpus`), the published records of tests/records, and a sample of two
bench archive shapes (:mod:`trailwatch.harness.synthetic`). The allowlist and the exclusions are
filled in both languages from the same values, as the modules fill them. The comparison's
helpers are :mod:`trailwatch.maint.equality`'s, which ``python -m trailwatch.maint equality``
(``make equality``) runs over every bench shape at full size; here only its logic, on small
inputs.

Where the two languages can disagree the catalog lists it (``eventbridge_path.differences``);
each listed difference is shown here on a record built for it, and none occurs in the
corpora. A mode the event-pattern language could not express would be listed in
``eventbridge_path.inexpressible``: none is.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trailwatch import catalog
from trailwatch.eventpattern import EventPattern, InvalidEventPattern
from trailwatch.filterpattern import compile_pattern
from trailwatch.harness import record_corpus as ev
from trailwatch.harness.scenarios import corpus
from trailwatch.harness.signin_notifications import (
    delivered,
    detection_pattern,
    detection_rules,
    path_settings,
    settings,
    takes_exclusions,
)
from trailwatch.harness.synthetic import write_archive
from trailwatch.maint import equality, servicecalls
from trailwatch.maint.bench import SHAPES
from trailwatch.maint.equality import ALLOW_WILDCARDS, EXCLUDED_PRINCIPALS, EXCLUDED_SOURCES

RECORDS = Path(__file__).parent / "records" / "console-access.json"
# A small sample of two `make bench` shapes: the hostile mix (the prefilter's literals in
# records that do not match) and the denial-heavy one (every denied call reaches the engines).
# `python -m trailwatch.maint equality` runs the same comparison on every shape at full size.
SAMPLE = {"hostile": 1200, "denials-300": 1200}
MODES = equality.modes()
_filter = equality.filter_of
_rule = equality.rule_of


def _sample(root: Path) -> Iterator[dict[str, Any]]:
    for name, count in SAMPLE.items():
        shape = SHAPES[name]
        files = write_archive(
            root / name,
            count,
            per_file=count,
            seed=26,
            hostile=shape.hostile,
            denied=shape.denied,
            services=shape.services,
        )
        for f in files:
            yield from json.loads(gzip.decompress(f.read_bytes()))["Records"]


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    published = [r["record"] for r in json.loads(RECORDS.read_text())["records"]]
    return {
        "scenarios": list(corpus().values()),
        "published": published,
        "bench sample": list(_sample(tmp_path_factory.mktemp("bench"))),
    }


def test_every_detection_has_a_rule_for_every_mode_but_the_listed_inexpressible() -> None:
    inexpressible = path_settings()["inexpressible"]
    rules = detection_rules()
    for key, d in catalog.load()["detections"].items():
        expressible = set(d["patterns"]) - set(inexpressible.get(key, {}))
        assert key in rules and set(rules[key]["patterns"]) == expressible, key
    assert inexpressible == {}, "every mode is expressible: a listed one needs its handling documented"


@pytest.mark.parametrize(("key", "pid", "excluded"), MODES, ids=lambda v: str(v))
def test_the_rule_flags_exactly_what_the_filter_matches(
    key: str, pid: str, excluded: bool, records: dict[str, list[dict[str, Any]]]
) -> None:
    by_filter, by_rule = _filter(key, pid, excluded), _rule(key, pid, excluded)
    unexcluded = _filter(key, pid, False)
    matched = dropped = 0
    for corpus_name, recs in records.items():
        for rec in recs:
            f = by_filter(rec)
            assert by_rule(rec) == f, (corpus_name, key, pid, excluded, json.dumps(rec)[:600])
            matched += f
            dropped += excluded and not f and unexcluded(rec)
    # The comparison is not vacuous: every mode matches some record (a corpus record for
    # each detection is in tests/test_scenarios.py's matrix), and the exclusions drop some.
    assert matched > 0, (key, pid, excluded)
    assert dropped > 0 or not excluded, (key, pid)


def test_a_group_per_detection_counts_each_event_once_where_one_shared_group_would_not(
    records: dict[str, list[dict[str, Any]]],
) -> None:
    """On the path each rule writes to its own detection's log group: every filter then counts
    exactly the events it counts on the cloudwatch_logs path. One group shared by all rules
    would hold an event once per rule that matched it, and the filters would count it that
    many times (a failed root sign-in with MFA: root_usage, console_login_failures and
    console_login_mfa_failed; the failures alarm's threshold is 3)."""
    keys = [k for k, d in catalog.load()["detections"].items() if "tuned" in d["patterns"]]
    recs = [r for rs in records.values() for r in rs]
    rules = {k: _rule(k, "tuned", False) for k in keys}
    filters = {k: _filter(k, "tuned", False) for k in keys}
    delivered_to = {k: [r for r in recs if rules[k](r)] for k in keys}
    shared = [r for k in keys for r in delivered_to[k]]
    inflated = 0
    for k in keys:
        truth = sum(filters[k](r) for r in recs)
        assert sum(filters[k](r) for r in delivered_to[k]) == truth, k
        inflated += sum(filters[k](r) for r in shared) > truth
    assert inflated >= 2


def test_the_corpora_are_what_the_proof_claims(records: dict[str, list[dict[str, Any]]]) -> None:
    sample = records["bench sample"]
    assert len(sample) == sum(SAMPLE.values())
    assert any(r.get("readOnly") is True for r in sample), "read-only events reach the path's rules"
    assert sum(str(r.get("errorCode", "")).startswith("AccessDenied") for r in sample) > 50
    assert len(records["published"]) >= 50 and len(records["scenarios"]) >= 40


def test_rules_read_every_cloudtrail_event_read_only_included() -> None:
    """The path's envelope takes every CloudTrail detail-type, and only those; its state hands
    read-only management events to the rules (the filters see every record)."""
    env = EventPattern(path_settings()["envelope"])
    base = {"source": "aws.ec2", "detail": {}}
    for dt in (
        "AWS API Call via CloudTrail",
        "AWS Console Sign In via CloudTrail",
        "AWS Console Action via CloudTrail",
        "AWS Service Event via CloudTrail",
        "AWS Insight via CloudTrail",
    ):
        assert env.matches({**base, "detail-type": dt}), dt
    assert not env.matches({**base, "detail-type": "EC2 Instance State-change Notification"})
    read_only = ev.api_call("ListBuckets", "s3.amazonaws.com", identity=ev.root_identity())
    read_only["readOnly"] = True
    assert _rule("root_usage", "tuned", False)(read_only)
    # Without that state a read-only root call would reach no rule (and the filter counts it).
    assert not delivered(read_only, "ENABLED") and _filter("root_usage", "tuned", False)(read_only)


def test_merged_parts_never_overwrite_each_other() -> None:
    """The detail is a shallow merge (HCL merge()): the envelope's detail, the pattern and the
    exclusion fragments must not share a top-level key, or one would silently win."""
    x = catalog.load()["exclusions"]
    fragment = {
        "event_source": x["eventbridge_event_source"],
        "principal_arn": x["eventbridge_principal_arn"],
    }
    taking = 0
    for key, eb in detection_rules().items():
        env = eb.get("envelope", settings()["envelope"]).get("detail", {})
        kinds = catalog.load()["detections"][key].get("exclusions", [])
        for pid, pattern in eb["patterns"].items():
            assert not set(env) & set(pattern), (key, pid)
            if takes_exclusions(key, pid):
                keys = [set(fragment[k]) for k in kinds] + [set(env) | set(pattern)]
                assert sum(map(len, keys)) == len(set().union(*keys)), (key, pid)
                taking += 1
    assert taking == 2  # login_profile_changes and unauthorized_api_calls, tuned


@pytest.mark.parametrize(("key", "pid", "excluded"), MODES, ids=lambda v: str(v))
def test_each_rule_fits_the_default_event_pattern_size(key: str, pid: str, excluded: bool) -> None:
    """EventBridge quota "Event pattern size": 2048 characters by default."""
    text = json.dumps(
        detection_pattern(
            key,
            pid,
            ALLOW_WILDCARDS,
            EXCLUDED_SOURCES if excluded else None,
            EXCLUDED_PRINCIPALS if excluded else None,
        ),
        separators=(",", ":"),
    )
    assert len(text) <= 2048, (key, pid, len(text))


# --- each listed difference, on a record built for it ------------------------------------


def _login(**changes: Any) -> dict[str, Any]:
    rec = ev.iam_user_login(mfa=False, ip="198.51.100.7")
    rec.update(changes)
    return rec


def _differences() -> dict[str, tuple[str, str, dict[str, Any], bool]]:
    """Listed difference -> (detection, pattern id, record, whether the rule flags it); the
    filter decides the other way."""
    root_call = ev.api_call("ListBuckets", "s3.amazonaws.com", identity=ev.root_identity())
    return {
        "null_where_filter_compares": (
            "console_login_without_mfa",
            "cis",
            _login(additionalEventData={"MFAUsed": None}),
            True,
        ),
        "array_where_filter_expects_a_value": (
            "cloudtrail_changes",
            "security_hub",
            {**root_call, "eventName": ["StopLogging"]},
            True,
        ),
        "empty_array_or_object_for_exists": (
            "root_usage",
            "tuned",
            {**root_call, "userIdentity": {**root_call["userIdentity"], "invokedBy": []}},
            True,
        ),
    }


def test_each_listed_difference_is_real_and_the_list_is_complete() -> None:
    cases = _differences()
    assert set(cases) | {"wildcard_escapes"} == set(path_settings()["differences"])
    # Every difference is the rule flagging more than the filter: on the detection path the
    # metric filter reads what the rule delivers, so an over-match costs an ingested event and
    # counts nothing; an under-match would lose one, and none is known.
    assert all(rule_flags for _, _, _, rule_flags in cases.values())
    for name, (key, pid, rec, rule_flags) in cases.items():
        assert (_rule(key, pid, False)(rec), _filter(key, pid, False)(rec)) == (rule_flags, not rule_flags), (
            name
        )
    # wildcard_escapes: an allowlist value with a backslash or "**" is a plain filter value
    # but an escape, or an error, in an EventBridge wildcard.
    key = "console_login_unexpected_ip"
    tuned = catalog.load()["detections"][key]["patterns"]["tuned"]
    for value in ("203.0.113.\\5", "203.0.**"):
        compile_pattern(catalog.fill(tuned, f"($.sourceIPAddress != {json.dumps(value)})"))
        with pytest.raises(InvalidEventPattern):
            EventPattern(detection_pattern(key, "tuned", [value]))


# --- the service call the path adds: EventBridge -> the log group ------------------------


def _stack_state(policy: dict[str, Any] | None) -> dict[str, Any]:
    group = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/cloudtrail/tw/root_usage"
    rule = "tw-signin-root-usage"
    res: list[dict[str, Any]] = [
        {
            "address": "aws_cloudwatch_log_group.g",
            "type": "aws_cloudwatch_log_group",
            "values": {"arn": group},
        },
        {
            "address": "aws_cloudwatch_event_rule.r",
            "type": "aws_cloudwatch_event_rule",
            "values": {"name": rule, "arn": f"arn:aws:events:us-east-1:123456789012:rule/{rule}"},
        },
        {
            "address": "aws_cloudwatch_event_target.t",
            "type": "aws_cloudwatch_event_target",
            "values": {"rule": rule, "arn": group},
        },
    ]
    if policy is not None:
        res.append(
            {
                "address": "aws_cloudwatch_log_resource_policy.p",
                "type": "aws_cloudwatch_log_resource_policy",
                "values": {"policy_document": json.dumps(policy)},
            }
        )
    for r in res:
        r["mode"] = "managed"
    return {"values": {"root_module": {"resources": res}}}


def test_the_log_group_row_binds_each_rule_target_to_the_accounts_log_resource_policies() -> None:
    """The service-call row of the path (docs/service-calls.yaml, rule-log-group): the
    policy the root module writes allows it; no policy, or one conditioned on a key the call
    does not carry, refuses it (the applied example is checked by tests/test_service_calls.py)."""
    (row,) = [r for r in servicecalls.load() if r.id == "rule-log-group"]
    grant = {
        "Effect": "Allow",
        "Principal": {"Service": ["events.amazonaws.com", "delivery.logs.amazonaws.com"]},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/cloudtrail/tw/*",
    }
    conditioned = {**grant, "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}
    for statement, allowed in ((grant, True), (None, False), (conditioned, False)):
        policy = None if statement is None else {"Version": "2012-10-17", "Statement": [statement]}
        results = servicecalls.verify(_stack_state(policy), [row])
        assert [r.ok for r in results] == [allowed, allowed], statement


# --- python -m trailwatch.maint equality: the same comparison, reused verdicts ------------


def test_a_probe_tells_apart_what_either_engine_tells_apart() -> None:
    """Records with equal probes on a mode's paths get one evaluation: a probe must differ
    wherever an engine could decide differently (missing, null, true, 1, an array on the way)."""
    path = ("userIdentity", "type")
    shapes: list[dict[str, Any]] = [
        {},
        {"userIdentity": None},
        {"userIdentity": {}},
        {"userIdentity": {"type": None}},
        {"userIdentity": {"type": True}},
        {"userIdentity": {"type": 1}},
        {"userIdentity": {"type": "1"}},
        {"userIdentity": [{"type": "Root"}]},
        {"userIdentity": {"type": ["Root"]}},
        {"userIdentity": {"type": "Root"}},
    ]
    probes = [equality.probe(r, path) for r in shapes]
    assert len(set(probes)) == len(probes)
    # Values elsewhere do not matter: that is what lets the verdicts be reused.
    assert equality.probe({"userIdentity": {"type": "Root", "arn": "x"}}, path) == probes[-1]
    # A filter selector or rule key the argument does not cover is refused, not reused.
    assert ("userIdentity", "sessionContext", "assumedRoot") in equality.read_paths(
        "root_usage", "tuned", False
    )
    assert all(p[0] in {"eventSource", "eventType", "eventName", "readOnly"} for p in equality.ENVELOPE_PATHS)


def test_the_reused_verdicts_are_the_direct_ones_and_a_difference_is_counted(
    records: dict[str, list[dict[str, Any]]],
) -> None:
    # The corpora and a slice of the bench sample; every record is also evaluated directly.
    recs = records["scenarios"] + records["published"] + records["bench sample"][:300]
    cmp = equality.Comparer()
    result = equality.ShapeResult()
    cmp.compare(recs, result, verify=len(recs))
    assert result.records == result.verified == len(recs) and result.verify_mismatches == 0
    assert result.evaluations < len(recs) * len(MODES) / 2  # verdicts were reused
    assert all(c.filter_matches == c.rule_matches for c in result.by_mode.values())
    assert result.differences == 0 and result.by_mode[("root_usage", "tuned", False)].filter_matches > 0
    # A rule that means something else is caught, and a wrong reused verdict fails the check.
    cmp.rules[0] = EventPattern({"detail": {"eventName": ["ConsoleLogin"]}})
    cmp.cache = [{} for _ in cmp.modes]
    wrong = equality.ShapeResult()
    cmp.compare(recs, wrong)
    assert wrong.differences > 0 and wrong.by_mode[cmp.modes[0]].differences
    for table in cmp.cache:
        for key, (f, r) in table.items():
            table[key] = (not f, not r)
    checked = equality.ShapeResult()
    cmp.compare(recs[:50], checked, verify=50)
    assert checked.verify_mismatches > 0


def test_the_equality_command_on_a_tiny_bench_archive(tmp_path: Path) -> None:
    from trailwatch.maint.cli import main as maint

    out = tmp_path / "result.json"
    args = ["equality", "--dir", str(tmp_path), "--records", "400", "--shape", "denials-300"]
    assert maint([*args, "--workers", "1", "--verify", "100", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())["shapes"]["denials-300"]
    assert doc["records"] == 400 and doc["verified"] == 100 and doc["verifyMismatches"] == 0
    assert doc["differences"] == 0 and len(doc["matches"]) == len(MODES)
    assert doc["matches"]["unauthorized_api_calls/tuned/False"] > 0
    assert maint([*args, "--workers", "0"]) == 252
