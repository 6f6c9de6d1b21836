"""Where finished outputs go: a local directory (atomic rename) or S3 (streamed multipart upload
with checksums S3 verifies). Both place a sidecar JSON beside the audio and never duplicate an
output that is already there."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlencode

from genesys_tui.core.files import atomic_output, open_nofollow, write_bytes
from genesys_tui.media.hashing import hash_file
from genesys_tui.storage.naming import DEFAULT_TEMPLATE, check_template, fields_for, inside, render

PART_SIZE = 8 * 1024 * 1024  # S3 parts: at least 5 MiB except the last


class SinkError(Exception):
    pass


class Sink:
    template: str

    def names(
        self, meta: dict[str, Any], recording_id: str, fmt: str, exts: list[str]
    ) -> list[PurePosixPath]:
        return [render(self.template, fields_for(meta, recording_id, fmt, ext)) for ext in exts]

    def describe(self, rel: PurePosixPath) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def store_bytes(
        self,
        data: bytes,
        rel: PurePosixPath,
        content_type: str,
        *,
        meta: dict[str, Any] | None = None,
        fmt: str = "",
    ) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def store_json(self, doc: dict[str, Any], rel: PurePosixPath) -> str:
        return self.store_bytes(json.dumps(doc, indent=2).encode(), rel, "application/json")


class LocalSink(Sink):
    def __init__(self, root: str | Path, template: str = DEFAULT_TEMPLATE):
        self.root = Path(root).expanduser()
        self.template = check_template(template)

    def describe(self, rel: PurePosixPath) -> str:
        return str(inside(self.root, rel))

    def store(self, src: Path, rel: PurePosixPath, sha256: str) -> str:
        final = inside(self.root, rel)
        if (
            final.exists()
            and final.stat().st_size == src.stat().st_size
            and hash_file(final).sha256_hex == sha256
        ):
            return str(final)  # already there, byte for byte: nothing to do
        final.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(final) as part:
            try:
                os.unlink(part)  # our own fresh temporary: its random name is linked instead
                os.link(src, part, follow_symlinks=False)  # same filesystem: no copy
            except OSError:
                with open(src, "rb") as i, open_nofollow(part, "wb") as o:
                    shutil.copyfileobj(i, o, 1 << 20)
        return str(final)

    def store_bytes(
        self,
        data: bytes,
        rel: PurePosixPath,
        content_type: str,
        *,
        meta: dict[str, Any] | None = None,
        fmt: str = "",
    ) -> str:
        final = inside(self.root, rel)
        write_bytes(final, data)
        return str(final)


# --- S3 ------------------------------------------------------------------------------------------

_TAG_UNSAFE = re.compile(r"[^A-Za-z0-9 +\-=._:/@]")


def tag_value(value: Any, limit: int = 256) -> str:
    return _TAG_UNSAFE.sub("_", str(value if value is not None else ""))[:limit]


def s3_tags(meta: dict[str, Any], recording_id: str, fmt: str) -> str:
    """At most 10 tags, keys <= 128 and values <= 256 characters from S3's allowed set."""
    queues = meta.get("queues") or []
    agents = meta.get("agents") or []
    tags = {
        "conversationId": meta.get("conversationId"),
        "recordingId": recording_id,
        "queue": queues[0]["name"] if queues else "",
        "agent": agents[0]["name"] if agents else "",
        "direction": meta.get("direction") or "",
        "date": str(meta.get("conversationStart") or "")[:10],
        "format": fmt,
        "source": "genesys-tui",
    }
    return urlencode({k: tag_value(v) for k, v in tags.items() if v})


def s3_metadata(meta: dict[str, Any], recording_id: str, sha256: str) -> dict[str, str]:
    """User metadata: ASCII only (others percent-encoded), well under S3's 2 KB."""
    agents = meta.get("agents") or []
    queues = meta.get("queues") or []
    values = {
        "conversation-id": meta.get("conversationId") or "",
        "recording-id": recording_id,
        "conversation-start": meta.get("conversationStart") or "",
        "queue": queues[0]["name"] if queues else "",
        "agent": agents[0]["name"] if agents else "",
        "sha256": sha256,
    }
    return {k: quote(str(v), safe=" @:/.-_+=")[:256] for k, v in values.items() if v}


def parse_s3_url(url: str) -> tuple[str, str]:
    m = re.match(r"^s3://([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])(?:/(.*))?$", url)
    if not m:
        raise SinkError(f"{url!r} is not an S3 URL like s3://bucket/prefix")
    prefix = (m.group(2) or "").strip("/")
    return m.group(1), (prefix + "/" if prefix else "")


class S3Sink(Sink):
    """Uploads with boto3 (AWS credentials from the standard chain). Blocking: run in a thread."""

    def __init__(
        self,
        url: str,
        template: str = DEFAULT_TEMPLATE,
        *,
        endpoint_url: str = "",
        region: str = "",
        client=None,
    ):
        self.bucket, self.prefix = parse_s3_url(url)
        self.template = check_template(template)
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url or None,
                region_name=region or None,
                config=Config(
                    retries={"max_attempts": 5, "mode": "standard"},
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                ),
            )
        self.s3 = client

    def key(self, rel: PurePosixPath) -> str:
        return self.prefix + str(rel)

    def describe(self, rel: PurePosixPath) -> str:
        return f"s3://{self.bucket}/{self.key(rel)}"

    def _existing_sha(self, key: str) -> str | None:
        from botocore.exceptions import ClientError

        try:
            head = self.s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError:
            return None
        return head.get("Metadata", {}).get("sha256")

    def store(
        self,
        src: Path,
        rel: PurePosixPath,
        sha256: str,
        *,
        meta: dict[str, Any],
        recording_id: str,
        fmt: str,
        content_type: str,
        on_upload_id: Callable[[str | None], None] | None = None,
    ) -> str:
        key = self.key(rel)
        if self._existing_sha(key) == sha256:
            return self.describe(rel)  # already uploaded, same content
        size = src.stat().st_size
        extra = {
            "Metadata": s3_metadata(meta, recording_id, sha256),
            "Tagging": s3_tags(meta, recording_id, fmt),
            "ContentType": content_type,
        }
        if size <= PART_SIZE:
            data = src.read_bytes()
            self.s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentMD5=_b64(hashlib.md5(data).digest()),
                ChecksumSHA256=_b64(hashlib.sha256(data).digest()),
                **extra,
            )
        else:
            self._multipart(src, key, extra, on_upload_id)
        self._check(key, size, sha256)
        return self.describe(rel)

    def _multipart(self, src: Path, key: str, extra: dict[str, Any], on_upload_id) -> None:
        # An earlier attempt killed between creating its upload and recording the id would leave
        # an orphan nobody knows about: abort unfinished uploads of this exact key first.
        self.abort_key(key)
        up = self.s3.create_multipart_upload(
            Bucket=self.bucket, Key=key, ChecksumAlgorithm="SHA256", **extra
        )
        upload_id = up["UploadId"]
        if on_upload_id:
            on_upload_id(upload_id)  # remembered, so a crash mid-upload can be cleaned up later
        parts = []
        try:
            with open(src, "rb") as f:
                number = 1
                while data := f.read(PART_SIZE):  # one part in memory at a time
                    sha = _b64(hashlib.sha256(data).digest())
                    r = self.s3.upload_part(
                        Bucket=self.bucket,
                        Key=key,
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=data,
                        ContentMD5=_b64(hashlib.md5(data).digest()),
                        ChecksumSHA256=sha,
                    )
                    parts.append({"PartNumber": number, "ETag": r["ETag"], "ChecksumSHA256": sha})
                    number += 1
            self.s3.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            self.abort(key, upload_id)
            raise
        finally:
            if on_upload_id:
                on_upload_id(None)

    def _check(self, key: str, size: int, sha256: str) -> None:
        head = self.s3.head_object(Bucket=self.bucket, Key=key)
        if head["ContentLength"] != size or head.get("Metadata", {}).get("sha256") != sha256:
            self.s3.delete_object(Bucket=self.bucket, Key=key)
            raise SinkError(
                f"s3://{self.bucket}/{key}: stored object does not match (size {head['ContentLength']} "
                f"of {size}); deleted"
            )

    def abort(self, key: str, upload_id: str) -> None:
        from botocore.exceptions import ClientError

        with contextlib.suppress(ClientError):  # already gone
            self.s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)

    def abort_key(self, key: str) -> None:
        from botocore.exceptions import ClientError

        with contextlib.suppress(ClientError):
            for up in self.s3.list_multipart_uploads(Bucket=self.bucket, Prefix=key).get(
                "Uploads", []
            ):
                if up["Key"] == key:
                    self.abort(key, up["UploadId"])

    def abort_stale(self, upload_id: str) -> None:
        """After a crash: abort an upload we started, whatever its key."""
        from botocore.exceptions import ClientError

        with contextlib.suppress(ClientError):
            for up in self.s3.list_multipart_uploads(Bucket=self.bucket, Prefix=self.prefix).get(
                "Uploads", []
            ):
                if up["UploadId"] == upload_id:
                    self.abort(up["Key"], upload_id)

    def store_bytes(
        self,
        data: bytes,
        rel: PurePosixPath,
        content_type: str,
        *,
        meta: dict[str, Any] | None = None,
        fmt: str = "",
    ) -> str:
        """A small object in one PUT, with checksums S3 verifies (and tags when meta is given)."""
        extra: dict[str, Any] = {}
        sha = hashlib.sha256(data)
        if meta is not None:
            extra = {
                "Metadata": s3_metadata(meta, "", sha.hexdigest()),
                "Tagging": s3_tags(meta, "", fmt),
            }
        self.s3.put_object(
            Bucket=self.bucket,
            Key=self.key(rel),
            Body=data,
            ContentType=content_type,
            ContentMD5=_b64(hashlib.md5(data).digest()),
            ChecksumSHA256=_b64(sha.digest()),
            **extra,
        )
        return self.describe(rel)


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def normalize_target(to: str) -> str:
    """One form for a target, so the same request always finds the same jobs: a directory made
    absolute, or an s3:// URL without a trailing slash."""
    to = to.strip()
    if to.startswith("s3://"):
        return to.rstrip("/")
    return str(Path(to).expanduser().resolve())


def open_target(to: str, profile) -> tuple[str, Sink]:
    """The normalized target and its sink, for a profile's naming template and S3 settings. A bad
    one (not an S3 URL, a bad template) raises SinkError or NamingError before any work."""
    target = normalize_target(to)
    sink = make_sink(
        target, profile.naming, endpoint_url=profile.s3.endpoint_url, region=profile.s3.region
    )
    return target, sink


def make_sink(target: str, template: str, *, endpoint_url: str = "", region: str = "") -> Sink:
    if target.startswith("s3://"):
        return S3Sink(target, template, endpoint_url=endpoint_url, region=region)
    return LocalSink(target, template)


def sink_factory(profile) -> Callable[[str], Sink]:
    """target -> Sink for a profile (naming template, S3 endpoint and region), one sink per target."""
    sinks: dict[str, Sink] = {}

    def sink_for(target: str) -> Sink:
        if target not in sinks:
            sinks[target] = make_sink(
                target,
                profile.naming,
                endpoint_url=profile.s3.endpoint_url,
                region=profile.s3.region,
            )
        return sinks[target]

    return sink_for
