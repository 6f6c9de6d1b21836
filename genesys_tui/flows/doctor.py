"""`genesys-tui doctor`: what this profile can and cannot do, known before anything fails. Each
feature's operation is tried harmlessly (a read, or a write aimed at a conversation that does not
exist, which Genesys checks for permission before looking it up), and a 403 names the permissions
that are missing. Plain results: the CLI prints them, the TUI shows them on sign-in and in help."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from genesys_tui.genesys import errors as E
from genesys_tui.genesys.analytics import interval_string
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.transcript_search import search_body

NIL = "00000000-0000-4000-8000-000000000000"  # a conversation (and participant) that does not exist

OK, MISSING, NOT_CHECKED, FAILED = "ok", "missing", "not checked", "failed"


@dataclass(frozen=True)
class Probe:
    feature: str
    permission: str  # what the feature needs, as the SDK docs name it
    method: str | None  # None: cannot be tried without changing something
    path: str = ""
    params: dict[str, Any] | None = None
    body: Any = None
    fine: tuple[int, ...] = (200,)  # answers that mean "allowed" (404: allowed, nothing there)
    user: bool = False  # needs a user's token


def _recent_pair() -> tuple[datetime, datetime]:
    now = datetime.now(UTC)
    return now - timedelta(minutes=5), now


def _recent() -> str:
    return interval_string(*_recent_pair())


STA = f"/api/v2/speechandtextanalytics/conversations/{NIL}/communications/{NIL}"
RECORDING_VIEW = "any of recording:recording:view, recordingSegment:view, snippetRecording:view, screenRecording:view"
PROBES: tuple[Probe, ...] = (
    Probe(
        "Browse conversations",
        "any of analytics:conversationDetail:view, agentConversationDetail:view",
        "POST",
        "/api/v2/analytics/conversations/details/query",
        body=lambda: {"interval": _recent(), "paging": {"pageSize": 1, "pageNumber": 1}},
    ),
    Probe("Queue names", "routing:queue:view", "GET", "/api/v2/routing/queues", {"pageSize": 1}),
    Probe(
        "Wrap-up names",
        "routing:wrapupCode:view",
        "GET",
        "/api/v2/routing/wrapupcodes",
        {"pageSize": 1},
    ),
    Probe(
        "Conversation details",
        "conversation:communication:view",
        "GET",
        f"/api/v2/conversations/{NIL}",
        fine=(200, 404),
    ),
    Probe(
        "Recordings",
        RECORDING_VIEW,
        "GET",
        f"/api/v2/conversations/{NIL}/recordings",
        {"formatId": "NONE"},
        fine=(200, 404),
    ),
    Probe(
        "Batch downloads",
        RECORDING_VIEW,
        "POST",
        "/api/v2/recording/batchrequests",
        body={"batchDownloadRequestList": []},
        fine=(200, 400),
    ),
    Probe(
        "Transcripts",
        "all of recording:recording:view, speechAndTextAnalytics:data:view",
        "GET",
        f"/api/v2/speechandtextanalytics/conversations/{NIL}",
        fine=(200, 404),
    ),
    Probe(
        "Transcript search",
        "any of analytics:conversationDetail:view, recording:recording:view, recordingSegment:view",
        "POST",
        "/api/v2/speechandtextanalytics/transcripts/search",
        body=lambda: search_body("probe", *_recent_pair(), 1),
        fine=(200, 400),
    ),
    Probe(
        "Bookmarks: read",
        f"any of recording:annotation:view, {RECORDING_VIEW[7:]}",
        "GET",
        f"/api/v2/conversations/{NIL}/recordings/{NIL}/annotations",
        fine=(200, 404),
    ),
    Probe(
        "Bookmarks: write to Genesys",
        f"any of recording:annotation:add, annotation:edit, {RECORDING_VIEW[7:]}",
        "POST",
        f"/api/v2/conversations/{NIL}/recordings/{NIL}/annotations",
        body={"name": "probe", "annotationType": "Bookmark", "location": 0},
        fine=(200, 400, 404),
    ),
    Probe(
        "Evaluation forms",
        "quality:evaluationForm:view",
        "GET",
        "/api/v2/quality/publishedforms/evaluations",
        {"pageSize": 1},
    ),
    Probe(
        "Evaluations: read",
        "quality:evaluation:view",
        "GET",
        "/api/v2/quality/evaluations/query",
        {"conversationId": NIL, "pageSize": 1},
        fine=(200, 404),
    ),
    Probe(
        "Evaluations: submit",
        "quality:evaluation:add",
        "POST",
        f"/api/v2/quality/conversations/{NIL}/evaluations",
        body={},
        fine=(400, 404),
    ),
    Probe("Restore archived recordings", "recording:recording:restore", None),
    Probe(
        "Bulk export: list jobs",
        "recording:job:view",
        "GET",
        "/api/v2/recording/jobs",
        {"pageSize": 1},
    ),
    Probe(
        "Bulk export: create a job",
        "recording:job:add",
        "POST",
        "/api/v2/recording/jobs",
        body={},  # refused for what it lacks (400) only once the permission is there
        fine=(400,),
    ),
    Probe(
        "Bulk export: sensitive recordings (--include-sensitive)",
        "recording:recording:viewSensitiveData",
        "POST",
        "/api/v2/recording/jobs",
        body={"includeRecordingsWithSensitiveData": True},  # 403 without it, 400 with it
        fine=(400,),
    ),
    Probe(
        "Bulk export: start a job",
        "all of recording:job:edit, recording:recording:editRetention, "
        "screenRecording:editRetention, snippetRecording:editRetention",
        "PUT",
        f"/api/v2/recording/jobs/{NIL}",  # no such job: 404 with the permissions, 403 without
        body={"state": "PROCESSING"},
        fine=(404,),
    ),
    Probe(
        "Bulk export: the S3 integration",
        "integrations:integration:view",
        "GET",
        "/api/v2/integrations",
        {"pageSize": 1},
    ),
    Probe(
        "Orphan recordings (reconcile)",
        "recording:orphan:view",
        "GET",
        "/api/v2/orphanrecordings",
        {"pageSize": 1},
    ),
    Probe(
        "Analytics details jobs (reconcile)",
        "analytics:conversationDetail:view",
        "GET",
        "/api/v2/analytics/conversations/details/jobs/availability",
    ),
    Probe(
        "Floor: queues now",
        "analytics:queueObservation:view",
        "POST",
        "/api/v2/analytics/queues/observations/query",
        body={
            "filter": {"type": "or", "predicates": [{"dimension": "queueId", "value": NIL}]},
            "metrics": ["oWaiting"],
        },
    ),
    Probe(
        "Floor: agents now",
        "analytics:userObservation:view",
        "POST",
        "/api/v2/analytics/users/observations/query",
        body={
            "filter": {"type": "or", "predicates": [{"dimension": "userId", "value": NIL}]},
            "metrics": ["oUserRoutingStatuses"],
        },
    ),
    Probe(
        "Floor: today's counts",
        "analytics:conversationAggregate:view",
        "POST",
        "/api/v2/analytics/conversations/aggregates/query",
        body=lambda: {
            "interval": _recent(),
            "groupBy": ["queueId"],
            "filter": {"type": "or", "predicates": [{"dimension": "queueId", "value": NIL}]},
            "metrics": ["nOffered"],
        },
    ),
    Probe(
        "Monitor",
        "conversation:call:monitor",
        "POST",
        f"/api/v2/conversations/calls/{NIL}/participants/{NIL}/monitor",
        fine=(400, 404),
        user=True,
    ),
    Probe(
        "Coach",
        "conversation:call:coach",
        "POST",
        f"/api/v2/conversations/calls/{NIL}/participants/{NIL}/coach",
        fine=(400, 404),
        user=True,
    ),
    Probe(
        "Barge",
        "conversation:call:barge",
        "POST",
        f"/api/v2/conversations/calls/{NIL}/participants/{NIL}/barge",
        fine=(400, 404),
        user=True,
    ),
    Probe(
        "Notices (leave the call)",
        "any of conversation:communication:disconnect, participant:wrapup, call:record",
        "PATCH",
        f"/api/v2/conversations/calls/{NIL}/participants/{NIL}",
        body={},
        fine=(400, 404),
        user=True,
    ),
)


# The notification topics each live feature subscribes to (NIL ids: the topic's permission is
# judged, not the thing it names). Only transcription's permission is documented (addendum 1.5):
# Genesys's own answer (missingPermissions) names what is missing.
TOPICS: tuple[tuple[str, str, str], ...] = (
    (
        "Live calls pushed (else polled)",
        f"v2.routing.queues.{NIL}.conversations.calls",
        "routing:queue:view (not documented)",
    ),
    (
        "Live transcript",
        f"v2.conversations.{NIL}.transcription",
        "conversation:transcription:view",
    ),
    (
        "Floor pushed (else read on a timer)",
        f"v2.analytics.queues.{NIL}.observations",
        "analytics:queueObservation:view (not documented)",
    ),
    (
        "Live sentiment",
        f"v2.speechandtextanalytics.conversation.{NIL}.sentiment",
        "speechAndTextAnalytics:data:view (not documented)",
    ),
)
CHANNELS = "/api/v2/notifications/channels"


@dataclass
class Finding:
    feature: str
    permission: str
    status: str  # OK | MISSING | NOT_CHECKED | FAILED
    detail: str = ""


@dataclass
class Report:
    org_name: str = ""
    org_id: str = ""
    region: str = ""
    token_type: str = ""  # client credentials, or a user's
    token_left_s: float | None = None
    playback_url_ttl_min: int | None = None
    batch_url_ttl_min: int | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def missing(self) -> list[Finding]:
        return [f for f in self.findings if f.status in (MISSING, FAILED)]

    @property
    def ok(self) -> bool:
        return not self.missing


async def _try(client: GenesysClient, p: Probe) -> Finding:
    if p.method is None:
        return Finding(
            p.feature, p.permission, NOT_CHECKED, "cannot be tried without restoring a recording"
        )
    body = p.body() if callable(p.body) else p.body
    try:
        await client.api.request(
            p.method, p.path, params=p.params, json=body, ok=p.fine, idempotent=True
        )
    except E.PermissionDenied as e:
        return Finding(
            p.feature, ", ".join(e.permissions) or p.permission, MISSING, "403 from Genesys"
        )
    except E.UserContextRequired:
        return Finding(
            p.feature,
            p.permission,
            NOT_CHECKED,
            "needs a user sign-in (`genesys-tui login --user`)",
        )
    except E.GenesysError as e:
        return Finding(p.feature, p.permission, FAILED, f"{type(e).__name__}: {e}"[:200])
    return Finding(p.feature, p.permission, OK)


async def run_doctor(
    client: GenesysClient, *, user_client: GenesysClient | None = None, user_problem: str = ""
) -> Report:
    """Sign in, read the org, the token and the recording settings, and try every feature."""
    report = Report(region=client.hosts.name)
    org = await client.directory.organization()
    report.org_name, report.org_id = org.name or "", org.id or ""
    info = await client.directory.token_info()
    name = info.o_auth_client.name if info.o_auth_client else None
    report.token_type = f"client credentials ({name})" if name else "client credentials"
    report.token_left_s = getattr(client.auth, "seconds_left", None)
    try:
        settings = await client.api.get_json("/api/v2/recording/settings")
        if isinstance(settings, dict):
            report.playback_url_ttl_min = _int(settings.get("recordingPlaybackUrlTtl"))
            report.batch_url_ttl_min = _int(settings.get("recordingBatchDownloadUrlTtl"))
    except E.GenesysError:
        pass  # not readable here: the defaults (60 minutes) apply
    for p in PROBES:
        if p.user and user_client is None:
            report.findings.append(
                Finding(
                    p.feature,
                    p.permission,
                    NOT_CHECKED,
                    user_problem or "needs a user sign-in (`genesys-tui login --user`)",
                )
            )
            continue
        report.findings.append(await _try(user_client if p.user else client, p))
    report.findings += await _topics(client)
    return report


async def _topics(client: GenesysClient) -> list[Finding]:
    """Each live feature's topic, subscribed on a channel of its own with ignoreErrors: Genesys
    answers Permitted, or Rejected with the missing permissions. The subscriptions are cleared
    after (a channel cannot be deleted; unused, it is the first a 21st channel evicts)."""
    try:
        ch = await client.api.post_json(CHANNELS, None, ok=(200, 201))
        path = f"{CHANNELS}/{ch['id']}/subscriptions"
        resp = await client.api.request(
            "PUT", path, params={"ignoreErrors": "true"}, json=[{"id": t} for _, t, _ in TOPICS]
        )
        entities = resp.json().get("entities") or []
        states = {e.get("id"): e for e in entities if isinstance(e, dict)}
        await client.api.request("DELETE", path, ok=(200, 204))
    except (E.GenesysError, KeyError, TypeError, ValueError, AttributeError) as e:
        why = f"{type(e).__name__}: {e}"[:200]
        return [Finding(f, perm, FAILED, why) for f, _, perm in TOPICS]
    out = []
    for feature, topic, perm in TOPICS:
        e = states.get(topic) or {}
        if e.get("state") == "Permitted":
            out.append(Finding(feature, perm, OK))
        elif e.get("missingPermissions"):
            names = ", ".join(str(x) for x in e["missingPermissions"])
            out.append(Finding(feature, f"any of {names}", MISSING, "topic rejected"))
        else:
            why = str(e.get("rejectionReason") or "not in Genesys's answer")[:200]
            out.append(Finding(feature, perm, FAILED, why))
    return out


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
