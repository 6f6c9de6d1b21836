"""The transcript list: time, speaker and phrase, coloured by role (app.tcss), with the phrase
being heard and search hits marked."""

from __future__ import annotations

from textual.binding import Binding

from genesys_tui.flows.browse.table import Column
from genesys_tui.tui.widgets.virtual_table import VirtualTable

COLUMNS = (
    Column("time", "Time", 8, False),
    Column("role", "Speaker", 9, False),
    Column("text", "Phrase", 12, False, fill=True),
)


class TranscriptTable(VirtualTable):
    # What the keys do here (help lists these, not a scrolling table's generic ones): the
    # transcript never scrolls sideways, so ←/→ pan the timeline, and Enter plays the phrase.
    BINDINGS = [
        Binding("left,h", "screen.pan(-0.25)", "Pan left", show=False, id="review.pan-left"),
        Binding("right,l", "screen.pan(0.25)", "Pan right", show=False, id="review.pan-right"),
        Binding("enter", "select", "Play phrase", show=False, id="review.play-selected"),
    ]
    COMPONENT_CLASSES = VirtualTable.COMPONENT_CLASSES | {
        "virtual-table--agent",
        "virtual-table--customer",
        "virtual-table--ivr",
        "virtual-table--system",
        "virtual-table--hit",
        "virtual-table--now",
    }
