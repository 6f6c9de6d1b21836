"""Waveform peaks: a min/max envelope per bucket and channel, at several resolutions, computed in
one streaming pass and cached as a small file keyed by the audio's SHA-256. A waveform zooms from
the whole call down to a bucket of 128 samples from the cache; below that, `samples()` reads just
the visible window of the audio."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genesys_tui.core.files import atomic_output, open_nofollow, write_bytes
from genesys_tui.media import decode
from genesys_tui.media.hashing import hash_file
from genesys_tui.media.mix import convert
from genesys_tui.media.wavio import S16, SampleFormat

BASE = 128  # samples per bucket at the finest cached level
FACTOR = 4  # each coarser level merges this many buckets
VERSION = 1


@dataclass
class Peaks:
    rate: int
    channels: int
    frames: int
    levels: list[
        np.ndarray
    ]  # level k: (channels, buckets, 2) int16 [min, max], bucket = BASE * FACTOR**k
    sha256: str = ""

    @property
    def duration_s(self) -> float:
        return self.frames / self.rate

    @staticmethod
    def bucket(level: int) -> int:
        return BASE * FACTOR**level

    def envelope(self, start: int, end: int, columns: int) -> np.ndarray | None:
        """(channels, columns, 2) float32 min/max in [-1, 1] for frames [start, end); None when
        the window is finer than the cache holds (use samples())."""
        start, end = max(0, start), min(self.frames, end)
        if end <= start or columns < 1:
            return np.zeros((self.channels, max(columns, 0), 2), np.float32)
        per_col = (end - start) / columns
        if per_col < BASE:
            return None
        level = 0
        while level + 1 < len(self.levels) and self.bucket(level + 1) <= per_col:
            level += 1
        lv = self.levels[level]
        b = self.bucket(level)
        first, last = start // b, min(-(-end // b), lv.shape[1])
        seg = lv[:, first:last]
        # Each column starts at its own bucket; bucket <= frames per column, so starts increase.
        pos = start - first * b + np.arange(columns + 1) * per_col
        rel = np.clip(np.floor(pos[:-1] / b).astype(np.int64), 0, seg.shape[1] - 1)
        lo = np.minimum.reduceat(seg[:, :, 0], rel, axis=1)
        hi = np.maximum.reduceat(seg[:, :, 1], rel, axis=1)
        # A column that ends inside a bucket shares that bucket with the next column: include it,
        # so no sample of the column is left out of its envelope.
        shared = (pos[1:-1] % b) != 0
        if shared.any():
            nxt = rel[1:]
            lo[:, :-1] = np.where(shared, np.minimum(lo[:, :-1], seg[:, nxt, 0]), lo[:, :-1])
            hi[:, :-1] = np.where(shared, np.maximum(hi[:, :-1], seg[:, nxt, 1]), hi[:, :-1])
        return np.stack([lo, hi], axis=2).astype(np.float32) / 32768.0


def compute(blocks: Iterator[np.ndarray], rate: int, channels: int, fmt: SampleFormat) -> Peaks:
    """One pass over the audio."""
    level0, frames = _level0(blocks, channels, fmt)
    return Peaks(rate, channels, frames, _levels(level0, channels))


def compute_file(info: decode.AudioInfo) -> Peaks:
    """The peaks of a file; a PCM WAV of more than a minute is read in two halves, one on each
    core (reading and reducing let go of the GIL), cut at a bucket boundary so the halves join
    exactly."""
    half = (info.frames or 0) // 2 // BASE * BASE
    if not (info.wav is not None and info.is_pcm and half >= 60 * info.rate):
        return compute(decode.blocks(info, 1 << 18), info.rate, info.channels, info.sample_format)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(
            _level0, decode.blocks(info, 1 << 18, 0, half), info.channels, info.sample_format
        )
        second, rest = _level0(
            decode.blocks(info, 1 << 18, half), info.channels, info.sample_format
        )
        level0, frames = first.result()
    level0 = np.concatenate([level0, second], axis=1)
    return Peaks(info.rate, info.channels, frames + rest, _levels(level0, info.channels))


def _level0(
    blocks: Iterator[np.ndarray], channels: int, fmt: SampleFormat
) -> tuple[np.ndarray, int]:
    """The finest level's buckets, and the frames read; a last partial bucket is padded."""
    parts: list[np.ndarray] = []
    carry = np.zeros((0, channels), np.int16)
    frames = 0
    for b in blocks:
        frames += len(b)
        x = convert(b, fmt, S16) if fmt is not S16 else b
        if len(carry):
            x = np.concatenate([carry, x])
        n = len(x) // BASE * BASE
        carry = x[n:]
        if n:
            parts.append(_reduce(x[:n]))
    if len(carry):
        pad = np.repeat(carry[-1:], BASE - len(carry), axis=0)  # the last sample: no false zero
        parts.append(_reduce(np.concatenate([carry, pad])))
    level0 = np.concatenate(parts, axis=1) if parts else np.zeros((channels, 0, 2), np.int16)
    return level0, frames


def _levels(level0: np.ndarray, channels: int) -> list[np.ndarray]:
    levels = [level0]
    while levels[-1].shape[1] > 64:
        prev = levels[-1]
        n = prev.shape[1]
        full = n // FACTOR * FACTOR
        lo = prev[:, :full, 0].reshape(channels, -1, FACTOR).min(axis=2)
        hi = prev[:, :full, 1].reshape(channels, -1, FACTOR).max(axis=2)
        if full < n:
            lo = np.concatenate([lo, prev[:, full:, 0].min(axis=1, keepdims=True)], axis=1)
            hi = np.concatenate([hi, prev[:, full:, 1].max(axis=1, keepdims=True)], axis=1)
        levels.append(np.stack([lo, hi], axis=2))
    return levels


def _reduce(x: np.ndarray) -> np.ndarray:
    # Deinterleave first: a min over a contiguous axis of 128 is many times faster than over a
    # strided one.
    t = np.ascontiguousarray(x.T).reshape(x.shape[1], -1, BASE)
    return np.stack([t.min(axis=2), t.max(axis=2)], axis=2)


def samples(path: str | Path, start: int, end: int) -> np.ndarray:
    """The audio between two frames, as float32 in [-1, 1]: for zooms finer than the cache."""
    info = decode.probe(path)
    data = list(decode.blocks(info, start=max(0, start), end=end))
    if not data:
        return np.zeros((0, info.channels), np.float32)
    return convert(np.concatenate(data), info.sample_format, decode.F32)


class PeaksCache:
    """Peaks files in <cache>/peaks/<sha256>.npz, and a small index from (path, size, mtime) to
    the hash so reopening a file costs a stat, not a read."""

    def __init__(self, cache_dir: str | Path):
        self.dir = Path(cache_dir) / "peaks"
        self.index_path = self.dir / "index.json"
        self._saving: list[threading.Thread] = []
        self._index_lock = threading.Lock()  # savers and get() both write the index

    def _index(self) -> dict[str, str]:
        try:
            return json.loads(self.index_path.read_text())
        except (OSError, ValueError):
            return {}

    @staticmethod
    def _key(path: Path) -> str:
        st = path.stat()
        return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"

    def get(self, path: str | Path, sha256: str | None = None) -> Peaks:
        """The file's peaks, from the cache or computed. A file not seen under this name is
        hashed (the cache's key) after its peaks are returned, in a thread of its own that then
        saves them: the waveform is drawn without waiting for a whole read of the file.
        wait() for that save."""
        p = Path(path)
        key = self._key(p)
        sha = sha256 or self._index().get(key)
        if sha:
            cached = self._load(sha)
            if cached is not None:
                return cached
        peaks = compute_file(decode.probe(p))
        if sha is None:
            saver = threading.Thread(target=self._hash_and_save, args=(p, key, peaks))
            self._saving = [t for t in self._saving if t.is_alive()]
            self._saving.append(saver)
            saver.start()  # not a daemon: an exit waits for the save rather than cut it
            return peaks
        peaks.sha256 = sha
        self._store(key, peaks)
        return peaks

    def wait(self) -> None:
        """Until every save started by get() is done."""
        while self._saving:
            self._saving.pop().join()

    def _hash_and_save(self, path: Path, key: str, peaks: Peaks) -> None:
        with contextlib.suppress(OSError):  # unreadable now: the next open computes again
            peaks.sha256 = hash_file(path).sha256_hex
            if self._load(peaks.sha256) is not None:  # a copy seen under another name
                self._remember(key, peaks.sha256)
            else:
                self._store(key, peaks)

    def _store(self, key: str, peaks: Peaks) -> None:
        with contextlib.suppress(OSError):  # a cache that cannot be written (full, or another
            self._save(peaks)  # process writing the same entry) costs a recompute later
            self._remember(key, peaks.sha256)

    def _file(self, sha: str) -> Path:
        return self.dir / f"{sha}.npz"

    def _load(self, sha: str) -> Peaks | None:
        f = self._file(sha)
        try:
            with np.load(f) as z:
                meta = json.loads(str(z["meta"]))
                if meta.get("version") != VERSION:
                    return None
                levels = [z[f"l{k}"] for k in range(meta["levels"])]
            return Peaks(meta["rate"], meta["channels"], meta["frames"], levels, sha)
        except (OSError, ValueError, KeyError):
            return None  # missing or damaged: recompute

    def _save(self, peaks: Peaks) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        meta = json.dumps(
            {
                "version": VERSION,
                "rate": peaks.rate,
                "channels": peaks.channels,
                "frames": peaks.frames,
                "levels": len(peaks.levels),
            }
        )
        with atomic_output(self._file(peaks.sha256)) as part, open_nofollow(part, "wb") as f:
            np.savez(f, meta=np.array(meta), **{f"l{k}": lv for k, lv in enumerate(peaks.levels)})

    def _remember(self, key: str, sha: str) -> None:
        with self._index_lock:
            index = self._index()
            index[key] = sha
            if len(index) > 2000:
                for k in list(index)[: len(index) - 2000]:
                    del index[k]
            self.dir.mkdir(parents=True, exist_ok=True)
            write_bytes(self.index_path, json.dumps(index).encode())
