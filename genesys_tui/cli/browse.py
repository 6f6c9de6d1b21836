"""conversations, recordings: the browse flow without the TUI."""

from __future__ import annotations

import json

from rich.table import Table

from genesys_tui.cli.common import CommandError, Context, run
from genesys_tui.context import client_credentials_client
from genesys_tui.core import fmt
from genesys_tui.core.intervals import parse_interval
from genesys_tui.genesys.analytics import ConversationFilter
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.models import ConversationSummary, Recording, iso


async def build_filter(client: GenesysClient, a) -> ConversationFilter:
    """Filter arguments (names or ids) to a ConversationFilter of ids."""
    d = client.directory
    queues = tuple([await d.resolve("queue", q) for q in a.queue or []])
    users = tuple([await d.resolve("user", u) for u in a.agent or []])
    wrapups = tuple([await d.resolve("wrapup", w) for w in a.wrapup or []])
    return ConversationFilter(
        queue_ids=queues,
        user_ids=users,
        direction=a.direction,
        media_types=tuple(a.media or ()),
        ani=a.ani,
        dnis=a.dnis,
        wrapup_codes=wrapups,
        has_recording=a.has_recording,
        ended=False if a.live else None,
    )


def cmd_conversations(ctx: Context) -> int:
    a = ctx.args
    start, end = parse_interval(a.interval)
    target = ctx.target()

    async def go() -> list[ConversationSummary]:
        async with client_credentials_client(target) as client:
            flt = await build_filter(client, a)
            rows = []
            async for s in client.analytics.iter_conversations(start, end, flt, order=a.order):
                rows.append(s)
                if a.json:
                    print(json.dumps(s.to_json()), flush=True)
                if a.limit and len(rows) >= a.limit:
                    break
            if not a.json:
                names = await client.directory.names()
                _print_table(ctx, rows, names)
            return rows

    rows = run(go())
    if not a.json:
        ctx.err.print(
            f"{len(rows)} conversation(s) from {iso(start)} to {iso(end)}", highlight=False
        )
    return 0


def _print_table(ctx: Context, rows: list[ConversationSummary], names: dict[str, str]) -> None:
    t = Table(show_edge=False, pad_edge=False)
    for col in (
        "Start (UTC)",
        "Duration",
        "Dir",
        "Queue",
        "Agent",
        "ANI",
        "Wrap-up",
        "Rec",
        "Conversation ID",
    ):
        t.add_column(col, no_wrap=col in ("Conversation ID", "Start (UTC)"))
    for s in rows:
        t.add_row(
            fmt.when(s.start),
            fmt.duration(s.duration_s),
            (s.direction or "")[:3],
            ", ".join(names.get(q, q) for q in s.queue_ids),
            ", ".join(names.get(u, u) for u in s.user_ids),
            (s.ani or "").replace("tel:", ""),
            ", ".join(names.get(w, w) for w in s.wrapup_codes),
            "yes" if s.has_recording else "",
            s.conversation_id,
        )
    ctx.out.print(t)


def annotation_text(r: Recording) -> str:
    parts = []
    for an in r.annotations:
        if an.reason in ("Hold", "SecurePause", "Pause"):
            label = "secure pause" if an.reason == "SecurePause" else an.reason.lower()
            cut = " (cut)" if an.recording_duration_ms == 0 else ""
            at = (an.realtime_location or 0) / 1000
            parts.append(
                f"{label} {fmt.duration((an.duration_ms or 0) / 1000)} at {fmt.duration(at)}{cut}"
            )
    return "; ".join(parts)


def recording_json(r: Recording, format_id: str) -> dict:
    return {
        "conversationId": r.conversation_id,
        "recordingId": r.id,
        "formatId": format_id,
        "startTime": iso(r.start_time),
        "endTime": iso(r.end_time),
        "durationMs": r.duration_ms,
        "sizeBytes": r.output_size_in_bytes,
        "fileState": r.file_state,
        "sessionId": r.session_id,
        "annotations": [
            {
                "reason": an.reason,
                "realtimeLocation": an.realtime_location,
                "recordingLocation": an.recording_location,
                "durationMs": an.duration_ms,
                "recordingDurationMs": an.recording_duration_ms,
            }
            for an in r.annotations
        ],
    }


def cmd_recordings(ctx: Context) -> int:
    a = ctx.args
    target = ctx.target()

    async def go() -> list[Recording]:
        async with client_credentials_client(target) as client:
            return await client.recordings.list(
                a.conversation_id, a.format, max_wait_ms=a.max_wait_ms
            )

    recs = run(go())
    if a.json:
        for r in recs:
            print(json.dumps(recording_json(r, a.format)))
        return 0
    if not recs:
        raise CommandError(f"conversation {a.conversation_id} has no recordings", code=1)
    t = Table(show_edge=False, pad_edge=False)
    for col in (
        "Recording ID",
        "Format",
        "Start (UTC)",
        "Duration",
        "Size",
        "File state",
        "Annotations",
    ):
        t.add_column(col, no_wrap=col in ("Recording ID", "Start (UTC)"))
    for r in recs:
        t.add_row(
            r.id or "",
            a.format if r.media_uri() else "-",
            fmt.when(r.start_time),
            fmt.duration(r.duration_ms / 1000 if r.duration_ms else None) if r.duration_ms else "-",
            fmt.size(r.output_size_in_bytes),
            r.file_state or "-",
            annotation_text(r),
        )
    ctx.out.print(t)
    return 0
