"""`backtest s3://bucket/prefix` on the emulator's S3: an archive uploaded in CloudTrail's
real key layout (an account trail and an organization trail, several regions and days, a
digest folder), listed by that layout with --from/--to, --account and --region, streamed
without touching disk, and reported exactly as the same files read locally."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

import fake_plans
from trailwatch.backtest import s3
from trailwatch.cli import main
from trailwatch.harness import synthetic
from trailwatch.harness.emulator import Emulator

pytestmark = pytest.mark.emulator

ORG = "o-exampleorg1"
BUCKET = "trail-archive"
DENIED = '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'


def _plan(tmp_path: Path) -> Path:
    return fake_plans.write(tmp_path / "plan.json", fake_plans.metric_filter("denied", DENIED, "Denied"))


@pytest.fixture
def uploaded(tmp_path: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Local files and their copies in the bucket, key = path below tmp_path/local."""
    for k, v in emulator.env().items():
        monkeypatch.setenv(k, v)
    root = tmp_path / "local"
    files = []
    start = datetime(2026, 11, 1, tzinfo=UTC)
    files += synthetic.write_archive(
        root / "logs", 3000, per_file=500, account="111122223333", start=start, days=3
    )
    files += synthetic.write_archive(
        root / "logs", 1000, per_file=500, account="111122223333", region="eu-west-1", start=start, days=3
    )
    files += synthetic.write_archive(
        root / "logs" / "org", 2000, per_file=500, account="444455556666", start=start, days=3
    )
    client = emulator.client("s3")
    client.create_bucket(Bucket=BUCKET)
    for f in files:
        key = f.relative_to(root).as_posix()
        if key.startswith("logs/org/AWSLogs/"):  # the organization layout: AWSLogs/<org>/<account>/...
            key = key.replace("logs/org/AWSLogs/", f"logs/AWSLogs/{ORG}/", 1)
        client.put_object(Bucket=BUCKET, Key=key, Body=f.read_bytes())
    client.put_object(
        Bucket=BUCKET,
        Key="logs/AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/01/digest.json.gz",
        Body=b"not an event archive",
    )
    return files


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    rc = main(["backtest", "--plan", *args, "--json", "--no-progress"])
    assert rc == 0
    doc: dict[str, object] = json.loads(capsys.readouterr().out)
    return doc


def test_listing_follows_the_key_layout(uploaded: list[Path], emulator: Emulator) -> None:
    client = emulator.client("s3")
    everything = s3.list_archive(client, f"s3://{BUCKET}/logs/")
    assert len(everything) == len(uploaded)  # the digest folder is left out
    day2 = s3.list_archive(
        client,
        f"s3://{BUCKET}/logs",
        datetime(2026, 11, 2, tzinfo=UTC),
        datetime(2026, 11, 2, 12, tzinfo=UTC),
    )
    assert day2 and all("/2026/11/02/" in o.key or "/2026/11/03/" in o.key for o in day2)
    org = s3.list_archive(client, f"s3://{BUCKET}/logs", accounts=["444455556666"])
    assert org and all(f"/AWSLogs/{ORG}/444455556666/" in o.key for o in org)
    eu = s3.list_archive(client, f"s3://{BUCKET}/logs", regions=["eu-west-1"])
    assert eu and all("/CloudTrail/eu-west-1/" in o.key for o in eu)


def test_backtest_from_the_bucket_equals_the_local_backtest(
    uploaded: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = str(_plan(tmp_path))
    remote = _run(capsys, plan, f"s3://{BUCKET}/logs")
    local = _run(capsys, plan, str(tmp_path / "local"))
    assert remote == local
    assert remote["eventsScanned"] == 6000
    # --from/--to select day folders: the local files of those days give the same report.
    remote_days = _run(
        capsys, plan, f"s3://{BUCKET}/logs", "--from", "2026-11-02", "--to", "2026-11-02T12:00:00"
    )
    days = [str(f) for f in uploaded if "/2026/11/02/" in f.as_posix() or "/2026/11/03/" in f.as_posix()]
    assert remote_days == _run(capsys, plan, *days)
    assert 0 < int(str(remote_days["eventsScanned"])) < 6000


def test_an_unreadable_object_is_reported_not_counted(
    uploaded: list[Path], emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = "logs/AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/01/broken.json.gz"
    emulator.client("s3").put_object(Bucket=BUCKET, Key=key, Body=b"\x1f\x8bnot gzip")
    rc = main(["backtest", "--plan", str(_plan(tmp_path)), f"s3://{BUCKET}/logs", "--json", "--no-progress"])
    assert rc == 2
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert [e["path"] for e in errors] == [f"s3://{BUCKET}/{key}"]
