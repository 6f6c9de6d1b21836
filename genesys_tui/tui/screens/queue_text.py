"""What the Queue screen says in words: a job's row, the totals line, and the detail of the
selected job (where it goes, every state change with its time, the error and what to do)."""

from __future__ import annotations

from rich.markup import escape

from genesys_tui.core import fmt
from genesys_tui.flows.browse.table import Column
from genesys_tui.flows.pull.model import (
    CANCELLED,
    CONVERTING,
    DONE,
    DOWNLOADING,
    FAILED,
    FINAL_STATES,
    QUEUED,
    RESOLVING,
    UPLOADING,
    VERIFYING,
    WAITING,
    Job,
    JobEvent,
    QueueTotals,
)

COLUMNS = (  # on a narrow table format goes first, then recording, rate, conversation
    Column("id", "Job", 6, False),
    Column("conversation", "Conversation", 13, False, hide=4),
    Column("recording", "Recording", 10, False, hide=2),
    Column("format", "Format", 8, False, hide=1),
    Column("state", "State", 11, False),
    Column("progress", "Progress", 22, False, min_width=12),
    Column("rate", "Rate", 10, False, hide=3),
    Column("eta", "ETA", 7, False),
    Column("detail", "Target / error", 16, False, fill=True),
)

HELP = """
The download queue. Jobs come from Browse (`d`, `D`) or `genesys-tui fetch`; they are kept in a
database, so quitting (or a crash) loses nothing and the next start resumes them. A conversation is
planned first (its recordings listed, or gathered into batch requests that Genesys prepares): it
shows as one row, "all", saying where it stands, until its recordings appear. Each recording is
then resolved to a presigned URL, downloaded, verified and converted in one pass (a full decode to
the expected length, every Ogg page's checksum, SHA-256) and stored. The pane below shows the
selected job: where it goes, every state change with its time, and what to do about an error.
"""

# What to do about a failure, by what the error says (the first that matches).
ADVICE = (
    ("archived", "Restore it first: genesys-tui fetch CONVERSATION_ID --restore-archived."),
    ("could not be planned", "The conversation could not be read: check the ID, then press r."),
    ("not found", "Genesys no longer has it (deleted, or a wrong ID): nothing to retry."),
    ("permission", "Ask an admin for the permission it names (? lists what this client may do)."),
    ("verification failed", "The download was damaged or cut: r downloads it again."),
    ("no space", "Free some space where the queue writes, then press r."),
    ("refused", "The URL kept being refused: r asks Genesys for a fresh one."),
)


# Rows in the order a user looks for them: what is moving now, what comes next, the conversations
# still being planned, what failed, and last what is done.
ORDER = {DOWNLOADING: 0, VERIFYING: 0, CONVERTING: 0, UPLOADING: 0, RESOLVING: 1, QUEUED: 2}


def order(j: Job) -> int:
    if j.is_expansion and j.state not in FINAL_STATES:
        return 3
    return {FAILED: 4, WAITING: 4}.get(j.state, ORDER.get(j.state, 5))


def bar(done: int, total: int | None, width: int = 12) -> str:
    if not total:
        return "·" * width
    filled = int(width * min(1.0, done / total))
    return "█" * filled + "░" * (width - filled) + f" {min(100, int(100 * done / total)):3d}%"


def cells(j: Job, ev: JobEvent | None, note: str | None) -> tuple[str, ...]:
    # the latest progress, while it is about the step the job is in (a retry starts over)
    live = ev is not None and ev.state == j.state and j.state not in FINAL_STATES
    rate = fmt.size(int(ev.rate_bps)) + "/s" if live and ev and ev.rate_bps else ""
    eta = fmt.duration(ev.eta_s) if live and ev and ev.eta_s else ""
    if j.is_expansion:  # a conversation still being planned (or that could not be)
        progress = "planning" if j.state not in FINAL_STATES else ""
        detail = j.last_error if j.state == FAILED else (note or "waiting to be planned")
        return (
            str(j.id),
            j.conversation_id[:12],
            "all",
            j.format,
            j.state,
            progress,
            "",
            "",
            detail,
        )
    done = ev.bytes_done if live and ev else j.bytes_done
    total = ev.bytes_total if live and ev else j.bytes_total
    progress = bar(done, total) if j.state != DONE else bar(1, 1)
    detail = (
        j.last_error
        if j.state in (FAILED, WAITING, CANCELLED)
        else fmt.place(j.outputs[0]["location"] if j.outputs else j.target)
    )
    return (
        str(j.id),
        j.conversation_id[:12],
        j.recording_id[:8],
        j.format,
        j.state,
        progress,
        rate,
        eta,
        detail or "",
    )


def totals_line(t: QueueTotals, paused: bool) -> str:
    parts = [f"{n} {s}" for s, n in sorted(t.counts.items()) if n]
    active = t.total - t.finished - t.counts.get(WAITING, 0)
    noun = "recording" if t.total == 1 else "recordings"
    line = (
        f"[b]{'PAUSED' if paused else 'running'}[/]  {t.total} {noun}: {', '.join(parts) or 'none'}"
    )
    if t.planning:
        line += f"  [b]planning {t.planning} conversation{'s' if t.planning != 1 else ''}[/]"
    if t.bytes_total and active:
        line += f"  {fmt.size(t.bytes_done)} of {fmt.size(t.bytes_total)}"
    if t.rate_bps and active:
        line += f"  {fmt.size(int(t.rate_bps))}/s"
    if t.planning:  # the recordings still being found: no time left can be said yet
        line += "  ETA after planning"
    elif t.eta_s:
        line += f"  ETA {fmt.duration(t.eta_s)}"
    return line


def advice(job: Job) -> str | None:
    if job.state == CANCELLED:
        return "Cancelled: r queues it again."
    if job.state == WAITING:
        return (
            "Genesys is restoring it from the archive (hours): the next run picks it up "
            "(genesys-tui fetch --resume, or this queue when you start the app again)."
        )
    if job.state != FAILED:
        return None
    text = (job.last_error or "").lower()
    for needle, what in ADVICE:
        if needle in text:
            return what
    return "r tries it again; the log has the details (genesys-tui info shows where it is)."


def detail_text(job: Job, history: list[tuple[str, str, str | None]], note: str | None) -> str:
    """The selected job in full, as Rich markup."""
    what = "all recordings" if job.is_expansion else f"recording {job.recording_id}"
    lines = [f"[b]Job {job.id}[/]  conversation {job.conversation_id}  {what}  {job.format}"]
    if job.outputs:
        lines += [f"[dim]stored[/] {escape(fmt.place(o['location']))}" for o in job.outputs]
    else:
        lines.append(f"[dim]to[/] {escape(fmt.place(job.target))}")
    if note and job.state not in FINAL_STATES:
        lines.append(f"[dim]now[/] {escape(note)}")
    if job.last_error and job.state in (FAILED, WAITING, CANCELLED):
        lines.append(f"[b red]{escape(job.last_error)}[/]")
    if tip := advice(job):
        lines.append(f"[b]What to do:[/] {escape(tip)}")
    if history:
        steps = [
            f"{at[11:19]} {state}" + (f" ({escape(err)})" if err and state != DONE else "")
            for at, state, err in history[-12:]
        ]
        lines.append("[dim]history (UTC)[/] " + " → ".join(steps))
    return "\n".join(lines)
