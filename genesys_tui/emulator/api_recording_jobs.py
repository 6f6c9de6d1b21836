"""Emulated API: bulk recording jobs (`/api/v2/recording/jobs`): create, run, list, cancel, and the
failed recordings of a job; the S3 bulk-actions integration an EXPORT names (`/api/v2/integrations`).
An EXPORT job really writes into the org's target (exports.py)."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from genesys_tui.emulator import documents as docs
from genesys_tui.emulator import exports, permissions
from genesys_tui.emulator.api_analytics_jobs import availability_ms
from genesys_tui.emulator.errors import ApiError, bad_request, not_found
from genesys_tui.emulator.ids import make_uuid
from genesys_tui.emulator.query import QueryError
from genesys_tui.emulator.request_helpers import json_body, listing
from genesys_tui.emulator.tokens import Token

if TYPE_CHECKING:
    from genesys_tui.emulator.app import Emulator


ACTIVE = ("PENDING", "PROCESSING")


def _job_state(emu: Emulator, job: dict[str, Any]) -> str:
    state = job["state"]
    now = time.monotonic()
    if state == "PENDING" and now >= job["since"] + emu.s.job_seconds:
        job.update(state="READY", since=now)
    elif (
        state == "PROCESSING"
        and job.get("task") is None  # an EXPORT's task ends it when the last one is written
        and now >= job["since"] + emu.s.job_seconds
    ):
        job.update(state="FULFILLED", since=now, processed=job["recordings"])
    return job["state"]


def _job_doc(emu: Emulator, job: dict[str, Any]) -> dict[str, Any]:
    state = _job_state(emu, job)
    doc = {
        "id": job["id"],
        "state": state,
        "recordingJobsQuery": job["query"],
        "dateCreated": job["created"],
        "user": {"id": job["client"], "selfUri": f"/api/v2/users/{job['client']}"},
        "selfUri": f"/api/v2/recording/jobs/{job['id']}",
        "failedRecordings": f"/api/v2/recording/jobs/{job['id']}/failedrecordings",
    }
    if state != "PENDING":
        failed = len(job["failed"])
        done = job.get("processed", 0) + job["skipped"] + failed
        doc.update(
            totalConversations=job["conversations"],
            totalRecordings=job["recordings"],
            totalSkippedRecordings=job["skipped"],
            totalFailedRecordings=failed,
            totalProcessedRecordings=job.get("processed", 0),
            percentProgress=100
            if state == "FULFILLED"
            else (100 * done // max(1, job["recordings"]) if state == "PROCESSING" else 0),
        )
    if job.get("error"):
        doc["errorMessage"] = job["error"]
    return doc


async def job_create(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:

    q = await json_body(request)
    if not isinstance(q, dict):
        raise bad_request("The body must be a RecordingJobsQuery")
    if q.get("includeRecordingsWithSensitiveData") is True and (
        permissions.VIEW_SENSITIVE not in emu.granted
    ):  # rejected whatever else the body says (RecordingApi.md, post_recording_jobs)
        fields = permissions.error_fields("all", (permissions.VIEW_SENSITIVE,))
        raise ApiError(403, fields.pop("code"), fields.pop("message"), **fields)
    if q.get("action") not in ("ARCHIVE", "DELETE", "EXPORT"):
        raise bad_request("action must be one of ARCHIVE, DELETE, EXPORT")
    if q["action"] == "EXPORT" and not q.get("integrationId"):
        raise bad_request("integrationId is required for the EXPORT action")
    if not (q.get("actionDate") or q.get("actionAge") is not None):
        raise bad_request("actionDate or actionAge is required")
    cq = q.get("conversationQuery")
    if not isinstance(cq, dict) or not cq.get("interval"):
        raise bad_request("conversationQuery with an interval is required")
    try:
        matched = emu.query.matching(cq)
    except QueryError as e:
        raise bad_request(str(e)) from None
    if sum(_job_state(emu, j) in ACTIVE for j in emu.jobs.values()) >= 2:
        raise ApiError(
            400,
            "recording.job.limit",
            "An organization can have at most 2 recording jobs pending or processing.",
        )
    org = emu.org
    # Seeded like every other id of the org (opaque to a client): runs repeat exactly.
    emu.stats["recordingjobs.created"] += 1
    job_id = make_uuid(emu.s.seed, "recordingjob", emu.stats["recordingjobs.created"])
    # The query runs against the analytics data lake: "it might take up to 48 hours for the
    # recording to be included" (RecordingJobsQuery.md, SDK 257.1.0). What ended after the lake's
    # dataAvailabilityDate (the details jobs' lag) is not matched.
    lake = availability_ms(emu)
    matched = matched[~org.live[matched] & (org.end[matched] <= lake)]
    if emu.s.redaction and q.get("includeRecordingsWithSensitiveData") is not True:
        # includeRecordingsWithSensitiveData: "Whether to include recordings with PCI DSS
        # and/or PII data, default value = false" (RecordingJobsQuery.md)
        matched = matched[~org.sensitive[matched]]
    recorded = [int(i) for i in matched if org.recorded[i]]
    job = {
        "id": job_id,
        "state": "PENDING",
        "since": time.monotonic(),
        "query": q,
        "client": tok.client_id,
        "created": docs.iso_ms(emu.now_ms()),
        "conversations": int(matched.size),
        # every recording of the matched calls (a transferred call has one per agent leg)
        "recordings": sum(len(org.detail(i).recordings) for i in recorded),
        "matched": recorded,
        "processed": 0,
        "skipped": 0,
        "failed": [],  # (conversation id, recording id)
    }
    emu.jobs[job_id] = job
    return JSONResponse(_job_doc(emu, job), 202)  # the CLI's post_recording_jobs definition: 202


def _job_or_404(emu: Emulator, request: Request) -> dict[str, Any]:
    job = emu.jobs.get(request.path_params["jobId"])
    if job is None:
        raise not_found(f"recording job {request.path_params['jobId']}")
    return job


async def job_get(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    return JSONResponse(_job_doc(emu, _job_or_404(emu, request)))


async def job_put(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:

    job = _job_or_404(emu, request)
    body = await json_body(request)
    if not isinstance(body, dict) or body.get("state") != "PROCESSING":
        raise bad_request("state must be PROCESSING")
    if job["client"] != tok.client_id:
        raise ApiError(
            403, "not.authorized", "The job must be executed by the user who created it."
        )
    state = _job_state(emu, job)
    if state != "READY":
        raise bad_request(f"the job is {state}; only a READY job can be executed")
    job.update(state="PROCESSING", since=time.monotonic())
    target = exports.target_for(emu.s.export_target) if job["query"]["action"] == "EXPORT" else None
    if target is not None:
        job["task"] = asyncio.get_running_loop().create_task(exports.run_export(emu, job, target))
    return JSONResponse(_job_doc(emu, job))


async def job_delete(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    job = _job_or_404(emu, request)
    state = _job_state(emu, job)
    if state not in ("PENDING", "READY", "PROCESSING"):
        raise bad_request(f"a {state} job cannot be cancelled")
    job.update(state="CANCELLED", since=time.monotonic())
    return Response(
        status_code=200
    )  # the CLI's delete_recording_job definition: 200 (UNCONFIRMED by SWAGGER-2018)


async def job_list(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:

    state = request.query_params.get("state")
    jtype = request.query_params.get("jobType")
    docs_ = [_job_doc(emu, j) for j in emu.jobs.values()]
    docs_ = [
        x
        for x in docs_
        if (not state or x["state"] == state)
        and (not jtype or x["recordingJobsQuery"].get("action") == jtype)
    ]
    return listing(request, docs_, "/api/v2/recording/jobs", max_size=100)


async def job_failed(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:

    job = _job_or_404(emu, request)
    failed = [
        {
            "conversation": {"id": c, "selfUri": f"/api/v2/conversations/{c}"},
            "recording": {"id": r, "selfUri": f"/api/v2/conversations/{c}/recordings/{r}"},
        }
        for c, r in job["failed"]
    ]
    return listing(
        request,
        failed,
        f"/api/v2/recording/jobs/{request.path_params['jobId']}/failedrecordings",
        max_size=100,
    )


async def orphans_list(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    media = request.query_params.get("media")
    docs_ = [d for d in exports.orphan_docs(emu) if not media or d["mediaType"] == media.upper()]
    return listing(request, docs_, "/api/v2/orphanrecordings", max_size=100)


async def integrations_list(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    """The org's integrations, filtered by `integrationType` and `reportedState` (the demo org has
    one, the S3 bulk-actions integration, when an export target is configured)."""
    kind = request.query_params.get("integrationType")
    state = request.query_params.get("reportedState")
    have = [exports.integration_doc(emu)] if emu.s.export_target else []
    have = [
        i
        for i in have
        if (not kind or i["integrationType"]["id"] == kind)
        and (not state or i["reportedState"]["code"].lower() == state.lower())
    ]
    return listing(request, have, "/api/v2/integrations", max_size=100)


ROUTES = [
    ("GET", "/api/v2/recording/jobs", job_list, "recording.jobs.list"),
    ("POST", "/api/v2/recording/jobs", job_create, "recording.jobs.create"),
    ("GET", "/api/v2/recording/jobs/{jobId}", job_get, "recording.jobs.get"),
    ("PUT", "/api/v2/recording/jobs/{jobId}", job_put, "recording.jobs.put"),
    ("DELETE", "/api/v2/recording/jobs/{jobId}", job_delete, "recording.jobs.delete"),
    ("GET", "/api/v2/recording/jobs/{jobId}/failedrecordings", job_failed, "recording.jobs.failed"),
    ("GET", "/api/v2/integrations", integrations_list, "integrations.list"),
    ("GET", "/api/v2/orphanrecordings", orphans_list, "recording.orphans.list"),
]
