"""A small set of SVG snapshots of the main screens, with deterministic data (fixed seed, fixed
"now", demo mode, fixed output path). Update deliberately: pytest --snapshot-update, then look."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.tui.conftest import SIZE, make_app, settle

OUT = Path("/tmp/genesys-tui-snapshots")


def app_for(emulator, tmp_path, **kw):
    shutil.rmtree(OUT, ignore_errors=True)
    return make_app(emulator, tmp_path, demo=True, **kw)


def test_browse_screen(emulator, tmp_path, snap_compare):
    async def ready(pilot):
        await settle(pilot, pilot.app)
        await pilot.press("j", "j", "j", "j", "j", "j")
        await settle(pilot, pilot.app)
        await pilot.pause(0.5)

    assert snap_compare(app_for(emulator, tmp_path), terminal_size=SIZE, run_before=ready)


def test_queue_screen(emulator, tmp_path, snap_compare):
    async def ready(pilot):
        from tests.tui.test_flows import queue_first_recorded, wait_for

        app = pilot.app
        app.output_dir = str(OUT)
        await settle(pilot, app)
        await queue_first_recorded(pilot, app, fmt="mono")
        store = app.queue.store
        await wait_for(
            pilot,
            lambda: (
                (jobs := [j for j in store.all() if not j.is_expansion])
                and all(j.state == "done" for j in jobs)
            ),
        )
        await pilot.press("2")
        await pilot.pause(0.8)
        app.clear_notifications()  # toasts expire on a timer: keep them out of the picture
        await pilot.pause(0.2)

    assert snap_compare(app_for(emulator, tmp_path), terminal_size=SIZE, run_before=ready)


def test_sign_in_screen(emulator, tmp_path, snap_compare):
    async def ready(pilot):
        await pilot.pause(0.4)

    # A real region (no network is needed to show the form), so nothing random is on screen.
    app = app_for(emulator, tmp_path, signed_in=False, client_id="", region="eu_west_1")
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)


def test_help_screen(emulator, tmp_path, snap_compare):
    async def ready(pilot):
        await settle(pilot, pilot.app)
        await pilot.press("question_mark")
        await pilot.pause(0.3)

    assert snap_compare(app_for(emulator, tmp_path), terminal_size=SIZE, run_before=ready)


def test_review_screen(emulator, tmp_path, snap_compare):
    async def ready(pilot):
        from tests.tui.test_review import listed_conversation, open_review

        app = pilot.app
        await settle(pilot, app)
        _, cid = listed_conversation(app, emulator.emulator.org, pause=True)
        await open_review(pilot, app, cid)
        await pilot.press("down", "down", "down", "plus")
        await pilot.pause(0.5)
        app.clear_notifications()
        await pilot.pause(0.2)

    assert snap_compare(app_for(emulator, tmp_path), terminal_size=SIZE, run_before=ready)


def test_supervise_confirmation(emulator, tmp_path, snap_compare):
    """The live calls, a call selected, and the confirmation of a monitor (focus on Cancel)."""

    async def ready(pilot):
        from tests.tui.test_flows import wait_for
        from tests.tui.test_supervise import live, select

        app = pilot.app
        await settle(pilot, app)
        await pilot.press("4")
        await wait_for(
            pilot,
            lambda: (
                app.supervise is not None
                and app.supervise.calls
                and app.supervise.engine is not None
                and not app.supervise.fetching
            ),
        )
        await select(pilot, app.supervise, live(emulator)[1])
        await pilot.press("m")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmDialog")
        await pilot.pause(0.3)

    assert snap_compare(app_for(emulator, tmp_path), terminal_size=SIZE, run_before=ready)
