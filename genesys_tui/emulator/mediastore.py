"""Encoded recordings on disk, made on demand in a worker pool and kept for the emulator's life.
A (recording, format) pair is "transcoding" until both its minimum transcode time has passed and
the encoder has finished; then size and duration describe exactly the bytes that will be served."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from genesys_tui.emulator.call_model import CallDetail, RecordingInfo
from genesys_tui.emulator.shared_encodes import SharedEncodes

# Formats whose encoding costs more than a copy (WAV is written as fast as it is copied)
SHARED_FORMATS = frozenset({"OGG_OPUS", "WEBM", "MP3", "OGG_VORBIS"})


@dataclass
class Encoded:
    path: Path
    size: int
    duration_ms: int
    md5: str


@dataclass
class Entry:
    key: tuple[str, str]
    requested: float
    ready_after: float  # earliest time it may be reported ready
    future: Future = field(repr=False)

    def result(self) -> Encoded | None:
        return self.future.result() if self.future.done() else None


class MediaStore:
    def __init__(
        self,
        rate: int,
        cache_dir: str | None = None,
        workers: int | None = None,
        clock=time.monotonic,
        shared: str | None = None,
    ):
        self.rate = rate
        self._own_dir = cache_dir is None
        self._dir = Path(cache_dir) if cache_dir else None  # made at the first encode
        self.clock = clock
        self._pool = ThreadPoolExecutor(
            max_workers=workers or max(2, (os.cpu_count() or 2)), thread_name_prefix="encode"
        )
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], Entry] = {}
        self._shared = SharedEncodes(shared) if shared else None

    def request(
        self, d: CallDetail, rec: RecordingInfo, format_id: str, min_seconds: float
    ) -> Entry:
        key = (rec.id, format_id)
        with self._lock:
            e = self._entries.get(key)
            if e is None or (e.future.done() and e.future.exception() is not None):
                fut = self._pool.submit(self._encode, d, rec, format_id)
                now = self.clock()
                e = Entry(key, now, now + min_seconds, fut)
                self._entries[key] = e
            return e

    def ready(self, e: Entry) -> Encoded | None:
        if self.clock() < e.ready_after:
            return None
        return e.result()

    def get(self, rec_id: str, format_id: str) -> Encoded | None:
        e = self._entries.get((rec_id, format_id))
        return e.result() if e else None

    def _encode(self, d: CallDetail, rec: RecordingInfo, format_id: str) -> Encoded:
        from genesys_tui.emulator import audio  # numpy synthesis and codecs: loaded on first use

        ext = audio.FORMATS[format_id][0]
        final = self.dir / f"{rec.id}.{format_id}.{ext}"
        key = None
        if not final.exists():
            pcm = audio.render(d, rec, self.rate)
            if self._shared is not None and format_id in SHARED_FORMATS:
                key = self._shared.key(pcm, self.rate, format_id)
                if (got := self._shared.copy_to(key, final)) is not None:
                    return Encoded(final, final.stat().st_size, *got)
            tmp = final.with_suffix(".tmp")
            with open(tmp, "wb") as f:
                audio.encode(pcm, self.rate, format_id, f)
            os.replace(tmp, final)
        md5 = hashlib.md5()
        with open(final, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                md5.update(chunk)
        done = Encoded(
            final, final.stat().st_size, audio.probe_duration_ms(final, format_id), md5.hexdigest()
        )
        if key is not None:
            self._shared.keep(key, final, done.duration_ms, done.md5)
        return done

    @property
    def dir(self) -> Path:
        """Where encoded audio is kept: made when first needed, so an emulator that encodes
        nothing (unit tests, a listing) leaves no temporary directory behind."""
        with self._lock:
            if self._dir is None:
                self._dir = Path(tempfile.mkdtemp(prefix="genesys-emulator-"))
            self._dir.mkdir(parents=True, exist_ok=True)
            return self._dir

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self._own_dir and self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
