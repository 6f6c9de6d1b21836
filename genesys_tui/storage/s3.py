"""The S3 sink: streamed multipart uploads with checksums S3 verifies (SHA-256 per part, MD5 for
the request), user metadata and tags, a check of what was stored, and clean-up of uploads a crash
left. Every botocore failure leaves this module as a SinkError."""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlencode

from genesys_tui.storage.naming import DEFAULT_TEMPLATE, check_template
from genesys_tui.storage.sinks import Sink, SinkError

PART_SIZE = 8 * 1024 * 1024  # S3 parts: at least 5 MiB except the last


def _s3_errors(fn):
    """botocore's errors (ClientError, a refused connection, bad credentials) become SinkError, so
    callers never need to know which backend they wrote to."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(*args, **kwargs)
        except (BotoCoreError, ClientError) as e:
            raise SinkError(f"S3: {e}") from None

    return wrapper


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

    @_s3_errors
    def store(
        self,
        src: Path,
        rel: PurePosixPath,
        sha256: str,
        *,
        meta: dict[str, Any] | None = None,
        recording_id: str = "",
        fmt: str = "",
        content_type: str = "application/octet-stream",
        on_upload_id: Callable[[str | None], None] | None = None,
    ) -> str:
        key = self.key(rel)
        if self._existing_sha(key) == sha256:
            return self.describe(rel)  # already uploaded, same content
        size = src.stat().st_size
        extra = {
            "Metadata": s3_metadata(meta or {}, recording_id, sha256),
            "Tagging": s3_tags(meta or {}, recording_id, fmt),
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

    @_s3_errors
    def abort_stale(self, upload_id: str) -> None:
        """After a crash: abort an upload we started, whatever its key."""
        from botocore.exceptions import ClientError

        with contextlib.suppress(ClientError):
            for up in self.s3.list_multipart_uploads(Bucket=self.bucket, Prefix=self.prefix).get(
                "Uploads", []
            ):
                if up["UploadId"] == upload_id:
                    self.abort(up["Key"], upload_id)

    @_s3_errors
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
