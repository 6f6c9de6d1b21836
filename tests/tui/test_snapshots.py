"""SVG snapshots of every area and dialog at 80x24, 120x40 and 160x45, with deterministic data
(fixed seed, pinned "now" and job-store clock, demo mode, fixed paths): a layout regression at
any of the sizes is a failing test. Each scene is set up once and shot at every size by resizing
the running app (a cramped screen and a resize are what a user meets). Update deliberately:
pytest tests/tui/test_snapshots.py --snapshot-update, then look at the SVGs (or screenshots/)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pytest_textual_snapshot import SVGImageExtension
from textual.widgets import Input

from genesys_tui.emulator import EmulatorServer
from genesys_tui.flows.pull.model import (
    CANCELLED,
    CONVERTING,
    DONE,
    DOWNLOADING,
    FAILED,
    QUEUED,
    RESOLVING,
    UPLOADING,
    VERIFYING,
    WAITING,
)
from genesys_tui.tui.screens.dialogs import ConfirmDialog, PromptDialog, QueueDialog
from genesys_tui.tui.widgets.detail import DetailPane
from genesys_tui.tui.widgets.header import AppHeader
from tests.conftest import small_org
from tests.tui.conftest import idle, make_app, settle, wait_for

SIZES = ((160, 45), (120, 40), (80, 24))
STORE_NOW = "2026-05-14T15:30:00.000Z"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """A home of the test's own: paths on screen read `~/…`, the same on every machine; and one
    clock for the job store, so a job's history reads the same every run."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr("genesys_tui.flows.pull.store.now", lambda: STORE_NOW)


class Shots:
    """Each scene at every size, compared with its stored SVG; every mismatch is reported at the
    end (one failing size does not hide the others)."""

    def __init__(self, snapshot) -> None:
        self.svg = snapshot.use_extension(SVGImageExtension)
        self.wrong: list[str] = []

    async def take(self, pilot, scene: str) -> None:
        app = pilot.app
        for width, height in SIZES:
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            await pilot.wait_for_scheduled_animations()
            app.clear_notifications()  # toasts expire on a timer: keep them out of the picture
            for header in app.screen.query(AppHeader):  # it redraws on a 1 s timer: draw it now
                header.update_text()
            await pilot.pause()
            shot = app.export_screenshot(title=f"genesys-tui: {scene}")
            if self.svg(name=f"{scene}-{width}x{height}") != shot:
                self.wrong.append(f"{scene} at {width}x{height}")
        await pilot.resize_terminal(*SIZES[0])
        await pilot.pause()

    def check(self) -> None:
        assert not self.wrong, "layout changed: " + ", ".join(self.wrong)


async def dialog(pilot, kind) -> None:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, kind))
    await wait_for(pilot, lambda: pilot.app.screen.focused is not None)  # mounted and focused


async def back(pilot) -> None:
    """Esc out of a dialog (it cancels: nothing is sent or queued)."""
    screen = pilot.app.screen
    await pilot.press("escape")
    await wait_for(pilot, lambda: pilot.app.screen is not screen)
    await idle(pilot)


def every_state(store) -> None:
    """One recording job in each state the queue shows, as a run would leave them."""
    details = {
        QUEUED: {},
        RESOLVING: {},
        DOWNLOADING: {"bytes_done": 1_200_000, "bytes_total": 4_800_000},
        CONVERTING: {"bytes_done": 4_800_000, "bytes_total": 4_800_000},
        VERIFYING: {"bytes_done": 2_400_000, "bytes_total": 2_400_000},
        UPLOADING: {"bytes_done": 900_000, "bytes_total": 3_600_000},
        WAITING: {"last_error": "archived: being restored (ready in about 4 h)"},
        DONE: {"bytes_done": 3_100_000, "bytes_total": 3_100_000},
        FAILED: {"last_error": "verification failed: decodes to 41200 ms, expected 45000 ms"},
        CANCELLED: {"last_error": "cancelled"},
    }
    for n, (state, fields) in enumerate(details.items()):
        cid = f"00000000-0000-4000-8000-{n:012d}"
        rid = f"10000000-0000-4000-8000-{n:012d}"
        job, _ = store.add(cid, rid, "mono", "~/recordings", meta={"conversationId": cid})
        store.update(job, state=state, attempts=1 if state == FAILED else 0, **fields)


async def test_browse_queue_help_and_their_dialogs(emulator, tmp_path, snapshot):
    shots = Shots(snapshot)
    app = make_app(emulator, tmp_path, demo=True)
    app.output_dir = "~/recordings"
    async with app.run_test(size=SIZES[0]) as pilot:
        await settle(pilot, app)
        browse = app.area("browse")
        await pilot.press(*"jjjjjj")
        chosen = browse.model.summary(6).conversation_id
        await wait_for(pilot, lambda: chosen in browse.query_one(DetailPane).plain())
        await idle(pilot)
        await shots.take(pilot, "browse")
        await pilot.press("question_mark")
        await idle(pilot)
        await shots.take(pilot, "help")
        await back(pilot)
        await pilot.press("D")  # every listed call: the choice, then (many) the confirmation
        await dialog(pilot, QueueDialog)
        await shots.take(pilot, "queue-choice")
        await pilot.press("enter")
        await dialog(pilot, ConfirmDialog)
        await shots.take(pilot, "queue-many-confirm")
        await back(pilot)
        queue = app.services.pull
        if not queue.paused:
            queue.toggle_pause()  # the jobs below stay as they are put
        every_state(queue.store)
        await pilot.press("2")
        await wait_for(pilot, lambda: len(app.area("queue").jobs) == 10)
        await idle(pilot)
        await shots.take(pilot, "queue")
        await pilot.press("X")
        await dialog(pilot, ConfirmDialog)
        await shots.take(pilot, "queue-cancel-all-confirm")
        await back(pilot)
        await pilot.press("ctrl+q")  # downloads unfinished: ask first
        await dialog(pilot, ConfirmDialog)
        await shots.take(pilot, "quit-confirm")
        await back(pilot)
    shots.check()


async def test_sign_in(emulator, tmp_path, snapshot):
    shots = Shots(snapshot)
    # A real region (no network is needed to show the form), so nothing random is on screen.
    app = make_app(emulator, tmp_path, demo=True, signed_in=False, client_id="", region="eu_west_1")
    async with app.run_test(size=SIZES[0]) as pilot:
        await idle(pilot)
        await shots.take(pilot, "sign-in")
    shots.check()


async def test_review_with_bookmarks_and_the_evaluation_form_then_search(
    emulator, tmp_path, snapshot
):
    from genesys_tui.tui.screens.sample import SampleDialog, SampleScreen
    from genesys_tui.tui.screens.search import SearchScreen
    from genesys_tui.tui.widgets.evaluation_form import EvaluationForm
    from genesys_tui.tui.widgets.timeline import Timeline
    from tests.tui.test_review import listed_conversation, open_review
    from tests.tui.test_search import a_word_said

    shots = Shots(snapshot)
    org = emulator.emulator.org
    app = make_app(emulator, tmp_path, demo=True)
    async with app.run_test(size=SIZES[0]) as pilot:
        await settle(pilot, app)
        _, cid = listed_conversation(app, org, pause=True)
        screen = await open_review(pilot, app, cid)
        await pilot.press("down", "down", "down", "plus")
        await idle(pilot)
        tl = screen.query_one(Timeline)
        tl.set_playhead(tl.rate * 7)
        await pilot.press("m")  # a bookmark at 00:07
        await dialog(pilot, PromptDialog)
        app.screen.query_one(Input).value = "agent skipped the disclosure"
        await pilot.press("enter")
        await idle(pilot)
        await pilot.press("v")  # the evaluation form beside the transcript
        panel = screen.query_one(EvaluationForm)
        await wait_for(pilot, lambda: panel.form is not None)
        await pilot.press("1", "1", "2")
        await idle(pilot)
        await shots.take(pilot, "review")
        await pilot.press("ctrl+s")
        await dialog(pilot, ConfirmDialog)
        await shots.take(pilot, "evaluation-submit-confirm")
        await back(pilot)
        # the player as a reviewer sets it: the agent alone, silences skipped, a loop marked
        await pilot.press("v", "A", "z")
        tl.set_playhead(tl.rate * 3)
        await pilot.press("left_parenthesis")
        tl.set_playhead(tl.rate * 6)
        screen.listening.loop_out_ms = 6000  # as `)` marks it, without starting to play
        screen.apply_listening()
        await idle(pilot)
        await shots.take(pilot, "review-player")
        await pilot.press("1")  # to Browse: search across the listed calls
        await idle(pilot)
        browse = app.area("browse")
        browse.set_range("today")  # a day's calls: quick to read one by one
        await settle(pilot, app)
        word, _ = a_word_said(app, org)
        await pilot.press("slash")
        browse.query_one("#live-filter", Input).value = f"said:{word}"
        await idle(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        await wait_for(pilot, lambda: app.screen.found is not None, timeout=120)
        await idle(pilot)
        await shots.take(pilot, "search")
        await pilot.press("escape")  # back to Browse: a QA sample of the calls it lists
        await idle(pilot)
        await pilot.press("p")
        await dialog(pilot, SampleDialog)
        app.screen.query_one("#n", Input).value = "1"
        await shots.take(pilot, "sample-dialog")
        await pilot.click("#ok")
        await wait_for(pilot, lambda: isinstance(app.screen, SampleScreen))
        sample = app.screen
        await wait_for(pilot, lambda: sample.sample is not None, timeout=60)
        await wait_for(pilot, lambda: len(sample.states) == len(sample.sample.picked), timeout=60)
        await idle(pilot)
        await shots.take(pilot, "sample")
    shots.check()


async def test_supervise_with_live_calls_alerts_and_confirmations(emulator, tmp_path, snapshot):
    from tests.tui.test_supervise import live, select

    shots = Shots(snapshot)
    app = make_app(emulator, tmp_path, demo=True)
    async with app.run_test(size=SIZES[0]) as pilot:
        await settle(pilot, app)
        await pilot.press("4")
        await wait_for(
            pilot,
            lambda: (
                (s := app.area("supervise")) is not None
                and s.calls
                and s.desk is not None
                and not s.fetching
            ),
        )
        sup = app.area("supervise")
        await select(pilot, sup, live(emulator)[3])  # in a secure pause: an alert
        assert sup.alerts_of(live(emulator)[3])
        await idle(pilot)
        await shots.take(pilot, "supervise")
        await select(pilot, sup, live(emulator)[1])
        await pilot.press("m")
        await dialog(pilot, ConfirmDialog)
        await shots.take(pilot, "supervise-monitor-confirm")
        await back(pilot)
        await pilot.press("b")  # heard by everyone: the dangerous kind
        await dialog(pilot, ConfirmDialog)
        await shots.take(pilot, "supervise-barge-confirm")
        await back(pilot)
    shots.check()


async def test_the_supervise_floor(tmp_path, snapshot):
    """On a stepped clock at the app's own "now": every duration on the floor is exact."""
    from genesys_tui.emulator import EmulatorServer
    from tests.conftest import small_org

    shots = Shots(snapshot)
    with EmulatorServer(small_org(stepped_clock=True)) as srv:
        app = make_app(srv, tmp_path, demo=True)
        async with app.run_test(size=SIZES[0]) as pilot:
            await settle(pilot, app)
            await pilot.press("4")
            await wait_for(pilot, lambda: (s := app.area("supervise")) and s.board and s.calls)
            sup = app.area("supervise")
            await wait_for(pilot, lambda: sup.board.mode == "push")
            await pilot.press("f")  # the floor: queues and agents
            await wait_for(pilot, lambda: sup.floor is not None and sup.floor.mode == "push")
            await wait_for(pilot, lambda: bool(sup.floor.agent_rows()))
            app.screen.draw()
            await idle(pilot)
            await shots.take(pilot, "supervise-floor")
    shots.check()


async def test_export_and_its_confirmations(tmp_path, snapshot):
    from genesys_tui.tui.screens.export import ExportScreen

    shots = Shots(snapshot)
    # Archived recordings wait for a restore that takes a day: the job stays PROCESSING, with
    # every other recording exported, so what it shows holds still and it can be cancelled.
    settings = small_org(
        duration_scale=0.05,
        export_target=f"dir:{tmp_path / 'bucket'}",
        job_seconds=0.5,
        restore_seconds=86_400,
        stepped_clock=True,  # the job's creation time is the org's, standing still
    )
    with EmulatorServer(settings) as srv:
        org = srv.emulator.org
        # the day of the latest finished call with an archived recording
        i = max(
            (
                i
                for i in range(len(org.ids))
                if org.recorded[i] and org.archived[i] and not org.live[i]
            ),
            key=lambda i: int(org.start[i]),
        )
        first = datetime.fromtimestamp(int(org.start[i]) / 1000, UTC).date()
        day = f"{first}/{first + timedelta(days=1)}"
        app = make_app(srv, tmp_path, demo=True)
        async with app.run_test(size=SIZES[0]) as pilot:
            await settle(pilot, app)
            await pilot.press("5")
            await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
            screen = app.screen
            await wait_for(
                pilot, lambda: "0 export job(s)" in str(screen.query_one("#export-status").render())
            )
            await pilot.press("n")
            await dialog(pilot, PromptDialog)
            app.screen.query_one(Input).value = day
            await pilot.press("enter")
            await dialog(pilot, ConfirmDialog)
            await shots.take(pilot, "export-start-confirm")
            await pilot.click("#confirm")

            def only_archived_left() -> bool:
                (job,) = srv.emulator.jobs.values()
                matched = [int(i) for i in job.get("matched", ()) if org.recorded[i]]
                assert any(org.archived[i] for i in matched)  # one waits for its restore
                todo = sum(len(org.detail(i).recordings) for i in matched if not org.archived[i])
                done = job["processed"] + job["skipped"] + len(job["failed"])
                return job["state"] == "PROCESSING" and done == todo

            await wait_for(pilot, lambda: srv.emulator.jobs and only_archived_left(), timeout=60)
            await pilot.press("r")
            await wait_for(
                pilot, lambda: bool(screen.jobs) and screen.jobs[0].state == "PROCESSING"
            )
            await idle(pilot)
            await shots.take(pilot, "export")
            await pilot.press("x")  # not over: cancel it, after a confirmation
            await dialog(pilot, ConfirmDialog)
            await shots.take(pilot, "export-cancel-confirm")
            await back(pilot)
    shots.check()
