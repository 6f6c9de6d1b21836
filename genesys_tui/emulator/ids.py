"""Deterministic UUIDs for everything in the synthetic org."""

from __future__ import annotations

import hashlib
import uuid


def make_uuid(seed: int, kind: str, *parts: object) -> str:
    key = ":".join([str(seed), kind, *map(str, parts)]).encode()
    return str(uuid.UUID(bytes=hashlib.blake2b(key, digest_size=16).digest(), version=4))
