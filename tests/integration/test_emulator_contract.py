"""The emulator answers like the real API: paths, field names, status codes and headers, checked
against the reference (shared/reference/genesys-api.md) over real HTTP on 127.0.0.1."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.integration.helpers import Api, user_token

ENDPOINTS = Path(__file__).parents[1] / "data" / "genesys-endpoints.txt"

# Field names of the real models (reference sections 3-5, 7; PY-SDK model docs).
ERROR_BODY = {
    "message",
    "code",
    "status",
    "entityId",
    "entityName",
    "messageWithParams",
    "messageParams",
    "contextId",
    "details",
    "errors",
    "limit",
}
RECORDING = {
    "id",
    "name",
    "conversationId",
    "path",
    "startTime",
    "endTime",
    "media",
    "mediaSubtype",
    "mediaSubject",
    "annotations",
    "transcript",
    "emailTranscript",
    "messagingTranscript",
    "fileState",
    "restoreExpirationTime",
    "mediaUris",
    "estimatedTranscodeTimeMs",
    "actualTranscodeTimeMs",
    "archiveDate",
    "archiveMedium",
    "deleteDate",
    "exportDate",
    "exportedDate",
    "outputDurationMs",
    "outputSizeInBytes",
    "maxAllowedRestorationsForOrg",
    "remainingRestorationsAllowedForOrg",
    "sessionId",
    "users",
    "recordingFileRole",
    "recordingErrorStatus",
    "originalRecordingStartTime",
    "creationTime",
    "selfUri",
}
METADATA = (
    RECORDING
    - {
        "mediaUris",
        "outputDurationMs",
        "outputSizeInBytes",
        "estimatedTranscodeTimeMs",
        "actualTranscodeTimeMs",
        "transcript",
        "emailTranscript",
        "messagingTranscript",
        "users",
        "recordingFileRole",
        "recordingErrorStatus",
        "originalRecordingStartTime",
        "creationTime",
    }
) | {"region"}
ANNOTATION = {
    "id",
    "name",
    "type",
    "location",
    "durationMs",
    "absoluteLocation",
    "absoluteDurationMs",
    "recordingLocation",
    "recordingDurationMs",
    "realtimeLocation",
    "reason",
    "description",
    "user",
    "annotations",
    "selfUri",
}
ANALYTICS_CONV = {
    "conversationId",
    "conversationStart",
    "conversationEnd",
    "originatingDirection",
    "divisionIds",
    "externalTag",
    "mediaStatsMinConversationMos",
    "mediaStatsMinConversationRFactor",
    "conversationInitiator",
    "customerParticipation",
    "selfServed",
    "evaluations",
    "surveys",
    "resolutions",
    "participants",
}
ANALYTICS_PART = {
    "participantId",
    "participantName",
    "purpose",
    "userId",
    "teamId",
    "externalContactId",
    "externalOrganizationId",
    "flaggedReason",
    "screenRecording",
    "sessions",
    "attributes",
}
ANALYTICS_SESSION = {
    "sessionId",
    "mediaType",
    "direction",
    "ani",
    "dnis",
    "sessionDnis",
    "addressFrom",
    "addressTo",
    "remote",
    "edgeId",
    "protocolCallId",
    "provider",
    "recording",
    "peerId",
    "monitoredParticipantId",
    "coachedParticipantId",
    "bargedParticipantId",
    "mediaEndpointStats",
    "flow",
    "metrics",
    "segments",
}
SEGMENT = {
    "segmentStart",
    "segmentEnd",
    "segmentType",
    "queueId",
    "disconnectType",
    "wrapUpCode",
    "wrapUpNote",
    "wrapUpTags",
    "conference",
    "sipResponseCodes",
    "q850ResponseCodes",
    "properties",
}
CONVERSATION = {
    "id",
    "name",
    "externalTag",
    "startTime",
    "endTime",
    "address",
    "participants",
    "conversationIds",
    "maxParticipants",
    "recordingState",
    "divisions",
    "recentTransfers",
    "securePause",
    "utilizationLabelId",
    "inactivityTimeout",
    "selfUri",
}
CONV_PARTICIPANT = {
    "id",
    "startTime",
    "endTime",
    "connectedTime",
    "name",
    "userUri",
    "userId",
    "externalContactId",
    "queueId",
    "queueName",
    "groupId",
    "teamId",
    "purpose",
    "participantType",
    "address",
    "ani",
    "aniName",
    "dnis",
    "locale",
    "wrapupRequired",
    "wrapupPrompt",
    "wrapupTimeoutMs",
    "wrapupSkipped",
    "wrapup",
    "mediaRoles",
    "monitoredParticipantId",
    "coachedParticipantId",
    "bargedParticipantId",
    "attributes",
    "calls",
    "callbacks",
    "chats",
    "emails",
    "messages",
    "videos",
    "screenRecordingState",
    "startAcwTime",
    "endAcwTime",
}
CALL = {
    "id",
    "state",
    "initialState",
    "direction",
    "recording",
    "recordingState",
    "recordingId",
    "muted",
    "confined",
    "held",
    "securePause",
    "segments",
    "startAlertingTime",
    "connectedTime",
    "disconnectedTime",
    "disconnectType",
    "disconnectReasons",
    "self",
    "other",
    "provider",
    "peerId",
    "uuiData",
    "wrapup",
    "afterCallWork",
}
CALL_CONVERSATION = {
    "id",
    "name",
    "participants",
    "otherMediaUris",
    "recordingState",
    "securePause",
    "maxParticipants",
    "selfUri",
}
CALL_MEDIA_PARTICIPANT = {
    "id",
    "name",
    "address",
    "startTime",
    "connectedTime",
    "endTime",
    "startHoldTime",
    "purpose",
    "state",
    "direction",
    "disconnectType",
    "held",
    "wrapupRequired",
    "wrapupPrompt",
    "user",
    "queue",
    "team",
    "attributes",
    "errorInfo",
    "script",
    "wrapupTimeoutMs",
    "wrapupSkipped",
    "alertingTimeoutMs",
    "provider",
    "externalContact",
    "externalOrganization",
    "wrapup",
    "peer",
    "flaggedReason",
    "journeyContext",
    "conversationRoutingData",
    "startAcwTime",
    "endAcwTime",
    "muted",
    "confined",
    "recording",
    "recordingState",
    "group",
    "ani",
    "dnis",
    "documentId",
    "faxStatus",
    "monitoredParticipantId",
    "coachedParticipantId",
    "bargedParticipantId",
    "bargedTime",
    "consultParticipantId",
    "uuiData",
}
TRANSCRIPT = {
    "organizationId",
    "conversationId",
    "communicationId",
    "mediaType",
    "conversationStartTime",
    "startTime",
    "duration",
    "uri",
    "transcripts",
    "participants",
}
TRANSCRIPT_ITEM = {
    "transcriptId",
    "language",
    "programId",
    "engineId",
    "startTime",
    "duration",
    "phrases",
    "analytics",
    "subject",
    "messageType",
}
PHRASE = {
    "phraseIndex",
    "text",
    "decoratedText",
    "stability",
    "confidence",
    "offset",
    "startTimeMs",
    "duration",
    "words",
    "alternatives",
    "participantPurpose",
    "type",
}
WORD = {"word", "confidence", "startTimeMs", "duration", "offset"}
TRANSCRIPT_PARTICIPANT = {
    "participantPurpose",
    "userId",
    "teamId",
    "initialDirection",
    "queueId",
    "flowId",
    "flowVersion",
    "divisionId",
    "ani",
    "dnis",
    "to",
    "from",
    "startTimeMs",
    "endTimeMs",
}
BATCH_STATUS = {
    "id",
    "jobId",
    "expectedResultCount",
    "resultCount",
    "errorCount",
    "status",
    "results",
    "selfUri",
}
BATCH_RESULT = {"conversationId", "recordingId", "resultUrl", "contentType", "errorMsg"}
RECORDING_JOB = {
    "id",
    "state",
    "recordingJobsQuery",
    "dateCreated",
    "totalConversations",
    "totalRecordings",
    "totalSkippedRecordings",
    "totalFailedRecordings",
    "totalProcessedRecordings",
    "percentProgress",
    "errorMessage",
    "failedRecordings",
    "selfUri",
    "user",
}
SECURE_SESSION = {"id", "flow", "userData", "state", "sourceParticipantId", "disconnect", "selfUri"}
ENTITY_LISTING = {
    "entities",
    "pageSize",
    "pageNumber",
    "total",
    "pageCount",
    "firstUri",
    "nextUri",
    "previousUri",
    "lastUri",
    "selfUri",
}


def fields_ok(doc: dict, known: set[str], required: set[str] = frozenset()) -> None:
    extra = set(doc) - known
    assert not extra, f"fields the real API does not have: {sorted(extra)}"
    missing = set(required) - set(doc)
    assert not missing, f"missing fields: {sorted(missing)}"


def rate_headers_ok(r: httpx.Response) -> None:
    for h in (
        "inin-ratelimit-allowed",
        "inin-ratelimit-count",
        "inin-ratelimit-reset",
        "ININ-Correlation-Id",
    ):
        assert h in r.headers, f"{r.request.method} {r.request.url.path} lacks {h}"


def real_operations() -> set[tuple[str, str]]:
    ops = set()
    for line in ENDPOINTS.read_text().splitlines():
        m = re.match(r"^(GET|POST|PUT|PATCH|DELETE|HEAD) (\S+)", line)
        if m:
            ops.add((m.group(1), m.group(2)))
    return ops


def test_every_emulated_operation_exists_in_the_real_api(emulator):
    from genesys_tui.emulator import api_conversations, api_recordings

    real = {(m, re.sub(r"\{[^}]+\}", "{}", p)) for m, p in real_operations()}
    ours = [
        (m, re.sub(r"\{[^}]+\}", "{}", p))
        for m, p, _, _ in api_conversations.ROUTES + api_recordings.ROUTES
    ]
    assert len(real) > 3000
    missing = [op for op in ours if op not in real]
    assert not missing, f"invented operations: {missing}"


# --- OAuth ---------------------------------------------------------------------------------------


def test_client_credentials_token(emulator):
    s = emulator.emulator.s
    r = httpx.post(
        f"{emulator.base_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(s.client_id, s.client_secret),
    )
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer" and body["expires_in"] == s.token_ttl


def test_bad_client_secret(emulator):
    r = httpx.post(
        f"{emulator.base_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(emulator.emulator.s.client_id, "wrong"),
    )
    assert r.status_code == 401
    assert (
        set(r.json()) == {"error", "description", "error_description"}
        and r.json()["error"] == "invalid_client"
    )


def test_missing_and_bad_bearer_tokens_get_401_error_bodies(emulator):
    r = httpx.get(f"{emulator.base_url}/api/v2/organizations/me")
    assert r.status_code == 401 and r.json()["code"] == "authentication.required"
    fields_ok(r.json(), ERROR_BODY, {"message", "code", "status"})
    rate_headers_ok(r)
    r = httpx.get(
        f"{emulator.base_url}/api/v2/organizations/me", headers={"Authorization": "Bearer nope"}
    )
    assert r.status_code == 401 and r.json()["code"] == "bad.credentials"


def test_tokens_expire():
    from genesys_tui.emulator import EmulatorServer
    from tests.conftest import small_org

    with EmulatorServer(small_org(token_ttl=1, stepped_clock=True)) as srv:
        api = Api(srv)
        assert api.get("/api/v2/organizations/me").status_code == 200
        srv.advance(0.9)
        assert api.get("/api/v2/organizations/me").status_code == 200  # not yet
        srv.advance(0.2)
        r = api.get("/api/v2/organizations/me")
        assert r.status_code == 401 and r.json()["code"] == "bad.credentials"


def test_pkce_code_flow_and_refresh(emulator):
    tok = user_token(emulator)
    me = Api(emulator, tok).get("/api/v2/users/me")
    assert me.status_code == 200 and me.json()["name"] == "Sam Supervisor"


def test_pkce_wrong_verifier_is_refused(emulator):
    s = emulator.emulator.s
    r = httpx.get(
        f"{emulator.base_url}/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": s.pkce_client_id,
            "redirect_uri": s.redirect_uris[0],
            "state": "s",
            "code_challenge": "A" * 43,
            "code_challenge_method": "S256",
        },
    )
    code = httpx.URL(r.headers["location"]).params["code"]
    t = httpx.post(
        f"{emulator.base_url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": s.redirect_uris[0],
            "client_id": s.pkce_client_id,
            "code_verifier": "not-the-verifier",
        },
    )
    assert t.status_code == 400 and t.json()["error"] == "invalid_grant"


def test_authorize_refuses_non_loopback_redirects(emulator):
    r = httpx.get(
        f"{emulator.base_url}/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": emulator.emulator.s.pkce_client_id,
            "redirect_uri": "https://evil.example/cb",
            "state": "s",
            "code_challenge": "A" * 43,
            "code_challenge_method": "S256",
        },
    )
    assert r.status_code == 400


def test_users_me_needs_a_user_context(emulator):
    r = Api(emulator).get("/api/v2/users/me")
    assert r.status_code == 400 and "requires a user context" in r.json()["message"]


# --- paths that do not exist --------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/api/v2/media/conversations/abc/audio"),
        ("GET", "/api/v2/media/recordings/abc/download"),
        ("GET", "/api/v2/conversations/media/abc/transcripts"),
        ("POST", "/api/v2/conversations/voice/abc/participants/def/interactions"),
        ("GET", "/api/v2/recordings/jobs"),
        ("POST", "/api/v2/interactions/telephony/monitor"),
    ],
)
def test_invented_tutorial_endpoints_answer_404(emulator, method, path):
    r = Api(emulator).http.request(method, path)
    assert r.status_code == 404 and r.json()["code"] == "not.found"
    rate_headers_ok(r)


# --- analytics -----------------------------------------------------------------------------------

Q = "/api/v2/analytics/conversations/details/query"


def interval(emulator, days_back: int = 10) -> str:
    from datetime import timedelta

    a = emulator.emulator.s.anchor
    return f"{(a - timedelta(days=days_back)).isoformat().replace('+00:00', 'Z')}/{a.isoformat().replace('+00:00', 'Z')}"


def test_details_query_shape(emulator):
    r = Api(emulator).post(
        Q, {"interval": interval(emulator), "paging": {"pageSize": 50, "pageNumber": 1}}
    )
    assert r.status_code == 200
    rate_headers_ok(r)
    body = r.json()
    assert set(body) == {"conversations", "totalHits"} and len(body["conversations"]) == 50
    for c in body["conversations"]:
        fields_ok(
            c,
            ANALYTICS_CONV,
            {"conversationId", "conversationStart", "originatingDirection", "participants"},
        )
        for p in c["participants"]:
            fields_ok(p, ANALYTICS_PART, {"participantId", "purpose", "sessions"})
            for s in p["sessions"]:
                fields_ok(s, ANALYTICS_SESSION, {"sessionId", "mediaType", "segments"})
                for seg in s["segments"]:
                    fields_ok(seg, SEGMENT, {"segmentStart", "segmentType"})


def test_details_query_omits_conversations_when_empty(emulator):
    r = Api(emulator).post(Q, {"interval": "2001-01-01T00:00:00Z/2001-01-02T00:00:00Z"})
    assert r.status_code == 200 and r.json() == {"totalHits": 0}


@pytest.mark.parametrize(
    "body, message",
    [
        ({"interval": "2026-05-01/2026-04-01"}, "Invalid interval"),
        ({"interval": "yesterday"}, "Invalid interval"),
        (
            {"interval": "2026-05-01T00:00Z/2026-05-02T00:00Z", "paging": {"pageSize": 101}},
            "pageSize",
        ),
        (
            {
                "interval": "2026-05-01T00:00Z/2026-05-02T00:00Z",
                "paging": {"pageSize": 100, "pageNumber": 1001},
            },
            "Pagination may not exceed 100000 results.",
        ),
        (
            {
                "interval": "2026-05-01T00:00Z/2026-05-02T00:00Z",
                "segmentFilters": [
                    {"type": "and", "predicates": [{"dimension": "queueName", "value": "x"}]}
                ],
            },
            "Invalid segment dimension",
        ),
        ({"interval": "2026-05-01T00:00Z/2026-05-02T00:00Z", "order": "sideways"}, "order"),
    ],
)
def test_details_query_errors(emulator, body, message):
    r = Api(emulator).post(Q, body)
    assert r.status_code == 400 and message in r.json()["message"]
    fields_ok(r.json(), ERROR_BODY)


def test_malformed_json_is_400(emulator):
    r = Api(emulator).http.post(Q, content=b"{", headers={"Content-Type": "application/json"})
    assert r.status_code == 400


def test_interval_semantics_started_on_touched_day_and_active_in_interval(emulator):
    org = emulator.emulator.org
    # a one-hour window around a call in the middle of the org's history
    mid = int(org.start[len(org.start) // 2])
    day0 = mid // 86_400_000 * 86_400_000
    a = mid // 3_600_000 * 3_600_000
    b = a + 3_600_000
    from genesys_tui.emulator.documents import iso_ms

    got = set()
    page = 1
    while True:
        r = Api(emulator).post(
            Q,
            {
                "interval": f"{iso_ms(a)}/{iso_ms(b)}",
                "paging": {"pageSize": 100, "pageNumber": page},
            },
        )
        rows = r.json().get("conversations", [])
        got |= {c["conversationId"] for c in rows}
        if len(rows) < 100:
            break
        page += 1
    start, end, live = org.start, org.end, org.live
    expected = {
        org.ids[i]
        for i in range(len(org.ids))
        if start[i] // 86_400_000 == day0 // 86_400_000 and start[i] < b and (live[i] or end[i] > a)
    }
    assert got == expected and got
    # conversations that only started before the window (same day) but ran into it are included
    assert any(start[org.find(c)] < a for c in got) or all(start[org.find(c)] >= a for c in got)


def test_filters(emulator):
    org = emulator.emulator.org
    api = Api(emulator)
    q = org.queues[2]
    r = api.post(
        Q,
        {
            "interval": interval(emulator),
            "paging": {"pageSize": 100},
            "segmentFilters": [
                {
                    "type": "or",
                    "predicates": [
                        {
                            "type": "dimension",
                            "dimension": "queueId",
                            "operator": "matches",
                            "value": q.id,
                        }
                    ],
                }
            ],
        },
    )
    convs = r.json()["conversations"]
    assert convs and all(
        any(
            seg.get("queueId") == q.id
            for p in c["participants"]
            for s in p["sessions"]
            for seg in s["segments"]
        )
        for c in convs
    )
    live = api.post(
        Q,
        {
            "interval": interval(emulator, 1),
            "conversationFilters": [
                {
                    "type": "and",
                    "predicates": [{"dimension": "conversationEnd", "operator": "notExists"}],
                }
            ],
        },
    ).json()
    assert live["totalHits"] == org.s.live_calls
    assert all("conversationEnd" not in c for c in live["conversations"])
    out = api.post(
        Q,
        {
            "interval": interval(emulator),
            "paging": {"pageSize": 100},
            "conversationFilters": [
                {
                    "type": "and",
                    "predicates": [{"dimension": "originatingDirection", "value": "outbound"}],
                }
            ],
        },
    ).json()
    assert out["conversations"] and all(
        c["originatingDirection"] == "outbound" for c in out["conversations"]
    )


def test_numbers_match_exactly_as_analytics_stores_them(emulator):
    """ANI/DNIS are tel: URIs in analytics and a dimension predicate is an exact match: the same
    number typed as +digits or digits matches nothing."""
    org = emulator.emulator.org
    i = next(k for k in range(len(org.ids)) if not org.outbound[k] and not org.live[k])
    stored = org.ani(i)
    assert stored.startswith("tel:+")
    api = Api(emulator)

    def hits(value: str) -> set[str]:
        body = {
            "interval": interval(emulator),
            "paging": {"pageSize": 100},
            "segmentFilters": [
                {
                    "type": "or",
                    "predicates": [{"dimension": "ani", "operator": "matches", "value": value}],
                }
            ],
        }
        return {c["conversationId"] for c in api.post(Q, body).json().get("conversations", [])}

    assert org.ids[i] in hits(stored)
    assert (
        hits(stored.removeprefix("tel:")) == set() and hits(stored.removeprefix("tel:+")) == set()
    )


def test_multi_get_by_id(emulator):
    api = Api(emulator)
    org = emulator.emulator.org
    ids = [org.ids[0], "00000000-0000-4000-8000-000000000000", org.ids[1]]
    r = api.get("/api/v2/analytics/conversations/details", id=",".join(ids))
    assert (
        r.status_code == 200
        and [c["conversationId"] for c in r.json()["conversations"]] == ids[::2]
    )
    assert (
        api.get("/api/v2/analytics/conversations/details", id=",".join(org.ids[:101])).status_code
        == 400
    )


def test_order_desc_and_paging(emulator):
    api = Api(emulator)
    p1 = api.post(
        Q,
        {
            "interval": interval(emulator),
            "order": "desc",
            "paging": {"pageSize": 10, "pageNumber": 1},
        },
    ).json()
    p2 = api.post(
        Q,
        {
            "interval": interval(emulator),
            "order": "desc",
            "paging": {"pageSize": 10, "pageNumber": 2},
        },
    ).json()
    starts = [c["conversationStart"] for c in p1["conversations"] + p2["conversations"]]
    assert starts == sorted(starts, reverse=True) and len(set(starts)) == 20


# --- conversations -------------------------------------------------------------------------------


def recorded_conversation(
    emulator, *, pause=False, archived=False, transfer=False, transcribed=None, shortest=False
) -> str:
    """The first such conversation in the org, or the shortest (its audio is encoded soonest)."""
    org = emulator.emulator.org
    found = []
    for i in range(len(org.ids)):
        if org.live[i] or not org.recorded[i] or bool(org.archived[i]) != archived:
            continue
        if pause and not org.pause_ms[i]:
            continue
        if transfer and not org.transfer[i]:
            continue
        if transcribed is not None and bool(org.transcribed[i]) != transcribed:
            continue
        if not shortest:
            return org.ids[i]
        found.append((int(org.end[i] - org.start[i]), i))
    if not found:
        raise LookupError("no such conversation in the synthetic org")
    return org.ids[min(found)[1]]


def test_conversation_and_call_views(emulator):
    api = Api(emulator)
    cid = recorded_conversation(emulator)
    r = api.get(f"/api/v2/conversations/{cid}")
    assert r.status_code == 200
    rate_headers_ok(r)
    conv = r.json()
    fields_ok(conv, CONVERSATION, {"id", "startTime", "participants"})
    purposes = [p["purpose"] for p in conv["participants"]]
    assert "customer" in purposes or "external" in purposes
    for p in conv["participants"]:
        fields_ok(p, CONV_PARTICIPANT, {"id", "purpose", "calls"})
        for c in p["calls"]:
            fields_ok(c, CALL, {"id", "state"})
    call = api.get(f"/api/v2/conversations/calls/{cid}").json()
    fields_ok(call, CALL_CONVERSATION, {"id", "participants"})
    for p in call["participants"]:
        fields_ok(p, CALL_MEDIA_PARTICIPANT, {"id", "purpose", "state"})
    assert api.get("/api/v2/conversations/00000000-0000-4000-8000-000000000000").status_code == 404


# --- recordings ----------------------------------------------------------------------------------


def test_recordings_202_then_200_with_presigned_uris(fresh_emulator):
    api = Api(fresh_emulator)
    cid = recorded_conversation(fresh_emulator)
    first = api.get(f"/api/v2/conversations/{cid}/recordings", formatId="MP3", maxWaitMs=0)
    assert first.status_code == 202 and first.content == b""
    rate_headers_ok(first)
    r = api.until(
        lambda: api.get(f"/api/v2/conversations/{cid}/recordings", formatId="MP3", maxWaitMs=1000)
    )
    assert r.status_code == 200
    recs = r.json()
    assert isinstance(recs, list) and recs
    for rec in recs:
        fields_ok(
            rec,
            RECORDING,
            {
                "id",
                "conversationId",
                "startTime",
                "endTime",
                "mediaUris",
                "fileState",
                "outputSizeInBytes",
                "outputDurationMs",
                "sessionId",
            },
        )
        assert set(rec["mediaUris"]) == {"S"} and set(rec["mediaUris"]["S"]) <= {
            "mediaUri",
            "waveformData",
        }
        for an in rec["annotations"]:
            fields_ok(
                an, ANNOTATION, {"reason", "realtimeLocation", "recordingLocation", "durationMs"}
            )


def test_single_recording_202_has_a_recording_body(fresh_emulator):
    api = Api(fresh_emulator)
    cid = recorded_conversation(fresh_emulator)
    rid = fresh_emulator.emulator.org.detail(fresh_emulator.emulator.org.find(cid)).recordings[0].id
    r = api.get(f"/api/v2/conversations/{cid}/recordings/{rid}", formatId="OGG_VORBIS")
    assert r.status_code == 202 and r.json()["id"] == rid and "mediaUris" not in r.json()
    r = api.until(
        lambda: api.get(
            f"/api/v2/conversations/{cid}/recordings/{rid}",
            formatId="OGG_VORBIS",
            download="true",
            fileName="call.ogg",
        )
    )
    uri = r.json()["mediaUris"]["S"]["mediaUri"]
    media = httpx.get(uri)
    assert (
        media.status_code == 200 and 'filename="call.ogg"' in media.headers["content-disposition"]
    )
    assert (
        api.get(f"/api/v2/conversations/{cid}/recordings/{rid}", formatId="FLAC").status_code == 400
    )
    assert api.get(f"/api/v2/conversations/{cid}/recordings/nope").status_code == 404


@pytest.mark.parametrize("fmt", ["WAV", "WAV_ULAW", "OGG_VORBIS", "OGG_OPUS", "MP3", "WEBM"])
def test_every_format_decodes_to_the_advertised_duration_and_channels(emulator, fmt):
    import io

    import av
    import soundfile as sf

    api = Api(emulator)
    cid = recorded_conversation(emulator, pause=True, shortest=True)
    r = api.until(
        lambda: api.get(f"/api/v2/conversations/{cid}/recordings", formatId=fmt, maxWaitMs=5000)
    )
    rec = r.json()[0]
    data = httpx.get(rec["mediaUris"]["S"]["mediaUri"]).content
    assert len(data) == rec["outputSizeInBytes"]
    if fmt == "WEBM":
        with av.open(io.BytesIO(data)) as c:
            st = c.streams.audio[0]
            samples = sum(f.samples for f in c.decode(st))
            rate, channels = st.codec_context.sample_rate, st.codec_context.channels
    else:
        info = sf.info(io.BytesIO(data))
        samples, rate, channels = info.frames, info.samplerate, info.channels
    assert channels == 2
    assert abs(samples / rate * 1000 - rec["outputDurationMs"]) <= 1
    # the audio is the call minus its cut secure pauses
    from datetime import datetime

    def t(x):
        return datetime.fromisoformat(x.replace("Z", "+00:00"))

    wall = (t(rec["endTime"]) - t(rec["startTime"])).total_seconds() * 1000
    cut = sum(a["durationMs"] for a in rec["annotations"] if a["recordingDurationMs"] == 0)
    assert cut > 0 and abs(rec["outputDurationMs"] - (wall - cut)) <= 30


def test_recording_metadata_has_no_media(emulator):
    api = Api(emulator)
    cid = recorded_conversation(emulator)
    r = api.get(f"/api/v2/conversations/{cid}/recordingmetadata")
    assert r.status_code == 200 and r.json()
    for m in r.json():
        fields_ok(m, METADATA, {"id", "conversationId", "fileState", "sessionId"})
    one = api.get(f"/api/v2/conversations/{cid}/recordingmetadata/{r.json()[0]['id']}")
    assert one.status_code == 200 and one.json()["id"] == r.json()[0]["id"]


def test_archived_recordings_need_a_restore(fresh_emulator):
    api = Api(fresh_emulator)
    cid = recorded_conversation(fresh_emulator, archived=True)
    recs = api.get(f"/api/v2/conversations/{cid}/recordings", formatId="WAV").json()
    assert recs[0]["fileState"] == "ARCHIVED" and "mediaUris" not in recs[0]
    rid = recs[0]["id"]
    url = f"/api/v2/conversations/{cid}/recordings/{rid}"
    # A restore that would remove the deletion schedule (no deleteDate in the body) is refused.
    assert api.put(url, {"archiveDate": "2027-01-01T00:00:00Z"}).status_code == 400
    put = api.put(url, {"archiveDate": "2027-01-01T00:00:00Z", "deleteDate": recs[0]["deleteDate"]})
    assert put.status_code == 200 and put.json()["fileState"] == "RESTORING"
    assert put.json()["deleteDate"] == recs[0]["deleteDate"]
    r = api.until(
        lambda: (
            api.get(f"/api/v2/conversations/{cid}/recordings/{rid}", formatId="WAV")
            if api.get(f"/api/v2/conversations/{cid}/recordingmetadata/{rid}").json()["fileState"]
            == "RESTORED"
            else httpx.Response(202)
        )
    )
    r = api.until(lambda: api.get(f"/api/v2/conversations/{cid}/recordings/{rid}", formatId="WAV"))
    assert r.json()["fileState"] == "RESTORED" and r.json()["mediaUris"]["S"]["mediaUri"]


# --- presigned URLs ------------------------------------------------------------------------------


def media_uri(srv, fmt="WAV") -> str:
    api = Api(srv)
    cid = recorded_conversation(srv)
    return api.until(
        lambda: api.get(f"/api/v2/conversations/{cid}/recordings", formatId=fmt)
    ).json()[0]["mediaUris"]["S"]["mediaUri"]


def test_presigned_ranges(emulator):
    uri = media_uri(emulator)
    full = httpx.get(uri)
    assert full.status_code == 200 and full.headers["accept-ranges"] == "bytes"
    size = len(full.content)
    part = httpx.get(uri, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == full.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{size}"
    tail = httpx.get(uri, headers={"Range": "bytes=-50"})
    assert tail.content == full.content[-50:]
    rest = httpx.get(uri, headers={"Range": f"bytes={size - 10}-"})
    assert rest.content == full.content[-10:]
    bad = httpx.get(uri, headers={"Range": f"bytes={size}-"})
    assert bad.status_code == 416 and bad.headers["content-range"] == f"bytes */{size}"


def test_presigned_signature_is_checked(emulator):
    uri = media_uri(emulator)
    tampered = re.sub(r"X-Amz-Expires=\d+", "X-Amz-Expires=999999", uri)
    r = httpx.get(tampered)
    assert r.status_code == 403 and b"SignatureDoesNotMatch" in r.content
    assert httpx.get(uri.split("?")[0]).status_code == 403


def test_expired_presigned_url_is_403(fresh_emulator):
    httpx.put(f"{fresh_emulator.base_url}/__emulator/faults", json={"faults": "expire=1"})
    uri = media_uri(fresh_emulator)
    r = httpx.get(uri)
    assert r.status_code == 403 and b"Request has expired" in r.content


# --- batch downloads -----------------------------------------------------------------------------


def test_batch_requests(emulator):
    api = Api(emulator)
    org = emulator.emulator.org
    assert (
        api.post(
            "/api/v2/recording/batchrequests",
            {"batchDownloadRequestList": [{"conversationId": org.ids[0]}] * 101},
        ).status_code
        == 400
    )
    assert (
        api.post("/api/v2/recording/batchrequests", {"conversationIds": [org.ids[0]]}).status_code
        == 400
    )
    ok = recorded_conversation(emulator)
    archived = recorded_conversation(emulator, archived=True)
    r = api.post(
        "/api/v2/recording/batchrequests",
        {"batchDownloadRequestList": [{"conversationId": ok}, {"conversationId": archived}]},
    )
    assert r.status_code == 200 and set(r.json()) == {"id", "selfUri"}  # SWAGGER-2018: 200
    job = r.json()["id"]
    status = api.until(
        lambda: (lambda s: s if s["status"] == "Completed" else None)(
            api.get(f"/api/v2/recording/batchrequests/{job}").json()
        )
    )
    fields_ok(status, BATCH_STATUS, BATCH_STATUS)
    assert status["expectedResultCount"] == status["resultCount"] == len(status["results"])
    good = [x for x in status["results"] if "resultUrl" in x]
    bad = [x for x in status["results"] if "errorMsg" in x]
    assert good and bad and bad[0]["conversationId"] == archived
    for x in status["results"]:
        fields_ok(x, BATCH_RESULT)
    audio = httpx.get(good[0]["resultUrl"])
    assert (
        audio.status_code == 200
        and audio.content[:4] == b"OggS"
        and good[0]["contentType"] == "audio/opus"
    )


# --- bulk recording jobs -------------------------------------------------------------------------


def test_recording_jobs_lifecycle(fresh_emulator):
    api = Api(fresh_emulator)
    q = {
        "action": "EXPORT",
        "actionDate": "2026-05-14T00:00:00Z",
        "conversationQuery": {"interval": interval(fresh_emulator, 3)},
    }
    assert api.post("/api/v2/recording/jobs", q).status_code == 400  # EXPORT needs an integrationId
    q["integrationId"] = "11111111-2222-4333-8444-555555555555"
    created = api.post("/api/v2/recording/jobs", q)
    assert created.status_code == 202
    job = created.json()
    fields_ok(job, RECORDING_JOB, {"id", "state", "recordingJobsQuery"})
    assert job["state"] == "PENDING"
    second = api.post("/api/v2/recording/jobs", {**q, "includeRecordingsWithSensitiveData": True})
    second = second.json()
    third = api.post("/api/v2/recording/jobs", q)
    assert third.status_code == 400  # at most 2 pending or processing
    # recordings with sensitive data only when asked for ("default value = false")
    jobs, org = fresh_emulator.emulator.jobs, fresh_emulator.emulator.org
    sensitive = sum(bool(org.sensitive[i]) for i in jobs[second["id"]]["matched"])
    assert sensitive and not any(org.sensitive[i] for i in jobs[job["id"]]["matched"])
    assert jobs[second["id"]]["conversations"] - jobs[job["id"]]["conversations"] == sensitive
    ready = api.until(
        lambda: (lambda j: j if j["state"] == "READY" else None)(
            api.get(f"/api/v2/recording/jobs/{job['id']}").json()
        )
    )
    assert ready["totalRecordings"] > 0
    run = api.put(f"/api/v2/recording/jobs/{job['id']}", {"state": "PROCESSING"})
    assert run.status_code == 200 and run.json()["state"] == "PROCESSING"
    done = api.until(
        lambda: (lambda j: j if j["state"] == "FULFILLED" else None)(
            api.get(f"/api/v2/recording/jobs/{job['id']}").json()
        )
    )
    assert done["percentProgress"] == 100
    assert api.delete(f"/api/v2/recording/jobs/{second['id']}").status_code == 200
    assert api.get(f"/api/v2/recording/jobs/{second['id']}").json()["state"] == "CANCELLED"
    listing = api.get("/api/v2/recording/jobs", jobType="EXPORT").json()
    fields_ok(listing, ENTITY_LISTING, {"entities", "pageSize", "pageNumber", "total", "pageCount"})
    assert listing["total"] == 2


# --- transcripts ---------------------------------------------------------------------------------


def test_transcript_url_and_document(emulator):
    api = Api(emulator)
    cid = recorded_conversation(emulator, transcribed=True)
    conv = api.get(f"/api/v2/conversations/{cid}").json()
    comm = next(p for p in conv["participants"] if p["purpose"] in ("customer", "external"))[
        "calls"
    ][0]["id"]
    base = f"/api/v2/speechandtextanalytics/conversations/{cid}/communications/{comm}"
    r = api.get(base + "/transcripturl")
    assert r.status_code == 200 and set(r.json()) == {"url"}
    assert "X-Amz-Expires=600" in r.json()["url"]
    doc = httpx.get(r.json()["url"]).json()
    fields_ok(doc, TRANSCRIPT, TRANSCRIPT)
    assert doc["communicationId"] == comm and doc["mediaType"] == "call"
    purposes = {p["participantPurpose"] for p in doc["participants"]}
    assert {"customer", "agent"} <= purposes
    for p in doc["participants"]:
        fields_ok(p, TRANSCRIPT_PARTICIPANT, {"participantPurpose", "startTimeMs", "endTimeMs"})
    t = doc["transcripts"][0]
    fields_ok(t, TRANSCRIPT_ITEM, {"transcriptId", "language", "phrases"})
    for ph in t["phrases"]:
        fields_ok(ph, PHRASE, {"text", "startTimeMs", "duration", "participantPurpose", "words"})
        assert ph["participantPurpose"] in ("internal", "external")
        assert ph["startTimeMs"] > 1_500_000_000_000  # absolute epoch milliseconds
        for w in ph["words"]:
            fields_ok(w, WORD, {"word", "confidence", "startTimeMs", "duration"})
    urls = api.get(base + "/transcripturls").json()
    assert (
        set(urls) == {"conversation", "communicationId", "urls"}
        and urls["urls"][0]["recording"]["id"]
    )
    assert (
        api.get(
            f"/api/v2/speechandtextanalytics/conversations/{cid}/communications/{cid}/transcripturl"
        ).status_code
        == 404
    )


def test_no_transcript_is_404(emulator):
    api = Api(emulator)
    cid = recorded_conversation(emulator, transcribed=False)
    org = emulator.emulator.org
    comm = org.detail(org.find(cid)).communication_id
    r = api.get(
        f"/api/v2/speechandtextanalytics/conversations/{cid}/communications/{comm}/transcripturl"
    )
    assert r.status_code == 404 and r.json()["code"] == "not.found"


# --- supervisor actions --------------------------------------------------------------------------


def live_call(srv, consent: str | None = "true", connected: bool = True):
    org = srv.emulator.org
    for i in np.flatnonzero(org.live):
        d = org.detail(int(i))
        agent = next(p for p in d.parties if p.purpose == "agent")
        if (
            agent.attributes.get("supervision_consent") == consent
            and (agent.state == "connected") == connected
        ):
            return d, agent
    raise LookupError


def test_supervisor_actions_need_a_user(fresh_emulator):
    d, agent = live_call(fresh_emulator)
    r = Api(fresh_emulator).post(
        f"/api/v2/conversations/calls/{d.id}/participants/{agent.id}/monitor"
    )
    assert r.status_code == 400 and "user context" in r.json()["message"]


def test_monitor_coach_barge_change_the_call(fresh_emulator):
    api = Api(fresh_emulator, user_token(fresh_emulator))
    d, agent = live_call(fresh_emulator)
    r = api.post(f"/api/v2/conversations/calls/{d.id}/participants/{agent.id}/monitor")
    assert r.status_code == 201 and r.content == b""
    rate_headers_ok(r)
    call = api.get(f"/api/v2/conversations/calls/{d.id}").json()
    sup = [p for p in call["participants"] if p.get("monitoredParticipantId") == agent.id]
    assert len(sup) == 1 and sup[0]["state"] == "connected" and sup[0]["user"]["id"]
    conv = api.get(f"/api/v2/conversations/{d.id}").json()
    assert any(p.get("mediaRoles") == ["monitor"] for p in conv["participants"])
    # already on the call
    assert (
        api.post(f"/api/v2/conversations/calls/{d.id}/participants/{agent.id}/coach").status_code
        == 409
    )
    # the whole-conversation barge on another call
    d2, agent2 = live_call(fresh_emulator, consent="false")
    r = api.post(f"/api/v2/conversations/{d2.id}/barge")
    assert r.status_code == 201
    call2 = api.get(f"/api/v2/conversations/calls/{d2.id}").json()
    assert any(
        p.get("bargedParticipantId") == agent2.id and p.get("bargedTime")
        for p in call2["participants"]
    )


def test_cannot_supervise_a_participant_who_is_not_connected(fresh_emulator):
    api = Api(fresh_emulator, user_token(fresh_emulator))
    d, agent = live_call(fresh_emulator, consent="true", connected=False)
    r = api.post(f"/api/v2/conversations/calls/{d.id}/participants/{agent.id}/barge")
    assert r.status_code == 400


def test_secure_ivr_session_needs_a_participant(fresh_emulator):
    api = Api(fresh_emulator, user_token(fresh_emulator))
    d, agent = live_call(fresh_emulator)
    customer = d.parties[0]
    path = f"/api/v2/conversations/{d.id}/participants/{customer.id}/secureivrsessions"
    flow = "12345678-1234-4234-8234-123456789012"
    assert api.post(path, {"flowId": flow}).status_code == 403
    assert (
        api.post(f"/api/v2/conversations/calls/{d.id}/participants/{agent.id}/monitor").status_code
        == 201
    )
    r = api.post(path, {"flowId": flow, "userData": "notice=outage"})
    assert r.status_code == 200
    fields_ok(r.json(), SECURE_SESSION, {"id", "flow", "state"})
    assert r.json()["state"] == "PENDING"
    assert api.get(path).json()["entities"][0]["id"] == r.json()["id"]


def test_secure_ivr_on_an_agents_behalf_and_its_end(fresh_emulator):
    fresh_emulator.emulator.s.secure_ivr_seconds = 0.3
    api = Api(fresh_emulator, user_token(fresh_emulator))
    d, agent = live_call(fresh_emulator)
    customer = d.parties[0]
    path = f"/api/v2/conversations/{d.id}/participants/{customer.id}/secureivrsessions"
    flow = "12345678-1234-4234-8234-123456789012"
    # "Only a participant in the conversation can invoke a secure IVR": not on the call, refused,
    # even naming the agent as the source; on the call (monitoring), from their own participant.
    assert api.post(path, {"flowId": flow, "sourceParticipantId": agent.id}).status_code == 403
    assert (
        api.post(
            f"/api/v2/conversations/calls/{d.id}/participants/{agent.id}/monitor", {}
        ).status_code
        == 201
    )
    mine = next(p for p in d.extra_parties if p.end is None)
    assert (
        api.post(path, {"flowId": flow, "sourceParticipantId": agent.id}).status_code == 403
    )  # not theirs
    r = api.post(path, {"flowId": flow, "sourceParticipantId": mine.id})
    assert (
        r.status_code == 200
        and r.json()["sourceParticipantId"] == mine.id
        and r.json()["state"] == "PENDING"
    )
    flow = f"{path}/{r.json()['id']}"
    # the flow plays, then completes (no fixed wait: asked until it is no longer PENDING)
    state = api.until(lambda: (st := api.get(flow).json()["state"]) != "PENDING" and st)
    assert state == "COMPLETED"


# --- rate limits and faults ----------------------------------------------------------------------


def test_rate_limit_429_with_retry_after():
    from genesys_tui.emulator import EmulatorServer
    from tests.conftest import small_org

    with EmulatorServer(small_org(rate_limit_per_minute=5)) as srv:
        api = Api(srv)
        codes = [api.get("/api/v2/organizations/me") for _ in range(6)]
        assert [r.status_code for r in codes] == [200] * 5 + [429]
        last = codes[-1]
        assert (
            int(last.headers["Retry-After"]) >= 1
            and last.json()["code"] == "too.many.requests.retry.after"
        )
        assert (
            codes[4].headers["inin-ratelimit-count"] == "5"
            and codes[4].headers["inin-ratelimit-allowed"] == "5"
        )


def test_faults_can_be_set_at_run_time(fresh_emulator):
    base = fresh_emulator.base_url
    api = Api(fresh_emulator)
    assert httpx.put(f"{base}/__emulator/faults", json={"faults": "bogus=1"}).status_code == 400
    assert httpx.put(f"{base}/__emulator/faults", json={"faults": "503=1"}).status_code == 200
    assert api.get("/api/v2/organizations/me").status_code == 503
    httpx.put(f"{base}/__emulator/faults", json={"faults": "revoke=1"})
    assert api.get("/api/v2/organizations/me").status_code == 401
    httpx.put(f"{base}/__emulator/faults", json={"faults": ""})
    assert api.get("/api/v2/organizations/me").status_code == 401  # revoked stays revoked
    assert Api(fresh_emulator).get("/api/v2/organizations/me").status_code == 200
    state = httpx.get(f"{base}/__emulator/state").json()
    assert state["injected"]["503"] >= 1 and state["injected"]["revoke"] >= 1


def test_control_endpoint_is_off_by_default():
    from genesys_tui.emulator import EmulatorServer
    from tests.conftest import small_org

    with EmulatorServer(small_org(control=False)) as srv:
        assert httpx.get(f"{srv.base_url}/__emulator/state").status_code == 404


def test_media_faults_break_bodies(fresh_emulator):
    uri = media_uri(fresh_emulator)
    size = len(httpx.get(uri).content)
    httpx.put(f"{fresh_emulator.base_url}/__emulator/faults", json={"faults": "reset=1"})
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(uri)
    httpx.put(f"{fresh_emulator.base_url}/__emulator/faults", json={"faults": "truncate=1"})
    short = httpx.get(uri)
    assert short.status_code == 200 and 0 < len(short.content) < size  # looks fine, is not


def test_held_downloads_wait_until_released(fresh_emulator):
    """The test control that lets a test interrupt a client mid-run on any machine."""
    import threading

    srv = fresh_emulator
    uri = media_uri(srv)
    for bad in ({}, {"media_after": -1}, {"media_after": "x"}, [1]):
        assert httpx.post(srv.base_url + "/__emulator/hold", json=bad).status_code == 400, bad
    assert httpx.post(srv.base_url + "/__emulator/hold", json={"media_after": 1}).is_success
    assert httpx.get(uri).status_code == 200  # the first passes
    got: list[int] = []
    waiting = threading.Thread(target=lambda: got.append(httpx.get(uri, timeout=60).status_code))
    waiting.start()

    def held() -> int:
        return httpx.get(srv.base_url + "/__emulator/state").json()["stats"].get("s3.held", 0)

    deadline = time.monotonic() + 30
    while not held() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert held() == 1 and not got  # the second waits
    assert httpx.post(srv.base_url + "/__emulator/hold", json={"release": True}).is_success
    waiting.join(30)
    assert got == [200]
    assert httpx.get(uri).status_code == 200  # released: no hold any more
