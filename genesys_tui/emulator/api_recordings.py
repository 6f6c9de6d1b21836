"""Emulated API: recordings (202 while transcoding), metadata, restore, batch downloads, bulk jobs."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from genesys_tui.emulator import documents as docs
from genesys_tui.emulator import permissions
from genesys_tui.emulator.call_model import CallDetail, RecordingInfo
from genesys_tui.emulator.errors import ApiError, bad_request, not_found
from genesys_tui.emulator.formats import FORMATS
from genesys_tui.emulator.mediastore import Encoded, Entry
from genesys_tui.emulator.query import QueryError
from genesys_tui.emulator.request_helpers import conv_or_404, json_body
from genesys_tui.emulator.tokens import Token

if TYPE_CHECKING:
    from genesys_tui.emulator.app import Emulator

FORMAT_IDS = set(FORMATS) | {"NONE"}
BATCH_LIMIT = 100


def _file_state(emu: Emulator, rec: RecordingInfo) -> tuple[str, int | None]:
    """ARCHIVED -> (PUT archiveDate) RESTORING -> RESTORED; everything else AVAILABLE."""
    if rec.file_state != "ARCHIVED":
        return rec.file_state, None
    restore = emu.restores.get(rec.id)
    if restore is None:
        return "ARCHIVED", None
    ready_at, until_ms = restore
    return ("RESTORED" if time.monotonic() >= ready_at else "RESTORING"), until_ms


def _format(request: Request) -> str:
    fmt = request.query_params.get("formatId", "WEBM").upper()
    media = request.query_params.get("mediaFormats")
    if media:
        fmt = media.split(",")[0].strip().upper()  # mediaFormats overrides formatId
    if fmt not in FORMAT_IDS:
        raise bad_request(
            f"Invalid formatId {fmt!r}; valid values are {', '.join(sorted(FORMAT_IDS))}"
        )
    return fmt


def _entry(emu: Emulator, d: CallDetail, rec: RecordingInfo, fmt: str) -> Entry:
    existing = emu.media._entries.get((rec.id, fmt))
    seconds = emu.s.transcode_seconds
    if existing is None and emu.faults.roll("transcode"):
        seconds = emu.s.long_transcode_seconds
    return emu.media.request(d, rec, fmt, seconds)


async def _wait(emu: Emulator, entries: list[Entry], max_wait_s: float) -> list[Encoded] | None:
    deadline = time.monotonic() + max_wait_s
    while True:
        done = [emu.media.ready(e) for e in entries]
        if all(done):
            return done  # type: ignore[return-value]
        for e in entries:
            if e.future.done() and e.future.exception() is not None:
                raise ApiError(
                    500, "internal.server.error", f"transcoding failed: {e.future.exception()}"
                )
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(0.05)


def _recording_doc(
    emu: Emulator,
    d: CallDetail,
    rec: RecordingInfo,
    fmt: str,
    enc: Encoded | None,
    download: bool = False,
    file_name: str | None = None,
) -> dict[str, Any]:
    state, until = _file_state(emu, rec)
    uri = None
    if enc is not None:
        ext = FORMATS[fmt][0]
        extra = {}
        if download:
            name = (
                "".join(c for c in (file_name or f"{rec.id}.{ext}") if c.isalnum() or c in "._- ")
                or rec.id
            )
            extra["response-content-disposition"] = f'attachment; filename="{name}"'
        uri = emu.presign(f"/s3/recordings/{d.id}/{rec.id}/{fmt}.{ext}", emu.s.media_url_ttl, extra)
    doc = docs.recording(
        emu.org,
        d,
        rec,
        state,
        delete_ms=_delete_ms(emu, rec),
        media_uri=uri,
        size=enc.size if enc else None,
        duration_ms=enc.duration_ms if enc else None,
        transcode_ms=int(emu.s.transcode_seconds * 1000),
        restore_expiration=until,
    )
    doc["annotations"] += _bookmarks(emu, d.id, rec.id)
    if state not in ("AVAILABLE", "RESTORED"):
        doc.pop(
            "sessionId", None
        )  # archived recordings come back as stubs without it (seen on a real org)
    return doc


def _delete_ms(emu: Emulator, rec: RecordingInfo) -> int | None:
    """The recording's deleteDate: the default schedule unless a PUT changed or removed it."""
    return emu.delete_dates.get(rec.id, docs.default_delete_ms(rec))


def _playable(emu: Emulator, rec: RecordingInfo) -> bool:
    return _file_state(emu, rec)[0] in ("AVAILABLE", "RESTORED")


async def list_recordings(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    d = conv_or_404(emu, request.path_params["conversationId"])
    fmt = _format(request)
    try:
        max_wait = min(max(int(request.query_params.get("maxWaitMs", 5000)), 0), 60_000) / 1000
    except ValueError:
        raise bad_request("maxWaitMs must be an integer") from None
    playable = [r for r in d.recordings if _playable(emu, r)]
    encoded: dict[str, Encoded] = {}
    if fmt != "NONE" and playable:
        entries = [_entry(emu, d, r, fmt) for r in playable]
        done = await _wait(emu, entries, max_wait)
        if done is None:
            return Response(status_code=202)  # still transcoding: ask again
        encoded = {r.id: e for r, e in zip(playable, done, strict=True)}
    return JSONResponse([_recording_doc(emu, d, r, fmt, encoded.get(r.id)) for r in d.recordings])


def _rec_or_404(d: CallDetail, recording_id: str) -> RecordingInfo:
    rec = next((r for r in d.recordings if r.id == recording_id), None)
    if rec is None:
        raise not_found(f"recording {recording_id}")
    return rec


async def get_recording(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    d = conv_or_404(emu, request.path_params["conversationId"])
    rec = _rec_or_404(d, request.path_params["recordingId"])
    fmt = _format(request)
    q = request.query_params
    download = q.get("download", "false").lower() == "true"
    if fmt == "NONE" or not _playable(emu, rec):
        return JSONResponse(_recording_doc(emu, d, rec, fmt, None))
    entry = _entry(emu, d, rec, fmt)
    done = await _wait(emu, [entry], 0.0)
    if done is None:
        # "Success - recording is transcoding": a Recording without mediaUris (a stub: no sessionId).
        stub = _recording_doc(emu, d, rec, fmt, None)
        stub.pop("sessionId", None)
        return JSONResponse(stub, 202)
    return JSONResponse(_recording_doc(emu, d, rec, fmt, done[0], download, q.get("fileName")))


async def put_recording(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    from genesys_tui.emulator.query import parse_time

    d = conv_or_404(emu, request.path_params["conversationId"])
    rec = _rec_or_404(d, request.path_params["recordingId"])
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("The body must be a Recording object")
    # put_conversation_recording: "Updates the retention records on a recording. Currently supports
    # updating and removing both archive and delete dates" -- a body without deleteDate removes it.
    # "editRetention is required when updating retention dates except for restoration; restore is
    # required when restoring an archived recording."
    try:
        new_delete = parse_time(str(body["deleteDate"])) if body.get("deleteDate") else None
        until = parse_time(str(body["archiveDate"])) if body.get("archiveDate") else None
    except QueryError:
        raise bad_request("archiveDate and deleteDate must be ISO-8601 date-times") from None
    current = _delete_ms(emu, rec)
    changes_delete = (new_delete is None) != (current is None) or (
        new_delete is not None and current is not None and abs(new_delete - current) >= 1000
    )
    restoring = rec.file_state == "ARCHIVED" and until is not None
    if restoring and permissions.RESTORE not in emu.granted:
        raise ApiError(403, **_perm_error("any", (permissions.RESTORE,)))
    if restoring and changes_delete:
        # Stricter than the docs say, deliberately: a restore is never allowed to clear (or move)
        # the deletion schedule, which a body without the current deleteDate would silently do.
        raise bad_request(
            "a restoration must send the recording's current deleteDate back unchanged "
            "(a PUT without it removes the deletion schedule)"
        )
    if changes_delete:
        if permissions.EDIT_RETENTION not in emu.granted:
            raise ApiError(403, **_perm_error("any", (permissions.EDIT_RETENTION,)))
        emu.delete_dates[rec.id] = new_delete
    if restoring:
        # "A request to change the archival date of an archived recording will result in a
        # restoration of the recording until the new date set."
        emu.restores.setdefault(rec.id, (time.monotonic() + emu.s.restore_seconds, until))
    return JSONResponse(_recording_doc(emu, d, rec, "NONE", None))


def _perm_error(kind: str, perms: tuple[str, ...]) -> dict[str, Any]:
    fields = permissions.error_fields(kind, perms)
    return {"code": fields.pop("code"), "message": fields.pop("message"), **fields}


def _bookmarks(
    emu: Emulator, conversation_id: str, recording_id: str, *, metadata: bool = False
) -> list[dict[str, Any]]:
    """People's annotations (bookmarks) of a recording, as its documents list them. RecordingApi.md
    (SDK 257.1.0): a recording's "Bookmark annotations will be excluded if recording:annotation:view
    permission is missing"; its metadata's "if either recording:recording:view or
    recording:annotation:view permission is missing" (system annotations are never in metadata)."""
    need = {"recording:annotation:view"} | ({"recording:recording:view"} if metadata else set())
    if not need <= emu.granted:
        return []
    return list(emu.bookmarks.get(f"{conversation_id}/{recording_id}", {}).values())


async def metadata_list(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    d = conv_or_404(emu, request.path_params["conversationId"])
    out = []
    for r in d.recordings:
        doc = docs.recording_metadata(
            emu.org, d, r, _file_state(emu, r)[0], delete_ms=_delete_ms(emu, r)
        )
        doc["annotations"] += _bookmarks(emu, d.id, r.id, metadata=True)
        out.append(doc)
    return JSONResponse(out)


async def metadata_one(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    d = conv_or_404(emu, request.path_params["conversationId"])
    rec = _rec_or_404(d, request.path_params["recordingId"])
    doc = docs.recording_metadata(
        emu.org, d, rec, _file_state(emu, rec)[0], delete_ms=_delete_ms(emu, rec)
    )
    doc["annotations"] += _bookmarks(emu, d.id, rec.id, metadata=True)
    return JSONResponse(doc)


async def recording_settings(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    """RecordingSettings (get_recording_settings: "Requires no permissions"): the URL lifetimes in
    minutes, "default ... 60 minutes, ... minimum 2 ... maximum of 60"."""
    ttl = max(2, min(60, emu.s.media_url_ttl // 60))
    return JSONResponse(
        {
            "maxSimultaneousStreams": 0,
            "maxConfigurableScreenRecordingStreams": 0,
            "regionalRecordingStorageEnabled": False,
            "recordingPlaybackUrlTtl": ttl,
            "recordingBatchDownloadUrlTtl": ttl,
        }
    )


# --- batch downloads ---------------------------------------------------------------------------------


def hidden_sensitive(emu: Emulator, i: int) -> bool:
    """The call's recordings hold sensitive data the caller may not see unredacted."""
    return bool(
        emu.s.redaction and emu.org.sensitive[i] and permissions.VIEW_SENSITIVE not in emu.granted
    )


async def batch_submit(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:

    body = await json_body(request)
    items = body.get("batchDownloadRequestList") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise bad_request("batchDownloadRequestList is required and must not be empty")
    if len(items) > BATCH_LIMIT:
        raise bad_request(f"batchDownloadRequestList may contain at most {BATCH_LIMIT} items")
    fmt = emu.s.original_format
    results: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, dict) or not item.get("conversationId"):
            raise bad_request("each batch item needs a conversationId")
        conv, rid = str(item["conversationId"]), item.get("recordingId")
        i = emu.org.find(conv)
        if i is None:
            results.append(
                {"conversationId": conv, "recordingId": rid, "errorMsg": "Conversation not found"}
            )
            continue
        d = emu.org.detail(i)
        recs = [r for r in d.recordings if rid in (None, r.id)]
        if hidden_sensitive(emu, i):
            # post_recording_batchrequests (RecordingApi.md, SDK 257.1.0): "If the
            # recording:recording:viewSensitiveData permission is missing and the organization
            # has sensitive data redaction enabled, recordings with sensitive data will be
            # excluded from the batch download." Excluded: no result and no error.
            continue
        if rid and not recs:
            results.append(
                {"conversationId": conv, "recordingId": rid, "errorMsg": "Recording not found"}
            )
        for r in recs:
            if not _playable(emu, r):
                results.append(
                    {
                        "conversationId": conv,
                        "recordingId": r.id,
                        "errorMsg": "Recording is archived and must be restored before it can be downloaded",
                    }
                )
            else:
                results.append(
                    {"conversationId": conv, "recordingId": r.id, "entry": _entry(emu, d, r, fmt)}
                )
    job_id = str(uuid.uuid4())
    emu.batches[job_id] = {
        "client": tok.client_id,
        "created": time.monotonic(),
        "results": results,
        "format": fmt,
    }
    # 200, as SWAGGER-2018 lists for POST /api/v2/recording/batchrequests (not 202).
    return JSONResponse({"id": job_id, "selfUri": f"/api/v2/recording/batchrequests/{job_id}"}, 200)


async def batch_status(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    job_id = request.path_params["jobId"]
    job = emu.batches.get(job_id)
    # "only the user that submitted the job may retrieve results"
    if job is None or job["client"] != tok.client_id:
        raise not_found(f"batch request {job_id}")
    fmt = job["format"]
    ext, ctype = FORMATS[fmt]
    settled = time.monotonic() >= job["created"] + emu.s.batch_seconds
    out, errors = [], 0
    for r in job["results"]:
        if "errorMsg" in r:
            errors += 1
            out.append(r)
            continue
        enc = r["entry"].result()
        if enc is None:
            continue
        url = emu.presign(
            f"/s3/recordings/{r['conversationId']}/{r['recordingId']}/{fmt}.{ext}",
            emu.s.media_url_ttl,
        )
        out.append(
            {
                "conversationId": r["conversationId"],
                "recordingId": r["recordingId"],
                "resultUrl": url,
                "contentType": ctype,
            }
        )
    # BatchDownloadJobStatusResult: "expectedResultCount ... could change as recordings are being
    # discovered"; `results` is the current set while the job runs; the job is done when `status`
    # is Completed. So the count first shown here is an undercount (recordings are "discovered"
    # one conversation at a time), and results arrive before the end.
    status = "Completed" if settled and len(out) == len(job["results"]) else "InProgress"
    expected = (
        len(job["results"]) if status == "Completed" else len(out)
    )  # what is discovered so far
    return JSONResponse(
        {
            "id": job_id,
            "jobId": job_id,
            "expectedResultCount": expected,
            "resultCount": len(out),
            "errorCount": errors,
            "status": status,
            "results": out,
            "selfUri": f"/api/v2/recording/batchrequests/{job_id}",
        }
    )


C = "/api/v2/conversations/{conversationId}"
ROUTES = [
    ("GET", "/api/v2/recording/settings", recording_settings, "recording.settings"),
    ("GET", C + "/recordings", list_recordings, "recordings.list"),
    ("GET", C + "/recordings/{recordingId}", get_recording, "recordings.get"),
    ("PUT", C + "/recordings/{recordingId}", put_recording, "recordings.put"),
    ("GET", C + "/recordingmetadata", metadata_list, "recordingmetadata.list"),
    ("GET", C + "/recordingmetadata/{recordingId}", metadata_one, "recordingmetadata.get"),
    ("POST", "/api/v2/recording/batchrequests", batch_submit, "batchrequests.create"),
    ("GET", "/api/v2/recording/batchrequests/{jobId}", batch_status, "batchrequests.get"),
]
