"""Archive files straight from the trail's bucket: ``s3://bucket/prefix`` paths for backtest.

Listing follows the CloudTrail key layout (CloudTrail User Guide, "Finding your CloudTrail
log files"): ``<prefix>/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>.json.gz``,
and for an organization trail ``<prefix>/AWSLogs/<org id>/<account>/CloudTrail/...``. The
walk descends the common prefixes (``Delimiter='/'``) to each ``CloudTrail/<region>/``
folder (digest and Insights folders are other names and are left out), keeps the accounts
and regions asked for, and with ``--from``/``--to`` lists only the day folders that can hold
those events: from the first day (a file holds only records written before its delivery)
to one day past the last (delivery delay). The day folders are found by listing the year,
month and day folders that exist, so ``--to`` alone (everything up to a day) or a range of
years costs a few requests per year and month holding data, not one per calendar day since
CloudTrail began.

Objects are streamed, never written to disk: an :class:`S3Object` stands where a local
path stands for ``trailwatch.archive`` (``is_file``, ``stat().st_size``, ``read_bytes``),
and :func:`prefetch` downloads the next objects in parallel threads while the engine scans
the current one, holding at most ``depth`` objects in memory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

ARCHIVE_SUFFIXES = (".json.gz", ".json")


def parse_url(url: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` -> (bucket, prefix without a leading slash)."""
    if not url.startswith("s3://"):
        raise ValueError(f"not an s3:// URL: {url}")
    bucket, _, prefix = url[len("s3://") :].partition("/")
    if not bucket:
        raise ValueError(f"no bucket in {url}")
    return bucket, prefix


@dataclass(frozen=True)
class _Stat:
    st_size: int


@dataclass(eq=False)
class S3Object:
    """One archive object, read like a local file by ``trailwatch.archive``."""

    client: Any = field(repr=False)
    bucket: str
    key: str
    size: int
    _future: Future[bytes] | None = field(default=None, repr=False)
    _prefetcher: Prefetcher | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def __fspath__(self) -> str:
        return str(self)

    def is_file(self) -> bool:
        return True

    def exists(self) -> bool:
        return True

    def stat(self) -> _Stat:
        return _Stat(self.size)

    def download(self) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.bucket, Key=self.key)["Body"].read()
        return body

    def read_bytes(self) -> bytes:
        future, self._future = self._future, None
        if self._prefetcher is not None:
            self._prefetcher.advance()
        try:
            return future.result() if future is not None else self.download()
        except Exception as exc:  # any download failure is the file's: archive reports it
            raise OSError(f"cannot download {self}: {exc}") from exc


def _folders(client: Any, bucket: str, prefix: str) -> list[str]:
    out: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
        out += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    return out


def _objects(client: Any, bucket: str, prefix: str) -> Iterator[tuple[str, int]]:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for o in page.get("Contents", []):
            if o["Key"].endswith(ARCHIVE_SUFFIXES):
                yield o["Key"], int(o["Size"])


def _region_folders(client: Any, bucket: str, prefix: str, depth: int = 6) -> Iterator[tuple[str, str, str]]:
    """(folder, account, region) of each ``.../<account>/CloudTrail/<region>/`` under prefix."""
    parts = prefix.rstrip("/").split("/")
    if len(parts) >= 3 and parts[-2] == "CloudTrail":
        yield prefix if prefix.endswith("/") else prefix + "/", parts[-3], parts[-1]
        return
    if depth == 0:
        return
    for sub in _folders(client, bucket, prefix if prefix.endswith("/") or not prefix else prefix + "/"):
        name = sub.rstrip("/").rsplit("/", 1)[-1]
        if name.startswith("CloudTrail") and name != "CloudTrail":
            continue  # CloudTrail-Digest, CloudTrail-Insight: not event archives
        yield from _region_folders(client, bucket, sub, depth - 1)


def _day_range(start: datetime | None, end: datetime | None) -> tuple[date | None, date | None] | None:
    """The first and last day folders that can hold events of [start, end): from start's day
    (a file holds only records written before its delivery) to one day past end's (delivery
    delay); None for a bound not given, None for both when neither is."""
    if start is None and end is None:
        return None
    first = None if start is None else start.astimezone(UTC).date()
    last = None if end is None else (end.astimezone(UTC) + timedelta(days=1)).date()
    return first, last


def _numbered(folders: list[str], width: int) -> list[tuple[int, str]]:
    """(number, folder) of the folders named by a number of ``width`` digits (YYYY, MM, DD)."""
    out = []
    for f in folders:
        name = f.rstrip("/").rsplit("/", 1)[-1]
        if len(name) == width and name.isdigit():
            out.append((int(name), f))
    return out


def _day_folders(client: Any, bucket: str, folder: str, first: date | None, last: date | None) -> list[str]:
    """The ``YYYY/MM/DD/`` folders under a region folder between two days (None: no bound),
    found by listing the year, month and day folders that exist: a few requests per year
    and month of the range that holds data, never one per calendar day since 2013."""
    lo, hi = first or date.min, last or date.max
    out: list[str] = []
    for year, y_folder in _numbered(_folders(client, bucket, folder), 4):
        if not lo.year <= year <= hi.year:
            continue
        for month, m_folder in _numbered(_folders(client, bucket, y_folder), 2):
            if not (lo.year, lo.month) <= (year, month) <= (hi.year, hi.month):
                continue
            for day, d_folder in _numbered(_folders(client, bucket, m_folder), 2):
                try:
                    when = date(year, month, day)
                except ValueError:
                    continue
                if lo <= when <= hi:
                    out.append(d_folder)
    return out


def list_archive(
    client: Any,
    url: str,
    start: datetime | None = None,
    end: datetime | None = None,
    accounts: Sequence[str] = (),
    regions: Sequence[str] = (),
) -> list[S3Object]:
    """The archive objects under ``url`` in the CloudTrail key layout, selected by day,
    account and region. A prefix that is not in the layout (no ``CloudTrail/<region>/``
    below it) is listed whole."""
    bucket, prefix = parse_url(url)
    days = _day_range(start, end)
    found = list(_region_folders(client, bucket, prefix))
    if not found:
        return [S3Object(client, bucket, k, s) for k, s in _objects(client, bucket, prefix)]
    out: list[S3Object] = []
    for folder, account, region in found:
        if (accounts and account not in accounts) or (regions and region not in regions):
            continue
        for sub in [folder] if days is None else _day_folders(client, bucket, folder, *days):
            out += [S3Object(client, bucket, k, s) for k, s in _objects(client, bucket, sub)]
    return sorted(out, key=lambda o: o.key)


class Prefetcher:
    """Downloads the next ``depth`` objects in parallel threads: reading one object starts
    the download of the one ``depth`` places after it, so at most ``depth`` are held."""

    def __init__(self, objects: Sequence[S3Object], threads: int | None = None, depth: int | None = None):
        self.objects = objects
        self.threads = threads or min(16, 4 * (os.cpu_count() or 1))
        self.depth = depth or 2 * self.threads
        self.pool = ThreadPoolExecutor(self.threads)
        self.next = 0
        for _ in range(self.depth):
            self.advance()

    def advance(self) -> None:
        if self.next < len(self.objects):
            obj = self.objects[self.next]
            obj._future = self.pool.submit(obj.download)
            obj._prefetcher = self
            self.next += 1

    def __enter__(self) -> Prefetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
