"""Typed models of the API objects we use. Unknown fields are ignored, missing optional fields are
None, JSON camelCase maps to snake_case attributes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from genesys_tui.genesys import states as S
from genesys_tui.genesys.modelbase import api_field

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
    o_auth_client: OAuthClientRef | None = api_field("OAuthClient")
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
    user: EntityRef | None = None  # who made a bookmark


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
        return self.status == S.BATCH_COMPLETED


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
