"""conversations, recordings: the browse flow without the TUI."""

from __future__ import annotations

import json
import sys
import time

from rich.table import Table

from genesys_tui.cli.common import CommandError, Context, cells, interval_arg, run
from genesys_tui.core import fmt
from genesys_tui.flows.browse import table
from genesys_tui.flows.browse.listing import ListingProgress
from genesys_tui.flows.browse.service import BrowseService
from genesys_tui.flows.browse.table import COLUMNS
from genesys_tui.genesys.analytics import ConversationFilter
from genesys_tui.genesys.modelbase import iso
from genesys_tui.genesys.models import Recording
from genesys_tui.genesys.summaries import ConversationSummary


async def build_filter(browse: BrowseService, a) -> ConversationFilter:
    """The filter arguments (names or ids) as a ConversationFilter of ids."""
    return await browse.resolve_filter(
        queues=a.queue or (),
        agents=a.agent or (),
        wrapups=a.wrapup or (),
        direction=a.direction,
        media_types=tuple(a.media or ()),
        ani=a.ani,
        dnis=a.dnis,
        has_recording=a.has_recording,
        ended=False if a.live else None,
    )


def cmd_conversations(ctx: Context) -> int:
    a = ctx.args
    start, end = interval_arg(a.interval)  # a bad one: exit 2, with what would be taken

    line = ProgressLine()

    async def go() -> int:
        async with ctx.services(scoped=False) as services:
            browse = services.browse
            if a.job_threshold:
                browse.listing.threshold = a.job_threshold
            flt = await build_filter(browse, a)
            # names beside the ids, in JSON as in the table
            names = await services.client.directory.names()
            rows: list[ConversationSummary] = []  # the table's; JSON keeps none (flat memory)
            count = 0
            async for page in browse.pages(
                start, end, flt, order=a.order, path=a.via, progress=line.show, page=1
            ):
                count += len(page)
                if a.json:  # each line as it is found, in the order asked for
                    print(json.dumps(page[0].to_json(names)), flush=True)
                else:
                    rows += page
                if a.limit and count >= a.limit:
                    break
            if not a.json:
                _print_table(ctx, rows, names)
            return count

    count = run(go())
    line.end()
    took = time.monotonic() - line.began
    ctx.err.print(
        f"{count} conversation(s) from {iso(start)} to {iso(end)}, in {took:.1f} s"
        + (f" ({line.paths})" if line.paths else ""),
        highlight=False,
    )
    return 0


class ProgressLine:
    """Where the listing is, on stderr: one line rewritten in place on a terminal; elsewhere (a
    log, a pipe) a line each time the path changes, so a log says which path was taken and why."""

    def __init__(self) -> None:
        self.tty, self.began, self.shown = sys.stderr.isatty(), time.monotonic(), ""
        self.taken: list[str] = []
        self._last = 0.0

    @property
    def paths(self) -> str:
        return "; ".join(self.taken)

    def show(self, p: ListingProgress) -> None:
        head = f"{p.path}: {p.why}" if p.why else p.path
        if not self.taken or self.taken[-1] != head:
            self.taken.append(head)
            if not self.tty:
                print(f"listing by details {head}", file=sys.stderr, flush=True)
        now = time.monotonic()
        if self.tty and now - self._last >= 0.1:
            self._last = now
            text = p.line()[: max(20, fmt_width() - 1)]
            print(f"\r\x1b[K{text}", end="", file=sys.stderr, flush=True)
            self.shown = text

    def end(self) -> None:
        if self.shown:
            print("\r\x1b[K", end="", file=sys.stderr, flush=True)


def fmt_width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def _print_table(ctx: Context, rows: list[ConversationSummary], names: dict[str, str]) -> None:
    t = Table(show_edge=False, pad_edge=False)
    for col in COLUMNS:
        t.add_column(col.title, no_wrap=col.key in ("id", "start"))
    for s in rows:
        t.add_row(*cells(*table.row(s, names)))
    ctx.out.print(t)


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

    async def go() -> list[Recording]:
        async with ctx.services(scoped=False) as services:
            return await services.browse.recordings(a.conversation_id, a.format, a.max_wait_ms)

    recs = run(go())
    if a.json:
        for r in recs:
            print(json.dumps(recording_json(r, a.format)))
        return 0
    if not recs:
        raise CommandError(f"conversation {a.conversation_id} has no recordings", code=3)
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
            *cells(
                r.id or "",
                a.format if r.media_uri() else "-",
                fmt.when(r.start_time),
                fmt.duration(r.duration_ms / 1000) if r.duration_ms else "-",
                fmt.size(r.output_size_in_bytes),
                r.file_state or "-",
                table.annotations_text(r.annotations),
            )
        )
    ctx.out.print(t)
    return 0
