"""Permissions: what each emulated operation needs, and what the demo org's client and supervisor
hold. The table is the official Python SDK's docs (PY-SDK 257.1.0, build/docs/*Api.md, "Requires ANY
permissions" / "Requires ALL permissions" under each "Wraps METHOD PATH"), for the routes the
emulator serves; an operation that "Requires no permissions" is absent. `--deny-permission NAME`
takes NAME away, so a half-configured org can be tried; the refusal is the real 403 body
(`missing.any.permissions` / `missing.permissions`, with the names in messageParams)."""

from __future__ import annotations

from typing import Any

from genesys_tui.emulator.notifications import TOPIC_PERMISSIONS

VIEW_RECORDINGS = (
    "recording:recordingSegment:view",
    "recording:snippetRecording:view",
    "recording:screenRecording:view",
)

REQUIRED: dict[str, tuple[str, tuple[str, ...]]] = {
    "routing.queues": ("any", ("routing:queue:view",)),
    "routing.wrapupcodes": ("all", ("routing:wrapupCode:view",)),
    "analytics.details.query": (
        "any",
        ("analytics:conversationDetail:view", "analytics:agentConversationDetail:view"),
    ),
    "analytics.details.get": (
        "any",
        ("analytics:conversationDetail:view", "analytics:agentConversationDetail:view"),
    ),
    # Async details jobs (addendum 5, SDK257): the four job operations take either permission;
    # /jobs/availability takes conversationDetail only.
    **{
        name: (
            "any",
            ("analytics:conversationDetail:view", "analytics:agentConversationDetail:view"),
        )
        for name in (
            "analytics.jobs.create",
            "analytics.jobs.get",
            "analytics.jobs.results",
            "analytics.jobs.delete",
        )
    },
    "analytics.jobs.availability": ("any", ("analytics:conversationDetail:view",)),
    # The floor (AnalyticsApi.md, SDK 257.1.0)
    "analytics.queues.observations": ("any", ("analytics:queueObservation:view",)),
    "analytics.users.observations": ("any", ("analytics:userObservation:view",)),
    "analytics.conversations.aggregates": ("any", ("analytics:conversationAggregate:view",)),
    "monitor": ("any", ("conversation:call:monitor",)),
    "coach": ("any", ("conversation:call:coach",)),
    "barge": ("any", ("conversation:call:barge",)),
    "barge.conversation": ("any", ("conversation:call:barge",)),
    "conversations.calls.participant.patch": (
        "any",
        (
            "conversation:participant:wrapup",
            "conversation:call:record",
            "conversation:communication:disconnect",
        ),
    ),
    "transcripturl": ("all", ("recording:recording:view", "speechAndTextAnalytics:data:view")),
    "transcripturls": ("any", ("recording:recording:view", "recording:recordingSegment:view")),
    "sta.conversation": ("all", ("recording:recording:view", "speechAndTextAnalytics:data:view")),
    "conversations.get": ("any", ("conversation:communication:view",)),
    "recordings.list": (
        "any",
        (
            "recording:recording:view",
            "recording:recordingSegment:view",
            "recording:snippetRecording:view",
            "recording:screenRecording:view",
        ),
    ),
    "recordings.get": (
        "any",
        (
            "recording:recording:view",
            "recording:recordingSegment:view",
            "recording:snippetRecording:view",
            "recording:screenRecording:view",
        ),
    ),
    "recordings.put": (
        "any",
        (
            "recording:recording:view",
            "recording:recording:editRetention",
            "recording:recording:restore",
            "recording:screenRecording:view",
            "recording:screenRecording:editRetention",
            "recording:screenRecording:restore",
            "recording:snippetRecording:view",
            "recording:snippetRecording:editRetention",
            "recording:snippetRecording:restore",
        ),
    ),
    "recordingmetadata.list": (
        "any",
        (
            "recording:recording:view",
            "recording:recordingSegment:view",
            "recording:snippetRecording:view",
            "recording:screenRecording:view",
        ),
    ),
    "recordingmetadata.get": (
        "any",
        (
            "recording:recording:view",
            "recording:recordingSegment:view",
            "recording:snippetRecording:view",
            "recording:screenRecording:view",
        ),
    ),
    "batchrequests.create": (
        "any",
        (
            "recording:recording:view",
            "recording:recordingSegment:view",
            "recording:snippetRecording:view",
            "recording:screenRecording:view",
        ),
    ),
    "recording.jobs.list": ("all", ("recording:job:view",)),
    "recording.jobs.create": ("all", ("recording:job:add",)),
    "recording.jobs.get": ("all", ("recording:job:view",)),
    "recording.jobs.put": (
        "all",
        (
            "recording:job:edit",
            "recording:recording:editRetention",
            "recording:screenRecording:editRetention",
            "recording:snippetRecording:editRetention",
        ),
    ),
    "recording.jobs.delete": ("all", ("recording:job:delete",)),
    "recording.jobs.failed": ("all", ("recording:job:view",)),
    "integrations.list": ("any", ("integrations:integration:view",)),  # addendum 6 (SDK257)
    "transcripts.search": (  # addendum 2 (SDK257)
        "any",
        (
            "analytics:conversationDetail:view",
            "recording:recording:view",
            "recording:recordingSegment:view",
        ),
    ),
    # Recording annotations (addendum 3, SDK257): any of these; recording:recording:view is in
    # every list, the writes' too (RecordingApi.md post/put/delete_conversation_recording_annotation).
    **{
        name: ("any", (*extra, "recording:recording:view", *VIEW_RECORDINGS))
        for name, extra in (
            ("annotations.list", ("recording:annotation:view",)),
            ("annotations.get", ("recording:annotation:view",)),
            ("annotations.post", ("recording:annotation:add", "recording:annotation:edit")),
            ("annotations.put", ("recording:annotation:edit", "recording:annotation:add")),
            ("annotations.delete", ("recording:annotation:delete",)),
        )
    },
    "recording.orphans.list": ("any", ("recording:orphan:view",)),  # RecordingApi.md (SDK257)
    # Quality (addendum 4.1, SDK257); the scoring call needs none.
    "quality.forms.list": ("any", ("quality:evaluationForm:view",)),
    "quality.forms.get": ("any", ("quality:evaluationForm:view",)),
    "quality.evaluations.post": ("any", ("quality:evaluation:add",)),
    "quality.evaluations.get": (
        "any",
        ("quality:evaluation:view", "quality:evaluation:assign", "quality:evaluation:release"),
    ),
    "quality.evaluations.query": ("any", ("quality:evaluation:view",)),
}

# Rules inside an operation (RecordingApi.md, put_conversation_recording): "view ... is always
# required; editRetention is required when updating retention dates except for restoration;
# restore is required when restoring an archived recording."
RESTORE = "recording:recording:restore"
EDIT_RETENTION = "recording:recording:editRetention"
# post_recording_jobs: "the recording:recording:viewSensitiveData permission is required to access
# recordings with PCI DSS and/or PII data ... If the requester does not have that permission and
# includeRecordingsWithSensitiveData is set to true, then their request will be rejected."
VIEW_SENSITIVE = "recording:recording:viewSensitiveData"

# The demo org's OAuth clients and supervisor hold every permission the table names, plus the
# ones inside operations: a fully configured org. Deny some to see what is missing.
ALL_PERMISSIONS: frozenset[str] = frozenset(p for _, perms in REQUIRED.values() for p in perms) | {
    *TOPIC_PERMISSIONS,
    RESTORE,
    VIEW_SENSITIVE,
}


def missing(granted: frozenset[str], name: str) -> tuple[str, tuple[str, ...]] | None:
    """(kind, the permissions that would allow it) when `granted` does not allow operation `name`."""
    rule = REQUIRED.get(name)
    if rule is None:
        return None
    kind, perms = rule
    if kind == "all":
        lacking = tuple(p for p in perms if p not in granted)
        return ("all", lacking) if lacking else None
    return None if granted & set(perms) else ("any", perms)


def error_fields(kind: str, perms: tuple[str, ...]) -> dict[str, Any]:
    """The ErrorBody of a permission refusal (its message texts as practitioners' clients quote them)."""
    listed = "[" + ", ".join(perms) + "]"
    if kind == "any":
        return {
            "code": "missing.any.permissions",
            "message": f"Unable to perform the requested action. You must have at least one of the following "
            f"permissions assigned: {listed}",
            "messageWithParams": "Unable to perform the requested action. You must have at least one of the "
            "following permissions assigned: {permissions}",
            "messageParams": {"permissions": listed},
        }
    return {
        "code": "missing.permissions",
        "message": f"Unable to perform the requested action. You are missing the following permission(s): {listed}",
        "messageWithParams": "Unable to perform the requested action. You are missing the following "
        "permission(s): {permissions}",
        "messageParams": {"permissions": listed},
    }
