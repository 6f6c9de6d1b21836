"""Browse's downloads: `d` queues the selected call, `D` every listed call with a recording, after
a dialog (format, target, batch) and, for many, a confirmation. A mixin of BrowseScreen: it reads
the screen's model and selection."""

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
        rows = [self.model.summary(i) for i in range(len(self.model))]
        rows = [r for r in rows if r.has_recording and r.end is not None]
        if not rows:
            self.gapp.notify("Nothing with a recording to download.", severity="warning")
            return
        self._queue(rows, f"{len(rows):,} conversations")

    def _queue(self, rows, what: str) -> None:
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
                    lambda ok: self._enqueue(rows, choice) if ok else self._not_queued(),
                )
            else:
                self._enqueue(rows, choice)

        app.push_screen(
            QueueDialog(what, app.default_target(), "mono", batch=len(rows) > 50), chosen
        )

    def _not_queued(self) -> None:
        self.gapp.notify("Cancelled; nothing was queued.", timeout=3)

    def _enqueue(self, rows, choice: QueueChoice) -> None:
        app = self.gapp
        try:
            n = app.enqueue(
                [(r.conversation_id, job_meta.from_summary(r, app.session.names)) for r in rows],
                choice,
            )
        except Exception as e:  # noqa: BLE001
            app.notify(user_message(e) or str(e), title="Cannot queue", severity="error")
            return
        app.notify(
            f"Queued {n} conversation(s) as {choice.format}. Press 2 for the queue.",
            title="Downloads",
        )
