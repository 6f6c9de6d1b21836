"""SHA-256 (and MD5, for S3's Content-MD5) computed while bytes stream past."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path


class StreamHasher:
    def __init__(self, md5: bool = False):
        self.sha256 = hashlib.sha256()
        self.md5 = hashlib.md5(usedforsecurity=False) if md5 else None
        self.size = 0

    def update(self, data) -> None:
        self.sha256.update(data)
        if self.md5 is not None:
            self.md5.update(data)
        self.size += len(data)

    @property
    def sha256_hex(self) -> str:
        return self.sha256.hexdigest()

    @property
    def md5_hex(self) -> str | None:
        return self.md5.hexdigest() if self.md5 else None

    @property
    def md5_b64(self) -> str | None:
        return base64.b64encode(self.md5.digest()).decode() if self.md5 else None


def hash_file(path: str | Path, *, md5: bool = False, chunk: int = 1 << 20) -> StreamHasher:
    h = StreamHasher(md5)
    buf = bytearray(chunk)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            h.update(view[:n])
    return h
