"""Encoded audio shared between emulators, so that two of them (the test suite's workers, a demo
started again) never encode the same audio twice. Entries are addressed by what decides the bytes:
the rendered PCM itself, its rate, the format and the codec libraries' versions. An entry is its
audio file and a small JSON of what probing it gave (duration, MD5), written last, so an entry
whose JSON is there is whole. Writers in other processes publish by rename (core.files, never
through a link); a lost race rewrites the same bytes. Opt in with EmulatorSettings.shared_media
or GENESYS_EMULATOR_SHARED_MEDIA."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

import numpy as np

from genesys_tui.core.files import NotAFile, read_capped, write_bytes

AUDIO_MAX = 1 << 31  # a recording's encoded audio is far smaller; anything bigger is not ours
META_MAX = 4096


@cache
def _codecs() -> bytes:
    import av
    import soundfile as sf

    return f"av {av.__version__} {av.library_versions} sndfile {sf.__libsndfile_version__}".encode()


class SharedEncodes:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @staticmethod
    def key(pcm: np.ndarray, rate: int, format_id: str) -> str:
        h = hashlib.blake2b(digest_size=20)
        h.update(_codecs())
        h.update(f"{format_id} {rate} {pcm.dtype} {pcm.shape}".encode())
        h.update(np.ascontiguousarray(pcm).data)
        return h.hexdigest()

    def copy_to(self, key: str, dest: Path) -> tuple[int, str] | None:
        """(duration_ms, md5) with the audio copied to dest, or None when not kept here."""
        try:
            meta = json.loads(read_capped(self.root / f"{key}.json", META_MAX))
            write_bytes(dest, read_capped(self.root / key, AUDIO_MAX))
            return int(meta["duration_ms"]), str(meta["md5"])
        except (OSError, NotAFile, ValueError, KeyError, TypeError):
            return None  # not there, half there, or not a file: encoded afresh

    def keep(self, key: str, src: Path, duration_ms: int, md5: str) -> None:
        try:
            write_bytes(self.root / key, read_capped(src, AUDIO_MAX))
            meta = json.dumps({"duration_ms": duration_ms, "md5": md5}).encode()
            write_bytes(self.root / f"{key}.json", meta)
        except (OSError, NotAFile):
            pass  # a cache: a full disk only means the next emulator encodes again
