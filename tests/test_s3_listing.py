"""Listing s3:// archives by day without one request per calendar day: --to alone (everything
up to a day) and long ranges list the year, month and day folders that exist. A fake S3
client counts the requests (tests/test_backtest_s3.py runs the same listing on the emulator)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from trailwatch.backtest import s3

ACCOUNT = "AWSLogs/111122223333/CloudTrail/us-east-1/"
DAYS = ["2019/02/27", "2026/10/31", "2026/11/01", "2026/11/02", "2026/11/03"]
KEYS = [f"{ACCOUNT}{d}/111122223333_CloudTrail_us-east-1_{d.replace('/', '')}T0000Z_x.json.gz" for d in DAYS]
KEYS.append("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/01/digest.json.gz")


class FakeS3:
    """list_objects_v2 over a set of keys (Prefix, Delimiter), counting the pages asked for."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = sorted(keys)
        self.requests = 0

    def get_paginator(self, name: str) -> FakeS3:
        assert name == "list_objects_v2"
        return self

    def paginate(self, Bucket: str, Prefix: str = "", Delimiter: str | None = None) -> list[dict[str, Any]]:
        self.requests += 1
        under = [k for k in self.keys if k.startswith(Prefix)]
        if Delimiter is None:
            return [{"Contents": [{"Key": k, "Size": 1} for k in under]}]
        folders = sorted(
            {
                Prefix + k[len(Prefix) :].split(Delimiter, 1)[0] + Delimiter
                for k in under
                if Delimiter in k[len(Prefix) :]
            }
        )
        return [{"CommonPrefixes": [{"Prefix": f} for f in folders]}]


def _days_of(objects: list[s3.S3Object]) -> list[str]:
    return [o.key[len(ACCOUNT) : len(ACCOUNT) + 10] for o in objects]


def test_to_alone_lists_the_folders_that_exist() -> None:
    client = FakeS3(KEYS)
    found = s3.list_archive(client, "s3://bucket/", end=datetime(2026, 11, 1, 12, tzinfo=UTC))
    # Up to one day past --to (delivery delay), from the first folder there is.
    assert _days_of(found) == ["2019/02/27", "2026/10/31", "2026/11/01", "2026/11/02"]
    # The walk to the region folder (4), then years (1), months of 2019 and 2026 (2), days of
    # each month in range (3), then each day folder's objects (4): not one per day since 2013.
    assert client.requests == 14


def test_a_range_of_years_costs_requests_per_month_with_data() -> None:
    client = FakeS3(KEYS)
    found = s3.list_archive(
        client, "s3://bucket/", datetime(2014, 1, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
    )
    assert _days_of(found) == DAYS  # 2026/11/03: one day past --to
    assert client.requests == 15  # 4 to the region folder, 1 + 2 + 3 folder lists, 5 days


def test_from_alone_and_both_bounds_pick_the_same_days_as_before() -> None:
    client = FakeS3(KEYS)
    assert _days_of(s3.list_archive(client, "s3://bucket/", datetime(2026, 11, 2, tzinfo=UTC))) == [
        "2026/11/02",
        "2026/11/03",
    ]
    day2 = s3.list_archive(
        client, "s3://bucket/", datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 2, 12, tzinfo=UTC)
    )
    assert _days_of(day2) == ["2026/11/02", "2026/11/03"]
    # A bound with an offset is a UTC day: 01:00 at +05:00 is the evening before in UTC.
    local = datetime.fromisoformat("2026-11-02T01:00:00+05:00")
    assert _days_of(s3.list_archive(client, "s3://bucket/", local, local)) == ["2026/11/01", "2026/11/02"]
    assert len(s3.list_archive(client, "s3://bucket/")) == len(DAYS)  # no bounds: every file
