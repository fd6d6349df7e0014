"""Every service-to-service call the stack relies on is allowed by the policies it deploys.

The emulator enforces no policy, so this is where a policy AWS would refuse is caught. For
the root module (all paths on) and every example: plan, apply on the emulator, take every
policy document (trust, key, bucket, topic, queue, role and boundary policies), and for each
row of docs/service-calls.yaml evaluate the concrete calls (src/trailwatch/maint/servicecalls.py)
with exactly the request context AWS documents for them (src/trailwatch/maint/policycheck.py).
The same documents are linted with parliament, as `make lint` does.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from trailwatch.harness.emulator import ACCOUNT_ID, Emulator
from trailwatch.maint import planpolicies, policylint, servicecalls
from trailwatch.maint.planpolicies import Collected

pytestmark = pytest.mark.emulator

ROWS = servicecalls.load()
CONFIGS = planpolicies.configs()
#: Every config's plan and applied state is published by a test that applies it anyway (an
#: example's lifecycle in tests/test_examples.py, the root module's shared applied stack in
#: tests/test_lifecycle.py): these tests run after those and read them.
AFTER_LIFECYCLES = pytest.mark.after_lifecycles
PER_CONFIG = [pytest.param(c, marks=AFTER_LIFECYCLES) for c in CONFIGS]


@pytest.fixture(scope="session")
def collected(emulator_session: Emulator, collected_store: planpolicies.Store) -> dict[str, Collected]:
    """Each config's plan and applied state: published by its lifecycle test, or planned and
    applied here once per run (the store's lock keeps two workers from doing it twice)."""

    class Lazy(dict[str, Collected]):
        def __missing__(self, config: str) -> Collected:
            self[config] = collected_store.get(config, emulator_session)
            return self[config]

    return Lazy()


def test_table_rows_name_real_actions_bindings_and_pages() -> None:
    import parliament  # here, not at the top: every xdist worker collects this module

    assert len({r.id for r in ROWS}) == len(ROWS)
    for row in ROWS:
        assert row.binding in servicecalls.BINDINGS, row.id
        assert row.page.strip() and row.guide.strip(), row.id
        for action in row.actions:
            # parliament's IAM database: the action exists (raises UnknownActionException if not).
            assert parliament.expand_action(action), action
        assert not set(row.carries) & set(row.not_carried), row.id


def test_rendered_table_is_current() -> None:
    assert servicecalls.RENDERED.read_text() == servicecalls.render(ROWS), (
        "docs/service-calls.md is stale: run make service-calls"
    )


@pytest.mark.parametrize("config", PER_CONFIG)
def test_every_planned_policy_is_the_applied_one(config: str, collected: dict[str, Collected]) -> None:
    c = collected[config]
    assert not planpolicies.compare(c.plan, c.state)
    docs = list(planpolicies.iter_documents(c))
    assert {d.kind for d in docs} >= {"key policy", "topic policy"}, docs


@pytest.mark.parametrize("config", PER_CONFIG)
def test_every_service_call_is_allowed_with_its_documented_context(
    config: str, collected: dict[str, Collected]
) -> None:
    results = servicecalls.verify(collected[config].state, ROWS)
    assert results, f"{config}: no service call found"
    refused = [r.explain() for r in results if not r.ok]
    assert not refused, f"{config}: AWS would refuse these calls:\n" + "\n".join(refused)


@AFTER_LIFECYCLES
def test_every_row_is_exercised_by_some_config(collected: dict[str, Collected]) -> None:
    seen = {r.row.id for config in CONFIGS for r in servicecalls.verify(collected[config].state, ROWS)}
    assert seen == {r.id for r in ROWS}, f"rows no config exercises: {sorted({r.id for r in ROWS} - seen)}"


@AFTER_LIFECYCLES
def test_parliament_finds_nothing_unsuppressed(collected: dict[str, Collected]) -> None:
    docs = [(config, d) for config in CONFIGS for d in planpolicies.iter_documents(collected[config])]
    report = policylint.lint(docs, policylint.load_suppressions())
    assert not report.findings, "\n".join(str(f) for f in report.findings)
    assert not report.unused, f"suppressions that match nothing: {report.unused}"
    assert report.suppressed  # the lint ran over the documents


def test_lint_reports_a_finding_no_suppression_names_and_unused_suppressions() -> None:
    doc = planpolicies.PolicyDoc(
        "aws_kms_key.new",
        "policy",
        "key policy",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "NewStatement",
                    "Effect": "Allow",
                    "Principal": {"Service": "s3.amazonaws.com"},
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                }
            ],
        },
    )
    suppressions = policylint.load_suppressions()
    report = policylint.lint([("unit", doc)], suppressions)
    assert [(f.issue, f.sid) for f in report.findings] == [("RESOURCE_STAR", "NewStatement")]
    assert len(report.unused) == len(suppressions)
    # Every suppression carries its reason, and only the trust-policy one spans every Sid.
    assert all(len(s.reason) > 40 for s in suppressions)
    assert {(s.issue, s.kind) for s in suppressions if s.sid == "*"} == {("MALFORMED", "role trust policy")}


@pytest.mark.parametrize("config", [pytest.param("eventbridge-org", marks=AFTER_LIFECYCLES)])
def test_organization_path_forwards_only_from_the_organization(
    config: str, collected: dict[str, Collected]
) -> None:
    """The organization-wide eventbridge path (tests/configs/eventbridge-org): every member
    rule's role may put events on its central bus as an account of the organization, through
    the bus policy alone, and would be refused from another organization."""
    state = collected[config].state
    results = servicecalls.verify(state, ROWS)
    by_row: dict[str, list[servicecalls.Result]] = {}
    for r in results:
        by_row.setdefault(r.row.id, []).append(r)
    # Two detections forwarded by two members (two accounts, two regions); each rule assumes its
    # role, which puts events.
    assert len(by_row["organization-bus-put-events"]) == 4
    assert len(by_row["eventbridge-assume-forward-role"]) == 4
    assert len(by_row["forward-role-put-events"]) == 4
    # Two central rules and the two default-bus rules of the central account, two actions each.
    assert len(by_row["rule-log-group"]) == 4 * 2
    # The real-time notification of the single-event detection's central rule (root_usage), on
    # its own bus, admitted by the topic policy (the default bus's rules do not notify here).
    (publish,) = by_row["eventbridge-sns-publish"]
    assert publish.label.startswith("orgt-central-root-usage -> "), publish.label
    assert len(by_row["eventbridge-sns-kms"]) == 2  # kms:GenerateDataKey and kms:Decrypt
    assert all(r.ok for rows in by_row.values() for r in rows)
    # Another organization's role is refused by the bus policy.
    org = servicecalls.Deployed(state).organization_id
    assert org and json.dumps(state).count(org) >= 2  # the data source's id, in the bus policies
    other = copy.deepcopy(state)
    for resource in _data_resources(other):
        if resource["type"] == "aws_organizations_organization":
            resource["values"]["id"] = "o-0000000000"
    refused = [
        r for r in servicecalls.verify(other, ROWS) if r.row.id == "organization-bus-put-events" and not r.ok
    ]
    assert len(refused) == 4
    # Without the central pattern (rule/<bus>/<rule>) the topic policy would refuse that rule:
    # the default bus's pattern (rule/orgt-signin-*) does not match it.
    central = f"arn:aws:events:us-east-1:{ACCOUNT_ID}:rule/orgt-*/orgt-central-*"
    assert json.dumps(state).count(json.dumps(central)[1:-1]) >= 1
    without = json.loads(
        json.dumps(state).replace(json.dumps(central)[1:-1], "arn:aws:events:us-east-1:0:rule/none")
    )
    refused_publish = [
        r for r in servicecalls.verify(without, ROWS) if r.row.id == "eventbridge-sns-publish" and not r.ok
    ]
    assert len(refused_publish) == 1


def _data_resources(state: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    queue = [state["values"]["root_module"]]
    while queue:
        mod = queue.pop(0)
        out += [r for r in mod.get("resources", []) if r.get("mode") == "data"]
        queue.extend(mod.get("child_modules", []))
    return out
