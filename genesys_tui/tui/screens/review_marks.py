"""Review's bookmarks: `m` marks the playhead's moment with a note (kept on this machine, per org),
`w` writes the call's bookmarks to Genesys as recording annotations, `'` jumps to the next one;
they are listed under the metrics, Genesys's own marked as such."""

from __future__ import annotations

from rich.markup import escape
from textual import work
from textual.widgets import Static

from genesys_tui.core.errors import UserError, user_message
from genesys_tui.flows.review.links import Moment
from genesys_tui.flows.review.marks import Mark
from genesys_tui.tui.screens.dialogs import PromptDialog
from genesys_tui.tui.screens.review_layout import form_beside, metrics_beside
from genesys_tui.tui.screens.review_text import metrics_text
from genesys_tui.tui.widgets.timeline import Timeline


def marks_text(marks: list[Mark], recording_ids: list[str]) -> str:
    if not marks:
        return "\n\n[b]Bookmarks[/]\n[dim]none: m marks the playhead[/]"
    lines = ["", "", "[b]Bookmarks[/]"]  # a blank line after the metrics or topics
    for m in marks:
        n = recording_ids.index(m.recording_id) + 1 if m.recording_id in recording_ids else 0
        where = f"{n}/" if len(recording_ids) > 1 else ""
        tag = " [dim](Genesys)[/]" if m.source == "genesys" else (" ✓" if m.annotation_id else "")
        lines.append(f"{where}{m.clock} {escape(m.note) or '-'}{tag}")
    return "\n".join(lines)


class ReviewMarks:
    """Mixed into ReviewScreen (review, audio(), gapp, seek(), show_recording())."""

    _moment: Moment | None = None

    def playhead_ms(self) -> int:
        tl = self.query_one(Timeline)
        return tl.playhead * 1000 // tl.rate if tl.frames else 0

    def go_to_moment(self) -> None:
        """After `genesys-tui open ID@MM:SS`: that recording, the playhead at that time."""
        m, self._moment = self._moment, None
        if m is None or self.review is None or not self.review.audio:
            return
        if m.recording and m.recording > len(self.review.audio):
            self.notify(
                f"The call has {len(self.review.audio)} recording(s), not {m.recording}.",
                severity="warning",
            )
            return
        if m.recording:
            self.show_recording(m.recording - 1)
        tl = self.query_one(Timeline)
        if tl.frames:
            self.seek(Timeline.Seek(min(tl.frames - 1, m.ms * tl.rate // 1000)))
            self._moment_row = self._seek_row  # the row the seek selected (None: none)

    def moment(self) -> Moment | None:
        if self.review is None:
            return None
        several = len(self.review.audio) > 1
        return Moment(self.review.id, self.recording + 1 if several else None, self.playhead_ms())

    def action_copy_phrase(self) -> None:
        """Y: the selected phrase with its time and speaker."""
        if len(self.listing):
            text = self.listing.copy_text(self.query_one("#transcript").cursor)
            self.gapp.copy_to_clipboard(text)
            self.gapp.notify(f"Copied: {text[:80]}", timeout=3)

    def action_copy_link(self) -> None:
        """y: the playhead's moment as a command that opens Review there."""
        m = self.moment()
        if m is None:
            self.notify("No call open.", severity="warning")
            return
        text = f"genesys-tui open {m.text()}"
        self.gapp.copy_to_clipboard(text)
        self.notify(f"Copied: {text}", timeout=4)

    def bookmarks(self) -> list[Mark]:
        service = self.gapp.services.review if self.gapp.services else None
        if service is None or self.review is None:
            return []
        try:
            return service.bookmarks(self.review)
        except (UserError, OSError) as e:  # an unreadable file: say it, show none
            self.notify(user_message(e) or str(e), title="Bookmarks", severity="error")
            return []

    def update_metrics(self) -> None:
        """The side panel: the QA metrics, the topics, the bookmarks."""
        marks = self.bookmarks()  # read once for the panel and the timeline
        ids = [a.id for a in self.review.audio] if self.review else []
        side = metrics_text(self.review) + (marks_text(marks, ids) if self.review else "")
        self.query_one("#metrics", Static).update(side)
        self.mark_timeline(marks)

    def mark_timeline(self, marks: list[Mark] | None = None) -> None:
        """The shown recording's bookmarks, as ◆ on the timeline's ruler."""
        audio = self.audio()
        if marks is None:
            marks = self.bookmarks() if self.review and audio else []
        self.query_one(Timeline).set_marks(
            [m.ms for m in marks if audio and m.recording_id == audio.id]
        )

    def action_toggle_metrics(self) -> None:
        """M: the metrics panel away and back; on a narrow screen, instead of the transcript."""
        form_shown = self.form_open and form_beside(self.size.width)
        if metrics_beside(self.size.width, form_shown):
            self.metrics_hidden = not self.metrics_hidden
        else:
            self.metrics_over = not self.metrics_over
        self.fit_layout()

    def action_bookmark(self) -> None:
        audio = self.audio()
        if self.review is None or audio is None:
            self.notify("Open a call with a recording to bookmark a moment.", severity="warning")
            return
        ms = self.playhead_ms()
        clock = f"{ms // 60000:02d}:{ms // 1000 % 60:02d}"

        def noted(text: str | None) -> None:
            if text is None:
                self.notify("Not bookmarked.", timeout=3)
                return
            try:
                self.gapp.services.review.bookmark(self.review, audio.id, ms, text)
            except (UserError, OSError) as e:
                self.notify(user_message(e) or str(e), title="Bookmark", severity="error")
                return
            self.notify(f"Bookmarked {clock}. w writes the call's bookmarks to Genesys.", timeout=5)
            self.update_metrics()

        self.gapp.push_screen(
            PromptDialog(f"Bookmark {clock}", "a note (what happens here)", "", hint=""), noted
        )

    @work(exclusive=True, group="review-marks", exit_on_error=False)
    async def action_write_bookmarks(self) -> None:
        if self.review is None or self.gapp.services is None:
            self.notify("No call open.", severity="warning")
            return
        try:
            written = await self.gapp.services.review.write_bookmarks(self.review)
        except (UserError, OSError) as e:  # a missing permission, most likely: say it
            self.notify(user_message(e) or str(e), title="Bookmarks", severity="error", timeout=10)
            return
        self.notify(
            f"{len(written)} bookmark(s) written to Genesys as recording annotations."
            if written
            else "No bookmark of this call to write: m marks a moment.",
            title="Bookmarks",
        )
        self.update_metrics()

    def action_sample(self, step: int) -> None:
        """] / [: the next / previous call of the org's current sample (`genesys-tui sample`)."""
        from genesys_tui.flows.review.sample import SampleStore

        session = self.gapp.session
        if session is None or session.scope is None:
            return
        try:
            sample = SampleStore(session.scope.data_dir / "sample.json").load()
        except (UserError, OSError) as e:  # an unreadable file: say so
            self.notify(user_message(e) or str(e), title="Sample", severity="error")
            return
        ids = sample.ids() if sample else []
        if not ids:
            self.notify("No sample yet: press p in Browse to draw one from the calls it lists.")
            return
        here = ids.index(self.review.id) if self.review and self.review.id in ids else -1
        k = here + step if here >= 0 else (0 if step > 0 else len(ids) - 1)
        if not 0 <= k < len(ids):
            self.notify(f"{'Last' if step > 0 else 'First'} call of the sample.", timeout=3)
            return
        self.notify(f"Sample: call {k + 1} of {len(ids)}", timeout=3)
        self.gapp.open_review(ids[k])

    def action_next_bookmark(self) -> None:
        audio = self.audio()
        marks = [m for m in self.bookmarks() if audio is not None and m.recording_id == audio.id]
        if not marks:
            self.notify("No bookmark on this recording.", timeout=3)
            return
        tl = self.query_one(Timeline)
        here = tl.playhead * 1000 // tl.rate if tl.frames else 0
        after = [m for m in marks if m.ms > here + 500]
        target = (after or marks)[0]
        self.seek(Timeline.Seek(target.ms * tl.rate // 1000))  # as a click on the timeline
        self.notify(f"{target.clock} {target.note}", timeout=4)
