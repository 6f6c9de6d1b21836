"""Recordings: list and get with a formatId (202 while transcoding: wait and ask again), metadata,
restore of archived recordings, batch download requests, and bulk recording jobs."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from genesys_tui.core.ids import safe_id as _id
from genesys_tui.genesys import errors as E
from genesys_tui.genesys import states as S
from genesys_tui.genesys.http import ApiClient
from genesys_tui.genesys.modelbase import from_api, iso, parse_time
from genesys_tui.genesys.models import (
    BatchDownloadJobStatus,
    Recording,
    RecordingJob,
    RecordingMetadata,
)
from genesys_tui.genesys.pacing import pacing
from genesys_tui.genesys.paging import entities
from genesys_tui.genesys.values import RECORDING_FORMATS

log = logging.getLogger("genesys_tui.recordings")

BATCH_LIMIT = 100
# File extension of each formatId's output.
EXTENSIONS = {
    "WAV": "wav",
    "WAV_ULAW": "wav",
    "WEBM": "webm",
    "OGG_VORBIS": "ogg",
    "OGG_OPUS": "opus",
    "MP3": "mp3",
}
CONTENT_TYPE_EXT = {
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/webm": "webm",
    "audio/ogg": "ogg",
    "audio/opus": "opus",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "application/json": "json",
}


def check_format(format_id: str) -> str:
    f = format_id.upper()
    if f not in RECORDING_FORMATS:
        raise ValueError(f"unknown formatId {format_id!r}; one of {', '.join(RECORDING_FORMATS)}")
    return f


class Recordings:
    def __init__(
        self,
        api: ApiClient,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.api = api
        self._sleep = sleep
        self._clock = clock

    def _base(self, conversation_id: str) -> str:
        return f"/api/v2/conversations/{_id(conversation_id)}"

    async def _poll(self, path: str, params: dict[str, Any], max_wait_s: float, what: str) -> Any:
        """GET until 200; a 202 means "transcoding", so wait with growing pauses."""
        started = self._clock()
        delay = pacing().transcode
        while True:
            resp = await self.api.request("GET", path, params=params, ok=(200, 202))
            if resp.status_code == 200:
                return resp.json()
            body = _maybe_json(resp)
            if isinstance(body, dict) and body.get("fileState") == "ARCHIVED":
                raise E.RecordingArchived(
                    f"{what} is archived.",
                    status=202,
                    correlation_id=resp.headers.get("ININ-Correlation-Id"),
                )
            elapsed = self._clock() - started
            if elapsed + delay > max_wait_s:
                raise E.TranscodeTimeout(
                    f"{what} was still transcoding after {elapsed:.0f} s.",
                    status=202,
                    correlation_id=resp.headers.get("ININ-Correlation-Id"),
                )
            await self._sleep(delay)
            delay = min(delay * 2, 10.0)

    async def list(
        self,
        conversation_id: str,
        format_id: str = "WAV",
        *,
        max_wait_ms: int = 5000,
        media_formats: Sequence[str] | None = None,
        max_wait_s: float = 300.0,
    ) -> list[Recording]:
        params: dict[str, Any] = {"formatId": check_format(format_id), "maxWaitMs": max_wait_ms}
        if media_formats:
            params["mediaFormats"] = ",".join(check_format(f) for f in media_formats)
        data = await self._poll(
            f"{self._base(conversation_id)}/recordings",
            params,
            max_wait_s,
            f"the recordings of conversation {conversation_id}",
        )
        return [from_api(Recording, r) for r in (data or []) if isinstance(r, dict)]

    async def get(
        self,
        conversation_id: str,
        recording_id: str,
        format_id: str = "WAV",
        *,
        download: bool = False,
        file_name: str | None = None,
        max_wait_s: float = 300.0,
        media_formats: Sequence[str] | None = None,
    ) -> Recording:
        params: dict[str, Any] = {"formatId": check_format(format_id)}
        if download:
            params["download"] = "true"
        if file_name:
            params["fileName"] = file_name
        if media_formats:
            params["mediaFormats"] = ",".join(check_format(f) for f in media_formats)
        data = await self._poll(
            f"{self._base(conversation_id)}/recordings/{_id(recording_id)}",
            params,
            max_wait_s,
            f"recording {recording_id}",
        )
        rec = from_api(Recording, data)
        if rec.file_state == S.ARCHIVED:
            raise E.RecordingArchived(f"recording {recording_id} is archived.")
        return rec

    async def metadata(self, conversation_id: str) -> list[RecordingMetadata]:
        data = await self.api.get_json(f"{self._base(conversation_id)}/recordingmetadata")
        return [from_api(RecordingMetadata, r) for r in (data or []) if isinstance(r, dict)]

    async def metadata_one(self, conversation_id: str, recording_id: str) -> RecordingMetadata:
        data = await self.api.get_json(
            f"{self._base(conversation_id)}/recordingmetadata/{_id(recording_id)}"
        )
        return from_api(RecordingMetadata, data)

    async def restore(self, conversation_id: str, recording_id: str, days: int = 7) -> Recording:
        """Ask for an archived recording back: changing its archiveDate restores it until then. The
        PUT "supports updating and removing both archive and delete dates", so the current
        deleteDate is read first (formatId=NONE: no transcode) and sent back unchanged: a restore
        must never clear a deletion schedule."""
        path = f"{self._base(conversation_id)}/recordings/{_id(recording_id)}"
        data = await self.api.get_json(path, {"formatId": "NONE"})
        current = from_api(Recording, data if isinstance(data, dict) else {})
        body: dict[str, Any] = {"archiveDate": iso(datetime.now(UTC) + timedelta(days=days))}
        if current.delete_date is not None:
            body["deleteDate"] = iso(current.delete_date)
        resp = await self.api.request("PUT", path, json=body, ok=(200, 202))
        return from_api(Recording, _maybe_json(resp) or {})

    # --- batch download ------------------------------------------------------------------------

    async def submit_batch(self, items: Sequence[tuple[str, str | None]]) -> str:
        """Submit up to 100 (conversationId, recordingId or None for all) pairs; returns the job id.
        Batch results come in the recordings' original format."""
        if not items:
            raise ValueError("an empty batch")
        if len(items) > BATCH_LIMIT:
            raise ValueError(f"a batch holds at most {BATCH_LIMIT} items, got {len(items)}")
        body = {
            "batchDownloadRequestList": [
                {"conversationId": _id(c), **({"recordingId": _id(r)} if r else {})}
                for c, r in items
            ]
        }
        data = await self.api.post_json("/api/v2/recording/batchrequests", body)
        return data["id"]

    async def batch_status(self, job_id: str) -> BatchDownloadJobStatus:
        data = await self.api.get_json(f"/api/v2/recording/batchrequests/{_id(job_id)}")
        return from_api(BatchDownloadJobStatus, data)

    async def wait_batch(
        self, job_id: str, *, interval: float | None = None, max_wait_s: float = 900.0
    ) -> BatchDownloadJobStatus:
        interval = pacing().batch if interval is None else interval
        started = self._clock()
        while True:
            status = await self.batch_status(job_id)
            if status.done:
                return status
            if self._clock() - started > max_wait_s:
                raise E.TranscodeTimeout(
                    f"batch {job_id} not complete after {max_wait_s:.0f} s "
                    f"({status.result_count}/{status.expected_result_count})."
                )
            await self._sleep(interval)

    # --- bulk recording jobs (org-scale EXPORT to S3) --------------------------------------------

    async def create_job(self, query: dict[str, Any]) -> RecordingJob:
        data = await self.api.post_json("/api/v2/recording/jobs", query)
        return from_api(RecordingJob, data)

    async def create_export_job(
        self, integration_id: str, interval: str, *, include_screen: bool = False
    ) -> RecordingJob:
        return await self.create_job(
            {
                "action": "EXPORT",
                "actionDate": iso(datetime.now(UTC)),
                "integrationId": integration_id,
                "includeScreenRecordings": include_screen,
                "conversationQuery": {
                    "interval": interval,
                    "order": "asc",
                    "orderBy": "conversationStart",
                },
            }
        )

    async def get_job(self, job_id: str) -> RecordingJob:
        return from_api(
            RecordingJob, await self.api.get_json(f"/api/v2/recording/jobs/{_id(job_id)}")
        )

    async def execute_job(self, job_id: str) -> RecordingJob:
        resp = await self.api.request(
            "PUT",
            f"/api/v2/recording/jobs/{_id(job_id)}",
            json={"state": "PROCESSING"},
            ok=(200, 202),
        )
        return from_api(RecordingJob, _maybe_json(resp) or {})

    async def cancel_job(self, job_id: str) -> None:
        await self.api.request(
            "DELETE", f"/api/v2/recording/jobs/{_id(job_id)}", ok=(200, 202, 204)
        )

    async def failed_recordings(self, job_id: str):
        """(conversation id, recording id) of each recording a bulk job failed on; Genesys gives
        no reason per recording (the job's errorMessage is all there is)."""
        path = f"/api/v2/recording/jobs/{_id(job_id)}/failedrecordings"  # pageSize at most 100
        async for e in entities(self.api, path, page_size=100):
            conv, rec = e.get("conversation"), e.get("recording")
            cid = conv.get("id") if isinstance(conv, dict) else None
            rid = rec.get("id") if isinstance(rec, dict) else None
            if isinstance(cid, str) and isinstance(rid, str):
                yield cid, rid

    async def orphans(self, page_size: int = 100):
        """(id, createdTime, orphanStatus) of every orphan recording of the org, all pages
        (`GET /api/v2/orphanrecordings`, permission recording:orphan:view)."""
        async for e in entities(self.api, "/api/v2/orphanrecordings", page_size=page_size):
            if isinstance(e.get("id"), str):
                yield e["id"], parse_time(e.get("createdTime")), str(e.get("orphanStatus") or "")

    async def list_jobs(
        self, *, state: str | None = None, job_type: str | None = None, page_size: int = 25
    ) -> list[RecordingJob]:
        params = {"state": state, "jobType": job_type}
        path = "/api/v2/recording/jobs"
        return [
            from_api(RecordingJob, j) async for j in entities(self.api, path, params, page_size)
        ]


def _maybe_json(resp: Any) -> Any:
    try:
        return resp.json() if resp.content else None
    except ValueError:
        return None
