"""The Export area (5), driven by Pilot against an emulator whose org has an S3 bulk-actions
integration writing into a directory: a new export of Browse's filters for an interval, counted,
confirmed, started and followed; cancel and failed recordings on the selected job."""

from __future__ import annotations

import shutil
from datetime import timedelta

from textual.widgets import Button, Input

from genesys_tui.emulator import EmulatorServer
from genesys_tui.tui.screens.dialogs import ConfirmDialog, PromptDialog
from genesys_tui.tui.screens.export import ExportScreen
from tests.conftest import ANCHOR, small_org
from tests.tui.conftest import SIZE, idle, make_app, notes, settle, wait_for

DAY = f"{(ANCHOR - timedelta(days=2)).date()}/{(ANCHOR - timedelta(days=1)).date()}"


async def test_a_new_export_is_counted_confirmed_started_and_followed(tmp_path):
    bucket = tmp_path / "bucket"
    settings = small_org(duration_scale=0.05, export_target=f"dir:{bucket}", job_seconds=0.5)
    with EmulatorServer(settings) as srv:
        app = make_app(srv, tmp_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot, app)
            await pilot.press("5")
            await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
            screen = app.screen
            await wait_for(
                pilot, lambda: "0 export job(s)" in str(screen.query_one("#export-status").render())
            )
            await pilot.press("n")
            await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
            field = app.screen.query_one(Input)
            assert field.value.count("/") == 1  # Browse's interval, prefilled
            field.value = DAY
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=20)
            await wait_for(pilot, lambda: app.screen.focused is not None)  # mounted
            body = str(app.screen.query_one(".dialog-body Static").render())
            assert "recordings in" in body
            app.screen.query_one("#confirm", Button).press()
            await wait_for(
                pilot,
                lambda: any(j["state"] != "READY" for j in srv.emulator.jobs.values()),
                timeout=30,
            )
            await wait_for(
                pilot,
                lambda: screen.jobs and screen.jobs[0].state == "FULFILLED",
                timeout=60,
            )
            assert list(bucket.rglob("*.opus"))
            await pilot.press("x")  # over: nothing to cancel, and it says so
            await idle(pilot)
            assert any("nothing to cancel" in n.message for n in notes(app))
            await pilot.press("f")
            await wait_for(pilot, lambda: any("failed to export" in n.message for n in notes(app)))
            detail = str(screen.query_one("#export-detail").render())
            assert "failed:" in detail and screen.jobs[0].id in detail
            # c: check what arrived, with one conversation's folder gone from the bucket.
            gone = sorted(bucket.rglob("conversation_id=*"))[0]
            shutil.rmtree(gone)
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
            interval = app.screen.query_one(Input).value
            assert interval == screen.jobs[0].recording_jobs_query["conversationQuery"]["interval"]
            await pilot.press("enter")
            await wait_for(
                pilot,
                lambda: (
                    isinstance(app.screen, PromptDialog)
                    and app.screen.query_one(Input).value != interval
                ),
            )
            app.screen.query_one(Input).value = str(bucket)
            await pilot.press("enter")
            panel = screen.query_one("#export-check")
            await wait_for(pilot, lambda: panel.has_class("-shown"), timeout=60)
            text = str(panel.render())
            assert "owed recording(s) not there" in text and " exported" in text
            (csv,) = (tmp_path / "out" / "export-checks").glob("check-*.csv")
            lines = csv.read_text().splitlines()
            cid = gone.name.split("=", 1)[1]
            assert any(cid in x and ("missing" in x or "archived" in x) for x in lines)
            assert any(",exported," in x for x in lines)


async def test_saying_no_cancels_the_job_and_says_so(tmp_path):
    settings = small_org(
        duration_scale=0.05, export_target=f"dir:{tmp_path / 'b'}", job_seconds=0.3
    )
    with EmulatorServer(settings) as srv:
        app = make_app(srv, tmp_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot, app)
            await pilot.press("5", "n")
            await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
            app.screen.query_one(Input).value = DAY
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=20)
            await wait_for(pilot, lambda: app.screen.focused is not None)
            assert app.screen.focused is app.screen.query_one("#cancel", Button)
            await pilot.press("enter")  # Cancel has the focus
            await wait_for(
                pilot, lambda: any(j["state"] == "CANCELLED" for j in srv.emulator.jobs.values())
            )
            await wait_for(
                pilot,
                lambda: any("0 of 1 export job(s) started" in n.message for n in notes(app)),
            )
