"""Encoded audio shared between emulators, so that two of them (the test suite's workers, a demo
started again) never encode the same audio twice. Entries are addressed by what decides the bytes:
the rendered PCM itself, its rate, the format and the codec libraries' versions. An entry is its
audio file and a small JSON of what probing it gave (duration, MD5), written last, so an entry
whose JSON is there is whole. Writers in other processes publish by rename; a lost race rewrites
the same bytes. Opt in with EmulatorSettings.shared_media or GENESYS_EMULATOR_SHARED_MEDIA."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path

import numpy as np


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
            meta = json.loads((self.root / f"{key}.json").read_text())
            tmp = dest.with_suffix(".tmp")
            shutil.copyfile(self.root / key, tmp)
            os.replace(tmp, dest)
            return int(meta["duration_ms"]), str(meta["md5"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # not there, or half there: encoded afresh

    def keep(self, key: str, src: Path, duration_ms: int, md5: str) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._publish(key, src.read_bytes())
            self._publish(f"{key}.json", json.dumps({"duration_ms": duration_ms, "md5": md5}))
        except OSError:
            pass  # a cache: a full disk only means the next emulator encodes again

    def _publish(self, name: str, data: bytes | str) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data.encode() if isinstance(data, str) else data)
            os.replace(tmp, self.root / name)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
