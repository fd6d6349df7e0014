"""`trailwatch variants`: each catalog form of unauthorized_api_calls backtested over the same
archive, with match counts checked against a plain-Python count of the same records."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path

import pytest

from trailwatch.cli import main
from trailwatch.harness import record_corpus as ev
from trailwatch.harness.scenarios import corpus
from trailwatch.variants import EXCLUDED, compare, variant_patterns

SOURCES = ["secretsmanager.amazonaws.com"]
PRINCIPALS = ["arn:aws:iam::*:user/ci-*"]


def _denied(r: ev.Record) -> bool:
    code = str(r.get("errorCode", ""))
    return code.startswith("AccessDenied") or code.endswith("UnauthorizedOperation")


def _tuned(r: ev.Record) -> bool:
    return (
        _denied(r)
        and r["sourceIPAddress"] != "delivery.logs.amazonaws.com"
        and r["eventName"] != "HeadBucket"
    )


def _excluded(r: ev.Record) -> bool:
    arn = r["userIdentity"].get("arn", "")
    return r["eventSource"] in SOURCES or any(fnmatch.fnmatchcase(arn, p) for p in PRINCIPALS)


@pytest.fixture
def archive(tmp_path: Path) -> tuple[Path, list[ev.Record]]:
    # The corpus, with the denials that flood in practice repeated.
    records = list(corpus().values())
    c = corpus()
    records += [c["denied_log_delivery"]] * 7 + [c["denied_head_bucket"]] * 5 + [c["denied_ci_scanner"]] * 3
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(ev.message(r) for r in records) + "\n")
    return path, records


def test_counts_match_an_independent_count(archive: tuple[Path, list[ev.Record]]) -> None:
    path, records = archive
    doc = compare("unauthorized_api_calls", [path], SOURCES, PRINCIPALS).to_json()
    got = {v["variant"]: v["matches"] for v in doc["variants"]}
    want = {
        "security_hub": sum(map(_denied, records)),
        "cis_v4_0_1": sum(map(_tuned, records)),
        "tuned": sum(map(_tuned, records)),
        EXCLUDED: sum(1 for r in records if _tuned(r) and not _excluded(r)),
    }
    assert got == want
    assert doc["eventsScanned"] == len(records)
    removed = {v["variant"]: v["removedVsSecurityHub"] for v in doc["variants"]}
    assert removed["tuned"] == 14  # 8 log deliveries, 6 HeadBucket probes (the corpus has one of each)
    assert removed[EXCLUDED] == 14 + 1 + 4  # and the Secrets Manager denial, the CI user's four


def test_without_exclusions_there_is_no_excluded_variant() -> None:
    assert set(variant_patterns("unauthorized_api_calls")) == {"tuned", "cis_v4_0_1", "security_hub"}


def test_cli_prints_json(archive: tuple[Path, list[ev.Record]], capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = archive
    rc = main(["variants", str(path), "--exclude-event-source", SOURCES[0], "--json"])
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["detection"] == "unauthorized_api_calls"
    assert {v["variant"] for v in doc["variants"]} == {"tuned", EXCLUDED, "cis_v4_0_1", "security_hub"}


def test_an_unreadable_file_is_reported_and_never_counted(
    archive: tuple[Path, list[ev.Record]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, records = archive
    bad = path.parent / "broken.json.gz"
    bad.write_bytes(b"not gzip at all")
    assert main(["variants", str(path), str(bad), "--json"]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert doc["eventsScanned"] == len(records)
    assert [e["path"] for e in doc["errors"]] == [str(bad)]
    assert main(["variants", str(path), str(bad)]) == 2
    assert "broken.json.gz" in capsys.readouterr().out
