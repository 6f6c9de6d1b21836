"""Browse's downloads: `d` queues the selected call, `D` the calls marked with space (or, none
marked, every listed call), after a dialog (format, target, batch) that says what it takes and why
the rest is left, and, for many, a confirmation. A mixin of BrowseScreen: it reads the screen's
model, marks and selection."""

from __future__ import annotations

from genesys_tui.core.errors import user_message
from genesys_tui.flows.pull import meta as job_meta
from genesys_tui.tui.screens.dialogs import ConfirmDialog, QueueChoice, QueueDialog


class Queueing:
    def action_queue_selected(self) -> None:
        s = self.selected()
        if s is None:
            return
        if s.end is None:
            self.gapp.notify(
                "This call is still live: its recording becomes available when it ends.",
                severity="warning",
            )
        elif not s.has_recording:
            self.gapp.notify("This conversation has no recording.", severity="warning")
        else:
            self._queue([s], f"conversation {s.conversation_id[:8]}…")

    def action_queue_all(self) -> None:
        marked = bool(self.marks)
        every = (
            list(self.marks.values())
            if marked
            else [self.model.summary(i) for i in range(len(self.model))]
        )
        rows, why = takes(every, "marked" if marked else "listed")
        if not rows:
            self.gapp.notify(f"Nothing to download: {why}.", severity="warning")
            return
        self._queue(rows, why, after=self.marks.clear if marked else None)

    def _queue(self, rows, what: str, after=None) -> None:
        app = self.gapp
        if app.services is None:
            app.notify("The queue is not available.", severity="error")
            return

        def chosen(choice: QueueChoice | None) -> None:
            if choice is None:
                self._not_queued()
                return
            if len(rows) > 20:
                app.push_screen(
                    ConfirmDialog(
                        "Queue downloads",
                        f"Queue {what} as {choice.format} into {choice.target}?",
                        "Queue",
                    ),
                    lambda ok: self._enqueue(rows, choice, after) if ok else self._not_queued(),
                )
            else:
                self._enqueue(rows, choice, after)

        app.push_screen(
            QueueDialog(what, app.default_target(), "mono", batch=len(rows) > 50), chosen
        )

    def _not_queued(self) -> None:
        self.gapp.notify("Cancelled; nothing was queued.", timeout=3)

    def _enqueue(self, rows, choice: QueueChoice, after=None) -> None:
        app = self.gapp
        try:
            n = app.enqueue(
                [(r.conversation_id, job_meta.from_summary(r, app.session.names)) for r in rows],
                choice,
            )
        except Exception as e:  # noqa: BLE001
            app.notify(user_message(e) or str(e), title="Cannot queue", severity="error")
            return
        if after is not None:  # the marks are taken: cleared
            after()
            self.query_one("VirtualTable").refresh()
            self.set_status()
        pull = app.services.pull
        if pull.busy:  # another process runs this org's queue: handed to it
            who = pull.holder()
            app.notify(
                f"Handed {n} conversation(s) to {who or 'the genesys-tui'} that runs this org's "
                "queue. Press 2 to follow them.",
                title="Downloads",
            )
            return
        app.notify(
            f"Queued {n} conversation(s) as {choice.format}. Press 2 for the queue.",
            title="Downloads",
        )


def takes(summaries, how: str) -> tuple[list, str]:
    """What a download takes of these calls, and in words what it leaves and why: "257 listed:
    212 with recordings, 30 still in progress (their recordings come when they end), 15 without
    a recording"."""
    rows = [s for s in summaries if s.has_recording and s.end is not None]
    live = sum(1 for s in summaries if s.end is None)
    none = len(summaries) - len(rows) - live
    parts = [f"{len(rows):,} with recordings"]
    if live:
        parts.append(f"{live:,} still in progress (their recordings come when they end)")
    if none:
        parts.append(f"{none:,} without a recording")
    return rows, f"{len(summaries):,} {how}: " + ", ".join(parts)
