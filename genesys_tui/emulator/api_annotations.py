"""Emulated API: a recording's annotations (addendum 3). GET lists the system annotations (pauses,
holds) and the bookmarks people added, as a bare JSON array; POST and PUT upsert a bookmark
("If the annotation does not exist on the recording, it is created. If it already exists, it is
updated.", SDK269), 200 (SW2018); DELETE removes one (204: UNCONFIRMED, SW2018 names no status).
A description is at most 500 characters (Annotation model, SDK269; the error code is UNCONFIRMED).
Two rules are the emulator's own, UNCONFIRMED and stricter than anything documented: only bookmarks
are created or changed (pauses and holds are the system's), and a bookmark lies inside the
recording. Bookmarks also appear in the recording's own `annotations` (reference 4.3)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from genesys_tui.emulator import documents as docs
from genesys_tui.emulator.api_recordings import _rec_or_404
from genesys_tui.emulator.errors import bad_request, not_found
from genesys_tui.emulator.request_helpers import conv_or_404, json_body
from genesys_tui.emulator.tokens import Token

if TYPE_CHECKING:
    from genesys_tui.emulator.app import Emulator

MAX_DESCRIPTION = 500
BOOKMARK = "Bookmark"  # the literal is UNCONFIRMED (addendum 3); any casing is accepted


def _where(emu: Emulator, request: Request):
    d = conv_or_404(emu, request.path_params["conversationId"])
    rec = _rec_or_404(d, request.path_params["recordingId"])
    return d, rec, emu.bookmarks.setdefault(f"{d.id}/{rec.id}", {})


def _path(d, rec, annotation_id: str) -> str:
    return f"/api/v2/conversations/{d.id}/recordings/{rec.id}/annotations/{annotation_id}"


async def annotations_list(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    d, rec, marks = _where(emu, request)
    system = docs.annotations(rec)
    return JSONResponse(system + list(marks.values()))


async def annotation_get(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    d, rec, marks = _where(emu, request)
    aid = request.path_params["annotationId"]
    if aid in marks:
        return JSONResponse(marks[aid])
    system = [a for a in docs.annotations(rec) if a["id"] == aid]
    if not system:
        raise not_found(f"annotation {aid}")
    return JSONResponse(system[0])


async def _upsert(emu: Emulator, request: Request, tok: Token, aid: str | None) -> Response:
    d, rec, marks = _where(emu, request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("The body must be an Annotation")
    kind = body.get("type", BOOKMARK)
    if not isinstance(kind, str) or kind.lower() != "bookmark":
        raise bad_request("Only bookmark annotations can be created or changed")
    desc = body.get("description")
    if desc is not None and (not isinstance(desc, str) or len(desc) > MAX_DESCRIPTION):
        raise bad_request(f"description must be a string of at most {MAX_DESCRIPTION} characters")
    name = body.get("name")
    if name is not None and not isinstance(name, str):
        raise bad_request("name must be a string")
    location = body.get("location", 0)
    length = rec.media_ms
    if isinstance(location, bool) or not isinstance(location, int) or not 0 <= location <= length:
        raise bad_request(f"location must be a position in the recording: 0 to {length} ms")
    duration = body.get("durationMs", 0)
    if isinstance(duration, bool) or not isinstance(duration, int) or duration < 0:
        raise bad_request("durationMs must be a non-negative integer")
    aid = aid or body.get("id") or str(uuid.uuid4())
    if not isinstance(aid, str) or len(aid) > 64:
        raise bad_request("id must be a string")
    user = tok.user_id
    doc: dict[str, Any] = docs.drop_none(
        {
            "id": aid,
            "name": (name or "Bookmark")[:250],
            "type": BOOKMARK,
            "location": location,
            "durationMs": duration,
            "absoluteLocation": location,
            "absoluteDurationMs": duration,
            "recordingLocation": location,
            "recordingDurationMs": duration,
            "description": desc,
            "user": {"id": user, "selfUri": f"/api/v2/users/{user}"} if user else None,
            "selfUri": _path(d, rec, aid),
        }
    )
    marks[aid] = doc
    return JSONResponse(doc)


async def annotation_post(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    return await _upsert(emu, request, tok, None)


async def annotation_put(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    return await _upsert(emu, request, tok, request.path_params["annotationId"])


async def annotation_delete(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    d, rec, marks = _where(emu, request)
    if marks.pop(request.path_params["annotationId"], None) is None:
        raise not_found(f"annotation {request.path_params['annotationId']}")
    return Response(status_code=204)


A = "/api/v2/conversations/{conversationId}/recordings/{recordingId}/annotations"
ROUTES = [
    ("GET", A, annotations_list, "annotations.list"),
    ("POST", A, annotation_post, "annotations.post"),
    ("GET", A + "/{annotationId}", annotation_get, "annotations.get"),
    ("PUT", A + "/{annotationId}", annotation_put, "annotations.put"),
    ("DELETE", A + "/{annotationId}", annotation_delete, "annotations.delete"),
]
