"""Reading an export bucket: the objects under the org's prefix, day by day, from S3 (paginated
ListObjectsV2) or from a local mirror made with `aws s3 sync` — the same layout either way:

    {orgId}/year={y}/month={m}/day={d}/hour={h}/conversation_id={id}/{recordingId}.{ext}
    …/{recordingId}.{ext}_metadata.json

Whether month, day and hour are zero-padded is UNCONFIRMED (reference 4.5): both spellings are
listed, and keys are parsed whichever they use."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from genesys_tui.core.errors import UserError

_KEY = re.compile(
    r"^(?P<org>[^/]+)/year=(?P<y>\d{4})/month=(?P<m>\d{1,2})/day=(?P<d>\d{1,2})/"
    r"hour=(?P<h>\d{1,2})/conversation_id=(?P<conv>[^/]+)/(?P<name>[^/]+)$"
)
META = "_metadata.json"


class BucketError(UserError):
    pass


@dataclass(frozen=True)
class Obj:
    key: str
    size: int
    etag: str = ""  # S3's ETag (the MD5 of a single-part upload); a local file's MD5


@dataclass(frozen=True)
class Parsed:
    conversation_id: str
    name: str  # the file's name: {recordingId}.{ext} or that plus _metadata.json
    day: date
    hour: int = 0  # UTC, of the conversation's start

    @property
    def is_metadata(self) -> bool:
        return self.name.endswith(META)

    @property
    def recording_id(self) -> str:
        base = self.name.removesuffix(META) if self.is_metadata else self.name
        return base.rsplit(".", 1)[0] if "." in base else base


def parse_key(key: str, org_id: str) -> Parsed | None:
    """The conversation and file a key names, or None when it is not in the export layout (or
    not this org's)."""
    m = _KEY.match(key)
    if not m or m["org"] != org_id:
        return None
    try:
        day = date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return None
    hour = int(m["h"])
    if hour > 23:
        return None
    return Parsed(m["conv"], m["name"], day, hour)


def day_prefixes(org_id: str, day: date) -> list[str]:
    padded = f"{org_id}/year={day.year}/month={day.month:02d}/day={day.day:02d}/"
    plain = f"{org_id}/year={day.year}/month={day.month}/day={day.day}/"
    return [padded] if plain == padded else [padded, plain]


class S3Listing:
    """s3://BUCKET[/PREFIX] through boto3 (credentials and endpoint from the usual AWS settings;
    `endpoint_url` for an S3-compatible store)."""

    def __init__(self, url: str, endpoint_url: str | None = None) -> None:
        if not url.startswith("s3://") or len(url) <= 5:
            raise BucketError(f"not an s3:// URL: {url}")
        bucket, _, prefix = url[5:].partition("/")
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.endpoint_url = endpoint_url
        self._client = None

    def client(self):
        if self._client is None:
            import boto3

            self._client = boto3.client("s3", endpoint_url=self.endpoint_url)
        return self._client

    def objects(self, prefix: str) -> Iterator[Obj]:
        from botocore.exceptions import BotoCoreError, ClientError

        full = f"{self.prefix}/{prefix}" if self.prefix else prefix
        cut = len(self.prefix) + 1 if self.prefix else 0
        try:
            pages = (
                self.client()
                .get_paginator("list_objects_v2")
                .paginate(Bucket=self.bucket, Prefix=full)
            )
            for page in pages:
                for o in page.get("Contents") or ():
                    etag = str(o.get("ETag") or "").strip('"')
                    yield Obj(o["Key"][cut:], int(o.get("Size") or 0), etag)
        except (BotoCoreError, ClientError) as e:
            raise BucketError(f"cannot list s3://{self.bucket}/{full}: {e}") from None

    def read(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        full = f"{self.prefix}/{key}" if self.prefix else key
        try:
            return self.client().get_object(Bucket=self.bucket, Key=full)["Body"].read()
        except (BotoCoreError, ClientError) as e:
            raise BucketError(f"cannot read s3://{self.bucket}/{full}: {e}") from None


class DirListing:
    """A local mirror of the bucket (`aws s3 sync s3://BUCKET PATH`)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser()
        if not self.root.is_dir():
            raise BucketError(f"{self.root} is not a directory")

    def objects(self, prefix: str) -> Iterator[Obj]:
        base = self.root / prefix
        if not base.is_dir():
            return
        for dirpath, _dirs, files in os.walk(base, followlinks=False):
            for name in files:
                path = Path(dirpath) / name
                try:
                    size = path.lstat().st_size
                    etag = _md5(path) if name.endswith(META) else ""
                except OSError:
                    continue
                yield Obj(path.relative_to(self.root).as_posix(), size, etag)

    def read(self, key: str) -> bytes:
        path = self.root / key
        if path.is_symlink():
            raise BucketError(f"{path} is a link: not read")
        return path.read_bytes()


def _md5(path: Path) -> str:
    import hashlib

    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def listing_for(where: str, endpoint_url: str | None = None) -> S3Listing | DirListing:
    """s3://BUCKET[/PREFIX] through the S3 protocol; anything else, a local mirror directory."""
    where = where.strip()
    if not where:
        raise BucketError(
            "say where the export landed: --bucket s3://BUCKET[/PREFIX], --dir PATH, or "
            "export_bucket in the profile"
        )
    if where.startswith("s3://"):
        return S3Listing(where, endpoint_url or None)
    return DirListing(where)
