"""The emulator's stand-in for S3: presigned GETs of recordings and transcripts, with HTTP Range
requests, and the media faults (expired URL, slow start, reset mid-body, silent truncation)."""

from __future__ import annotations

import asyncio
import json
import re
from email.utils import formatdate
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from genesys_tui.emulator import transcript_docs
from genesys_tui.emulator.formats import FORMATS

if TYPE_CHECKING:
    from genesys_tui.emulator.app import Emulator

CHUNK = 64 * 1024
_REC = re.compile(r"^recordings/([0-9a-f-]{36})/([0-9a-f-]{36})/([A-Z0-9_]+)\.\w+$")
_TR = re.compile(r"^transcripts/([0-9a-f-]{36})/([0-9a-f-]{36})(?:/([0-9a-f-]{36}))?\.json$")


def _s3_error(status: int, code: str, message: str) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return Response(body, status, media_type="application/xml")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | str:
    """(start, end inclusive) for a single byte range; None for no/ignored range; 'bad' if unsatisfiable."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    spec = header[6:].strip()
    m = re.fullmatch(r"(\d*)-(\d*)", spec)
    if not m or (not m.group(1) and not m.group(2)):
        return None
    if not m.group(1):  # suffix: the last N bytes
        n = int(m.group(2))
        return (max(0, size - n), size - 1) if n > 0 and size > 0 else "bad"
    start = int(m.group(1))
    end = int(m.group(2)) if m.group(2) else size - 1
    if start >= size or end < start:
        return "bad"
    return start, min(end, size - 1)


async def serve(emu: Emulator, request: Request) -> Response:
    path = "/s3/" + request.path_params["path"]
    emu.stats["s3"] += 1
    if request.headers.get("range"):
        emu.stats["s3.range"] += 1
    verdict = emu.signer.check(path, dict(request.query_params))
    if verdict == "expired":
        return _s3_error(403, "AccessDenied", "Request has expired")
    if verdict != "ok":
        return _s3_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    rel = request.path_params["path"]
    if m := _REC.match(rel):
        await _held(emu)
        enc = emu.media.get(m.group(2), m.group(3))
        if enc is None:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        ctype = FORMATS[m.group(3)][1]
        headers = {
            "ETag": f'"{enc.md5}"',
            "Last-Modified": formatdate(enc.path.stat().st_mtime, usegmt=True),
        }
        disp = request.query_params.get("response-content-disposition")
        if disp:
            headers["Content-Disposition"] = disp
        return await _ranged(
            emu, request, enc.size, lambda a, b: _read(enc.path, a, b), ctype, headers
        )
    if m := _TR.match(rel):
        i = emu.org.find(m.group(1))
        if i is None:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        d = emu.org.detail(i)
        rec = next((r for r in d.recordings if r.id == m.group(3)), None) if m.group(3) else None
        data = json.dumps(transcript_docs.transcript(emu.org, d, rec)).encode()
        return await _ranged(
            emu, request, len(data), lambda a, b: [data[a : b + 1]], "application/json", {}
        )
    return _s3_error(404, "NoSuchKey", "The specified key does not exist.")


async def _held(emu: Emulator) -> None:
    """Past the test's hold (POST /__emulator/hold), a download waits until it is released."""
    emu.stats["s3.media"] += 1
    if emu.hold_media_after is None or emu.stats["s3.media"] <= emu.hold_media_after:
        return
    if emu.media_released is None:
        emu.media_released = asyncio.Event()
    emu.stats["s3.held"] += 1
    await emu.media_released.wait()


def _read(path, start: int, end: int):
    with open(path, "rb") as f:
        f.seek(start)
        left = end - start + 1
        while left > 0:
            chunk = f.read(min(CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


async def _ranged(
    emu: Emulator, request: Request, size: int, reader, ctype: str, headers: dict[str, str]
) -> Response:
    headers = {"Accept-Ranges": "bytes", **headers}
    rng = parse_range(request.headers.get("range"), size)
    if_range = request.headers.get("if-range")
    if if_range is not None and rng is not None:
        # RFC 9110 13.1.5, as S3 does it: a validator that no longer matches means "send it all".
        emu.stats["s3.if-range"] += 1
        if if_range != headers.get("ETag"):
            rng = None
    if rng == "bad":
        return Response(status_code=416, headers={"Content-Range": f"bytes */{size}", **headers})
    start, end = rng if isinstance(rng, tuple) else (0, size - 1)
    status = 206 if isinstance(rng, tuple) else 200
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    length = end - start + 1
    if request.method == "HEAD":
        return Response(
            status_code=status, headers={**headers, "Content-Length": str(length)}, media_type=ctype
        )
    if emu.faults.roll("slow"):
        await asyncio.sleep(emu.s.slow_seconds)
    reset = emu.faults.roll("reset")
    truncate = not reset and emu.faults.roll("truncate")
    cut = int(length * emu.faults.fraction(0.2, 0.9)) if (reset or truncate) else length
    body = _StreamBody(reader(start, end), status, ctype, headers, length, cut, reset, truncate)
    body.pace = emu.s.media_bytes_per_second
    return body


async def pause(seconds: float) -> None:
    """Between chunks of a body (a test replaces it to see the pacing without waiting)."""
    await asyncio.sleep(seconds)


class _StreamBody(Response):
    """Streams a body; can stop early, either dropping the connection (a reset: the client sees an
    incomplete body) or ending cleanly without Content-Length (a silent truncation)."""

    pace = 0  # bytes per second (a slow link), 0 for no limit

    def __init__(
        self,
        chunks,
        status: int,
        ctype: str,
        headers: dict[str, str],
        length: int,
        cut: int,
        reset: bool,
        truncate: bool,
    ):
        super().__init__(status_code=status, headers=headers, media_type=ctype)
        self.chunks, self.length, self.cut, self.reset, self.truncate = (
            chunks,
            length,
            cut,
            reset,
            truncate,
        )
        if not truncate:
            self.headers["content-length"] = str(length)
        elif "content-length" in self.headers:
            del self.headers["content-length"]

    async def __call__(self, scope, receive, send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        sent = 0
        loop = asyncio.get_running_loop()
        started = loop.time()
        for chunk in self.chunks:
            if sent + len(chunk) > self.cut:
                chunk = chunk[: self.cut - sent]
            if chunk and self.pace:  # a slow link: no faster than it would carry the bytes
                await pause(max(0.0, (sent + len(chunk)) / self.pace - (loop.time() - started)))
            if chunk:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                sent += len(chunk)
            if sent >= self.cut:
                break
            await asyncio.sleep(0)
        if self.reset and sent < self.length:
            raise ConnectionResetError("emulated connection reset (injected fault)")
        await send({"type": "http.response.body", "body": b"", "more_body": False})
