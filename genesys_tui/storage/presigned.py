"""Stream a presigned URL to a `.part` file: no Authorization header, SHA-256 while streaming,
resumed with HTTP Range (and If-Range) after an interruption."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from genesys_tui.core.files import open_nofollow
from genesys_tui.genesys.errors import NetworkError, PresignedUrlExpired
from genesys_tui.genesys.http import ApiClient


def _large_reads() -> None:
    """httpcore reads sockets 64 KB at a time; media bodies are many megabytes, and 1 MB reads
    halve the per-chunk overhead of the Python HTTP stack (measured: bench/queue.py)."""
    try:
        from httpcore._async.http11 import AsyncHTTP11Connection

        if getattr(AsyncHTTP11Connection, "READ_NUM_BYTES", 0) < (1 << 20):
            AsyncHTTP11Connection.READ_NUM_BYTES = 1 << 20
    except ImportError:  # pragma: no cover - another httpcore layout: keep its default
        pass


_large_reads()


class UrlExpired(Exception):
    """The presigned URL answered 403 (expired or bad signature): ask the API for a new one."""


class DownloadError(Exception):
    """A transfer failed part-way (reset, truncated, server error); the part file is kept."""


@dataclass
class Downloaded:
    path: Path
    size: int
    sha256: str
    etag: str | None
    content_type: str | None
    complete_by_header: bool  # the server declared a length and we got exactly that


async def download(
    api: ApiClient,
    url: str,
    part: Path,
    *,
    etag: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    gate: asyncio.Event | None = None,
    on_validator: Callable[[str | None], None] | None = None,
) -> Downloaded:
    """Stream `url` into `part` (resuming it with Range and If-Range when `etag` is the validator
    of what it holds). `on_validator` receives the response's ETag before the first byte is
    written, so a crash mid-transfer still leaves the validator the next resume needs."""
    part.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    headers = {}
    if have:
        headers["Range"] = f"bytes={have}-"
        if etag:
            headers["If-Range"] = etag
    try:
        async with api.presigned(url, headers) as resp:
            if resp.status_code == 403:
                raise UrlExpired(f"presigned URL refused (403): {resp.reason_phrase}")
            if resp.status_code == 416 and have:
                # Nothing left to fetch, or the part is bogus: start over next time.
                part.unlink(missing_ok=True)
                raise DownloadError("the server refused the resume range; restarting")
            if resp.status_code == 206:
                total = _range_total(resp.headers.get("content-range")) or None
                hasher = await asyncio.to_thread(_hash_file, part) if have else hashlib.sha256()
                mode = "ab"
            elif resp.status_code == 200:
                have, mode, hasher = 0, "wb", hashlib.sha256()
                total = (
                    int(resp.headers["content-length"])
                    if "content-length" in resp.headers
                    else None
                )
            else:
                raise DownloadError(f"download answered {resp.status_code}")
            new_etag = resp.headers.get("etag") or (etag if mode == "ab" else None)
            if on_validator is not None:
                on_validator(new_etag)
            declared = (
                int(resp.headers["content-length"]) if "content-length" in resp.headers else None
            )
            received = 0
            last = 0.0
            with open_nofollow(part, mode) as f, _Writer(f, hasher) as writer:
                async for chunk in resp.aiter_bytes():  # as received: up to 1 MB a read
                    if gate is not None and not gate.is_set():
                        await gate.wait()  # paused
                    await writer.add(chunk)
                    received += len(chunk)
                    now = time.monotonic()
                    if progress and now - last > 0.1:
                        last = now
                        progress(have + received, total)
                await writer.finish()
    except (httpx.TransportError, NetworkError) as e:
        raise DownloadError(f"transfer interrupted ({type(e).__name__})") from None
    if declared is not None and received != declared:
        raise DownloadError(f"transfer incomplete: {received} of {declared} bytes")
    size = have + received
    if progress:
        progress(size, total)
    return Downloaded(
        part,
        size,
        hasher.hexdigest(),
        new_etag,
        resp.headers.get("content-type"),
        complete_by_header=declared is not None,
    )


REFRESHES = 3  # new URLs asked for when the presigned one is refused, before giving up


async def fetch_with_refresh(
    api: ApiClient,
    url: str,
    part: Path,
    refresh: Callable[[], Awaitable[str]],
    *,
    what: str,
    etag: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    gate: asyncio.Event | None = None,
    on_validator: Callable[[str | None], None] | None = None,
) -> Downloaded:
    """`download`, asking the API for a fresh URL (`refresh`) when the presigned one is refused:
    recording URLs live an hour and transcript URLs ten minutes, so a queue or a slow link meets
    expiry in ordinary use. The one policy for every presigned fetch (the queue, Review's audio and
    transcripts): up to REFRESHES new URLs, then PresignedUrlExpired. A DownloadError (the part
    file kept for a resume) is the caller's to retry."""
    for attempt in range(REFRESHES + 1):
        try:
            return await download(
                api, url, part, etag=etag, progress=progress, gate=gate, on_validator=on_validator
            )
        except UrlExpired:
            if attempt < REFRESHES:
                url = await refresh()
    raise PresignedUrlExpired(
        f"the URL of {what} kept being refused (expired or bad signature), "
        f"{REFRESHES + 1} times with fresh URLs"
    )


class _Writer:
    """Writes and hashes on a thread of its own, a megabyte at a time, so the event loop only
    receives (file writes and hashing release the GIL: the two run on two cores)."""

    BATCH = 1 << 20

    def __init__(self, f, hasher):
        self.f, self.hasher = f, hasher
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="download-write")
        self.pending: list[bytes] = []
        self.size = 0
        self.inflight: asyncio.Future | None = None

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True)

    def _write(self, chunks: list[bytes]) -> None:
        for c in chunks:
            self.f.write(c)
            self.hasher.update(c)

    async def add(self, chunk: bytes) -> None:
        self.pending.append(chunk)
        self.size += len(chunk)
        if self.size >= self.BATCH:
            await self._flush()

    async def _flush(self) -> None:
        if self.inflight is not None:
            await self.inflight  # at most one batch in the thread, one being gathered
        chunks, self.pending, self.size = self.pending, [], 0
        self.inflight = asyncio.wrap_future(self.pool.submit(self._write, chunks))

    async def finish(self) -> None:
        await self._flush()
        await self.inflight
        await asyncio.wrap_future(self.pool.submit(self._sync))

    def _sync(self) -> None:
        self.f.flush()
        os.fsync(self.f.fileno())


def _hash_file(path: Path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h


def _range_total(content_range: str | None) -> int | None:
    m = re.match(r"bytes \d+-\d+/(\d+)", content_range or "")
    return int(m.group(1)) if m else None
