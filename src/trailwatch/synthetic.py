"""Synthetic CloudTrail archives in S3 layout, for the benchmark and the backtest tests.

A realistic mix: mostly read-only API calls, some denied calls, CIS-relevant changes, and
rare console sign-ins (including the ones the detections exist for). Deterministic for a
given seed.
"""

from __future__ import annotations

import gzip
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from trailwatch import signin_events as ev

READS = [
    ("DescribeInstances", "ec2.amazonaws.com"),
    ("GetObject", "s3.amazonaws.com"),
    ("ListBuckets", "s3.amazonaws.com"),
    ("AssumeRole", "sts.amazonaws.com"),
    ("GetCallerIdentity", "sts.amazonaws.com"),
    ("DescribeLogStreams", "logs.amazonaws.com"),
    ("Decrypt", "kms.amazonaws.com"),
    ("GetParameter", "ssm.amazonaws.com"),
    ("ListFunctions20150331", "lambda.amazonaws.com"),
    ("DescribeTable", "dynamodb.amazonaws.com"),
]
CHANGES = [
    ("PutRolePolicy", "iam.amazonaws.com"),
    ("AuthorizeSecurityGroupIngress", "ec2.amazonaws.com"),
    ("CreateRoute", "ec2.amazonaws.com"),
    ("PutBucketPolicy", "s3.amazonaws.com"),
    ("StopLogging", "cloudtrail.amazonaws.com"),
]


def _record(rng: random.Random, at: datetime) -> dict[str, Any]:
    roll = rng.random()
    ip = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if roll < 0.0002:
        kind = rng.randint(0, 5)
        if kind == 0:
            return ev.iam_user_login(mfa=True, ip="203.0.113.10", at=at)
        if kind == 1:
            return ev.iam_user_login(mfa=True, ip=f"198.51.100.{rng.randint(1, 254)}", user="mallory", at=at)
        if kind == 2:
            return ev.iam_user_login(mfa=False, ip="203.0.113.10", user="bob", at=at)
        if kind == 3:
            return ev.iam_user_failure(ip=f"192.0.2.{rng.randint(1, 254)}", at=at)
        if kind == 4:
            return ev.sso_login(ip=f"198.51.100.{rng.randint(1, 254)}", at=at)
        return ev.root_login(mfa=True, ip="203.0.113.10", at=at)
    if roll < 0.0012:
        name, source = rng.choice(CHANGES)
        return ev.api_call(name, source, ip=ip, at=at)
    if roll < 0.0112:
        name, source = rng.choice(READS)
        return ev.api_call(name, source, ip=ip, error_code="AccessDenied", at=at)
    name, source = rng.choice(READS)
    rec = ev.api_call(name, source, ip=ip, at=at)
    rec["requestParameters"] = {
        "maxResults": rng.randint(1, 1000),
        "filterSet": {"items": [{"name": "tag:Env"}]},
    }
    rec["tlsDetails"] = {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256"}
    rec["eventID"] = f"{rng.getrandbits(128):032x}"
    return rec


def write_archive(
    root: Path,
    records: int,
    per_file: int = 2000,
    seed: int = 7,
    account: str = ev.ACCOUNT,
    region: str = "us-east-1",
    start: datetime | None = None,
) -> list[Path]:
    """Write ``records`` CloudTrail records as gzip files under root/AWSLogs/... ."""
    rng = random.Random(seed)
    t = start or datetime(2026, 11, 1, tzinfo=UTC)
    step = timedelta(seconds=86400 * 7 / max(records, 1))
    files: list[Path] = []
    written = 0
    while written < records:
        n = min(per_file, records - written)
        batch = []
        for _ in range(n):
            batch.append(_record(rng, t))
            t += step
        day = t.strftime("%Y/%m/%d")
        stamp = t.strftime("%Y%m%dT%H%MZ")
        folder = root / "AWSLogs" / account / "CloudTrail" / region / day
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{account}_CloudTrail_{region}_{stamp}_{rng.getrandbits(48):012x}.json.gz"
        body = json.dumps({"Records": batch}, separators=(",", ":")).encode()
        path.write_bytes(gzip.compress(body, compresslevel=6))
        files.append(path)
        written += n
    return files
