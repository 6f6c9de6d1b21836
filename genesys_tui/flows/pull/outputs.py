"""A job's files from its download to the target: verified and converted in one pass, then each
output into the target's sink under its name from the naming template, the sidecar JSON that
describes them, and staging cleared."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from genesys_tui.flows.pull.cpu import CpuPool
from genesys_tui.flows.pull.model import Job, QueueOptions
from genesys_tui.flows.pull.outcomes import Retry, disk_full
from genesys_tui.flows.pull.resolve import Media
from genesys_tui.flows.pull.sidecar import sidecar
from genesys_tui.storage.presigned import Downloaded
from genesys_tui.storage.sinks import Sink, SinkError

OUTPUT_EXT = {
    "wav": ["wav"],
    "mono": ["mono.wav"],
    "webm": ["webm"],
    "split": ["customer.wav", "agent.wav"],
}
CONTENT_TYPES = {
    "wav": "audio/wav",
    "webm": "audio/webm",
    "opus": "audio/opus",
    "ogg": "audio/ogg",
    "mp3": "audio/mpeg",
}


class BadDownload(Exception):
    """The download is not the recording it should be (cut, damaged, the wrong length)."""


async def verify_and_convert(
    cpu: CpuPool,
    job: Job,
    src: Path,
    media: Media,
    got: Downloaded,
    out_dir: Path,
    opts: QueueOptions,
    as_is: bool,
) -> tuple[list[dict[str, Any]], list[str]]:
    """The job's outputs (and their extensions) from its download, verified in the same pass
    (work.process, in the CPU pool). BadDownload when the source fails (it is removed); a full
    disk raises as it is (the run stops); a crashed worker is a Retry."""
    try:
        from genesys_tui.flows.pull import work  # numpy and friends: when there is work

        result = await cpu.run(
            work.process,
            work.Conversion(
                src=str(src),
                out_dir=str(out_dir),
                fmt=job.format,
                as_is=as_is,
                customer_channel=opts.customer_channel,
                agent_channel=opts.agent_channel,
                bitrate=opts.bitrate,
                expected_size=media.size,
                expected_ms=media.duration_ms,
                src_sha256=got.sha256,
            ),
        )
    except Exception as e:  # a crashed worker, or the output could not be written
        if disk_full(e, out_dir):
            raise  # the run stops (the job stays resumable), not the job
        src.unlink(missing_ok=True)
        raise Retry(f"conversion failed: {e}") from None
    if not result["ok"]:
        src.unlink(missing_ok=True)  # a bad file is never left in place
        raise BadDownload(result["problem"])
    return result["outputs"], ([media.ext] if as_is else OUTPUT_EXT[job.format])


def store_outputs(
    sink: Sink,
    job: Job,
    media: Media,
    outputs: list[dict[str, Any]],
    exts: list[str],
    got: Downloaded,
    source_format: str,
    remember: Callable[..., Any],
) -> list[dict[str, Any]]:
    """Store every output, then the sidecar; where each went. Blocking (run it in a thread); a
    sink's failure is a Retry of the job. `remember(upload_id=…)` keeps an S3 multipart upload's
    id in the job while it is open (a crash then aborts it)."""
    rels = sink.names(job.meta, job.recording_id, job.format, exts)
    stored = []
    try:
        for out, rel, ext in zip(outputs, rels, exts, strict=True):
            where = sink.store(
                Path(out["path"]),
                rel,
                out["sha256"],
                meta=job.meta,
                recording_id=job.recording_id,
                fmt=job.format,
                content_type=CONTENT_TYPES.get(ext.rsplit(".", 1)[-1], "application/octet-stream"),
                on_upload_id=lambda uid: remember(upload_id=uid),
            )
            stored.append({"location": where, **{k: out[k] for k in ("sha256", "bytes", "kind")}})
        side_rel = sink.names(job.meta, job.recording_id, job.format, ["json"])[0]
        source = {
            "formatId": source_format,
            "contentType": media.content_type or got.content_type,
            "bytes": got.size,
            "sha256": got.sha256,
        }
        files = [
            {"file": Path(s["location"].split("/")[-1]).name}
            | {k: s[k] for k in ("sha256", "bytes", "kind")}
            for s in stored
        ]
        sink.store_json(
            sidecar(job.meta, media.recording or {"id": job.recording_id}, source, files), side_rel
        )
    except SinkError as e:
        raise Retry(str(e)) from None
    except OSError as e:
        raise Retry(f"cannot store the output: {e.strerror or e}") from None
    return stored


def clear_staging(staging: Path, job_id: int, keep_part: bool) -> None:
    """Remove a job's staging files (`N.*`, `N/`), keeping a resumable `.part` if asked."""
    for p in staging.glob(f"{job_id}.*"):
        if keep_part and p.suffix == ".part":
            continue
        with contextlib.suppress(OSError):
            p.unlink()
    shutil.rmtree(staging / str(job_id), ignore_errors=True)
