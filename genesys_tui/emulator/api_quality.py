"""Emulated API: quality evaluations (addendum 4). Published evaluation forms (list, one), creating
an evaluation of a conversation, reading one back, the query that finds a conversation's
evaluations, and the scoring call.

What the addendum gives: the listing shapes and paging (`pageSize` 25), `Idempotency-Key` as a UUID
(SDK269 validation), evaluationForm required and published, evaluator and agent "must be included
for a successful request", the query's "must include one of conversationId, evaluatorUserId,
agentUserId or assigneeUserId", answers only with `expandAnswerTotalScores=true`, scoring without
permissions. The emulator's own, UNCONFIRMED choices, each stricter than nothing: the create
answers 200 (SW2018); the evaluator and agent are users of the org and the agent took part in the
call; a FINISHED evaluation answers every scored question or marks it N/A; the forms' `name`
filter matches the whole name in any case; a repeated
Idempotency-Key returns the first evaluation, or 409 when the body differs."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from genesys_tui.emulator.documents import iso_ms
from genesys_tui.emulator.errors import ApiError, bad_request, not_found
from genesys_tui.emulator.quality import published_forms, score
from genesys_tui.emulator.request_helpers import conv_or_404, json_body, listing
from genesys_tui.emulator.tokens import Token

if TYPE_CHECKING:
    from genesys_tui.emulator.app import Emulator

STATUSES = ("PENDING", "INPROGRESS", "FINISHED", "INREVIEW", "RETRACTED")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
FORMS = "/api/v2/quality/publishedforms/evaluations"


def _forms(emu: Emulator) -> list[dict[str, Any]]:
    if emu.quality_forms is None:
        emu.quality_forms = published_forms(emu.org.divisions[0], iso_ms(emu.now_ms()) or "")
    return emu.quality_forms


async def forms_list(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    name = request.query_params.get("name")
    forms = [f for f in _forms(emu) if not name or f["name"].lower() == name.lower()]
    return listing(request, forms, FORMS, max_size=100)


async def form_get(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    fid = request.path_params["formId"]
    form = next((f for f in _forms(emu) if f["id"] == fid), None)
    if form is None:
        raise not_found(f"evaluation form {fid}")
    return JSONResponse(form)


def _ref(body: dict, key: str, required: bool = True) -> str | None:
    ref = body.get(key)
    if ref is None and not required:
        return None
    if not isinstance(ref, dict) or not isinstance(ref.get("id"), str) or not ref["id"]:
        raise bad_request(f"{key}.id is required")
    return ref["id"]


def _user(emu: Emulator, uid: str, role: str) -> dict[str, Any]:
    u = emu.org.user_by_id(uid)
    if u is None:
        raise bad_request(f"{role} {uid} is not a user of this organization")
    return {"id": u.id, "name": u.name, "selfUri": f"/api/v2/users/{u.id}"}


async def evaluation_create(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    d = conv_or_404(emu, request.path_params["conversationId"])
    key = request.headers.get("Idempotency-Key")
    if key is not None and not UUID.match(key):
        raise bad_request("Idempotency-Key must be a UUID")
    raw = await request.body()
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("The body must be an EvaluationCreateBody")
    if key is not None and key in emu.idempotency:
        first_body, eid = emu.idempotency[key]
        if first_body != raw:
            raise ApiError(409, "conflict", "This Idempotency-Key was used with another body")
        return JSONResponse(emu.evaluations[eid])
    fid = _ref(body, "evaluationForm")
    form = next((f for f in _forms(emu) if f["id"] == fid), None)
    if form is None:
        raise bad_request(f"evaluationForm {fid} is not a published evaluation form")
    evaluator = _user(emu, _ref(body, "evaluator") or "", "evaluator")
    agent = _user(emu, _ref(body, "agent") or "", "agent")
    if agent["id"] not in {p.user_id for p in d.parties if p.user_id}:
        raise bad_request(f"agent {agent['id']} did not take part in conversation {d.id}")
    never = body.get("neverRelease", False)
    if not isinstance(never, bool):
        raise bad_request("neverRelease must be a boolean")
    status = body.get("status", "PENDING")
    if status not in STATUSES:
        raise bad_request(f"status must be one of {', '.join(STATUSES)}")
    answers = score(form, body.get("answers") or {}, finished=status == "FINISHED")
    now = iso_ms(emu.now_ms())
    eid = str(uuid.uuid4())
    doc = {
        "id": eid,
        "conversation": {"id": d.id, "selfUri": f"/api/v2/conversations/{d.id}"},
        "evaluationForm": {k: form[k] for k in ("id", "name", "contextId", "selfUri")},
        "evaluator": evaluator,
        "agent": agent,
        "status": status,
        "answers": answers,
        "agentHasRead": False,
        "neverRelease": never,
        "assignedDate": now,
        "createdDate": now,
        "changedDate": now,
        "conversationDate": iso_ms(d.start),
        "conversationEndDate": iso_ms(d.end),
        "mediaType": ["CALL"],
        "selfUri": f"/api/v2/quality/conversations/{d.id}/evaluations/{eid}",
    }
    if status == "FINISHED":
        doc["submittedDate"] = now
    emu.evaluations[eid] = doc
    if key is not None:
        emu.idempotency[key] = (raw, eid)
    return JSONResponse(doc)


async def evaluation_get(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    d = conv_or_404(emu, request.path_params["conversationId"])
    ev = emu.evaluations.get(request.path_params["evaluationId"])
    if ev is None or ev["conversation"]["id"] != d.id:
        raise not_found(f"evaluation {request.path_params['evaluationId']}")
    return JSONResponse(ev)


async def evaluations_query(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    q = request.query_params
    keys = ("conversationId", "evaluatorUserId", "agentUserId", "assigneeUserId")
    if not any(q.get(k) for k in keys):
        raise bad_request(
            "Query params must include one of conversationId, evaluatorUserId, agentUserId or "
            "assigneeUserId"
        )
    found = [
        ev
        for ev in emu.evaluations.values()
        if (not q.get("conversationId") or ev["conversation"]["id"] == q["conversationId"])
        and (not q.get("agentUserId") or ev["agent"]["id"] == q["agentUserId"])
        and (not q.get("evaluatorUserId") or ev["evaluator"]["id"] == q["evaluatorUserId"])
        and not q.get("assigneeUserId")  # nothing is assigned in the emulated org
    ]
    found.sort(key=lambda ev: ev["assignedDate"])
    if q.get("expandAnswerTotalScores", "false").lower() != "true":
        found = [{k: v for k, v in ev.items() if k != "answers"} for ev in found]
    return listing(request, found, "/api/v2/quality/evaluations/query", max_size=100)


async def scoring(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("evaluationForm"), dict):
        raise bad_request("The body must be an EvaluationFormAndScoringSet")
    try:
        return JSONResponse(score(body["evaluationForm"], body.get("answers") or {}))
    except (ValueError, TypeError, AttributeError, OverflowError, RecursionError):
        raise bad_request("The evaluation form or the answers are malformed") from None


ROUTES = [
    ("GET", FORMS, forms_list, "quality.forms.list"),
    ("GET", FORMS + "/{formId}", form_get, "quality.forms.get"),
    (
        "POST",
        "/api/v2/quality/conversations/{conversationId}/evaluations",
        evaluation_create,
        "quality.evaluations.post",
    ),
    (
        "GET",
        "/api/v2/quality/conversations/{conversationId}/evaluations/{evaluationId}",
        evaluation_get,
        "quality.evaluations.get",
    ),
    ("GET", "/api/v2/quality/evaluations/query", evaluations_query, "quality.evaluations.query"),
    ("POST", "/api/v2/quality/evaluations/scoring", scoring, "quality.scoring"),
]
