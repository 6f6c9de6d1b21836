"""Review: a conversation's transcript aligned to its waveform, bound both ways (a phrase selected
moves the playhead; playback highlights the phrase heard). Role filters, search, speaker changes,
copy, QA metrics, exports, playback here or in a browser."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from genesys_tui.core.errors import user_message
from genesys_tui.core.ids import InvalidId, id_problem, uuid_id
from genesys_tui.flows.review.links import Moment
from genesys_tui.flows.review.listening import Listening
from genesys_tui.flows.review.listing import PhraseList
from genesys_tui.flows.review.session import Audio, Review, ReviewError
from genesys_tui.media import playback
from genesys_tui.tui.screens.base import BACK, AppScreen
from genesys_tui.tui.screens.dialogs import ExportChoice, ExportDialog, PromptDialog
from genesys_tui.tui.screens.review_evaluate import ReviewEvaluate
from genesys_tui.tui.screens.review_layout import ROOMY, form_beside, metrics_beside, timeline_rows
from genesys_tui.tui.screens.review_marks import ReviewMarks
from genesys_tui.tui.screens.review_playback import PlaybackControls
from genesys_tui.tui.screens.review_text import HELP, bar_text, phrase_text, title_text
from genesys_tui.tui.widgets.evaluation_form import EvaluationForm
from genesys_tui.tui.widgets.footer import AppFooter
from genesys_tui.tui.widgets.header import AppHeader
from genesys_tui.tui.widgets.timeline import Span, Timeline
from genesys_tui.tui.widgets.transcript_table import COLUMNS, TranscriptTable
from genesys_tui.tui.widgets.virtual_table import VirtualTable


class ReviewScreen(ReviewMarks, ReviewEvaluate, PlaybackControls, AppScreen):
    BINDINGS = [
        Binding("space", "play_pause", "Play/pause", id="review.play-pause"),
        Binding("p", "play_phrase", "Play phrase", id="review.play-phrase"),
        Binding(
            "plus,equals_sign",
            "zoom(0.5)",
            "Zoom in",
            key_display="+",
            show=False,
            id="review.zoom-in",
        ),
        Binding("minus", "zoom(2)", "Zoom out", key_display="-", show=False, id="review.zoom-out"),
        Binding("0", "zoom_all", "Whole call", show=False, id="review.zoom-all"),
        Binding("left,h", "pan(-0.25)", "Pan left", show=False, id="review.pan-left"),
        Binding("right,l", "pan(0.25)", "Pan right", show=False, id="review.pan-right"),
        Binding("a", "toggle_role('agent')", "Agent", show=False, id="review.toggle-role-agent"),
        Binding(
            "c", "toggle_role('customer')", "Customer", show=False, id="review.toggle-role-customer"
        ),
        Binding("i", "toggle_role('ivr')", "IVR", show=False, id="review.toggle-role-ivr"),
        Binding("slash", "search", "Search", id="review.search"),
        Binding("n", "next_hit(1)", "Next hit", show=False, id="review.next-hit"),
        Binding("N", "next_hit(-1)", "Previous hit", show=False, id="review.previous-hit"),
        Binding("s", "speaker(1)", "Next speaker", id="review.next-speaker"),
        Binding("S", "speaker(-1)", "Previous speaker", show=False, id="review.previous-speaker"),
        Binding("y", "copy_link", "Copy link", show=False, id="review.copy-link"),
        Binding("Y", "copy_phrase", "Copy phrase", show=False, id="review.copy-phrase"),
        Binding("M", "toggle_metrics", "Metrics", show=False, id="review.toggle-metrics"),
        Binding("m", "bookmark", "Bookmark", id="review.bookmark"),
        Binding("w", "write_bookmarks", "Write bookmarks", show=False, id="review.write-marks"),
        Binding("apostrophe", "next_bookmark", "Next bookmark", show=False, id="review.next-mark"),
        Binding("right_square_bracket", "sample(1)", "Next sampled", show=False, id="review.next"),
        Binding("left_square_bracket", "sample(-1)", "Prev sampled", show=False, id="review.prev"),
        Binding("e", "export", "Export", id="review.export"),
        Binding("v", "evaluate", "Evaluate", id="review.evaluate"),
        Binding("b", "browser", "Browser", show=False, id="review.browser"),
        Binding("o", "open_by_id", "Open ID", show=False, id="review.open-by-id"),
        Binding("r", "next_recording", "Next recording", show=False, id="review.next-recording"),
        Binding("R", "reload", "Reload", show=False, id="review.reload"),
        Binding("A", "party('agent')", "Agent solo/mute", show=False, id="review.party-agent"),
        Binding(
            "C", "party('customer')", "Customer solo/mute", show=False, id="review.party-customer"
        ),
        Binding("I", "party('ivr')", "IVR solo/mute", show=False, id="review.party-ivr"),
        Binding("z", "skip", "Skip silence", show=False, id="review.skip"),
        Binding("left_parenthesis", "loop_in", "Loop in", show=False, id="review.loop-in"),
        Binding("right_parenthesis", "loop_out", "Loop out", show=False, id="review.loop-out"),
        Binding("backslash", "loop_clear", "Clear loop", show=False, id="review.loop-clear"),
        Binding(
            "right_curly_bracket", "same_role(1)", "Next of role", show=False, id="review.next-role"
        ),
        Binding(
            "left_curly_bracket", "same_role(-1)", "Prev of role", show=False, id="review.prev-role"
        ),
        Binding("less_than_sign", "speed(-1)", "Slower", show=False, id="review.slower"),
        Binding("greater_than_sign", "speed(1)", "Faster", show=False, id="review.faster"),
        Binding(BACK + ",q", "clear_search", "Back / clear search", show=False, id="review.back"),
    ]
    HELP = HELP
    AUTO_FOCUS = "#transcript"

    def __init__(self) -> None:
        super().__init__()
        self.review: Review | None = None
        self._wanted: str | None = None
        self.listing = PhraseList(None)
        self.recording = 0  # index into review.audio shown on the timeline
        self.fetching = False  # not `loading`: that is Textual's reactive, and covers the screen
        self.player: playback.Player | None = None
        self.player_recording: int | None = None
        self.speed = 1.0
        self.listening = Listening()
        self.metrics_hidden = False  # M on a wide screen: the side panel put away
        self.metrics_over = False  # M on a narrow one: the metrics instead of the transcript
        self.now_row: int | None = None
        self._ticker = None  # while playing: moves the playhead with the audio
        self._seek_row: int | None = None  # the row a seek selected: keep the playhead
        # Opened at a moment: the row it lands on. Until that row's highlight arrives, an older
        # one (the table reset to its first row) must not move the playhead off the moment.
        self._moment_row: int | None = None

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
            yield EvaluationForm(id="evaluation")
        yield Static("", id="phrase")
        yield AppFooter()

    def on_mount(self) -> None:
        if self._wanted:
            self.load(self._wanted, refresh=False)
        self.update_bar()
        self.fit_layout()

    def on_resize(self) -> None:
        self.fit_layout()

    def on_descendant_focus(self) -> None:
        self.fit_layout()

    def fit_layout(self) -> None:
        """What fits the terminal: at least MIN_ROWS transcript rows (the waveform's lanes shrink
        first, then the spacing goes), and side panels beside the transcript only while it keeps
        TRANSCRIPT_MIN columns; on a narrow screen the form or the metrics take its place while
        they are in use (v and M switch back)."""
        w, h = self.size
        if not w or not h:
            return
        self.set_class(h < ROOMY, "-short")
        tl = self.query_one(Timeline)
        height = timeline_rows(h, self.query_one("#search").has_class("-shown"))
        if tl.styles.height is None or tl.styles.height.value != height:
            tl.styles.height = height
        form, box, metrics = (
            self.query_one(EvaluationForm),
            self.query_one("#transcript-box"),
            self.query_one("#metrics"),
        )
        beside = form_beside(w)
        form_full = self.form_open and not beside and form.has_focus
        form.display = self.form_open and (beside or form_full)
        fits = metrics_beside(w, form.display and beside)
        metrics_full = not fits and self.metrics_over and not form_full
        metrics.display = (fits and not self.metrics_hidden) or metrics_full
        box.display = not (form_full or metrics_full)
        self.set_class(form_full or metrics_full, "-panel-full")

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

    def open(self, conversation_id: str, moment: Moment | None = None) -> None:
        self._moment = moment  # where to go once it is shown
        if self.is_mounted:
            self.load(conversation_id, refresh=False)
        else:
            self._wanted = conversation_id  # loaded by on_mount

    @work(exclusive=True, group="review-load", exit_on_error=False)
    async def load(self, conversation_id: str, refresh: bool = False) -> None:
        services = self.gapp.services
        if services is None:
            self.gapp.notify("Not signed in yet.", severity="warning")
            return
        service = services.review
        self.fetching = True
        title = self.query_one("#title", Static)
        title.update(f"Loading {conversation_id}…")
        try:
            review = await service.open(
                conversation_id,
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
        self.call_after_refresh(self.go_to_moment)  # after show()'s own selection has landed

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
        if len(self.listing) and self._moment is None:  # a moment selects its own row
            self.select_row(0)
        table.focus()
        self.evaluation_follows()  # an open form now shows this call's draft

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
        self.mark_timeline()
        self.update_title()

    # --- text ---------------------------------------------------------------------------------------

    def update_title(self) -> None:
        if self.review is None:
            return
        names = self.gapp.session.names if self.gapp.session else {}
        playing = bool(self.player and self.player.playing)
        self.query_one("#title", Static).update(
            title_text(
                self.review,
                names,
                self.audio(),
                self.recording,
                playing,
                self.speed,
                self.listening,
            )
        )

    def update_bar(self) -> None:
        tl, server = self.query_one(Timeline), self.gapp.playback_server
        playhead = tl.playhead * 1000 // tl.rate if tl.frames else None
        text = bar_text(self.listing, self.review, playhead, server.url if server else None)
        self.query_one("#bar", Static).update(text)

    def update_phrase(self, row: int | None) -> None:
        has = row is not None and len(self.listing)
        self.query_one("#phrase", Static).update(phrase_text(self.listing, row) if has else "")

    # --- the list and the timeline, bound ----------------------------------------------------------

    @on(VirtualTable.Highlighted, "#transcript")
    def highlighted(self, event: VirtualTable.Highlighted) -> None:
        self.update_phrase(event.index)
        if not len(self.listing) or self.review is None:
            return
        if self._moment is not None:  # about to go to a moment: it places the playhead
            return
        if self._moment_row is not None:
            if event.index != self._moment_row:
                return  # a highlight from before the moment was applied
            self._moment_row = None
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
            ms = event.frame * 1000 // a.rate
            row = self.listing.row_at(a.id, ms)
            if row is not None:
                self._seek_row = row
                self.select_row(row)
            self.show_word(row, ms)
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
        n = len(self.review.audio) if self.review else 0
        if n > 1:
            self.stop_playback()
            self.show_recording((self.recording + 1) % n)
            self.gapp.notify(f"Recording {self.recording + 1} of {n}", timeout=3)
        else:
            self.gapp.notify(f"This call has {'one' if n else 'no'} recording.", timeout=3)

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
        hidden = {"agent", "customer"} - set(self.listing.shown_roles)
        self.query_one(Timeline).set_dimmed(hidden)  # a lane per party: agent, customer

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
        """Esc (Backspace, q where no input has focus): clears the search; with none, goes back
        to where the call was opened from."""
        box = self.query_one("#search", Input)
        if box.value or box.has_class("-shown"):
            box.value = ""
            box.remove_class("-shown")
            self.listing.search("")
            self.query_one(TranscriptTable).focus()
            self.update_bar()
            return
        self.gapp.go_back()

    def action_speaker(self, direction: int) -> None:
        table = self.query_one(TranscriptTable)
        row = (
            self.listing.next_speaker_change(table.cursor, int(direction))
            if len(self.listing)
            else None
        )
        if row is not None:
            self.select_row(row)

    def action_same_role(self, direction: int) -> None:
        """} / {: the next / previous phrase said by the selected phrase's speaker."""
        table = self.query_one(TranscriptTable)
        row = self.listing.next_of_role(table.cursor, int(direction)) if len(self.listing) else None
        if row is not None:
            self.select_row(row)

    # --- browser playback, export, open ----------------------------------------------------------------

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
        from genesys_tui.flows.review.listing import FILTER_ROLES

        app = self.gapp
        roles = (
            [r for f in self.listing.shown_roles for r in FILTER_ROLES[f]]
            if choice.shown_roles_only
            else None
        )
        try:
            assert app.services is not None and app.session is not None and self.review
            written = await app.services.review.export(
                self.review, choice.target, choice.formats, roles, names=app.session.names
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
        if app.is_web:  # a browser tab: the files come to the user's browser too
            for location in written:
                if Path(location).is_file():
                    app.deliver_binary(Path(location))

    def action_open_by_id(self) -> None:
        def chosen(text: str | None) -> None:
            if not text:
                return
            try:
                self.open(uuid_id(text))
            except InvalidId as e:
                self.gapp.notify(str(e), severity="error")

        self.gapp.push_screen(
            PromptDialog("Review conversation", "paste a conversation ID", check=id_problem), chosen
        )

    def action_reload(self) -> None:
        if self.review is not None:
            self.load(self.review.id, refresh=True)
