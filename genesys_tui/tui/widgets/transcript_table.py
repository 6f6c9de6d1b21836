"""The transcript list: time, speaker and phrase, coloured by role (app.tcss), with the phrase
being heard and search hits marked."""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from textual.binding import Binding
from textual.strip import Strip

from genesys_tui.flows.browse.table import Column
from genesys_tui.flows.review.search import around
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
        "virtual-table--word",
    }

    # The word being said (while playing, and where a seek lands): its row and where it is in the
    # phrase. The phrase is shown around it, so a word late in a long phrase is still in sight.
    word: tuple[int, tuple[int, int]] | None = None

    def set_word(self, row: int | None, span: tuple[int, int] | None) -> None:
        now = (row, span) if row is not None and span is not None else None
        if now != self.word:
            self.word = now
            self.refresh()

    def _text_column(self) -> tuple[int, int] | None:
        """(x, width) of the phrase column."""
        x = 0
        for col in self.columns:
            if col.key == "text":
                return x, col.width
            x += col.width + 1
        return None

    def _row_cells(self, index: int) -> Sequence[str]:
        cells = self._cells(index)
        found = self._text_column()
        if self.word is None or self.word[0] != index or found is None:
            return cells
        k = [c.key for c in self.all_columns].index("text")
        shown, self._word_at = around(cells[k], self.word[1], found[1])
        out = list(cells)
        out[k] = shown
        return out

    def _decorate(self, index: int, line: Strip, style: Style) -> Strip:
        found = self._text_column()
        if self.word is None or self.word[0] != index or found is None:
            return line
        x = found[0]
        a, b = self._word_at
        word = self.get_component_rich_style("virtual-table--word")
        parts = line.divide([x + a, x + b, line.cell_length])
        if len(parts) < 3:
            return line
        return Strip.join([parts[0], parts[1].apply_style(word), parts[2]])
