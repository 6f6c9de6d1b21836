"""Review: a conversation's transcript aligned to its waveform. The timeline and the transcript list
are bound: selecting a phrase moves the playhead, and playback highlights and scrolls to the phrase
being heard. Role filters, search, speaker changes, copy, QA metrics, exports, playback here or in a
browser."""

from __future__ import annotations

import os
import sys

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, Static

from genesys_tui.core import fmt
from genesys_tui.core.errors import user_message
from genesys_tui.core.ids import InvalidId, safe_id
from genesys_tui.flows.browse.table import Column
from genesys_tui.flows.pull import meta as job_meta
from genesys_tui.flows.review.listing import PhraseList, clock
from genesys_tui.flows.review.model import ROLE_LABELS
from genesys_tui.flows.review.session import Audio, Review, ReviewCache, ReviewError, load_review
from genesys_tui.media import playback
from genesys_tui.tui.screens.base import AppScreen
from genesys_tui.tui.screens.dialogs import ExportChoice, ExportDialog, PromptDialog
from genesys_tui.tui.widgets.header import AppHeader
from genesys_tui.tui.widgets.timeline import Span, Timeline
from genesys_tui.tui.widgets.virtual_table import VirtualTable

COLUMNS = (
    Column("time", "Time", 8, False),
    Column("role", "Speaker", 9, False),
    Column("text", "Phrase", 400, False),
)
SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
HELP = """
Review a conversation: its transcript aligned to the recording's waveform. Open one with `Enter` on
a conversation in Browse, or `o` and paste an ID.

The timeline shows one lane per party (customer, agent) in their colours, phrase spans below, holds
shaded and cut-out secure pauses marked `┃`/`✂`. Zoom with `+`/`-` (down to two seconds), `0` shows
the whole recording, `←`/`→` pan, a click seeks. Moving through the transcript moves the playhead.

Times are positions in the recording file: the part of a secure pause that was cut out of the
recording takes no time there, so what is highlighted is what you hear.

Playback needs an audio device; over SSH or on a server, `b` plays the call in a browser instead
(a loopback address with a random token; forward the port with `ssh -L` to listen from elsewhere).
"""


class TranscriptTable(VirtualTable):
    COMPONENT_CLASSES = VirtualTable.COMPONENT_CLASSES | {
        "virtual-table--agent",
        "virtual-table--customer",
        "virtual-table--ivr",
        "virtual-table--system",
        "virtual-table--hit",
        "virtual-table--now",
    }
    DEFAULT_CSS = """
    TranscriptTable { overflow-x: hidden; }
    TranscriptTable > .virtual-table--agent { color: #4ade80; }
    TranscriptTable > .virtual-table--customer { color: #5aa9ff; }
    TranscriptTable > .virtual-table--ivr { color: #c084fc; }
    TranscriptTable > .virtual-table--system { color: #c084fc; }
    TranscriptTable > .virtual-table--hit { text-style: bold underline; }
    TranscriptTable > .virtual-table--now { background: #5c4a00; }
    """


class ReviewScreen(AppScreen):
    DEFAULT_CSS = """
    ReviewScreen #title { height: 1; padding: 0 1; text-style: bold; }
    ReviewScreen Timeline { height: 12; margin: 0 0 1 0; }
    ReviewScreen #bar { height: 1; padding: 0 1; color: $text-muted; }
    ReviewScreen #search { display: none; height: 3; margin: 0 1; }
    ReviewScreen #search.-shown { display: block; }
    ReviewScreen #main { height: 1fr; }
    ReviewScreen #transcript { width: 1fr; }
    ReviewScreen #notes { width: 1fr; padding: 1 2; color: $warning; display: none; }
    ReviewScreen #notes.-shown { display: block; }
    ReviewScreen #metrics { width: 40; padding: 0 1; border-left: solid $panel-lighten-2; }
    ReviewScreen #metrics.-hidden { display: none; }
    ReviewScreen #phrase { height: 3; padding: 0 1; background: $panel; }
    """
    BINDINGS = [
        Binding("space", "play_pause", "Play/pause"),
        Binding("p", "play_phrase", "Play phrase"),
        Binding("plus,equals_sign", "zoom(0.5)", "Zoom in", key_display="+"),
        Binding("minus", "zoom(2)", "Zoom out", key_display="-"),
        Binding("0", "zoom_all", "Whole call", show=False),
        Binding("left,h", "pan(-0.25)", "Pan", show=False),
        Binding("right,l", "pan(0.25)", "Pan", show=False),
        Binding("a", "toggle_role('agent')", "Agent"),
        Binding("c", "toggle_role('customer')", "Customer"),
        Binding("i", "toggle_role('ivr')", "IVR"),
        Binding("slash", "search", "Search"),
        Binding("n", "next_hit(1)", "Next hit", show=False),
        Binding("N", "next_hit(-1)", "Previous hit", show=False),
        Binding("s", "speaker(1)", "Next speaker"),
        Binding("S", "speaker(-1)", "Previous speaker", show=False),
        Binding("y", "copy_phrase", "Copy"),
        Binding("m", "toggle_metrics", "Metrics", show=False),
        Binding("e", "export", "Export"),
        Binding("b", "browser", "Browser"),
        Binding("o", "open_by_id", "Open ID"),
        Binding("r", "next_recording", "Next recording", show=False),
        Binding("R", "reload", "Reload", show=False),
        Binding("less_than_sign", "speed(-1)", "Slower", show=False),
        Binding("greater_than_sign", "speed(1)", "Faster", show=False),
        Binding("escape", "clear_search", "Clear search", show=False),
    ]
    HELP = HELP
    AUTO_FOCUS = "#transcript"

    def __init__(self) -> None:
        super().__init__()
        self.review: Review | None = None
        self.listing = PhraseList(None)
        self.recording = 0  # index into review.audio shown on the timeline
        self.fetching = False  # not `loading`: that is Textual's reactive, and covers the screen
        self.player: playback.Player | None = None
        self.player_recording: int | None = None
        self.speed = 1.0
        self.now_row: int | None = None
        self._ticker = None
        self._seek_row: int | None = None  # the row a seek selected: keep the playhead

    def compose(self) -> ComposeResult:
        ui, media = self.gapp.config.ui, self.gapp.config.media
        yield AppHeader()
        yield Static(
            "No conversation open. Press o and paste an ID, or Enter on a conversation in Browse (1).",
            id="title",
        )
        yield Timeline(
            ui.waveform, customer_channel=media.customer_channel, agent_channel=media.agent_channel
        )
        yield Static("", id="bar")
        yield Input(
            placeholder="search the transcript (enter: first match, n/N: next/previous, esc: clear)",
            id="search",
        )
        with Horizontal(id="main"):
            with Vertical(id="transcript-box"):
                yield TranscriptTable(
                    COLUMNS,
                    lambda: len(self.listing),
                    self.listing_cells,
                    row_style=self.row_style,
                    id="transcript",
                )
                yield Static("", id="notes")
            yield Static("", id="metrics")
        yield Static("", id="phrase")
        yield Footer()

    def on_mount(self) -> None:
        app = self.gapp
        app.review = self
        pending = getattr(app, "pending_review", None)
        if pending:
            app.pending_review = None
            self.open(pending)
        self.update_bar()

    # --- loading ----------------------------------------------------------------------------------

    def listing_cells(self, row: int):
        return self.listing.cells(row)

    def row_style(self, row: int) -> str | None:
        p = self.listing.phrase(row)
        names = p.role
        if self.listing.rows[row] in self.listing.hits:
            names += " hit"
        if row == self.now_row:
            names += " now"
        return names

    def open(self, conversation_id: str) -> None:
        self.load(conversation_id, refresh=False)

    @work(exclusive=True, group="review-load", exit_on_error=False)
    async def load(self, conversation_id: str, refresh: bool = False) -> None:
        app = self.gapp
        if app.session is None:
            app.notify("Not signed in yet.", severity="warning")
            return
        self.fetching = True
        title = self.query_one("#title", Static)
        title.update(f"Loading {conversation_id}…")
        cfg = app.config
        cache = ReviewCache(app.session.scope.cache_dir, cfg.review.cache_max_mb << 20)
        try:
            review = await load_review(
                app.session.client,
                conversation_id,
                cache,
                refresh=refresh,
                progress=lambda what: title.update(f"Loading {conversation_id}: {what}…"),
            )
        except ReviewError as e:
            title.update(f"[red]{e}[/]")
            return
        except Exception as e:  # noqa: BLE001 - a message, never a crash
            title.update(f"[red]Cannot open {conversation_id}: {user_message(e) or e}[/]")
            return
        finally:
            self.fetching = False
        self.show(review)

    def show(self, review: Review) -> None:
        self.stop_playback()
        self.player_recording = None
        self.review = review
        self.listing = PhraseList(review.transcript, [a.id for a in review.audio])
        self.recording = 0
        self.now_row = None
        table = self.query_one(TranscriptTable)
        table.reload(keep=False)
        notes = self.query_one("#notes", Static)
        notes.update("\n\n".join(review.notes))
        notes.set_class(bool(review.notes) and review.transcript is None, "-shown")
        table.display = review.transcript is not None
        self.show_recording(0)
        self.update_title()
        self.update_metrics()
        self.update_bar()
        if review.notes and review.transcript is not None:
            self.gapp.notify("\n".join(review.notes), title="Review", severity="warning", timeout=8)
        if len(self.listing):
            self.select_row(0)
        table.focus()

    def audio(self) -> Audio | None:
        if self.review and 0 <= self.recording < len(self.review.audio):
            a = self.review.audio[self.recording]
            return a if a.peaks is not None else None
        return None

    def show_recording(self, index: int) -> None:
        self.recording = index
        tl = self.query_one(Timeline)
        a = self.audio()
        spans = []
        if a and self.review and self.review.transcript:
            spans = [
                Span(p.media_ms, p.duration_ms, p.role, i)
                for i, p in enumerate(self.review.transcript.phrases)
                if p.recording_id == a.id and p.media_ms is not None
            ]
        message = (
            "No recording."
            if not (self.review and self.review.audio)
            else "The recording could not be loaded."
        )
        tl.set_audio(a, spans, message)
        self.update_title()

    # --- text ---------------------------------------------------------------------------------------

    def update_title(self) -> None:
        r = self.review
        if r is None:
            return
        names = self.gapp.session.names if self.gapp.session else {}
        meta = job_meta.from_conversation(r.conversation, names)
        bits = [f"Conversation {r.id}"]
        bits += [q["name"] for q in meta["queues"][:1]] + [a["name"] for a in meta["agents"][:2]]
        if r.conversation.start_time:
            bits.append(fmt.when(r.conversation.start_time))
        a = self.audio()
        if a:
            state = "▶ playing" if self.player and self.player.playing else "‖ paused"
            bits.append(
                f"{fmt.duration(a.frames / a.rate)} · recording {self.recording + 1}/{len(r.audio)} · "
                f"{self.speed:g}× {state}"
            )
        self.query_one("#title", Static).update(" · ".join(bits))

    def update_bar(self) -> None:
        shown = self.listing.shown_roles
        roles = "  ".join(
            f"[{'b' if k in shown else 'dim'}]{label}[/] {'✓' if k in shown else '·'}"
            for k, label in (("agent", "a Agent"), ("customer", "c Customer"), ("ivr", "i IVR"))
        )
        bits = [roles]
        if self.listing.query:
            bits.append(f"search “{self.listing.query}”: {len(self.listing.hits)} phrase(s)")
        if self.review and self.review.transcript:
            bits.append(f"{len(self.listing)} of {len(self.listing.phrases)} phrases")
        tl = self.query_one(Timeline)
        if tl.frames:
            bits.append(f"playhead {clock(tl.playhead * 1000 // tl.rate)}")
        server = getattr(self.gapp, "playback_server", None)
        if server is not None:
            bits.append(f"browser: {server.url}")
        self.query_one("#bar", Static).update("   ".join(bits))

    def update_metrics(self) -> None:
        box = self.query_one("#metrics", Static)
        r = self.review
        if r is None or r.metrics is None:
            box.update("[b]QA metrics[/]\n\nNo transcript, no metrics." if r else "")
            return
        lines = ["[b]QA metrics[/]", ""] + [f"{k:<19}{v}" for k, v in r.metrics.rows()]
        if r.transcript and r.transcript.topics:
            lines += ["", "[b]Topics[/]"] + sorted({f"· {t.name}" for t in r.transcript.topics})
        box.update("\n".join(lines))

    def update_phrase(self, row: int | None) -> None:
        box = self.query_one("#phrase", Static)
        if row is None or not len(self.listing):
            box.update("")
            return
        p = self.listing.phrase(row)
        bits = [
            f"{self.listing.when(p)} +{p.duration_ms / 1000:.1f}s",
            ROLE_LABELS.get(p.role, p.role),
        ]
        if p.confidence is not None:
            bits.append(f"confidence {p.confidence:.2f}")
        if p.sentiment:
            bits.append(f"sentiment {p.sentiment:+g}")
        if p.media_ms is None:
            bits.append("not in the recording")
        from rich.markup import escape

        box.update(f"[dim]{' · '.join(bits)}[/]\n{escape(p.text)}")

    # --- the list and the timeline, bound ----------------------------------------------------------

    @on(VirtualTable.Highlighted, "#transcript")
    def highlighted(self, event: VirtualTable.Highlighted) -> None:
        self.update_phrase(event.index)
        if not len(self.listing) or self.review is None:
            return
        p = self.listing.phrase(event.index)
        index = self.listing.rows[event.index]
        if p.recording_id is not None and self.review.audio:
            rec = next(
                (k for k, a in enumerate(self.review.audio) if a.id == p.recording_id),
                self.recording,
            )
            if rec != self.recording:
                self.show_recording(rec)
        tl = self.query_one(Timeline)
        tl.select(index)
        seeking, self._seek_row = self._seek_row == event.index, None
        if p.media_ms is not None and not seeking:  # a seek already put the playhead where it wants
            frame = p.media_ms * tl.rate // 1000
            tl.set_playhead(frame)
            if self.player is not None and self.player_recording == self.recording:
                self.player.seek(frame)
        self.update_bar()

    @on(VirtualTable.Selected, "#transcript")
    def selected(self) -> None:
        self.action_play_phrase()

    @on(Timeline.Seek)
    def seek(self, event: Timeline.Seek) -> None:
        tl = self.query_one(Timeline)
        tl.set_playhead(event.frame, follow=False)
        if self.player is not None and self.player_recording == self.recording:
            self.player.seek(event.frame)
        a = self.audio()
        if a:
            row = self.listing.row_at(a.id, event.frame * 1000 // a.rate)
            if row is not None:
                self._seek_row = row
                self.select_row(row)
        self.update_bar()

    def select_row(self, row: int) -> None:
        table = self.query_one(TranscriptTable)
        if table.cursor == row:
            table.post_message(VirtualTable.Highlighted(table, row))
        table.cursor = row

    def action_zoom(self, factor: float) -> None:
        self.query_one(Timeline).zoom(float(factor))

    def action_zoom_all(self) -> None:
        self.query_one(Timeline).zoom_all()

    def action_pan(self, fraction: float) -> None:
        self.query_one(Timeline).pan(float(fraction))

    def action_next_recording(self) -> None:
        if self.review and len(self.review.audio) > 1:
            self.stop_playback()
            self.show_recording((self.recording + 1) % len(self.review.audio))

    # --- filters and search ---------------------------------------------------------------------------

    def _keep_place(self, change) -> None:
        """Apply a change to the listing, keeping the same phrase selected if it is still shown."""
        table = self.query_one(TranscriptTable)
        current = self.listing.rows[table.cursor] if len(self.listing) else None
        change()
        table.reload(keep=False)
        row = self.listing.row_of(current) if current is not None else None
        if row is None and current is not None:  # the nearest shown phrase after it
            row = next(
                (r for r, i in enumerate(self.listing.rows) if i > current), len(self.listing) - 1
            )
        if row is not None and row >= 0 and len(self.listing):
            self.select_row(row)
        self.now_row = None
        self.update_bar()

    def action_toggle_role(self, role: str) -> None:
        self._keep_place(lambda: self.listing.toggle(role))

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.add_class("-shown")
        box.focus()

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        self.listing.search(event.value)
        self.query_one(TranscriptTable).refresh()
        self.update_bar()

    @on(Input.Submitted, "#search")
    def search_done(self) -> None:
        table = self.query_one(TranscriptTable)
        table.focus()
        self.action_next_hit(1, from_row=table.cursor - 1)

    def action_next_hit(self, direction: int, from_row: int | None = None) -> None:
        table = self.query_one(TranscriptTable)
        if not self.listing.query:
            self.action_search()
            return
        row = self.listing.next_hit(table.cursor if from_row is None else from_row, int(direction))
        if row is None:
            self.gapp.notify(
                f"No shown phrase contains “{self.listing.query}”.", severity="warning", timeout=4
            )
            return
        self.select_row(row)

    def action_clear_search(self) -> None:
        box = self.query_one("#search", Input)
        if box.value or box.has_class("-shown"):
            box.value = ""
            box.remove_class("-shown")
            self.listing.search("")
            self.query_one(TranscriptTable).focus()
            self.update_bar()

    def action_speaker(self, direction: int) -> None:
        table = self.query_one(TranscriptTable)
        row = (
            self.listing.next_speaker_change(table.cursor, int(direction))
            if len(self.listing)
            else None
        )
        if row is not None:
            self.select_row(row)

    def action_copy_phrase(self) -> None:
        if len(self.listing):
            text = self.listing.copy_text(self.query_one(TranscriptTable).cursor)
            self.gapp.copy_to_clipboard(text)
            self.gapp.notify(f"Copied: {text[:80]}", timeout=3)

    def action_toggle_metrics(self) -> None:
        self.query_one("#metrics").toggle_class("-hidden")

    # --- playback -----------------------------------------------------------------------------------

    def ensure_player(self) -> bool:
        a = self.audio()
        if a is None:
            self.gapp.notify("No recording to play.", severity="warning")
            return False
        if self.player is None:
            backend = getattr(self.gapp, "player_backend", None)
            if backend is None:
                status = playback.available()
                if not status.ok:
                    self.gapp.notify(
                        f"No audio here: {status.reason}. Press b to play it in a browser.",
                        title="Playback",
                        severity="warning",
                        timeout=8,
                    )
                    return False
            self.player = playback.Player(backend)
            self.player.on_end = lambda: self.gapp.call_from_thread(self.playback_ended)
        if self.player_recording != self.recording:
            from genesys_tui.media.wavio import memmap

            mapped = memmap(a.path)
            if mapped is None:  # a WAV that needs decoding: small enough in practice (µ-law etc.)
                from genesys_tui.media.peaks import samples

                self.player.load(samples(a.path, 0, a.frames), a.rate)
            else:
                self.player.load(mapped[0], a.rate, mapped[1])
            self.player_recording = self.recording
        return True

    def _start(self, start: int, end: int | None = None) -> None:
        try:
            self.player.play(start, end, self.speed)  # type: ignore[union-attr]
        except playback.PlaybackUnavailable as e:
            self.gapp.notify(
                f"Playback failed: {e}. Press b to play it in a browser.", severity="error"
            )
            return
        if self._ticker is None:
            self._ticker = self.set_interval(0.1, self.tick)
        self.update_title()

    def action_play_pause(self) -> None:
        if self.player is not None and self.player.playing:
            self.player.pause()
            self.update_title()
            return
        if self.ensure_player():
            self._start(self.query_one(Timeline).playhead)

    def action_play_phrase(self) -> None:
        if not len(self.listing):
            return
        p = self.listing.phrase(self.query_one(TranscriptTable).cursor)
        if p.media_ms is None:
            self.gapp.notify(
                "This phrase was said while the recording was paused.", severity="warning"
            )
            return
        if self.ensure_player():
            rate = self.audio().rate  # type: ignore[union-attr]
            self._start(p.media_ms * rate // 1000, (p.media_ms + p.duration_ms) * rate // 1000)

    def action_speed(self, step: int) -> None:
        k = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - self.speed))
        self.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, k + int(step)))]
        if self.player is not None:
            self.player.set_speed(self.speed)
        self.update_title()

    def tick(self) -> None:
        """While playing: the playhead follows the audio, the phrase being heard is highlighted and
        scrolled into view (the cursor stays where the reviewer put it)."""
        if self.player is None:
            return
        a = self.audio()
        tl = self.query_one(Timeline)
        tl.set_playhead(self.player.position)
        if a is not None:
            row = self.listing.row_at(a.id, self.player.position * 1000 // a.rate)
            if row != self.now_row:
                self.now_row = row
                table = self.query_one(TranscriptTable)
                if row is not None:
                    table.scroll_to_region(table.row_region(row), animate=False)
                table.refresh()
        self.update_bar()
        if not self.player.playing:
            self.playback_ended()

    def playback_ended(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self.update_title()

    def stop_playback(self) -> None:
        if self.player is not None:
            self.player.stop()
        self.playback_ended()

    # --- browser playback, export, open ----------------------------------------------------------------

    def action_browser(self) -> None:
        if self.review is None or not self.review.audio:
            self.gapp.notify("Open a conversation with a recording first.", severity="warning")
            return
        from genesys_tui.flows.review.serve import PlaybackServer

        app = self.gapp
        old = getattr(app, "playback_server", None)
        if old is not None:
            old.stop()
        cfg = app.config
        try:
            server = PlaybackServer(
                self.review,
                host=cfg.review.serve_host,
                port=cfg.review.serve_port,
                bitrate=cfg.media.opus_bitrate,
            ).start()
        except (OSError, RuntimeError) as e:
            app.notify(f"Cannot start browser playback: {e}", severity="error")
            return
        app.playback_server = server
        app.copy_to_clipboard(server.url)
        opened = False
        if (
            sys.platform in ("darwin", "win32")
            or os.environ.get("DISPLAY")
            or os.environ.get("WAYLAND_DISPLAY")
        ):
            import webbrowser

            opened = webbrowser.open(server.url)  # no terminal browsers without a desktop
        app.notify(
            f"{'Opened' if opened else 'Open'} {server.url}\n(copied; over SSH, forward the port with "
            f"ssh -L {server.server.port}:127.0.0.1:{server.server.port})",
            title="Browser playback",
            timeout=20,
        )
        self.update_bar()

    def action_export(self) -> None:
        if self.review is None:
            return
        if self.review.transcript is None:
            self.gapp.notify("No transcript to export.", severity="warning")
            return
        app = self.gapp
        filtered = len(self.listing.shown_roles) < 3

        def chosen(choice: ExportChoice | None) -> None:
            if choice is not None:
                self.export(choice)

        app.push_screen(ExportDialog(app.default_target(), filtered), chosen)

    @work(exclusive=True, group="review-export", exit_on_error=False)
    async def export(self, choice: ExportChoice) -> None:
        import asyncio

        from genesys_tui.flows.review.archive import archive
        from genesys_tui.flows.review.listing import FILTER_ROLES
        from genesys_tui.storage.sinks import open_target

        app = self.gapp
        roles = (
            [r for f in self.listing.shown_roles for r in FILTER_ROLES[f]]
            if choice.shown_roles_only
            else None
        )
        try:
            _, sink = open_target(choice.target, app.target.profile)
            written = await asyncio.to_thread(
                archive,
                self.review,
                sink,
                app.session.names,
                choice.formats,
                roles,
            )
        except Exception as e:  # noqa: BLE001
            app.notify(
                user_message(e) or f"{type(e).__name__}: {e}",
                title="Export failed",
                severity="error",
                timeout=10,
            )
            return
        app.notify("\n".join(written), title=f"Exported {len(written)} file(s)", timeout=10)

    def action_open_by_id(self) -> None:
        def chosen(text: str | None) -> None:
            if not text:
                return
            try:
                self.open(safe_id(text, "conversation id"))
            except InvalidId as e:
                self.gapp.notify(str(e), severity="error")

        self.gapp.push_screen(
            PromptDialog("Review conversation", "paste a conversation ID"), chosen
        )

    def action_reload(self) -> None:
        if self.review is not None:
            self.load(self.review.id, refresh=True)
