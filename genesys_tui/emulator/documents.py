"""JSON documents in the real API's shapes, built from a CallDetail."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from genesys_tui.emulator.call_model import CallDetail, Party, RecordingInfo
from genesys_tui.emulator.ids import make_uuid

if TYPE_CHECKING:
    from genesys_tui.emulator.org import Org


def iso_ms(ms: int | None) -> str | None:
    if ms is None:
        return None
    dt = datetime.fromtimestamp(ms / 1000, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def error_body(
    status: int, code: str, message: str, correlation_id: str, **extra: Any
) -> dict[str, Any]:
    """The normalized ErrorBody."""
    return {
        "message": message,
        "code": code,
        "status": status,
        "contextId": correlation_id,
        "details": [],
        "errors": [],
        **extra,
    }


def drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


# --- analytics ---------------------------------------------------------------------------------


def analytics_conversation(org: Org, d: CallDetail, *, attributes: bool = False) -> dict[str, Any]:
    """AnalyticsConversationWithoutAttributes; with `attributes`, an async job's
    AnalyticsConversation, whose participants carry their attributes (addendum 5)."""
    participants = []
    for p in d.all_parties:
        session = drop_none(
            {
                "sessionId": p.call_id,
                "mediaType": "voice",
                "direction": p.direction,
                "ani": d.ani,
                "dnis": d.dnis,
                "provider": "Edge",
                "peerId": None if p.purpose == "customer" else d.communication_id,
                "recording": bool(d.recordings or (d.live and org.recorded[d.index])) or None,
                "flow": p.flow,
                "monitoredParticipantId": p.monitored,
                "coachedParticipantId": p.coached,
                "bargedParticipantId": p.barged,
                "segments": [
                    drop_none(
                        {
                            "segmentStart": iso_ms(s.start),
                            "segmentEnd": iso_ms(s.end),
                            "segmentType": s.type,
                            "queueId": s.queue_id,
                            "wrapUpCode": s.wrapup_code,
                            "disconnectType": s.disconnect_type,
                        }
                    )
                    for s in p.segments
                ],
            }
        )
        participants.append(
            drop_none(
                {
                    "participantId": p.id,
                    "participantName": p.name,
                    "purpose": p.purpose,
                    "userId": p.user_id,
                    "attributes": dict(p.attributes) if attributes and p.attributes else None,
                    "sessions": [session],
                }
            )
        )
    return drop_none(
        {
            "conversationId": d.id,
            "conversationStart": iso_ms(d.start),
            "conversationEnd": iso_ms(d.end),
            "originatingDirection": "outbound" if d.outbound else "inbound",
            "divisionIds": [d.division_id],
            "conversationInitiator": "agent" if d.outbound else "customer",
            "customerParticipation": True,
            "mediaStatsMinConversationMos": round(3.9 + (d.key % 7) * 0.08, 2),
            "participants": participants,
        }
    )


# --- conversations -----------------------------------------------------------------------------


def _call_state(p: Party, d: CallDetail) -> str:
    if d.live and p.end is None:
        return p.state
    return "disconnected" if p.end is not None or not d.live else p.state


def _entity(kind: str, id_: str | None, name: str | None = None) -> dict[str, Any] | None:
    if not id_:
        return None
    return drop_none({"id": id_, "name": name, "selfUri": f"/api/v2/{kind}/{id_}"})


def conversation(org: Org, d: CallDetail) -> dict[str, Any]:
    parts = []
    for p in d.all_parties:
        state = _call_state(p, d)
        queue = next((q for q in org.queues if q.id == p.queue_id), None)
        call = drop_none(
            {
                "id": p.call_id,
                "state": state,
                "initialState": "alerting" if p.purpose == "agent" else "offering",
                "direction": p.direction,
                "recording": bool(d.recordings) or d.live,
                "recordingState": ("paused" if d.secure_pause else "active") if d.live else "none",
                "recordingId": d.recordings[0].id
                if d.recordings and p.purpose in ("customer", "external")
                else None,
                "muted": False,
                "confined": False,
                "held": p.held,
                "securePause": d.secure_pause if d.live else None,
                "segments": [
                    drop_none(
                        {
                            "startTime": iso_ms(s.start),
                            "endTime": iso_ms(s.end),
                            "type": s.type,
                            "disconnectType": s.disconnect_type,
                        }
                    )
                    for s in p.segments
                ],
                "connectedTime": iso_ms(p.connected or p.start),
                "disconnectedTime": iso_ms(p.end),
                "disconnectType": p.disconnect_type if p.end else None,
                "provider": "Edge",
                "self": {"addressNormalized": d.dnis if p.purpose != "customer" else d.ani},
                "other": {"addressNormalized": d.ani if p.purpose != "customer" else d.dnis},
            }
        )
        parts.append(
            drop_none(
                {
                    "id": p.id,
                    "startTime": iso_ms(p.start),
                    "endTime": iso_ms(p.end),
                    "connectedTime": iso_ms(p.connected or p.start),
                    "name": p.name,
                    "userId": p.user_id,
                    "queueId": p.queue_id,
                    "queueName": queue.name if queue else None,
                    "purpose": p.purpose,
                    "participantType": "External"
                    if p.purpose in ("customer", "external")
                    else "Internal",
                    "address": d.ani if p.purpose in ("customer", "external") else d.dnis,
                    "ani": d.ani,
                    "dnis": d.dnis,
                    "wrapup": drop_none(
                        {"code": p.wrapup_code, "name": _wrapup_name(org, p.wrapup_code)}
                    )
                    if p.wrapup_code
                    else None,
                    "mediaRoles": p.media_roles or None,
                    "monitoredParticipantId": p.monitored,
                    "coachedParticipantId": p.coached,
                    "bargedParticipantId": p.barged,
                    "attributes": dict(p.attributes),
                    "calls": [call],
                }
            )
        )
    return drop_none(
        {
            "id": d.id,
            "startTime": iso_ms(d.start),
            "endTime": iso_ms(d.end),
            "address": d.dnis,
            "participants": parts,
            "recordingState": ("PAUSED" if d.secure_pause else "ACTIVE") if d.live else "NONE",
            "securePause": d.secure_pause,
            "maxParticipants": 10,
            "divisions": [
                {
                    "division": {
                        "id": d.division_id,
                        "selfUri": f"/api/v2/authorization/divisions/{d.division_id}",
                    },
                    "entities": [{"id": d.id, "selfUri": f"/api/v2/conversations/{d.id}"}],
                }
            ],
            "selfUri": f"/api/v2/conversations/{d.id}",
        }
    )


def call_conversation(org: Org, d: CallDetail) -> dict[str, Any]:
    parts = []
    for p in d.all_parties:
        queue = next((q for q in org.queues if q.id == p.queue_id), None)
        user = org.user_by_id(p.user_id) if p.user_id else None
        parts.append(
            drop_none(
                {
                    "id": p.id,
                    "name": p.name,
                    "address": d.ani if p.purpose in ("customer", "external") else d.dnis,
                    "startTime": iso_ms(p.start),
                    "connectedTime": iso_ms(p.connected) if p.connected else None,
                    "endTime": iso_ms(p.end),
                    "purpose": p.purpose,
                    "state": _call_state(p, d),
                    "direction": p.direction,
                    "disconnectType": p.disconnect_type if p.end else None,
                    "held": p.held,
                    "startHoldTime": iso_ms(
                        next(
                            (g.start for g in p.segments if g.type == "hold" and g.end is None),
                            None,
                        )
                    )
                    if p.held
                    else None,
                    "wrapupRequired": p.purpose == "agent",
                    "user": _entity("users", p.user_id, user.name if user else None),
                    "queue": _entity("routing/queues", p.queue_id, queue.name if queue else None),
                    "attributes": dict(p.attributes),
                    "muted": False,
                    "confined": False,
                    "recording": bool(d.recordings) or d.live,
                    "recordingState": ("paused" if d.secure_pause else "active")
                    if d.live
                    else "none",
                    "ani": d.ani,
                    "dnis": d.dnis,
                    "mediaRoles": p.media_roles or None,
                    "monitoredParticipantId": p.monitored,
                    "coachedParticipantId": p.coached,
                    "bargedParticipantId": p.barged,
                    "bargedTime": iso_ms(p.barged_time),
                    "wrapup": drop_none(
                        {"code": p.wrapup_code, "name": _wrapup_name(org, p.wrapup_code)}
                    )
                    if p.wrapup_code
                    else None,
                }
            )
        )
    return drop_none(
        {
            "id": d.id,
            "participants": parts,
            "otherMediaUris": [],
            # CallConversation.recordingState is lower case (none/active/paused), unlike Conversation's
            "recordingState": ("paused" if d.secure_pause else "active") if d.live else "none",
            "securePause": d.secure_pause,
            "maxParticipants": 10,
            "selfUri": f"/api/v2/conversations/calls/{d.id}",
        }
    )


def queue_call_event(org: Org, d: CallDetail) -> dict[str, Any]:
    """The eventBody of `v2.routing.queues.{id}.conversations.calls`: the whole call, each
    participant's call flattened onto it as in CallConversation (addendum 1.4,
    QueueConversationCallEventTopicCallConversation); user and queue are {id, name}."""
    doc = call_conversation(org, d)
    for p in doc["participants"]:
        for k in ("user", "queue"):
            if k in p:
                p[k] = {x: v for x, v in p[k].items() if x != "selfUri"}
    doc.pop("selfUri", None)
    doc.pop("otherMediaUris", None)
    doc["divisions"] = [{"division": {"id": d.division_id}, "entities": [{"id": d.id}]}]
    return doc


def _wrapup_name(org: Org, code: str | None) -> str | None:
    return next((n for i, n in org.wrapups if i == code), None)


# --- recordings --------------------------------------------------------------------------------


def annotations(rec: RecordingInfo) -> list[dict[str, Any]]:
    """The system's annotations. Their ids as the SDK's Annotation model documents them
    (Annotation.md, 257.1.0): "All pause annotations on a recording will share an ID value, ...
    and hold annotations will have randomly generated UUIDs (i.e. the ID will change at each
    request)"."""
    out = []
    cut_before = all_before = 0
    pause_id = make_uuid(0, "annotation", rec.id, "pauses")
    for p in sorted(rec.pauses, key=lambda x: x.start):
        wall = p.start - rec.start
        out.append(
            {
                "id": str(uuid.uuid4()) if p.reason == "Hold" else pause_id,
                "name": "Secure Pause" if p.cut else "Hold",
                "type": "Pause",
                "reason": p.reason,
                "location": wall - all_before,
                "durationMs": p.dur,
                "absoluteLocation": wall - all_before,
                "absoluteDurationMs": p.dur,
                "recordingLocation": wall - cut_before,
                "recordingDurationMs": 0 if p.cut else p.dur,
                "realtimeLocation": wall,
            }
        )
        all_before += p.dur
        if p.cut:
            cut_before += p.dur
    return out


def default_delete_ms(rec: RecordingInfo) -> int:
    return rec.end + 365 * 86_400_000


def recording_metadata(
    org: Org, d: CallDetail, rec: RecordingInfo, file_state: str, *, delete_ms: int | None = None
) -> dict[str, Any]:
    """RecordingMetadata: "Does not return playable media nor system annotations" (RecordingApi.md,
    get_conversation_recordingmetadata), so no pause or hold annotations here; people's bookmarks
    are added by the API (api_recordings), as the permissions allow."""
    return drop_none(
        {
            "id": rec.id,
            "conversationId": d.id,
            "startTime": iso_ms(rec.start),
            "endTime": iso_ms(rec.end),
            "media": "audio",
            "mediaSubtype": "Trunk",
            "annotations": [],
            "fileState": file_state,
            "archiveDate": iso_ms(rec.end + 30 * 86_400_000),
            "archiveMedium": "CLOUDARCHIVE" if file_state == "ARCHIVED" else None,
            "deleteDate": iso_ms(delete_ms),
            "sessionId": d.communication_id,
            "region": "us-east-1",
            "maxAllowedRestorationsForOrg": 10000,
            "remainingRestorationsAllowedForOrg": 10000,
            "selfUri": f"/api/v2/conversations/{d.id}/recordingmetadata/{rec.id}",
        }
    )


def recording(
    org: Org,
    d: CallDetail,
    rec: RecordingInfo,
    file_state: str,
    *,
    media_uri: str | None = None,
    size: int | None = None,
    duration_ms: int | None = None,
    transcode_ms: int | None = None,
    restore_expiration: int | None = None,
    delete_ms: int | None = None,
) -> dict[str, Any]:
    doc = recording_metadata(org, d, rec, file_state, delete_ms=delete_ms)
    doc.pop("region", None)
    doc["annotations"] = annotations(rec)  # the recordings GET carries the system annotations
    users = [
        {"id": p.user_id, "selfUri": f"/api/v2/users/{p.user_id}"}
        for p in d.parties
        if p.purpose == "agent" and p.user_id
    ]
    doc.update(
        drop_none(
            {
                "mediaUris": {"S": {"mediaUri": media_uri}} if media_uri else None,
                "outputSizeInBytes": size,
                "outputDurationMs": duration_ms,
                "estimatedTranscodeTimeMs": transcode_ms,
                "actualTranscodeTimeMs": transcode_ms if media_uri else None,
                "recordingFileRole": "CUSTOMER_EXPERIENCE",
                "originalRecordingStartTime": iso_ms(rec.start),
                "creationTime": iso_ms(rec.end + 2000),
                "users": users or None,
                "restoreExpirationTime": iso_ms(restore_expiration),
                "selfUri": f"/api/v2/conversations/{d.id}/recordings/{rec.id}",
            }
        )
    )
    return doc
