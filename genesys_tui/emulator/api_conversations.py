"""Emulated API: analytics details query, conversations, supervisor actions, transcripts (the
directory is in api_directory.py)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from genesys_tui.emulator import documents as docs
from genesys_tui.emulator.call_model import CallDetail, Party, Segment
from genesys_tui.emulator.errors import USER_CONTEXT, ApiError, bad_request, not_found
from genesys_tui.emulator.query import QueryError
from genesys_tui.emulator.request_helpers import conv_or_404, json_body
from genesys_tui.emulator.tokens import Token

if TYPE_CHECKING:
    from genesys_tui.emulator.app import Emulator


# --- analytics -----------------------------------------------------------------------------------


async def details_query(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:

    body = await json_body(request)
    try:
        idx, total, _ = emu.query.run(body)
    except QueryError as e:
        raise bad_request(str(e)) from None
    out: dict[str, Any] = {}
    if idx.size:
        out["conversations"] = [
            docs.analytics_conversation(emu.org, emu.org.detail(int(i))) for i in idx
        ]
    out["totalHits"] = total
    return JSONResponse(out)


MULTI_GET_LIMIT = (
    100  # UNCONFIRMED: the docs name no maximum for ?id=; 100 like the other multi-gets
)


async def details_by_id(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    """GET /api/v2/analytics/conversations/details?id=a,b: "Gets multiple conversations by id"
    (AnalyticsConversationWithoutAttributesMultiGetResponse: {conversations: [...]}); ids it does
    not know are left out."""
    ids = [x for v in request.query_params.getlist("id") for x in v.split(",") if x.strip()]
    if not ids:
        raise bad_request("id is required: comma-separated conversation ids")
    if len(ids) > MULTI_GET_LIMIT:
        raise bad_request(f"at most {MULTI_GET_LIMIT} conversation ids per request")
    found = [i for i in (emu.org.find(x.strip()) for x in dict.fromkeys(ids)) if i is not None]
    return JSONResponse(
        {"conversations": [docs.analytics_conversation(emu.org, emu.org.detail(i)) for i in found]}
    )


# --- conversations -------------------------------------------------------------------------------


async def conversation(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    d = conv_or_404(emu, request.path_params["conversationId"])
    return JSONResponse(docs.conversation(emu.org, d))


async def call_conversation(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    d = conv_or_404(emu, request.path_params["conversationId"])
    return JSONResponse(docs.call_conversation(emu.org, d))


def _live_party(d: CallDetail, participant_id: str) -> Party:
    p = next((x for x in d.all_parties if x.id == participant_id), None)
    if p is None:
        raise not_found(f"participant {participant_id}")
    if p.state != "connected" or p.end is not None:
        raise bad_request(f"participant {participant_id} is not connected (state {p.state})")
    return p


def _supervisor_joins(emu: Emulator, d: CallDetail, tok: Token, action: str, target: Party) -> None:
    if not tok.user_id:
        raise USER_CONTEXT
    if not d.live:
        raise bad_request(f"conversation {d.id} is not active")
    if any(p.user_id == tok.user_id and p.end is None for p in d.all_parties):
        raise ApiError(409, "conflict", "The user is already a participant in this conversation.")
    user = emu.org.user_by_id(tok.user_id)
    now = emu.now_ms()
    role = {"monitor": "monitor", "coach": "coach", "barge": "barge"}[action]
    party = Party(
        str(uuid.uuid4()),
        "user",
        user.name if user else "Supervisor",
        now,
        None,
        str(uuid.uuid4()),
        "outbound",
        user_id=tok.user_id,
        connected=now,
        state="connected",
        media_roles=[role],
        disconnect_type=None,
    )
    party.segments.append(
        Segment(
            {"monitor": "monitoring", "coach": "coaching", "barge": "barging"}[action], now, None
        )
    )
    if action == "monitor":
        party.monitored = target.id
    elif action == "coach":
        party.coached = target.id
    else:
        party.barged, party.barged_time = target.id, now
    d.extra_parties.append(party)


async def supervise(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    if not tok.user_id:
        raise USER_CONTEXT
    d = conv_or_404(emu, request.path_params["conversationId"])
    action = request.url.path.rsplit("/", 1)[1]
    target = _live_party(d, request.path_params["participantId"])
    _supervisor_joins(emu, d, tok, action, target)
    emu.publish_call(d)
    return Response(status_code=201)


async def barge_conversation(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    if not tok.user_id:
        raise USER_CONTEXT
    d = conv_or_404(emu, request.path_params["conversationId"])
    agents = [
        p
        for p in d.all_parties
        if p.purpose == "agent" and p.state == "connected" and p.end is None
    ]
    if not agents:
        raise bad_request("there is no connected agent to barge")
    _supervisor_joins(emu, d, tok, "barge", agents[0])
    emu.publish_call(d)
    return Response(status_code=201)


async def secure_ivr_create(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:

    if not tok.user_id:
        raise USER_CONTEXT
    d = conv_or_404(emu, request.path_params["conversationId"])
    target = _live_party(d, request.path_params["participantId"])
    body = await json_body(request)
    if not isinstance(body, dict) or not body.get("flowId"):
        raise bad_request("flowId is required")
    # "Create secure IVR session. Only a participant in the conversation can invoke a secure IVR."
    # (PY-SDK ConversationsApi.md, post_conversation_participant_secureivrsessions). The token's
    # user must be a connected participant of the call; sourceParticipantId ("requesting
    # participant", CreateSecureSession.md) may only name that user's own participant, never someone
    # else's. UNCONFIRMED: the status and code of the refusal (403 here).
    mine = [
        p
        for p in d.all_parties
        if p.user_id == tok.user_id and p.end is None and p.state == "connected"
    ]
    source = body.get("sourceParticipantId")
    me = next((p for p in mine if p.id == source), None) if source else (mine[0] if mine else None)
    if me is None:
        raise ApiError(
            403, "not.authorized", "Only a participant in the conversation can invoke a secure IVR."
        )
    flow_id = str(body["flowId"])
    session = {
        "id": str(uuid.uuid4()),
        "flow": {"id": flow_id, "selfUri": f"/api/v2/flows/{flow_id}"},
        "userData": str(body.get("userData") or ""),
        "state": "PENDING",
        "sourceParticipantId": me.id,
        "createdMs": emu.now_ms(),
        "disconnect": bool(body.get("disconnect", False)),
        "selfUri": f"/api/v2/conversations/{d.id}/participants/{target.id}/secureivrsessions",
    }
    session["selfUri"] += f"/{session['id']}"
    emu.secure_sessions.setdefault(f"{d.id}/{target.id}", []).append(session)
    return JSONResponse(_session_view(emu, session))


def _session_view(emu: Emulator, s: dict) -> dict:
    """A session as the API shows it: the flow finishes after secure_ivr_seconds."""
    out = {k: v for k, v in s.items() if k != "createdMs"}
    if emu.now_ms() - s["createdMs"] >= emu.s.secure_ivr_seconds * 1000:
        out["state"] = "COMPLETED"
    return out


async def call_participant_patch(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    """PATCH /api/v2/conversations/calls/{id}/participants/{id} with a MediaParticipantRequest:
    here only `state: disconnected` (how a supervisor leaves a call; "Possible values are:
    'connected' and 'disconnected'"). Needs conversation:communication:disconnect (any of the
    three the SDK lists). UNCONFIRMED: the status (202 here; the SDK returns nothing)."""

    d = conv_or_404(emu, request.path_params["conversationId"])
    pid = request.path_params["participantId"]
    party = next((p for p in d.all_parties if p.id == pid), None)
    if party is None:
        raise not_found(f"participant {pid}")
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("the body must be a MediaParticipantRequest object")
    state = body.get("state")
    if state not in (None, "connected", "disconnected"):
        raise bad_request(f"state must be connected or disconnected, got {state!r}")
    if state == "disconnected" and party.end is None:
        now = emu.now_ms()
        party.end, party.state, party.disconnect_type = now, "disconnected", "client"
        for seg in party.segments:
            if seg.end is None:
                seg.end = now
        emu.publish_call(d)
    return Response(status_code=202)


async def secure_ivr_list(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    d = conv_or_404(emu, request.path_params["conversationId"])
    sessions = emu.secure_sessions.get(f"{d.id}/{request.path_params['participantId']}", [])
    return JSONResponse({"entities": [_session_view(emu, s) for s in sessions]})


async def secure_ivr_get(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    d = conv_or_404(emu, request.path_params["conversationId"])
    for s in emu.secure_sessions.get(f"{d.id}/{request.path_params['participantId']}", []):
        if s["id"] == request.path_params["secureSessionId"]:
            return JSONResponse(_session_view(emu, s))
    raise not_found("secure session")


# --- speech and text analytics ---------------------------------------------------------------------


def _transcribed(emu: Emulator, request: Request) -> CallDetail:
    d = conv_or_404(emu, request.path_params["conversationId"])
    if request.path_params["communicationId"] != d.communication_id:
        raise not_found(f"communication {request.path_params['communicationId']}")
    if not d.transcribed:
        raise not_found(f"transcript for communication {d.communication_id}")
    return d


async def transcript_url(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    d = _transcribed(emu, request)
    url = emu.presign(f"/s3/transcripts/{d.id}/{d.communication_id}.json", emu.s.transcript_url_ttl)
    return JSONResponse({"url": url})


async def transcript_urls(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    d = _transcribed(emu, request)
    urls = [
        {
            "recording": {"id": r.id, "selfUri": f"/api/v2/conversations/{d.id}/recordings/{r.id}"},
            "url": emu.presign(
                f"/s3/transcripts/{d.id}/{d.communication_id}/{r.id}.json", emu.s.transcript_url_ttl
            ),
        }
        for r in d.recordings
    ]
    return JSONResponse(
        {
            "conversation": {"id": d.id, "selfUri": f"/api/v2/conversations/{d.id}"},
            "communicationId": d.communication_id,
            "urls": urls,
        }
    )


async def sta_conversation(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    d = conv_or_404(emu, request.path_params["conversationId"])
    if not d.transcribed:
        raise not_found(f"speech and text analytics for conversation {d.id}")
    scores = [p.sentiment for p in d.phrases if p.role == "customer" and p.sentiment]
    score = round(sum(scores) / len(scores), 3) if scores else 0.0
    half = len(scores) // 2
    trend = (
        (sum(scores[half:]) / max(1, len(scores) - half)) - (sum(scores[:half]) / max(1, half))
        if scores
        else 0.0
    )
    cls = "Improving" if trend > 0.2 else "Declining" if trend < -0.2 else "NoChange"
    return JSONResponse(
        {
            "conversation": {"id": d.id, "selfUri": f"/api/v2/conversations/{d.id}"},
            "sentimentScore": score,
            "sentimentTrend": round(trend, 3),
            "sentimentTrendClass": cls,
            "empathyScores": [],
            "participantMetrics": {},
        }
    )


C = "/api/v2/conversations/{conversationId}"
STA = "/api/v2/speechandtextanalytics/conversations/{conversationId}"
ROUTES = [
    (
        "POST",
        "/api/v2/analytics/conversations/details/query",
        details_query,
        "analytics.details.query",
    ),
    ("GET", "/api/v2/analytics/conversations/details", details_by_id, "analytics.details.get"),
    (
        "GET",
        "/api/v2/conversations/calls/{conversationId}",
        call_conversation,
        "conversations.calls.get",
    ),
    (
        "POST",
        "/api/v2/conversations/calls/{conversationId}/participants/{participantId}/monitor",
        supervise,
        "monitor",
    ),
    (
        "POST",
        "/api/v2/conversations/calls/{conversationId}/participants/{participantId}/coach",
        supervise,
        "coach",
    ),
    (
        "POST",
        "/api/v2/conversations/calls/{conversationId}/participants/{participantId}/barge",
        supervise,
        "barge",
    ),
    ("POST", C + "/barge", barge_conversation, "barge.conversation"),
    (
        "PATCH",
        "/api/v2/conversations/calls/{conversationId}/participants/{participantId}",
        call_participant_patch,
        "conversations.calls.participant.patch",
    ),
    (
        "POST",
        C + "/participants/{participantId}/secureivrsessions",
        secure_ivr_create,
        "secureivrsessions.create",
    ),
    (
        "GET",
        C + "/participants/{participantId}/secureivrsessions",
        secure_ivr_list,
        "secureivrsessions.list",
    ),
    (
        "GET",
        C + "/participants/{participantId}/secureivrsessions/{secureSessionId}",
        secure_ivr_get,
        "secureivrsessions.get",
    ),
    (
        "GET",
        STA + "/communications/{communicationId}/transcripturl",
        transcript_url,
        "transcripturl",
    ),
    (
        "GET",
        STA + "/communications/{communicationId}/transcripturls",
        transcript_urls,
        "transcripturls",
    ),
    ("GET", STA, sta_conversation, "sta.conversation"),
    ("GET", C, conversation, "conversations.get"),
]
