"""A small set of SVG snapshots of the main screens, with deterministic data (fixed seed, fixed
"now", demo mode, fixed output path). Update deliberately: pytest --snapshot-update, then look."""

from __future__ import annotations

import pytest

from genesys_tui.tui.widgets.detail import DetailPane
from tests.tui.conftest import SIZE, idle, make_app, settle, wait_for


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """A home of the test's own: paths on screen read `~/…`, the same on every machine; and one
    clock for the job store, so a job's history reads the same every run."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr("genesys_tui.flows.pull.store.now", lambda: "2026-05-14T15:30:00.000Z")


def app_for(emulator, tmp_path, **kw):
    return make_app(emulator, tmp_path, demo=True, **kw)


def test_browse_screen(emulator, tmp_path, snap_compare):
    async def ready(pilot):
        await settle(pilot, pilot.app)
        await pilot.press("j", "j", "j", "j", "j", "j")
        browse = pilot.app.area("browse")
        chosen = browse.model.summary(6).conversation_id
        # the detail pane follows the cursor after a short debounce: wait for that call's detail
        await wait_for(pilot, lambda: chosen in browse.query_one(DetailPane).plain())
        await idle(pilot)

    assert snap_compare(app_for(emulator, tmp_path), terminal_size=SIZE, run_before=ready)


def test_queue_screen(emulator, tmp_path, snap_compare):
    async def ready(pilot):
        from tests.tui.test_flows import queue_first_recorded

        app = pilot.app
        app.output_dir = "~/recordings"
        await settle(pilot, app)
        await queue_first_recorded(pilot, app, fmt="mono")
        store = app.services.pull.store
        await wait_for(
            pilot,
            lambda: (
                (jobs := [j for j in store.all() if not j.is_expansion])
                and all(j.state == "done" for j in jobs)
            ),
        )
        await pilot.press("2")
        await idle(pilot)
        app.clear_notifications()  # toasts expire on a timer: keep them out of the picture
        await idle(pilot)

    assert snap_compare(app_for(emulator, tmp_path), terminal_size=SIZE, run_before=ready)


def test_sign_in_screen(emulator, tmp_path, snap_compare):
    async def ready(pilot):
        await idle(pilot)

    # A real region (no network is needed to show the form), so nothing random is on screen.
    app = app_for(emulator, tmp_path, signed_in=False, client_id="", region="eu_west_1")
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)


def test_help_screen(emulator, tmp_path, snap_compare):
    async def ready(pilot):
        await settle(pilot, pilot.app)
        await pilot.press("question_mark")
        await idle(pilot)

    assert snap_compare(app_for(emulator, tmp_path), terminal_size=SIZE, run_before=ready)


def test_review_screen(emulator, tmp_path, snap_compare):
    async def ready(pilot):
        from tests.tui.test_review import listed_conversation, open_review

        app = pilot.app
        await settle(pilot, app)
        _, cid = listed_conversation(app, emulator.emulator.org, pause=True)
        await open_review(pilot, app, cid)
        await pilot.press("down", "down", "down", "plus")
        await idle(pilot)
        app.clear_notifications()
        await idle(pilot)

    assert snap_compare(app_for(emulator, tmp_path), terminal_size=SIZE, run_before=ready)


def test_supervise_confirmation(emulator, tmp_path, snap_compare):
    """The live calls, a call selected, and the confirmation of a monitor (focus on Cancel)."""

    async def ready(pilot):
        from tests.tui.test_supervise import live, select

        app = pilot.app
        await settle(pilot, app)
        await pilot.press("4")
        await wait_for(
            pilot,
            lambda: (
                app.area("supervise") is not None
                and app.area("supervise").calls
                and app.area("supervise").desk is not None
                and not app.area("supervise").fetching
            ),
        )
        await select(pilot, app.area("supervise"), live(emulator)[1])
        await pilot.press("m")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmDialog")
        await pilot.pause()  # drawn (the action's worker waits on the dialog: never idle)

    assert snap_compare(app_for(emulator, tmp_path), terminal_size=SIZE, run_before=ready)
