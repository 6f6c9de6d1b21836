"""Messages the app's services post; screens react to them."""

from __future__ import annotations

from textual.message import Message

from genesys_tui.flows.pull.model import JobEvent, QueueTotals


class JobChanged(Message):
    def __init__(self, event: JobEvent) -> None:
        super().__init__()
        self.event = event


class QueueChanged(Message):
    def __init__(self, totals: QueueTotals) -> None:
        super().__init__()
        self.totals = totals
