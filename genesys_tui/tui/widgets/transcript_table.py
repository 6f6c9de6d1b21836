"""The transcript list: time, speaker and phrase, coloured by role (app.tcss), with the phrase
being heard and search hits marked."""

from __future__ import annotations

from genesys_tui.flows.browse.table import Column
from genesys_tui.tui.widgets.virtual_table import VirtualTable

COLUMNS = (
    Column("time", "Time", 8, False),
    Column("role", "Speaker", 9, False),
    Column("text", "Phrase", 400, False),
)


class TranscriptTable(VirtualTable):
    COMPONENT_CLASSES = VirtualTable.COMPONENT_CLASSES | {
        "virtual-table--agent",
        "virtual-table--customer",
        "virtual-table--ivr",
        "virtual-table--system",
        "virtual-table--hit",
        "virtual-table--now",
    }
