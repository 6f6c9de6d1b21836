"""Recognize an audio file by its content (magic bytes), never by its name."""

from __future__ import annotations

from pathlib import Path

from genesys_tui.media.errors import MediaError

CONTAINERS = ("wav", "ogg", "mp3", "webm", "mp4", "flac")


def sniff(head: bytes) -> tuple[str, str | None]:
    """(container, codec hint) from the first bytes of a file."""
    if len(head) >= 12 and head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "wav", None
    if head[:4] == b"OggS":
        if b"OpusHead" in head[:128]:
            return "ogg", "opus"
        if b"\x01vorbis" in head[:128]:
            return "ogg", "vorbis"
        if b"fLaC" in head[:128] or b"\x7fFLAC" in head[:128]:
            return "ogg", "flac"
        return "ogg", None
    if head[:4] == b"fLaC":
        return "flac", "flac"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm", None
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4", None
    if head[:3] == b"ID3":
        return "mp3", "mp3"
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0 and (head[1] & 0x06) != 0:
        return "mp3", "mp3"  # an MPEG audio frame sync without an ID3 tag
    raise ValueError("unknown format")


def detect(path: str | Path) -> tuple[str, str | None]:
    p = Path(path)
    try:
        with open(p, "rb") as f:
            head = f.read(4096)
    except IsADirectoryError:
        raise MediaError(p, "is a directory, not an audio file") from None
    except FileNotFoundError:
        raise MediaError(p, "file not found") from None
    except OSError as e:
        raise MediaError(p, f"cannot read: {e.strerror or e}") from None
    if not head:
        raise MediaError(p, "empty file (zero length)")
    try:
        return sniff(head)
    except ValueError:
        raise MediaError(
            p,
            f"unknown format (starts with {head[:8].hex(' ')}); expected WAV, OGG, MP3, "
            "WebM or MP4 audio",
        ) from None
