"""Deterministic UUIDs for everything in the synthetic org."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable

from genesys_tui.core.uuids import uuid_texts


def make_uuid(seed: int, kind: str, *parts: object) -> str:
    key = ":".join([str(seed), kind, *map(str, parts)]).encode()
    return str(uuid.UUID(bytes=hashlib.blake2b(key, digest_size=16).digest(), version=4))


def make_uuids(seed: int, kind: str, keys: Iterable[int]) -> list[str]:
    """make_uuid(seed, kind, k) for every k, the same strings, about 4x faster: the digests are
    taken in a plain loop, the text made by numpy for all of them at once (a million-call org's
    ids in about a second)."""
    prefix = f"{seed}:{kind}:"
    blake = hashlib.blake2b
    raw = b"".join([blake(f"{prefix}{k}".encode(), digest_size=16).digest() for k in keys])
    text = uuid_texts(raw, version4=True).decode("ascii")
    return [text[i : i + 36] for i in range(0, len(text), 36)]
