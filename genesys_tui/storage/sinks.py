"""Where finished outputs go: the Sink interface, the local directory sink (atomic rename), and the
one way a target string becomes a sink. The S3 sink is in storage/s3.py. Both place a sidecar JSON
beside the audio and never duplicate an output that is already there."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from genesys_tui.core.files import atomic_output, open_nofollow, write_bytes
from genesys_tui.media.hashing import hash_file
from genesys_tui.storage.naming import DEFAULT_TEMPLATE, check_template, fields_for, inside, render


class SinkError(Exception):
    pass


class Sink:
    template: str

    def names(
        self, meta: dict[str, Any], recording_id: str, fmt: str, exts: list[str]
    ) -> list[PurePosixPath]:
        return [render(self.template, fields_for(meta, recording_id, fmt, ext)) for ext in exts]

    def describe(self, rel: PurePosixPath) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def store(
        self,
        src: Path,
        rel: PurePosixPath,
        sha256: str,
        *,
        meta: dict[str, Any] | None = None,
        recording_id: str = "",
        fmt: str = "",
        content_type: str = "application/octet-stream",
        on_upload_id: Callable[[str | None], None] | None = None,
    ) -> str:  # pragma: no cover - interface
        """Place `src` (whose SHA-256 is `sha256`) at `rel`; where it went. An output already
        there with the same content is left alone. Failures raise SinkError, whatever the
        backend (an OSError from a local disk is the caller's: it may mean a full disk)."""
        raise NotImplementedError

    def abort_stale(self, upload_id: str) -> None:
        """After a crash: give up an unfinished upload this sink started (only S3 has them)."""

    def store_bytes(
        self,
        data: bytes,
        rel: PurePosixPath,
        content_type: str,
        *,
        meta: dict[str, Any] | None = None,
        fmt: str = "",
    ) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def store_json(self, doc: dict[str, Any], rel: PurePosixPath) -> str:
        return self.store_bytes(json.dumps(doc, indent=2).encode(), rel, "application/json")


class LocalSink(Sink):
    def __init__(self, root: str | Path, template: str = DEFAULT_TEMPLATE):
        self.root = Path(root).expanduser()
        self.template = check_template(template)

    def describe(self, rel: PurePosixPath) -> str:
        return str(inside(self.root, rel))

    def store(
        self,
        src: Path,
        rel: PurePosixPath,
        sha256: str,
        *,
        meta: dict[str, Any] | None = None,
        recording_id: str = "",
        fmt: str = "",
        content_type: str = "application/octet-stream",
        on_upload_id: Callable[[str | None], None] | None = None,
    ) -> str:
        final = inside(self.root, rel)
        if (
            final.exists()
            and final.stat().st_size == src.stat().st_size
            and hash_file(final).sha256_hex == sha256
        ):
            return str(final)  # already there, byte for byte: nothing to do
        final.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(final) as part:
            try:
                os.unlink(part)  # our own fresh temporary: its random name is linked instead
                os.link(src, part, follow_symlinks=False)  # same filesystem: no copy
            except OSError:
                with open(src, "rb") as i, open_nofollow(part, "wb") as o:
                    shutil.copyfileobj(i, o, 1 << 20)
        return str(final)

    def store_bytes(
        self,
        data: bytes,
        rel: PurePosixPath,
        content_type: str,
        *,
        meta: dict[str, Any] | None = None,
        fmt: str = "",
    ) -> str:
        final = inside(self.root, rel)
        write_bytes(final, data)
        return str(final)


def normalize_target(to: str) -> str:
    """One form for a target, so the same request always finds the same jobs: a directory made
    absolute, or an s3:// URL without a trailing slash."""
    to = to.strip()
    if to.startswith("s3://"):
        return to.rstrip("/")
    return str(Path(to).expanduser().resolve())


def open_target(to: str, profile) -> tuple[str, Sink]:
    """The normalized target and its sink, for a profile's naming template and S3 settings. A bad
    one (not an S3 URL, a bad template) raises SinkError or NamingError before any work."""
    target = normalize_target(to)
    sink = make_sink(
        target, profile.naming, endpoint_url=profile.s3.endpoint_url, region=profile.s3.region
    )
    return target, sink


def make_sink(target: str, template: str, *, endpoint_url: str = "", region: str = "") -> Sink:
    if target.startswith("s3://"):
        from genesys_tui.storage.s3 import S3Sink

        return S3Sink(target, template, endpoint_url=endpoint_url, region=region)
    return LocalSink(target, template)


def sink_factory(profile) -> Callable[[str], Sink]:
    """target -> Sink for a profile (naming template, S3 endpoint and region), one sink per target."""
    sinks: dict[str, Sink] = {}

    def sink_for(target: str) -> Sink:
        if target not in sinks:
            sinks[target] = make_sink(
                target,
                profile.naming,
                endpoint_url=profile.s3.endpoint_url,
                region=profile.s3.region,
            )
        return sinks[target]

    return sink_for
