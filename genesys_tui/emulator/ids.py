"""Deterministic UUIDs for everything in the synthetic org."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable

import numpy as np


def make_uuid(seed: int, kind: str, *parts: object) -> str:
    key = ":".join([str(seed), kind, *map(str, parts)]).encode()
    return str(uuid.UUID(bytes=hashlib.blake2b(key, digest_size=16).digest(), version=4))


_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)


def make_uuids(seed: int, kind: str, keys: Iterable[int]) -> list[str]:
    """make_uuid(seed, kind, k) for every k, the same strings, about 4x faster: the digests are
    taken in a plain loop, and the version bits, the hex and the dashes are done by numpy for all
    of them at once (a million-call org's ids in about a second)."""
    prefix = f"{seed}:{kind}:"
    blake = hashlib.blake2b
    raw = b"".join([blake(f"{prefix}{k}".encode(), digest_size=16).digest() for k in keys])
    b = np.frombuffer(raw, np.uint8).reshape(-1, 16).copy()
    if not b.size:
        return []
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40  # version 4
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80  # the RFC 4122 variant
    hexed = np.empty((len(b), 32), np.uint8)
    hexed[:, 0::2], hexed[:, 1::2] = _HEX[b >> 4], _HEX[b & 0x0F]
    out = np.full((len(b), 36), ord("-"), np.uint8)
    for lo, hi, to in ((0, 8, 0), (8, 12, 9), (12, 16, 14), (16, 20, 19), (20, 32, 24)):
        out[:, to : to + hi - lo] = hexed[:, lo:hi]
    text = out.tobytes().decode("ascii")
    return [text[i : i + 36] for i in range(0, len(text), 36)]
