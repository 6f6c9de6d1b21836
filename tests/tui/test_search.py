"""Search across calls in the TUI: `/said:WORDS` in Browse lists each time it was said in the
interval's calls (against the emulator over HTTP), a speaker filter narrows it, and Enter opens
Review with the playhead at that moment."""

from __future__ import annotations

import re

from textual.widgets import DataTable, Input, Static

from genesys_tui.tui.screens.search import SearchScreen
from genesys_tui.tui.widgets.timeline import Timeline
from tests.tui.conftest import idle, make_app, settle, wait_for
from tests.tui.test_review import SIZE


def a_word_said(app, org) -> tuple[str, str]:
    """A word a customer said in a listed call (and the call)."""
    model = app.area("browse").model
    for i in range(len(model)):
        s = model.summary(i)
        k = org.find(s.conversation_id)
        if not (s.end and s.has_recording and org.transcribed[k] and not org.archived[k]):
            continue
        for p in org.detail(k).phrases:
            words = [w for w in re.findall(r"[a-z]{6,}", p.text.lower())]
            if p.role == "customer" and words:
                return words[0], s.conversation_id
    raise LookupError("no transcribed call listed")


async def test_said_in_browse_lists_moments_and_opens_review_there(fresh_emulator, tmp_path):
    srv = fresh_emulator
    org = srv.emulator.org
    app = make_app(srv, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.area("browse").set_range("today")  # a day's calls: quick to read one by one
        await settle(pilot, app)
        word, _ = a_word_said(app, org)
        await pilot.press("slash")
        box = app.area("browse").query_one("#live-filter", Input)
        box.value = f"said:{word}"
        await idle(pilot)
        assert len(app.area("browse").model) > 0  # a said: search is not a filter of the list
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.found is not None, timeout=120)
        hits = screen.found.hits
        assert hits and all(word in h.text.lower() for h in hits)
        listed = {
            app.area("browse").model.summary(i).conversation_id
            for i in range(len(app.area("browse").model))
        }
        assert {h.moment.conversation_id for h in hits} <= listed
        for h in hits:  # each hit is what the emulator's call says, at a time it says it
            said = [p for p in org.detail(org.find(h.moment.conversation_id)).phrases]
            assert any(p.text == h.text and p.role == h.role for p in said)
        status = str(screen.query_one("#status", Static).render())
        assert f"{len(hits)} time(s)" in status and ("search" in status or "scanning" in status)
        assert screen.query_one(DataTable).row_count == len(hits)
        await pilot.resize_terminal(80, 24)  # the matched words stay in sight at any width
        await idle(pilot)
        table = screen.query_one(DataTable)
        for i in range(table.row_count):
            said = table.get_row_at(i)[-1].plain
            assert word in said.lower() and len(said) <= 80 - 40, said
        await pilot.resize_terminal(*SIZE)
        await idle(pilot)
        assert set(screen.found.started) == {h.moment.conversation_id for h in hits}
        await pilot.press("r")  # agent only
        await idle(pilot)
        assert all(h.role == "agent" for h in screen.rows)
        await pilot.press("r")  # customer only: the word's speaker
        await idle(pilot)
        assert screen.rows and all(h.role == "customer" for h in screen.rows)
        target = screen.rows[-1]
        screen.query_one(DataTable).move_cursor(row=len(screen.rows) - 1)
        await idle(pilot)
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: (
                app.area("review") is not None
                and app.area("review").review is not None
                and app.area("review").review.id == target.moment.conversation_id
                and not app.area("review").fetching
            ),
        )
        tl = app.area("review").query_one(Timeline)
        await wait_for(pilot, lambda: abs(tl.playhead * 1000 // tl.rate - target.moment.ms) < 50)
