"""The detail pane: a conversation's participants (purposes, times) and its recordings (format,
duration, size, file state, holds and secure pauses)."""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from genesys_tui.core import fmt
from genesys_tui.flows.browse.table import annotations_text
from genesys_tui.genesys.models import Conversation, Recording


def _t(dt) -> str:
    return dt.strftime("%H:%M:%S") if dt else "-"


def conversation_view(conv: Conversation, names: dict[str, str]) -> Group:
    head = Text()
    head.append(f"{conv.id}\n", style="bold")
    dur = (
        (conv.end_time - conv.start_time).total_seconds()
        if conv.end_time and conv.start_time
        else None
    )
    head.append(f"{fmt.when(conv.start_time)} UTC  {fmt.duration(dur)}")
    if conv.secure_pause:
        head.append("  SECURE PAUSE", style="bold red")
    rows = []
    for p in conv.participants:
        extra = p.queue_name or names.get(p.queue_id or "", "")
        if p.wrapup and p.wrapup.code:
            extra += f" / {p.wrapup.name or names.get(p.wrapup.code, p.wrapup.code)}"
        purpose = p.purpose or "?"
        if p.media_roles:
            purpose += f" ({', '.join(p.media_roles)})"
        name = p.name or names.get(p.user_id or "", "") or "-"
        rows.append((purpose, name, _t(p.start_time), _t(p.end_time), extra or "-"))
    parts = Participants(rows)
    return Group(head, Text(), parts)


def _table(title: str, columns: tuple[str, ...]) -> Table:
    """A pane's table. SIMPLE_HEAD: a rule under the header and no column lines, so a header that
    wraps on a narrow pane leaves no stray ┃ above the others."""
    table = Table(
        title=title,
        title_justify="left",
        expand=True,
        show_edge=False,
        pad_edge=False,
        box=box.SIMPLE_HEAD,
    )
    for col in columns:
        table.add_column(col, overflow="fold")
    return table


class Participants:
    """Who was on the call: a table where the pane is wide enough, two lines each where it is
    not (a table squeezed into 40 cells breaks "customer" and every time in two)."""

    COLUMNS = ("Purpose", "Name", "From", "To", "Queue / wrap-up")
    WIDE = 56  # cells a readable table needs

    def __init__(self, rows: list[tuple[str, str, str, str, str]]) -> None:
        self.rows = rows

    def __rich_console__(self, console, options):
        if options.max_width >= self.WIDE:
            table = _table("Participants", self.COLUMNS)
            for row in self.rows:
                table.add_row(*row)
            yield table
            return
        out = Text()
        out.append("Participants\n", style="italic")
        for purpose, name, start, end, extra in self.rows:
            out.append(purpose, style="bold")
            out.append(f"  {name}\n")
            out.append(f"  {start} → {end}" + (f"  {extra}" if extra != "-" else "") + "\n")
        yield out


def recordings_view(
    recordings: list[Recording] | None, note: str = "", *, live: bool = False
) -> Group | Text:
    """The recordings as `GET …/recordings?formatId=NONE` gives them: no transcode (so no size),
    with the system annotations (holds, secure pauses) that recordingmetadata never carries. A
    live call's recording is listed once the call has ended."""
    if recordings is None:
        return Text(note or "Loading recordings…", style="dim")
    if not recordings:
        if live and not note:
            note = "Still in progress: its recording is available when the call ends."
        return Text(note or "No recordings.", style="italic")
    table = _table("Recordings", ("Recording", "Duration", "State", "Holds and pauses"))
    for r in recordings:
        table.add_row(
            (r.id or "")[:8],
            fmt.duration(r.duration_ms / 1000) if r.duration_ms else "-",
            r.file_state or "-",
            annotations_text(r.annotations),
        )
    items = [table]
    if note:
        items.append(Text(note, style="dim"))
    return Group(*items)


class DetailPane(VerticalScroll, can_focus=False):
    DEFAULT_CSS = """
    DetailPane { border-left: solid $panel-lighten-2; padding: 0 1; }
    DetailPane > Static { margin-bottom: 1; }
    """

    def compose(self):
        yield Static("Select a conversation.", id="conversation")
        yield Static("", id="recordings")

    shown: dict[str, object]

    def show(self, conversation=None, recordings=None) -> None:
        if not hasattr(self, "shown"):
            self.shown = {}
        if conversation is not None:
            self.shown["conversation"] = conversation
            self.query_one("#conversation", Static).update(conversation)
        if recordings is not None:
            self.shown["recordings"] = recordings
            self.query_one("#recordings", Static).update(recordings)

    def plain(self) -> str:
        """What the pane shows, as plain text."""
        import io

        from rich.console import Console

        console = Console(width=max(40, self.size.width or 80), file=io.StringIO(), record=True)
        for part in getattr(self, "shown", {}).values():
            console.print(part)
        return console.export_text()
