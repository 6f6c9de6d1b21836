"""The QA loop inside the app: `p` in Browse draws a sample from its interval and filters (the
same draw as `genesys-tui sample`, same seed, same calls), the sample screen says which calls are
evaluated in Genesys, Enter reviews one and `]` steps to the next."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from textual.widgets import DataTable, Input

from genesys_tui.cli.main import main
from genesys_tui.flows.review.sample import SampleStore
from genesys_tui.tui.screens.sample import SampleDialog, SampleScreen
from tests.tui.conftest import SIZE, idle, make_app, settle, wait_for


async def test_draw_a_sample_in_browse_see_evaluations_and_step_through_it(
    fresh_emulator, tmp_path, isolated_home, monkeypatch
):
    srv = fresh_emulator
    app = make_app(srv, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        browse = app.area("browse")
        start, end = browse.interval
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, SampleDialog))
        dialog = app.screen
        dialog.query_one("#n", Input).value = "0"
        await pilot.click("#ok")
        assert "1 to 100" in str(dialog.query_one("#error").render())  # said; the dialog stays
        dialog.query_one("#n", Input).value = "1"
        seed = dialog.query_one("#seed", Input)
        seed.value = "7"
        seed.focus()
        await pilot.press("enter")  # Enter in a field draws, as OK does
        await wait_for(pilot, lambda: isinstance(app.screen, SampleScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.sample is not None, timeout=60)
        ids = screen.sample.ids()
        await wait_for(pilot, lambda: len(screen.states) == len(ids), timeout=60)
        assert len(ids) >= 2 and set(screen.states.values()) == {"none"}
        # the CLI draws the same calls from the same interval, filters and seed
        monkeypatch.setenv("GENESYS_CLIENT_ID", srv.emulator.s.client_id)
        monkeypatch.setenv("GENESYS_CLIENT_SECRET", srv.emulator.s.client_secret)
        span = f"{start.isoformat()}/{end.isoformat()}"
        args = ["sample", "1", "--per", "agent", "--seed", "7", "--interval", span, "--json"]
        assert await asyncio.to_thread(main, [*args, "--base-url", srv.base_url]) == 0
        # (the app holds stdout while it runs: what the CLI drew is read where it keeps it)
        kept = Path(os.environ["XDG_DATA_HOME"], "genesys-tui", "orgs", srv.emulator.org.id)
        assert SampleStore(kept / "sample.json").load().ids() == ids
        # an evaluation made in Genesys shows on the sample when it is opened again
        services = app.services
        evs = services.review.evaluations
        form = (await evs.forms())[0]
        conv = await services.client.conversations.get(ids[0])
        evaluator = srv.emulator.org.supervisors[0].id
        await evs.submit(conv, form, evs.draft(ids[0], form.id), "INPROGRESS", evaluator=evaluator)
        await pilot.press("escape")
        app.action_command_palette()  # the palette's "QA sample" opens the org's sample
        await idle(pilot)
        await pilot.press(*"QA sample", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SampleScreen))
        screen = app.screen
        await wait_for(pilot, lambda: ids[0] in screen.states, timeout=60)
        assert screen.states[ids[0]].startswith("INPROGRESS")
        table = screen.query_one(DataTable)
        assert table.row_count == len(ids)
        await pilot.press("enter")  # the first call, in Review; ] the next
        review = app.area("review")
        await wait_for(pilot, lambda: review is not None and review.review is not None)
        review = app.area("review")
        await wait_for(pilot, lambda: review.review.id == ids[0] and not review.fetching)
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: review.review.id == ids[1] and not review.fetching)
        await idle(pilot)
        assert app.size == SIZE
