"""Archive a reviewed conversation's transcript and QA summary through the queue's sinks (a local
directory or S3), named by the profile's template so they sit beside the recordings:
  2026-05-14/Billing/<conversation>_<recording>.transcript.json (.vtt, .txt, .srt)
  2026-05-14/Billing/<conversation>_<recording>.summary.json (.metrics.csv)"""

from __future__ import annotations

import json
from typing import Any

from genesys_tui.flows.pull import meta as job_meta
from genesys_tui.flows.review.export import for_recording, mark_doc, metrics_csv, render
from genesys_tui.flows.review.session import Review
from genesys_tui.storage.sinks import Sink

CONTENT_TYPES = {
    "txt": "text/plain; charset=utf-8",
    "json": "application/json",
    "vtt": "text/vtt",
    "srt": "application/x-subrip",
}


def summary(review: Review) -> dict[str, Any]:
    t = review.transcript
    return {
        "conversationId": review.id,
        "communicationId": t.communication_id if t else None,
        "recordings": [
            {
                "id": a.id,
                "startTime": a.timeline.start_ms,
                "wallMs": a.timeline.wall_ms,
                "mediaMs": a.timeline.media_ms,
                "pauses": [
                    {
                        "reason": p.reason,
                        "wallMs": p.wall_ms,
                        "durationMs": p.duration_ms,
                        "cutMs": p.cut_ms,
                    }
                    for p in a.timeline.pauses
                ],
            }
            for a in review.audio
        ],
        "phrases": len(t.phrases) if t else 0,
        "topics": sorted({x.name for x in t.topics}) if t else [],
        "metrics": review.metrics.to_json() if review.metrics else None,
        "notes": review.notes,
    }


def archive(
    review: Review,
    sink: Sink,
    names: dict[str, str],
    formats: tuple[str, ...] = ("json", "vtt"),
    roles: list[str] | None = None,
    marks: list | tuple = (),
    evaluations: list | tuple = (),
) -> list[str]:
    """Store the transcript in each format and the summary; returns where they went. Blocking
    (boto3): run it in a thread from async code."""
    meta = job_meta.from_conversation(review.conversation, names)
    rid = review.audio[0].id if review.audio else "none"
    out = []
    if review.transcript is not None:
        # One file per recording, named like its audio and timed to it (cues never restart mid-file).
        views = (
            [(a.id, for_recording(review.transcript, a.id)) for a in review.audio]
            if review.audio
            else [("none", review.transcript)]
        )
        for rec_id, view in views:
            for fmt in (f for f in formats if f != "html"):
                [rel] = sink.names(meta, rec_id, "transcript", [f"transcript.{fmt}"])
                out.append(
                    sink.store_bytes(
                        render(
                            view, fmt, roles, [m for m in marks if m.recording_id == rec_id]
                        ).encode(),
                        rel,
                        CONTENT_TYPES[fmt],
                        meta=meta,
                        fmt="transcript",
                    )
                )
    [rel] = sink.names(meta, rid, "summary", ["summary.json"])
    doc = summary(review)
    if marks:
        doc["bookmarks"] = [mark_doc(m) for m in marks]
    out.append(
        sink.store_bytes(
            json.dumps(doc, indent=2).encode(),
            rel,
            "application/json",
            meta=meta,
            fmt="summary",
        )
    )
    if "html" in formats:  # one page for the whole call, to be mailed
        from genesys_tui.flows.review.report import to_html

        [rel] = sink.names(meta, rid, "report", ["report.html"])
        page = to_html(review, names, list(marks), list(evaluations)).encode()
        out.append(sink.store_bytes(page, rel, "text/html", meta=meta, fmt="report"))
    if review.metrics is not None:
        [rel] = sink.names(meta, rid, "metrics", ["metrics.csv"])
        out.append(
            sink.store_bytes(
                metrics_csv(review.metrics).encode(), rel, "text/csv", meta=meta, fmt="metrics"
            )
        )
    return out
