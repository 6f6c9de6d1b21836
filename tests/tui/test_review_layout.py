"""Review on a cramped terminal: at 80x24 at least eight transcript rows (the waveform shrinks,
side panels make way), at 100 columns the title keeps the player's state and the footer its `?`,
the waveform follows a resize at once, and on a narrow screen the form and the metrics take the
transcript's place while in use."""

from __future__ import annotations

from textual.widgets import Static

from genesys_tui.tui.widgets.evaluation_form import EvaluationForm
from genesys_tui.tui.widgets.footer import AppFooter
from genesys_tui.tui.widgets.timeline import Timeline
from genesys_tui.tui.widgets.transcript_table import TranscriptTable
from tests.tui.conftest import idle, wait_for
from tests.tui.test_review import reviewing


def footer_text(screen) -> str:
    footer = screen.query_one(AppFooter)
    keys = [
        k
        for k in footer.query("FooterKey")
        if k.region.width and k.region.right <= footer.size.width
    ]
    return " ".join(f"{k.key_display} {k.description}" for k in keys)


async def test_review_fits_80x24_and_100_columns(emulator, tmp_path):
    async with reviewing(emulator, tmp_path) as (app, pilot, screen):
        tl, table = screen.query_one(Timeline), screen.query_one(TranscriptTable)
        await pilot.resize_terminal(80, 24)
        await idle(pilot)
        assert table.size.height - 1 >= 8  # rows under the table's header
        assert tl.size.height < 12 and tl.size.width == 80  # the waveform gave way, and follows
        assert not screen.query_one("#metrics").display  # no room beside: put away
        assert "? Help" in footer_text(screen)
        before = tl.render_line(1).text
        await pilot.resize_terminal(100, 30)
        await idle(pilot)
        assert tl.size.width == 100 and tl.render_line(1).cell_length == 100
        assert tl.render_line(1).text != before  # redrawn for the new width, at once
        title = str(screen.query_one("#title", Static).render())
        assert "recording 1/1" in title and "paused" in title and "1×" in title
        assert "? Help" in footer_text(screen)
        assert screen.query_one("#metrics").display  # 60 columns are left beside it
        # narrow: the form takes the transcript's place while it is in use; v switches back
        await pilot.resize_terminal(80, 24)
        await idle(pilot)
        await pilot.press("v")
        form = screen.query_one(EvaluationForm)
        await wait_for(pilot, lambda: form.form is not None)
        assert form.display and not screen.query_one("#transcript-box").display
        assert form.size.width >= 76
        await pilot.press("v")
        await idle(pilot)
        assert screen.query_one("#transcript-box").display and table.has_focus
        assert not form.display and screen.form_open  # still open: v brings it back
        await pilot.press("v")
        await idle(pilot)
        assert form.display and form.has_focus
        await pilot.press("v")  # back to the transcript; M: the metrics instead of it
        await idle(pilot)
        await pilot.press("M")
        await idle(pilot)
        assert (
            screen.query_one("#metrics").display and not screen.query_one("#transcript-box").display
        )
        await pilot.press("M")
        await idle(pilot)
        assert screen.query_one("#transcript-box").display
        # wide: the form beside the transcript, as before
        await pilot.resize_terminal(160, 45)
        await idle(pilot)
        await pilot.press("v")
        await idle(pilot)
        assert form.display and screen.query_one("#transcript-box").display
