"""Emulated "AWS S3 Recording Bulk Actions": the org's one integration, and EXPORT jobs that write
what Genesys writes into the org's bucket, with the layout the Resource Center documents
(reference 4.5 and addendum 6):

    {orgId}/year={y}/month={m}/day={d}/hour={h}/conversation_id={conversationId}/
        {recordingId}.opus                 the recording, in its original codec
        {recordingId}.opus_metadata.json   its sidecar

Times are the conversation's start in UTC. Whether month, day and hour are zero-padded is
UNCONFIRMED (every copy of the page shows only `{month}`): the emulator pads them to two digits,
and the reconciler reads either. Of the sidecar only `mediaType`, `mediaSubtype`, `provider` and
`userIds` are confirmed; the other fields here are what a reconciler needs and are marked as ours.

The target is a directory (`--export-dir`, the demo's) or a bucket reached through the S3
protocol (`--export-s3 ENDPOINT_URL/BUCKET`: moto's server in the tests; credentials from the
usual AWS environment variables). What a job does, as the Resource Center describes it: exports
are one-time (a recording exported before is skipped and counted as skipped), archived
recordings are exported too but take longer, and some recordings fail (listed by
`…/failedrecordings`, with no reason)."""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genesys_tui.core.files import write_bytes
from genesys_tui.emulator.ids import make_uuid

if TYPE_CHECKING:
    from genesys_tui.emulator.app import Emulator

INTEGRATION_TYPE = "aws-s3-recording-bulk-actions-integration"  # addendum 6: SDK model docs
INTEGRATION_TYPE_NAME = "AWS S3 Recording Bulk Actions Integration"
EXPORT_FORMAT = "OGG_OPUS"  # "Exported voice audio is Opus" (reference 4.5)


class DirTarget:
    """The bucket's layout under a directory (as `aws s3 sync` would mirror it)."""

    def __init__(self, root: str) -> None:
        self.root = Path(root)
        self.describe = f"directory {root}"

    def put(self, key: str, data: bytes) -> None:
        write_bytes(self.root / key, data)  # atomic, never through a link


class S3Target:
    """A bucket through the S3 protocol (boto3), at ENDPOINT_URL/BUCKET."""

    def __init__(self, spec: str) -> None:
        endpoint, _, bucket = spec.rstrip("/").rpartition("/")
        if not endpoint.startswith(("http://", "https://")) or not bucket:
            raise ValueError(f"--export-s3 wants ENDPOINT_URL/BUCKET, not {spec!r}")
        self.endpoint, self.bucket = endpoint, bucket
        self.describe = f"s3://{bucket} at {endpoint}"
        self._client = None

    def put(self, key: str, data: bytes) -> None:
        if self._client is None:
            import boto3

            self._client = boto3.client(
                "s3",
                endpoint_url=self.endpoint,
                region_name=os.environ.get("AWS_REGION", "us-east-1"),
            )
        self._client.put_object(Bucket=self.bucket, Key=key, Body=data)


def target_for(spec: str) -> DirTarget | S3Target | None:
    """The settings' `export_target`: "dir:PATH", "s3:ENDPOINT_URL/BUCKET", or "" for none."""
    kind, _, rest = spec.partition(":")
    if not spec:
        return None
    if kind == "dir" and rest:
        return DirTarget(rest)
    if kind == "s3" and rest:
        return S3Target(rest)
    raise ValueError(f"an export target is dir:PATH or s3:ENDPOINT_URL/BUCKET, not {spec!r}")


def integration_doc(emu: Emulator) -> dict[str, Any]:
    """The org's one AWS S3 Recording Bulk Actions integration (addendum 6's example)."""
    iid = make_uuid(emu.s.seed, "integration", 0)
    return {
        "id": iid,
        "name": "Recording export bucket",
        "integrationType": {"id": INTEGRATION_TYPE, "name": INTEGRATION_TYPE_NAME},
        "intendedState": "ENABLED",
        "reportedState": {"code": "ACTIVE", "effective": "Active"},
        "selfUri": f"/api/v2/integrations/{iid}",
    }


def object_prefix(org_id: str, start_ms: int, conversation_id: str) -> str:
    t = datetime.fromtimestamp(start_ms / 1000, UTC)
    return (
        f"{org_id}/year={t.year}/month={t.month:02d}/day={t.day:02d}/hour={t.hour:02d}/"
        f"conversation_id={conversation_id}/"
    )


def metadata_doc(emu: Emulator, i: int, d, rec) -> dict[str, Any]:
    org = emu.org
    users = [p.user_id for p in d.parties if getattr(p, "user_id", None)]
    return {
        # confirmed by the Resource Center's schema excerpt
        "mediaType": "Call",
        "mediaSubtype": "Trunk",
        "provider": "edge",
        "userIds": users,
        # ours: what a reconciler checks the audio against (UNCONFIRMED names)
        "conversationId": org.ids[i],
        "recordingId": rec.id,
        "organizationId": org.id,
        "startTime": _iso(rec.start),
        "endTime": _iso(rec.end),
        "durationMs": rec.media_ms,
    }


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def fails(recording_id: str) -> bool:
    """About one recording in forty fails to export (the same ones every time)."""
    return int(recording_id[:8], 16) % 40 == 0


async def run_export(emu: Emulator, job: dict[str, Any], target) -> None:
    """A PROCESSING export job: each matched recording written, skipped (exported before) or
    failed, the counters moving as it goes; archived recordings last, after a restore's wait.
    The job ends FULFILLED (or FAILED when the target cannot be written at all)."""
    org = emu.org
    pending = []  # (archived, i, detail, recording)
    for i in job["matched"]:
        if not org.recorded[i]:
            continue
        d = org.detail(int(i))
        for rec in d.recordings:
            pending.append((bool(org.archived[i]), int(i), d, rec))
    pending.sort(key=lambda x: x[0])  # archived ones come last
    pace = emu.s.job_seconds / max(1, len(pending))
    waited_for_archive = False
    try:
        for archived, i, d, rec in pending:
            if job["state"] == "CANCELLED":
                return
            if archived and not waited_for_archive:
                await asyncio.sleep(emu.s.restore_seconds)  # restored from the archive first
                waited_for_archive = True
            if rec.id in emu.exported:
                job["skipped"] += 1
            elif fails(rec.id):
                job["failed"].append((org.ids[i], rec.id))
            else:
                entry = emu.media.request(d, rec, EXPORT_FORMAT, 0)
                enc = await asyncio.wrap_future(entry.future)
                key = object_prefix(org.id, int(org.start[i]), org.ids[i]) + f"{rec.id}.opus"
                data = await asyncio.to_thread(enc.path.read_bytes)
                meta = json.dumps(metadata_doc(emu, i, d, rec)).encode()
                await asyncio.to_thread(target.put, key, data)
                await asyncio.to_thread(target.put, key + "_metadata.json", meta)
                emu.exported.add(rec.id)
                job["processed"] += 1
            await asyncio.sleep(pace)
    except Exception as e:  # noqa: BLE001 - the job fails as Genesys's would, with a message
        job.update(state="FAILED", error=f"Export to the bucket failed: {type(e).__name__}: {e}")
        return
    job.update(state="FULFILLED", since=time.monotonic())


def orphan_docs(emu: Emulator) -> list[dict[str, Any]]:
    """The org's orphan recordings (`GET /api/v2/orphanrecordings`): recordings Genesys could not
    tie to a conversation, never exported. About one per fifty recorded calls, at that call's
    start, with no conversation (orphanStatus UNKNOWN_CONVERSATION; the SDK model's values)."""
    org = emu.org
    out = []
    for i in range(len(org.ids)):
        k = int(org.key[i])
        if not org.recorded[i] or org.live[i] or (k * 2654435761) % 50:
            continue
        oid = make_uuid(emu.s.seed, "orphan", k)
        out.append(
            {
                "id": oid,
                "name": f"orphan {oid[:8]}",
                "createdTime": _iso(int(org.start[i]) + 60_000),
                "providerType": "EDGE",
                "mediaSizeBytes": 48_000,
                "mediaType": "CALL",
                "mediaSubtype": "Trunk",
                "fileState": "AVAILABLE",
                "orphanStatus": "UNKNOWN_CONVERSATION",
                "region": "us-east-1",
                "selfUri": f"/api/v2/orphanrecordings/{oid}",
            }
        )
    return sorted(out, key=lambda d: d["createdTime"])
