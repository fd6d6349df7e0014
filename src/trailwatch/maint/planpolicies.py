"""Every IAM policy document a root config produces, from its plan and its applied state.

``python -m trailwatch.maint policies`` and tests/test_service_calls.py use this: the first to lint every
document (parliament, in ``make lint``), the second to evaluate every service-to-service
call against them (servicecalls.py).

Most documents are known at plan on the emulator (their ARNs are built from the account,
region and names), but a few embed ARNs that exist only after apply (the topic policy
names the topic's ARN, a queue policy the queue's). So ``collect`` plans, applies on the
emulator, reads ``terraform show -json`` of the state, and destroys: the state holds every
document fully resolved, and ``compare`` proves that each one known at plan is the same
document after apply and that no document of the plan is missing from the state.

The suite already plans and applies every config (an example's lifecycle test, the root
module's shared applied stack in tests/test_lifecycle.py), so those tests publish the plan
and state to a ``Store`` that every pytest-xdist worker shares; the service-call tests read
them from there and collect a config themselves only when nothing published it (a ``-k``
run, or a test that failed before its apply).
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from trailwatch.harness.emulator import Emulator
from trailwatch.harness.terraform import REPO_ROOT, Stack, inline_stack

#: The attributes that hold a policy document, per resource type, and what kind it is.
POLICY_ATTRIBUTES: dict[str, dict[str, str]] = {
    "aws_s3_bucket_policy": {"policy": "bucket policy"},
    "aws_kms_key": {"policy": "key policy"},
    "aws_sns_topic_policy": {"policy": "topic policy"},
    "aws_sqs_queue_policy": {"policy": "queue policy"},
    "aws_sqs_queue": {"policy": "queue policy"},
    "aws_cloudwatch_event_bus_policy": {"policy": "event bus policy"},
    "aws_cloudwatch_log_resource_policy": {"policy_document": "log resource policy"},
    "aws_iam_role": {"assume_role_policy": "role trust policy"},
    "aws_iam_role_policy": {"policy": "role inline policy"},
    "aws_iam_policy": {"policy": "managed policy"},
}

#: The root module on its own, with every optional service-to-service path on.
ROOT_CONFIG = "root"
ROOT_MODULE_ARGS: dict[str, object] = {
    "name_prefix": "tw-root",
    "signin_events_enabled": True,
    "allowed_source_cidrs": ["203.0.113.10"],
    "alarm_email_addresses": ["security@example.com"],
    # modules/athena: its results bucket policy joins the documents checked and linted
    # (and tests/test_athena_module.py reads this stack back: two regions, a cost guard).
    "athena_enabled": True,
    "athena_results_bucket_force_destroy": True,
    "athena_regions": ["us-east-1", "eu-west-1"],
    "athena_bytes_scanned_cutoff_per_query": 53687091200,
    # modules/alarm-messages: the rule, the state machine and their roles (tests/test_alarm_messages.py
    # renders every detection's message from the definition read back).
    "alarm_messages_enabled": True,
}


@dataclass(frozen=True)
class Resource:
    address: str
    type: str
    values: Mapping[str, Any]


@dataclass(frozen=True)
class PolicyDoc:
    address: str
    attribute: str
    kind: str
    document: dict[str, Any] | None  # None: unknown until apply

    @property
    def name(self) -> str:
        return f"{self.address}.{self.attribute}"


def resources(doc: Mapping[str, Any]) -> list[Resource]:
    """Managed resources of ``terraform show -json`` output: a plan (planned values) or a state."""
    root = (doc.get("planned_values") or doc.get("values") or {}).get("root_module", {})
    out: list[Resource] = []
    queue = [root]
    while queue:
        mod = queue.pop(0)
        for res in mod.get("resources", []):
            if res.get("mode") == "managed":
                out.append(Resource(res["address"], res["type"], res.get("values") or {}))
        queue.extend(mod.get("child_modules", []))
    return out


def _parse(text: Any) -> dict[str, Any] | None:
    if not isinstance(text, str) or not text.strip():
        return None
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def policies(doc: Mapping[str, Any]) -> list[PolicyDoc]:
    """Every policy document in a plan or state; unknown-at-plan ones have document None.

    A queue's own ``policy`` attribute counts only when set (aws_sqs_queue_policy usually
    holds it); an empty one is no document.
    """
    out: list[PolicyDoc] = []
    for res in resources(doc):
        for attr, kind in POLICY_ATTRIBUTES.get(res.type, {}).items():
            if res.type == "aws_sqs_queue" and not res.values.get(attr):
                continue
            out.append(PolicyDoc(res.address, attr, kind, _parse(res.values.get(attr))))
    return out


def compare(plan: Mapping[str, Any], state: Mapping[str, Any]) -> list[str]:
    """Differences between the documents a plan produces and those the apply left."""
    after = {p.name: p for p in policies(state)}
    errors = []
    for p in policies(plan):
        if p.name not in after:
            errors.append(f"{p.name}: planned but not in the state")
        elif p.document is not None and p.document != after[p.name].document:
            errors.append(f"{p.name}: the applied document differs from the planned one")
    return errors


#: Consumer configs of tests/configs that the service-call checks cover too (no example: each
#: examples/* costs a lifecycle in tests/test_examples.py), with the fixtures each assumes.
TEST_CONFIGS: dict[str, dict[str, Any]] = {
    # The organization-wide eventbridge path's central and member parts (the emulator's
    # organization is what the central buses admit).
    "eventbridge-org": {"organization": True},
}


#: The detections tests/configs/eventbridge-org runs (its locals.detections): the config builds
#: their patterns itself, with the trailwatch module's parts (no pattern is written twice).
EVENTBRIDGE_ORG_DETECTIONS = ("root_usage", "console_login_failures")


def config_vars(config: str) -> dict[str, object]:
    """The variables a TEST_CONFIGS config is applied with (none: each config is complete)."""
    return {}


def configs() -> list[str]:
    """The root module alone, every example but one another example applies (``applied_by``:
    the same module calls, whose policies are read there) and the TEST_CONFIGS."""
    examples = sorted(p.name for p in (REPO_ROOT / "examples").iterdir() if (p / "main.tf").exists())
    return [ROOT_CONFIG, *(e for e in examples if applied_by(e) is None), *sorted(TEST_CONFIGS)]


def applied_by(example: str) -> str | None:
    """The example whose lifecycle applies this example's module calls (its inventory's
    ``applied_by``: tests/test_examples.py holds the two to the same calls), or None."""
    found = _inventory_section(example, "applied_by")
    return str(found["example"]) if found else None


def _inventory_section(config: str, section: str) -> dict[str, Any]:
    path = REPO_ROOT / "tests" / "inventories" / f"{config}.yaml"
    if not path.exists():
        return {}
    data: dict[str, Any] = yaml.safe_load(path.read_text()) or {}
    found: dict[str, Any] = data.get(section) or {}
    return found


def fixtures(config: str) -> dict[str, Any]:
    """Pre-existing infrastructure an example assumes, from its plan inventory (a test
    config's, from TEST_CONFIGS)."""
    if config in TEST_CONFIGS:
        return TEST_CONFIGS[config]
    return _inventory_section(config, "fixtures")


def stack_options(config: str) -> dict[str, Any]:
    """``Stack`` arguments an example needs on the emulator, from its inventory's ``emulator``
    section: ``tf_vars`` (values for its required variables) and ``skip_types`` (resource
    types the emulator has no service for, planned but never applied)."""
    section = _inventory_section(config, "emulator")
    unknown = set(section) - {"tf_vars", "skip_types"}
    if unknown:
        raise ValueError(f"tests/inventories/{config}.yaml: unknown emulator settings {sorted(unknown)}")
    tf_vars = dict(section.get("tf_vars") or {})
    central = _inventory_section(config, "member_rules")
    if central:
        tf_vars["rules"] = member_rules(central["account"], central["region"], central["name_prefix"])
    return {"tf_vars": tf_vars, "skip_types": tuple(section.get("skip_types") or ())}


def member_rules(account: str, region: str, name_prefix: str) -> dict[str, dict[str, str]]:
    """The ``rules`` input of examples/eventbridge-member on the emulator (its inventory's
    ``member_rules``: the security account, region and prefix): what that account's central
    stack outputs as ``member_rules``, for EVENTBRIDGE_ORG_DETECTIONS, with the catalog's
    patterns (no pattern is written twice)."""
    from trailwatch.harness.signin_notifications import detection_pattern

    return {
        k: {
            "bus_arn": f"arn:aws:events:{region}:{account}:event-bus/{name_prefix}-{k.replace('_', '-')}",
            "event_pattern": json.dumps(detection_pattern(k, "tuned", ["203.0.113.*"])),
            "state": "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
        }
        for k in EVENTBRIDGE_ORG_DETECTIONS
    }


def _setup(emulator: Emulator, wanted: Mapping[str, Any]) -> None:
    for group in wanted.get("log_groups", []):
        emulator.client("logs").create_log_group(logGroupName=group)
    if wanted.get("organization"):
        emulator.client("organizations").create_organization(FeatureSet="ALL")


def _stack(config: str, emulator: Emulator) -> Stack:
    if config in TEST_CONFIGS:
        return Stack(REPO_ROOT / "tests" / "configs" / config, emulator=emulator, tf_vars=config_vars(config))
    if config != ROOT_CONFIG:
        return Stack(config, emulator=emulator, **stack_options(config))
    return inline_stack(ROOT_MODULE_ARGS, emulator=emulator, name="root")


@dataclass(frozen=True)
class Collected:
    config: str
    plan: dict[str, Any]
    state: dict[str, Any]


def collect(config: str, emulator: Emulator) -> Collected:
    """Plan, apply and read back one config on a freshly reset emulator.

    No destroy: the next collect (or test) resets the emulator, which empties every service
    at once (destroying is what tests/test_examples.py proves, and it would double the time).
    """
    emulator.reset()
    _setup(emulator, fixtures(config))
    stack = _stack(config, emulator)
    try:
        plan = dict(stack.plan())
        stack.apply()
        state = stack.state()
    finally:
        stack.cleanup()
    return Collected(config, plan, state)


class Store:
    """Collected configs in a directory shared by every pytest-xdist worker of one run.

    One lock file per config (``flock``): a lifecycle test holds it from before its plan until
    it has published, so a reader waits for it rather than applying the same config again.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def _locked(self, config: str) -> Iterator[Path]:
        with (self.directory / f"{config}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield self.directory / f"{config}.json"
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @contextmanager
    def producing(self, config: str) -> Iterator[Callable[[dict[str, Any], dict[str, Any]], None]]:
        """Hold ``config``'s lock while the caller plans and applies it; the callable it
        yields publishes the plan and the applied state."""
        with self._locked(config) as path:

            def publish(plan: dict[str, Any], state: dict[str, Any]) -> None:
                path.write_text(json.dumps({"plan": plan, "state": state}))

            yield publish

    def get(self, config: str, emulator: Emulator) -> Collected:
        """The published plan and state of ``config``, or collect (and publish) them now."""
        with self._locked(config) as path:
            if path.exists():
                data = json.loads(path.read_text())
                return Collected(config, data["plan"], data["state"])
            found = collect(config, emulator)
            path.write_text(json.dumps({"plan": found.plan, "state": found.state}))
            return found


def iter_documents(collected: Collected) -> Iterator[PolicyDoc]:
    """The applied documents (every one is known there)."""
    for p in policies(collected.state):
        if p.document is None:
            raise ValueError(f"{collected.config}: {p.name} is empty after apply")
        yield p
