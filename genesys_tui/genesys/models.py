"""Typed models of the API objects we use. Unknown fields are ignored, missing optional fields are
None, JSON camelCase maps to snake_case attributes."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 from the API (always UTC, 'Z' or offset) to an aware datetime."""
    if not value or not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def iso(dt: datetime | None) -> str | None:
    """Aware datetime to the API's format: 2026-05-01T10:00:00.000Z."""
    if dt is None:
        return None
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _converter(hint: Any):
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _converter(inner[0]) if len(inner) == 1 else (lambda v: v)
    if origin is list:
        item = _converter(args[0])
        return lambda v: [item(x) for x in v] if isinstance(v, list) else []
    if origin is dict:
        val = _converter(args[1])
        return lambda v: {str(k): val(x) for k, x in v.items()} if isinstance(v, dict) else {}
    if hint is datetime:
        return parse_time
    if isinstance(hint, type) and is_dataclass(hint):
        return lambda v: from_api(hint, v) if isinstance(v, dict) else None
    if hint in (int, float):
        return lambda v: (
            hint(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
        )
    if hint is bool:
        return lambda v: v if isinstance(v, bool) else None
    if hint is str:
        return lambda v: v if isinstance(v, str) else (str(v) if v is not None else None)
    return lambda v: v


@cache
def _plan(cls: type) -> list[tuple[str, str, Any]]:
    hints = typing.get_type_hints(cls)
    return [
        (f.name, f.metadata.get("json", _camel(f.name)), _converter(hints[f.name]))
        for f in fields(cls)
        if not f.metadata.get("skip")
    ]


def from_api(cls: type[T], data: dict[str, Any]) -> T:
    kwargs = {}
    for attr, key, conv in _plan(cls):
        if key in data and data[key] is not None:
            kwargs[attr] = conv(data[key])
    return cls(**kwargs)


def _j(key: str) -> Any:
    return field(default=None, metadata={"json": key})


# --- shared ------------------------------------------------------------------------------------


@dataclass
class EntityRef:
    id: str | None = None
    name: str | None = None
    self_uri: str | None = None


@dataclass
class Organization:
    id: str | None = None
    name: str | None = None
    third_party_org_name: str | None = None
    domain: str | None = None


@dataclass
class OAuthClientRef:
    id: str | None = None
    name: str | None = None


@dataclass
class TokenInfo:
    organization: EntityRef | None = None
    home_organization: EntityRef | None = None
    authorized_scope: list[str] = field(default_factory=list)
    o_auth_client: OAuthClientRef | None = _j("OAuthClient")
    date_token_idles: datetime | None = None


@dataclass
class User:
    id: str | None = None
    name: str | None = None
    email: str | None = None
    username: str | None = None
    state: str | None = None
    division: EntityRef | None = None


@dataclass
class Queue:
    id: str | None = None
    name: str | None = None
    division: EntityRef | None = None


@dataclass
class WrapupCode:
    id: str | None = None
    name: str | None = None


# --- conversations -----------------------------------------------------------------------------


@dataclass
class Wrapup:
    code: str | None = None
    name: str | None = None
    notes: str | None = None
    tags: list[str] = field(default_factory=list)
    duration_seconds: int | None = None
    end_time: datetime | None = None


@dataclass
class Call:
    id: str | None = None  # the communicationId
    state: str | None = None
    initial_state: str | None = None
    direction: str | None = None
    recording: bool | None = None
    recording_state: str | None = None
    recording_id: str | None = None
    muted: bool | None = None
    confined: bool | None = None
    held: bool | None = None
    secure_pause: bool | None = None
    segments: list[dict[str, Any]] = field(default_factory=list)
    start_alerting_time: datetime | None = None
    connected_time: datetime | None = None
    disconnected_time: datetime | None = None
    disconnect_type: str | None = None
    provider: str | None = None
    peer_id: str | None = None


@dataclass
class Participant:
    id: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    connected_time: datetime | None = None
    name: str | None = None
    user_id: str | None = None
    queue_id: str | None = None
    queue_name: str | None = None
    purpose: str | None = None
    participant_type: str | None = None
    address: str | None = None
    ani: str | None = None
    dnis: str | None = None
    wrapup: Wrapup | None = None
    media_roles: list[str] = field(default_factory=list)
    monitored_participant_id: str | None = None
    coached_participant_id: str | None = None
    barged_participant_id: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)


@dataclass
class Conversation:
    id: str | None = None
    name: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    address: str | None = None
    participants: list[Participant] = field(default_factory=list)
    recording_state: str | None = None
    secure_pause: bool | None = None
    external_tag: str | None = None
    self_uri: str | None = None

    def customer_call_id(self) -> str | None:
        """The communicationId used by Speech & Text Analytics: the customer's (or external
        party's) call id, as the official voice-transcript tutorial finds it."""
        for purpose in ("customer", "external"):
            for p in self.participants:
                if p.purpose == purpose and p.calls:
                    return p.calls[0].id
        return None


@dataclass
class CallMediaParticipant:
    id: str | None = None
    name: str | None = None
    address: str | None = None
    start_time: datetime | None = None
    connected_time: datetime | None = None
    end_time: datetime | None = None
    start_hold_time: datetime | None = None
    purpose: str | None = None
    state: str | None = None
    direction: str | None = None
    disconnect_type: str | None = None
    held: bool | None = None
    muted: bool | None = None
    confined: bool | None = None
    recording: bool | None = None
    recording_state: str | None = None
    wrapup_required: bool | None = None
    user: EntityRef | None = None
    queue: EntityRef | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    ani: str | None = None
    dnis: str | None = None
    media_roles: list[str] = field(default_factory=list)
    monitored_participant_id: str | None = None
    coached_participant_id: str | None = None
    barged_participant_id: str | None = None
    barged_time: datetime | None = None
    wrapup: Wrapup | None = None


@dataclass
class CallConversation:
    id: str | None = None
    name: str | None = None
    participants: list[CallMediaParticipant] = field(default_factory=list)
    other_media_uris: list[str] = field(default_factory=list)
    recording_state: str | None = None
    secure_pause: bool | None = None
    max_participants: int | None = None
    self_uri: str | None = None


@dataclass
class SecureSession:
    id: str | None = None
    flow: EntityRef | None = None
    user_data: str | None = None
    state: str | None = None
    source_participant_id: str | None = None
    disconnect: bool | None = None
    self_uri: str | None = None


# --- recordings ----------------------------------------------------------------------------------


@dataclass
class Annotation:
    id: str | None = None
    name: str | None = None
    type: str | None = None
    location: int | None = None
    duration_ms: int | None = None
    absolute_location: int | None = None
    absolute_duration_ms: int | None = None
    recording_location: int | None = None
    recording_duration_ms: int | None = None
    realtime_location: int | None = None
    reason: str | None = None  # Hold, SecurePause, FlowOrQueue, Pause
    description: str | None = None


@dataclass
class MediaResult:
    media_uri: str | None = None
    waveform_data: list[float] = field(default_factory=list)


@dataclass
class Recording:
    id: str | None = None
    name: str | None = None
    conversation_id: str | None = None
    path: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    media: str | None = None
    media_subtype: str | None = None
    annotations: list[Annotation] = field(default_factory=list)
    file_state: str | None = None
    restore_expiration_time: datetime | None = None
    media_uris: dict[str, MediaResult] = field(default_factory=dict)
    estimated_transcode_time_ms: int | None = None
    actual_transcode_time_ms: int | None = None
    archive_date: datetime | None = None
    archive_medium: str | None = None
    delete_date: datetime | None = None
    export_date: datetime | None = None
    exported_date: datetime | None = None
    output_duration_ms: int | None = None
    output_size_in_bytes: int | None = None
    session_id: str | None = None
    recording_file_role: str | None = None
    original_recording_start_time: datetime | None = None
    creation_time: datetime | None = None
    self_uri: str | None = None

    def media_uri(self) -> str | None:
        """The first presigned URL; the meaning of mediaUris keys is undocumented, so iterate."""
        for result in self.media_uris.values():
            if result and result.media_uri:
                return result.media_uri
        return None

    @property
    def duration_ms(self) -> int | None:
        if self.output_duration_ms:
            return self.output_duration_ms
        if self.start_time and self.end_time:
            return int((self.end_time - self.start_time).total_seconds() * 1000)
        return None


@dataclass
class RecordingMetadata:
    id: str | None = None
    name: str | None = None
    conversation_id: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    media: str | None = None
    media_subtype: str | None = None
    annotations: list[Annotation] = field(default_factory=list)
    file_state: str | None = None
    restore_expiration_time: datetime | None = None
    archive_date: datetime | None = None
    session_id: str | None = None
    region: str | None = None
    self_uri: str | None = None


@dataclass
class BatchDownloadResult:
    conversation_id: str | None = None
    recording_id: str | None = None
    result_url: str | None = None
    content_type: str | None = None
    error_msg: str | None = None


@dataclass
class BatchDownloadJobStatus:
    id: str | None = None
    job_id: str | None = None
    expected_result_count: int | None = None
    result_count: int | None = None
    error_count: int | None = None
    status: str | None = None  # InProgress | Completed
    results: list[BatchDownloadResult] = field(default_factory=list)
    self_uri: str | None = None

    @property
    def done(self) -> bool:
        # Only `status` says so: expectedResultCount "could change as recordings are being
        # discovered", so resultCount reaching it proves nothing.
        return self.status == "Completed"


@dataclass
class RecordingJob:
    id: str | None = None
    state: str | None = None  # PENDING, READY, PROCESSING, FULFILLED, CANCELLED, FAILED
    recording_jobs_query: dict[str, Any] = field(default_factory=dict)
    date_created: datetime | None = None
    total_conversations: int | None = None
    total_recordings: int | None = None
    total_skipped_recordings: int | None = None
    total_failed_recordings: int | None = None
    total_processed_recordings: int | None = None
    percent_progress: int | None = None
    error_message: str | None = None
    failed_recordings: str | None = None
    user: EntityRef | None = None
    self_uri: str | None = None


@dataclass
class TranscriptUrl:
    url: str | None = None


@dataclass
class RecordingTranscriptUrl:
    recording: EntityRef | None = None
    url: str | None = None


@dataclass
class TranscriptUrls:
    conversation: EntityRef | None = None
    communication_id: str | None = None
    urls: list[RecordingTranscriptUrl] = field(default_factory=list)


# --- analytics -----------------------------------------------------------------------------------


@dataclass(slots=True)
class ParticipantSummary:
    participant_id: str
    purpose: str
    name: str | None = None
    user_id: str | None = None


@dataclass(slots=True)
class ConversationSummary:
    """The part of an analytics conversation that a browser row and a job need. Built by hand
    (not by from_api) because a 100,000-row list must stay fast and small."""

    conversation_id: str
    start: datetime
    end: datetime | None = None
    direction: str | None = None
    media_types: tuple[str, ...] = ()
    queue_ids: tuple[str, ...] = ()
    user_ids: tuple[str, ...] = ()
    ani: str | None = None
    dnis: str | None = None
    wrapup_codes: tuple[str, ...] = ()
    has_recording: bool = False
    division_ids: tuple[str, ...] = ()
    participants: tuple[ParticipantSummary, ...] = ()

    @property
    def duration_s(self) -> float | None:
        return (self.end - self.start).total_seconds() if self.end else None

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> ConversationSummary:
        queues: list[str] = []
        users: list[str] = []
        wrapups: list[str] = []
        medias: list[str] = []
        parts: list[ParticipantSummary] = []
        ani = dnis = None
        recording = False
        for p in d.get("participants") or ():
            purpose = p.get("purpose") or ""
            uid = p.get("userId")
            parts.append(
                ParticipantSummary(
                    p.get("participantId") or "", purpose, p.get("participantName"), uid
                )
            )
            if uid and purpose in ("agent", "user") and uid not in users:
                users.append(uid)
            for s in p.get("sessions") or ():
                mt = s.get("mediaType")
                if mt and mt not in medias:
                    medias.append(mt)
                if s.get("recording"):
                    recording = True
                if purpose in ("customer", "external") and ani is None:
                    ani, dnis = s.get("ani"), s.get("dnis")
                for seg in s.get("segments") or ():
                    q = seg.get("queueId")
                    if q and q not in queues:
                        queues.append(q)
                    w = seg.get("wrapUpCode")
                    if w and w not in wrapups:
                        wrapups.append(w)
        start = parse_time(d.get("conversationStart"))
        if start is None:
            raise ValueError(f"conversation {d.get('conversationId')} has no conversationStart")
        return cls(
            conversation_id=d["conversationId"],
            start=start,
            end=parse_time(d.get("conversationEnd")),
            direction=d.get("originatingDirection"),
            media_types=tuple(medias),
            queue_ids=tuple(queues),
            user_ids=tuple(users),
            ani=ani,
            dnis=dnis,
            wrapup_codes=tuple(wrapups),
            has_recording=recording,
            division_ids=tuple(d.get("divisionIds") or ()),
            participants=tuple(parts),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "conversationId": self.conversation_id,
            "conversationStart": iso(self.start),
            "conversationEnd": iso(self.end),
            "durationSeconds": self.duration_s,
            "originatingDirection": self.direction,
            "mediaTypes": list(self.media_types),
            "queueIds": list(self.queue_ids),
            "userIds": list(self.user_ids),
            "ani": self.ani,
            "dnis": self.dnis,
            "wrapUpCodes": list(self.wrapup_codes),
            "hasRecording": self.has_recording,
            "divisionIds": list(self.division_ids),
            "participants": [
                {
                    "participantId": p.participant_id,
                    "purpose": p.purpose,
                    "participantName": p.name,
                    "userId": p.user_id,
                }
                for p in self.participants
            ],
        }
