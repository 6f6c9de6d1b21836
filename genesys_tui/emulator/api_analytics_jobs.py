"""Emulated API: async analytics conversation-detail jobs (reference 3.2, addendum 5).

POST …/details/jobs takes an AsyncConversationQuery (no `paging`: results come by cursor) and
answers 202 {jobId} ("Accepted - Running query asynchronously", the CLI's definition). The job
is QUEUED, then PENDING, then FULFILLED after the org's job_seconds; its results are every
conversation whose lifetime overlaps the interval (or, with startOfDayIntervalMatching, the
synchronous query's "started on a day the interval touches"), in the requested order, up to
`limit`, and only what the data lake holds: conversations that ended before the
dataAvailabilityDate (the org's clock less DATALAKE_LAG: an hour, the emulator's choice; Genesys
gives no figure, only that the lake lags). Results are read a page at a time with
an opaque cursor; a page is at most MAX_PAGE_SIZE (the maximum is UNCONFIRMED: addendum 5 names
1,000 as an emulator's choice). A job's results expire RETENTION after completion (UNCONFIRMED:
the addendum's example shows about two days); the emulator then answers 404 for them."""

from __future__ import annotations

import base64
import time
import uuid
from typing import TYPE_CHECKING, Any

import numpy as np
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from genesys_tui.emulator import documents as docs
from genesys_tui.emulator.errors import bad_request, not_found
from genesys_tui.emulator.query import QueryError
from genesys_tui.emulator.request_helpers import json_body
from genesys_tui.emulator.tokens import Token

if TYPE_CHECKING:
    from genesys_tui.emulator.app import Emulator

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
DATALAKE_LAG_MS = 60 * 60 * 1000
RETENTION_MS = 2 * 86_400_000
ORDER_BY = ("conversationStart", "conversationEnd", "segmentStart", "segmentEnd")


def availability_ms(emu: Emulator) -> int:
    return emu.now_ms() - DATALAKE_LAG_MS


def _state(emu: Emulator, job: dict[str, Any]) -> str:
    if job["state"] in ("CANCELLED", "FAILED"):
        return job["state"]
    age = time.monotonic() - job["since"]
    if age < emu.s.job_seconds / 3:
        return "QUEUED"
    if age < emu.s.job_seconds:
        return "PENDING"
    if emu.now_ms() >= _completed(emu, job) + RETENTION_MS:
        return "EXPIRED"
    return "FULFILLED"


def _completed(emu: Emulator, job: dict[str, Any]) -> int:
    return job["submitted"] + int(emu.s.job_seconds * 1000)


def _status_doc(emu: Emulator, job: dict[str, Any]) -> dict[str, Any]:
    state = _state(emu, job)
    doc: dict[str, Any] = {"state": state, "submissionDate": docs.iso_ms(job["submitted"])}
    if state in ("FULFILLED", "EXPIRED"):
        done = _completed(emu, job)
        doc["completionDate"] = docs.iso_ms(done)
        doc["expirationDate"] = docs.iso_ms(done + RETENTION_MS)
    return doc


def _matching(emu: Emulator, q: dict[str, Any]) -> np.ndarray:
    order_by = q.get("orderBy", "conversationStart")
    if order_by not in ORDER_BY:
        raise QueryError(f"Invalid orderBy {order_by!r}")
    start_of_day = q.get("startOfDayIntervalMatching", False)
    if not isinstance(start_of_day, bool):
        raise QueryError("startOfDayIntervalMatching must be true or false")
    idx = emu.query.matching(q, start_of_day=start_of_day)
    org = emu.org
    in_lake = ~org.live[idx] & (org.end[idx] <= availability_ms(emu))
    idx = idx[in_lake]
    limit = q.get("limit")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise QueryError("limit must be a positive integer")
        idx = idx[:limit]
    return idx


async def job_create(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    q = await json_body(request)
    if not isinstance(q, dict):
        raise bad_request("The body must be an AsyncConversationQuery")
    if not q.get("interval"):
        raise bad_request("interval is required")
    try:
        idx = _matching(emu, q)
    except QueryError as e:
        raise bad_request(str(e)) from None
    job_id = str(uuid.uuid4())
    emu.details_jobs[job_id] = {
        "id": job_id,
        "state": "QUEUED",
        "since": time.monotonic(),
        "submitted": emu.now_ms(),
        "client": tok.client_id,
        "idx": idx,
    }
    return JSONResponse({"jobId": job_id}, 202)


def _job_or_404(emu: Emulator, request: Request) -> dict[str, Any]:
    job = emu.details_jobs.get(request.path_params["jobId"])
    if job is None:
        raise not_found(f"job {request.path_params['jobId']}")
    return job


async def job_get(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    return JSONResponse(_status_doc(emu, _job_or_404(emu, request)))


def _cursor(job_id: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{job_id}:{offset}".encode()).decode().rstrip("=")


def _offset(job_id: str, cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        owner, _, n = raw.partition(":")
        if owner == job_id and n.isdigit():
            return int(n)
    except ValueError:
        pass
    raise bad_request("Invalid cursor")


async def job_results(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    job = _job_or_404(emu, request)
    state = _state(emu, job)
    if state == "EXPIRED":
        raise not_found(f"results of job {job['id']} (expired)")
    if state != "FULFILLED":
        raise bad_request(f"The job is {state}; its results are available once it is FULFILLED")
    try:
        size = int(request.query_params.get("pageSize", DEFAULT_PAGE_SIZE))
    except ValueError:
        raise bad_request("pageSize must be an integer") from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise bad_request(f"pageSize must be between 1 and {MAX_PAGE_SIZE}")
    cursor = request.query_params.get("cursor")
    lo = _offset(job["id"], cursor) if cursor else 0
    idx = job["idx"][lo : lo + size]
    out: dict[str, Any] = {"dataAvailabilityDate": docs.iso_ms(availability_ms(emu))}
    if idx.size:
        org = emu.org
        out["conversations"] = [
            docs.analytics_conversation(org, org.detail(int(i)), attributes=True) for i in idx
        ]
    if lo + size < job["idx"].size:
        out["cursor"] = _cursor(job["id"], lo + size)
    return JSONResponse(out)


async def job_delete(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    job = _job_or_404(emu, request)
    job["state"] = "CANCELLED"  # and its results are gone
    job["idx"] = job["idx"][:0]
    # "Deleted" is the CLI's only response for this operation; its status code is UNCONFIRMED.
    return Response(status_code=204)


async def availability(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    return JSONResponse({"dataAvailabilityDate": docs.iso_ms(availability_ms(emu))})


J = "/api/v2/analytics/conversations/details/jobs"
ROUTES = [
    ("POST", J, job_create, "analytics.jobs.create"),
    ("GET", J + "/availability", availability, "analytics.jobs.availability"),
    ("GET", J + "/{jobId}", job_get, "analytics.jobs.get"),
    ("GET", J + "/{jobId}/results", job_results, "analytics.jobs.results"),
    ("DELETE", J + "/{jobId}", job_delete, "analytics.jobs.delete"),
]
