"""The TUI's flows, driven by Pilot against the emulator: sign-in, filters, open by ID, queue,
cancel, retry; and that failures become messages, never crashes."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import keyring
from textual.widgets import Checkbox, Input, Select, Static

from genesys_tui.emulator import EmulatorServer
from genesys_tui.flows.browse.table import ConversationModel
from genesys_tui.flows.pull.model import CANCELLED, DONE, JobEvent
from genesys_tui.tui.screens.dialogs import ConfirmDialog, FilterDialog, PromptDialog, QueueDialog
from genesys_tui.tui.screens.help import HelpScreen
from genesys_tui.tui.screens.signin import SignInScreen
from genesys_tui.tui.widgets.header import AppHeader
from genesys_tui.tui.widgets.virtual_table import VirtualTable
from tests.conftest import ANCHOR, small_org
from tests.tui.conftest import SIZE, idle, make_app, notes, settle, wait_for


def expected_last_7_days(org) -> set[str]:
    a, b = ANCHOR - timedelta(days=7), ANCHOR
    lo, hi = int(a.timestamp() * 1000), int(b.timestamp() * 1000)
    return {org.ids[i] for i in range(len(org.ids)) if lo <= org.start[i] < hi}


async def test_browse_loads_the_interval(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        model = app.area("browse").model
        assert {s.conversation_id for s in model.items} == expected_last_7_days(
            emulator.emulator.org
        )
        assert app.focused is app.area("browse").query_one(VirtualTable)
        status = str(app.area("browse").query_one("#status", Static).render())
        assert f"{len(model.items)} conversations" in status
        # newest first, and the header names org, identity and token state
        starts = [model.summary(i).start for i in range(len(model))]
        assert starts == sorted(starts, reverse=True)
        header = str(app.screen.query_one("AppHeader").render())
        assert "Acme Utilities" in header and "token: valid" in header
        await pilot.press("y")  # yesterday
        await settle(pilot, app)
        assert all(s.start.date() == (ANCHOR - timedelta(days=1)).date() for s in model.items)


async def test_sign_in_verifies_and_stores_the_secret(emulator, tmp_path, memory_keyring):
    app = make_app(emulator, tmp_path, signed_in=False, client_id="")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
        assert isinstance(app.screen, SignInScreen)
        screen = app.screen
        screen.query_one("#client-id", Input).value = emulator.emulator.s.client_id
        screen.query_one("#secret", Input).value = "wrong-secret"
        await pilot.click("#verify")
        await idle(pilot)
        assert "refused" in str(screen.query_one("#status", Static).render())
        assert memory_keyring.store == {} and app.session is None
        screen.query_one("#secret", Input).value = emulator.emulator.s.client_secret
        screen.query_one("#secret", Input).focus()
        await pilot.press("enter")
        await settle(pilot, app)
        assert not isinstance(app.screen, SignInScreen)
        assert list(memory_keyring.store.values()) == [emulator.emulator.s.client_secret]
        assert len(app.area("browse").model.items) > 10


async def test_sign_in_without_a_keyring_says_how_to_fix_it(emulator, tmp_path):
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    app = make_app(emulator, tmp_path, signed_in=False, client_id="")
    async with app.run_test(size=SIZE) as pilot:
        await idle(pilot)
        screen = app.screen
        assert isinstance(screen, SignInScreen)
        remember = screen.query_one("#remember", Checkbox)
        assert remember.disabled and not remember.value
        text = " ".join(str(s.render()) for s in screen.query(".hint"))
        assert "GENESYS_CLIENT_SECRET" in text and "keyring" in text
        # signing in for this session still works; nothing is stored anywhere
        screen.query_one("#client-id", Input).value = emulator.emulator.s.client_id
        screen.query_one("#secret", Input).value = emulator.emulator.s.client_secret
        await pilot.click("#verify")
        await settle(pilot, app)
        assert app.session is not None


async def test_server_side_filters_and_live_filter(emulator, tmp_path):
    org = emulator.emulator.org
    q = org.queues[2]
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f")
        await idle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        dialog.query_one("#queue", Select).value = q.id
        dialog.query_one("#direction", Select).value = "inbound"
        await pilot.click("#ok")
        await settle(pilot, app)
        model = app.area("browse").model
        assert model.items and all(
            q.id in s.queue_ids and s.direction == "inbound" for s in model.items
        )
        assert q.name in str(app.area("browse").query_one("#status", Static).render())
        # the live filter narrows what is loaded, without a request
        calls = emulator.emulator.stats["api"]
        agent = next(
            s.user_ids[0] for s in map(model.summary, range(len(model.items))) if s.user_ids
        )
        name = app.session.names[agent]
        await pilot.press("slash")
        for ch in name.split()[1].lower():
            await pilot.press(ch)
        await idle(pilot)
        typed = name.split()[1].lower()
        assert 0 < len(model) < len(model.items)
        assert all(typed in " ".join(model.cells(i)).lower() for i in range(len(model)))
        assert emulator.emulator.stats["api"] - calls <= 4  # only detail-pane lookups
        await pilot.press("escape")
        assert len(model) == len(model.items)


async def test_sorting_by_key_and_header_click(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        model = app.area("browse").model
        await pilot.press("s")  # start, newest first
        await pilot.press("s")  # duration, longest first
        durations = [model.summary(i).duration_s or 1e9 for i in range(len(model))]
        assert model.sort_key == "duration" and durations == sorted(durations, reverse=True)
        table = app.area("browse").query_one(VirtualTable)
        assert table.columns[0].key == "mark"  # the ✓ of a marked call, then the model's
        x = sum(c.width + 1 for c in table.columns[:4]) + 2  # the Queue header
        await pilot.click(VirtualTable, offset=(x, 0))
        await idle(pilot)
        assert model.sort_key == "queue"
        names = [model.cells(i)[3].lower() for i in range(len(model))]
        assert names == sorted(names) or names == sorted(names, reverse=True)


async def test_open_by_id_outside_the_interval(emulator, tmp_path):
    org = emulator.emulator.org
    old = next(
        org.ids[i]
        for i in range(len(org.ids))
        if org.start[i] < (ANCHOR - timedelta(days=8)).timestamp() * 1000
        and org.recorded[i]
        and not org.archived[i]
    )
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.area("browse").model.index_of(old) is None
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
        assert isinstance(app.screen, PromptDialog)
        app.screen.query_one(Input).value = f"  {old}  "
        await pilot.press("enter")
        await settle(pilot, app)
        index = app.area("browse").model.index_of(old)
        assert index is not None and app.area("browse").query_one(VirtualTable).cursor == index
        from genesys_tui.tui.widgets.detail import DetailPane

        detail = app.area("browse").query_one(DetailPane).plain()
        assert old in detail and "agent" in detail
        # what is not an ID keeps the dialog open, with the reason and what was typed
        await pilot.press("o")
        await idle(pilot)
        api = emulator.emulator.stats["api"]
        app.screen.query_one(Input).value = "not-an-id"
        await pilot.press("enter")
        await idle(pilot)
        assert isinstance(app.screen, PromptDialog)
        assert app.screen.query_one(Input).value == "not-an-id"
        assert "UUID" in " ".join(str(w.render()) for w in app.screen.query(Static))
        assert emulator.emulator.stats["api"] == api  # nothing was sent
        # a wrong ID is a message, not a crash
        app.screen.query_one(Input).value = "00000000-0000-4000-8000-000000000000"
        await pilot.press("enter")
        await settle(pilot, app)
        assert any("not found" in n.message for n in notes(app))


async def test_open_by_id_of_a_call_analytics_does_not_list_yet(emulator, tmp_path):
    """Analytics lags behind a call that just started: `o` still lists it (a row made from the
    conversation itself), highlights it, and every action lands on it, not on the old row."""
    org = emulator.emulator.org
    live = next(org.ids[i] for i in range(len(org.ids)) if org.live[i])
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        model = app.area("browse").model
        rows = [s for s in model.items if s.conversation_id != live]
        model.clear()
        model.add(rows)  # as if analytics had not caught up with it
        app.area("browse").query_one(VirtualTable).reload()

        async def nothing(ids):
            return {}

        app.session.client.analytics.summaries_by_id = nothing
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
        app.screen.query_one(Input).value = live
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.area("browse").model.index_of(live) is not None)
        await idle(pilot)
        index = app.area("browse").model.index_of(live)
        assert app.area("browse").query_one(VirtualTable).cursor == index
        row = app.area("browse").selected()
        assert row.conversation_id == live and row.end is None and row.ani
        assert row.queue_ids and row.user_ids  # the queue and agent columns have names


async def queue_first_recorded(pilot, app, *, fmt: str | None = None) -> None:
    model = app.area("browse").model
    table = app.area("browse").query_one(VirtualTable)
    table.cursor = next(
        i for i in range(len(model)) if model.summary(i).has_recording and model.summary(i).end
    )
    await idle(pilot)
    await pilot.press("d")
    await wait_for(pilot, lambda: isinstance(app.screen, QueueDialog))
    assert isinstance(app.screen, QueueDialog)
    if fmt:
        app.screen.query_one("#format", Select).value = fmt
    await pilot.press("enter")
    await idle(pilot)


async def test_queue_a_recording_and_watch_it_finish(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await queue_first_recorded(pilot, app, fmt="split")
        store = app.services.pull.store
        await wait_for(
            pilot,
            lambda: (
                (jobs := [j for j in store.all() if not j.is_expansion])
                and all(j.state == DONE for j in jobs)
            ),
        )
        jobs = [j for j in store.all() if not j.is_expansion]
        files = sorted((tmp_path / "out").rglob("*.wav"))
        assert len(files) == 2 * len(jobs) and any(f.name.endswith(".customer.wav") for f in files)
        await pilot.press("2")
        await idle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "QueueScreen"
        cells = [screen.cells(i) for i in range(len(screen.jobs))]
        assert all(c[4] == DONE and "100%" in c[5] for c in cells)
        assert "done" in str(screen.query_one("#totals", Static).render())
        assert any("Queue finished" in n.message for n in notes(app))
        # the conversion ran in a worker process (both cores; the UI's loop untouched)
        from concurrent.futures import ProcessPoolExecutor

        assert isinstance(app.services.pull.runner.cpu._pool, ProcessPoolExecutor)


async def test_pause_cancel_retry_in_the_queue_screen(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("2")
        await idle(pilot)
        await pilot.press("p")  # pause first, so the job waits
        assert app.services.pull.runner.paused
        await pilot.press("1")
        await idle(pilot)
        await queue_first_recorded(pilot, app)
        await pilot.press("2")
        store = app.services.pull.store
        # While paused the expansion waits: resume, and pause again the moment its first
        # recording job reports (before it can download), so that job is certainly unfinished.
        service = app.services.pull
        forward = service.on_event

        def pause_at_first_recording(ev):
            job = service.store.get(ev.job_id) if isinstance(ev, JobEvent) else None
            if job is not None and not job.is_expansion and not service.paused:
                service.runner.pause()
            forward(ev)

        service.on_event = pause_at_first_recording
        service.runner.resume()
        await wait_for(pilot, lambda: [j for j in store.all() if not j.is_expansion])
        service.on_event = forward
        assert service.paused
        await wait_for(pilot, lambda: app.screen.jobs)
        screen = app.screen
        target = next(i for i, j in enumerate(screen.jobs) if j.state != DONE)
        screen.query_one(VirtualTable).cursor = target
        job_id = screen.jobs[target].id
        await pilot.press("x")
        await wait_for(pilot, lambda: store.get(job_id).state == CANCELLED)
        await wait_for(
            pilot, lambda: any(j.id == job_id and j.state == CANCELLED for j in screen.jobs)
        )
        screen.query_one(VirtualTable).cursor = next(
            i for i, j in enumerate(screen.jobs) if j.id == job_id
        )
        await pilot.press("r")
        await wait_for(pilot, lambda: store.get(job_id).state != CANCELLED)
        await pilot.press("p")  # resume
        await wait_for(
            pilot, lambda: all(j.state == DONE for j in store.all() if not j.is_expansion)
        )
        assert store.get(job_id).state == DONE


async def test_live_calls_are_not_queued(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        model = app.area("browse").model
        app.area("browse").query_one(VirtualTable).cursor = next(
            i for i in range(len(model)) if model.summary(i).end is None
        )
        await pilot.press("d")
        await idle(pilot)
        assert not isinstance(app.screen, QueueDialog)
        assert any("still live" in n.message for n in notes(app))


async def test_help_palette_areas_and_copy(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert isinstance(app.screen, HelpScreen)
        keys = {d: k for k, d, _ in app.screen.bindings}
        ids = {d: i for _, d, i in app.screen.bindings}
        assert keys["Download"] == "d" and "j" in keys["Down"]
        assert ids["Download"] == "browse.queue-selected"  # what [ui.keys] remaps
        await pilot.press("escape")
        for key, name in (
            ("3", "ReviewScreen"),
            ("4", "SuperviseScreen"),
            ("2", "QueueScreen"),
            ("1", "BrowseScreen"),
        ):
            await pilot.press(key)
            await idle(pilot)
            assert type(app.screen).__name__ == name
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Go to Queue", "Open conversation by ID", "Pause the queue"} <= set(commands)
        await pilot.press("c")
        first = (
            app.area("browse")
            .model.summary(app.area("browse").query_one(VirtualTable).cursor)
            .conversation_id
        )
        assert app.clipboard == first


async def test_a_failing_api_is_a_message_not_a_crash(fresh_emulator, tmp_path):
    app = make_app(fresh_emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        fresh_emulator.emulator.faults.set("500=1")
        await pilot.press("t")
        await settle(pilot, app)
        assert app.is_running
        assert any("Could not load" in (n.title or "") for n in notes(app))
        fresh_emulator.emulator.faults.set("")
        await pilot.press("w")
        await settle(pilot, app)
        assert len(app.area("browse").model.items) > 0


async def test_readonly_and_demo_banners(emulator, tmp_path):
    app = make_app(emulator, tmp_path, demo=True, readonly=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        header = str(app.screen.query_one("AppHeader").render())
        assert "DEMO ORG" in header and "READ-ONLY" in header


async def test_a_100k_row_list_renders_and_scrolls(emulator, tmp_path):
    """The virtual list: 100,000 rows, only the visible ones formatted (timing lives in bench/tui.py)."""
    from genesys_tui.emulator import Emulator
    from genesys_tui.emulator.documents import analytics_conversation
    from genesys_tui.genesys.summaries import ConversationSummary
    from tests.conftest import small_org

    big = Emulator(small_org(conversations=100_000, days=30))
    row = ConversationSummary.from_api(analytics_conversation(big.org, big.org.detail(0)))
    summaries = [
        ConversationSummary(
            f"{i:08d}-0000-4000-8000-000000000000",
            row.start + timedelta(seconds=i),
            row.end,
            row.direction,
            row.media_types,
            row.queue_ids,
            row.user_ids,
            row.ani,
        )
        for i in range(100_000)
    ]
    big.close()
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        browse = app.area("browse")
        browse.model = ConversationModel(app.session.names)
        table = browse.query_one(VirtualTable)
        table._count, table._cells = (lambda: len(browse.model)), browse.model.cells
        browse.model.add(summaries)
        table.reload(keep=False)
        await idle(pilot)
        assert table.virtual_size.height == 100_001
        await pilot.press("G")
        await idle(pilot)
        assert table.cursor == 99_999 and table.scroll_offset.y > 99_000
        assert len(browse.model._cells) < 200  # formatted only what was shown
        await pilot.press("slash", "0", "0", "0", "4", "2")
        await idle(pilot)
        assert "00042" not in (row.ani or "")
        assert len(browse.model) == sum("00042" in f"{i:08d}" for i in range(100_000))


async def test_the_detail_pane_shows_pauses_without_starting_a_transcode(emulator, tmp_path):
    """Holds and secure pauses come from the recordings GET with formatId=NONE (recordingmetadata has
    no system annotations); selecting a row never asks Genesys to transcode anything."""
    from genesys_tui.tui.widgets.detail import DetailPane
    from tests.integration.test_emulator_contract import recorded_conversation

    cid = recorded_conversation(emulator, pause=True)
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        encodes = len(emulator.emulator.media._entries)
        app.area("browse").load_detail(cid)
        await wait_for(
            pilot, lambda: "secure pause" in app.area("browse").query_one(DetailPane).plain()
        )
        assert len(emulator.emulator.media._entries) == encodes


async def test_a_half_configured_org_is_said_at_sign_in_and_in_help(tmp_path):
    from genesys_tui.emulator import EmulatorServer
    from tests.conftest import small_org

    deny = ("recording:job:view", "routing:wrapupCode:view")
    with EmulatorServer(small_org(deny_permissions=deny)) as srv:
        app = make_app(srv, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            await wait_for(pilot, lambda: app.doctor_report is not None)
            note = next(n for n in notes(app) if n.title == "Permissions")
            assert "Bulk export: list jobs" in note.message and "Wrap-up names" in note.message
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            assert isinstance(app.screen, HelpScreen)
            assert "Missing: Wrap-up names, Bulk export: list jobs" in app.screen.permissions
            assert "| Browse conversations | ok |" in app.screen.permissions


async def test_planning_shows_at_once_and_the_detail_says_what_happened(tmp_path):
    """D with batch ticked: each conversation is on the Queue screen at once, saying which
    batch it is in and how far Genesys has got, and the header counts them; when they are done
    the detail pane of a job gives its full path and every state change."""
    # Genesys prepares the batch until the test lets it (however slow the machine); short
    # calls, as encoding them is not the point
    with EmulatorServer(small_org(batch_seconds=3600, duration_scale=0.05)) as srv:
        await _planning(srv, make_app(srv, tmp_path))


async def _planning(srv, app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("t")  # today's calls: a handful
        await settle(pilot, app)
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueDialog))
        app.screen.query_one("#batch", Checkbox).value = True
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ != "QueueDialog")
        if isinstance(app.screen, ConfirmDialog):
            await pilot.press("shift+tab", "enter")
        await pilot.press("2")
        screen = app.screen
        await wait_for(
            pilot,
            lambda: any(c[2] == "all" for c in map(screen.cells, range(len(screen.jobs)))),
        )
        await wait_for(
            pilot,
            lambda: any("Genesys is" in screen.cells(i)[8] for i in range(len(screen.jobs))),
        )
        planning = [c for c in map(screen.cells, range(len(screen.jobs))) if c[2] == "all"]
        assert all(c[5] == "planning" and "batch 1 of 1" in c[8] for c in planning)
        assert "planning" in str(screen.query_one("#totals", Static).render())
        header = str(screen.query_one(AppHeader).render())
        assert re.search(r"queue: \d+ active, \d+ planning", header), header
        srv.emulator.s.batch_seconds = 0  # the batch is ready
        store = app.services.pull.store
        await wait_for(
            pilot,
            lambda: (
                store.planning() == 0
                and all(j.state == DONE for j in store.all() if not j.is_expansion)
            ),
            timeout=40,
        )
        await wait_for(pilot, lambda: screen.jobs and all(j.state == DONE for j in screen.jobs))
        screen.query_one(VirtualTable).cursor = 0
        await idle(pilot)
        detail = str(screen.query_one("#job-detail", Static).render())
        job = screen.jobs[0]
        assert job.outputs and Path(job.outputs[0]["location"]).name in detail
        steps = "queued → .*resolving → .*downloading → .*converting → .*uploading → .*done"
        assert re.search(r"\d\d:\d\d:\d\d " + steps, detail), detail


async def test_marked_calls_survive_sort_and_filter_and_D_takes_only_them(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        browse = app.area("browse")
        model, table = browse.model, browse.query_one(VirtualTable)
        recorded = [
            i for i in range(len(model)) if model.summary(i).has_recording and model.summary(i).end
        ]
        chosen = [model.summary(i).conversation_id for i in recorded[1:6:2]]  # three, apart
        for cid in chosen:
            table.cursor = model.index_of(cid)
            await pilot.press("space")
        await idle(pilot)
        assert set(browse.marks) == set(chosen)
        assert "3 marked" in str(browse.query_one("#status", Static).render())
        await pilot.press("S")  # sorted the other way: still marked
        await idle(pilot)
        marked_rows = {browse.cells(i)[1] for i in range(len(model)) if browse.cells(i)[0] == "✓"}
        assert len(marked_rows) == 3
        table.cursor = model.index_of(chosen[0])
        await pilot.press("space")  # unmarked again
        assert set(browse.marks) == set(chosen[1:])
        browse.marks[chosen[0]] = model.summary(model.index_of(chosen[0]))  # marked once more
        model.set_filter(chosen[1])  # filtered down to one: the others stay marked
        table.reload()
        await idle(pilot)
        assert len(model) == 1 and len(browse.marks) == 3
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueDialog))
        assert "3 marked: 3 with recordings" in app.screen.what
        await pilot.press("enter")
        await idle(pilot)
        store = app.services.pull.store
        queued = {j.conversation_id for j in store.all()}
        assert queued == set(chosen) and not browse.marks


async def test_D_says_what_it_leaves_and_why(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        browse = app.area("browse")
        rows = [browse.model.summary(i) for i in range(len(browse.model))]
        live = sum(1 for s in rows if s.end is None)
        recorded = sum(1 for s in rows if s.has_recording and s.end is not None)
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueDialog))
        what = app.screen.what
        assert what.startswith(f"{len(rows):,} listed: {recorded:,} with recordings")
        assert (f"{live:,} still in progress" in what) == bool(live)
        assert ("without a recording" in what) == (len(rows) - recorded - live > 0)
        await pilot.press("escape")
