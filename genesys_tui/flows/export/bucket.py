"""Reading an export bucket: the objects under the org's prefix, day by day, from S3 (paginated
ListObjectsV2) or from a local mirror made with `aws s3 sync` — the same layout either way:

    {orgId}/year={y}/month={m}/day={d}/hour={h}/conversation_id={id}/{recordingId}.{ext}
    …/{recordingId}.{ext}_metadata.json

Whether month, day and hour are zero-padded is UNCONFIRMED (reference 4.5): both spellings are
listed, and keys are parsed whichever they use."""

from __future__ import annotations

import os
import re
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from genesys_tui.core.errors import UserError
from genesys_tui.core.files import NotAFile, open_regular, read_capped
from genesys_tui.core.ids import is_safe_id

_KEY = re.compile(
    r"^(?P<org>[^/]+)/year=(?P<y>\d{4})/month=(?P<m>\d{1,2})/day=(?P<d>\d{1,2})/"
    r"hour=(?P<h>\d{1,2})/conversation_id=(?P<conv>[^/]+)/(?P<name>[^/]+)$"
)
META = "_metadata.json"
SIDECAR_MAX = 64 << 10  # bytes: a sidecar is a few KB of JSON; a bigger one is not read


class BucketError(UserError):
    pass


@dataclass(frozen=True)
class Obj:
    key: str
    size: int
    etag: str = ""  # S3's ETag (the MD5 of a single-part upload); a local file's MD5
    problem: str = ""  # why it cannot be taken for what its name says (a link, not a file)


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
    not this org's): the conversation and the recording are ids, nothing else (a folder named
    `conversation_id==HYPERLINK(…)` is not the export's)."""
    m = _KEY.match(key)
    if not m or m["org"] != org_id or not is_safe_id(m["conv"]):
        return None
    base = m["name"].removesuffix(META)
    if not is_safe_id(base.rsplit(".", 1)[0] if "." in base else base):
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

    def read(self, key: str, limit: int) -> bytes:
        """The object, if it is at most `limit` bytes (a larger one is refused unread)."""
        from botocore.exceptions import BotoCoreError, ClientError

        full = f"{self.prefix}/{key}" if self.prefix else key
        try:
            body = self.client().get_object(Bucket=self.bucket, Key=full)["Body"]
            data = body.read(limit + 1)
            body.close()
        except (BotoCoreError, ClientError) as e:
            raise BucketError(f"cannot read s3://{self.bucket}/{full}: {e}") from None
        if len(data) > limit:
            raise BucketError(f"s3://{self.bucket}/{full} is more than {limit:,} bytes")
        return data

    def download(self, key: str, dest: Path) -> None:
        """The object streamed to `dest` (memory stays flat whatever its size)."""
        from botocore.exceptions import BotoCoreError, ClientError

        full = f"{self.prefix}/{key}" if self.prefix else key
        try:
            body = self.client().get_object(Bucket=self.bucket, Key=full)["Body"]
            with open(dest, "wb") as out:
                for chunk in body.iter_chunks(1 << 20):
                    out.write(chunk)
        except (BotoCoreError, ClientError) as e:
            raise BucketError(f"cannot read s3://{self.bucket}/{full}: {e}") from None


class DirListing:
    """A local mirror of the bucket (`aws s3 sync s3://BUCKET PATH`). Only regular files inside
    it are read, never through a link and never blocking (a FIFO, a device); a link is listed as
    one (never followed out of the mirror), with its problem said."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser()
        if not self.root.is_dir():
            raise BucketError(f"{self.root} is not a directory")

    def objects(self, prefix: str) -> Iterator[Obj]:
        base = self.root / prefix
        link = self._link_on_the_way(prefix)
        if link is not None:
            yield link
            return
        if not base.is_dir():
            return
        for dirpath, dirs, files in os.walk(base, followlinks=False):
            for name in dirs + files:
                path = Path(dirpath) / name
                obj = self._obj(path, name)
                if obj is not None:
                    yield obj

    def _link_on_the_way(self, prefix: str) -> Obj | None:
        """A folder of the prefix that is a link (a `month=11` pointing out of the mirror): the
        link, as an object with its problem; it is not walked."""
        path = self.root
        for part in Path(prefix).parts:
            path = path / part
            if path.is_symlink():
                return Obj(self._key(path), 0, problem=_link_problem(path))
        return None

    def _obj(self, path: Path, name: str) -> Obj | None:
        try:
            st = path.lstat()
        except OSError:
            return None
        key = self._key(path)
        if stat.S_ISLNK(st.st_mode):
            return Obj(key, 0, problem=_link_problem(path))  # never its target's (or its own) size
        if stat.S_ISDIR(st.st_mode):
            return None  # walked
        if not stat.S_ISREG(st.st_mode):
            return Obj(key, 0, problem="not a regular file (a FIFO, a socket or a device)")
        etag = ""
        if name.endswith(META):
            if st.st_size > SIDECAR_MAX:  # not hashed (gigabytes of it would be read): said
                return Obj(key, st.st_size, problem=_too_big(st.st_size))
            try:
                etag = _md5(path, st.st_size)
            except (OSError, NotAFile) as e:
                return Obj(key, st.st_size, problem=f"cannot be read: {e}")
        return Obj(key, st.st_size, etag)

    def _key(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def read(self, key: str, limit: int) -> bytes:
        """The object, if it is a regular file of at most `limit` bytes."""
        try:
            return read_capped(self.root / key, limit)
        except NotAFile as e:
            raise BucketError(str(e)) from None

    def download(self, key: str, dest: Path) -> None:
        """The object copied to `dest` in chunks (memory stays flat whatever its size)."""
        try:
            fd, _ = open_regular(self.root / key)
        except NotAFile as e:
            raise BucketError(str(e)) from None
        with os.fdopen(fd, "rb") as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)


def _link_problem(path: Path) -> str:
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    return f"a link (to {target[:200]}): not followed out of the mirror"


def _too_big(size: int) -> str:
    return f"{size:,} bytes: no sidecar is (at most {SIDECAR_MAX:,})"


def _md5(path: Path, size: int) -> str:
    """The MD5 of a regular file, read to at most the size the listing gave."""
    import hashlib

    h = hashlib.md5(usedforsecurity=False)
    fd, _ = open_regular(path, size)
    with os.fdopen(fd, "rb") as f:
        left = size
        while left > 0:
            chunk = f.read(min(left, 1 << 20))
            if not chunk:
                break
            h.update(chunk)
            left -= len(chunk)
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
