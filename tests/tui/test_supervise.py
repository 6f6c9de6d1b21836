"""The Supervise screen, driven by Pilot against the emulator's live calls: the identity panel (a
user's sign-in from the keyring, or instructions without one), the live list and its filter, the
detail, refusals with their reasons, the confirmation dialog with the focus on Cancel, dispatch
and the new participant, and the audit trail it leaves."""

from __future__ import annotations

import json
import re
from contextlib import asynccontextmanager

import numpy as np
from textual.widgets import Button, Input, Static

from genesys_tui.flows.supervise.audit import verify
from genesys_tui.tui.screens.dialogs import ConfirmDialog
from genesys_tui.tui.screens.supervise import NoticeChooser, SuperviseScreen
from genesys_tui.tui.widgets.virtual_table import VirtualTable
from tests.integration.helpers import sign_in_supervisor
from tests.tui.conftest import SIZE, idle, make_app, notes, settle, wait_for

# The emulator's names for the operations that change a call (its route table).
CHANGES_A_CALL = {
    "monitor",
    "coach",
    "barge",
    "barge.conversation",
    "conversations.calls.participant.patch",
    "secureivrsessions.create",
    "recordings.put",
}


def live(srv) -> list[str]:
    org = srv.emulator.org
    return [org.ids[int(i)] for i in np.flatnonzero(org.live)]


def sign_in_as_supervisor(srv) -> None:
    """What `genesys-tui login --user` leaves in the keyring."""
    sign_in_supervisor(srv)


@asynccontextmanager
async def supervising(srv, tmp_path, *, user=True, **app_options):
    if user:
        sign_in_as_supervisor(srv)
    app = make_app(srv, tmp_path, **app_options)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("4")
        await wait_for(
            pilot,
            lambda: (
                app.area("supervise") is not None
                and app.area("supervise").calls
                and (
                    app.area("supervise").desk is not None
                    or app.area("supervise").sign_in_problem is not None
                )
            ),
        )
        await idle(pilot)
        yield app, pilot, app.area("supervise")


async def stepping(pilot, srv, predicate, by: float = 0.25, steps: int = 2400) -> None:
    """Until `predicate()` holds, the emulator's stepped clock moved on `by` seconds at a time
    (at most `steps` times: ten org minutes), the app's messages handled after each step."""
    import asyncio

    for _ in range(steps):
        if predicate():
            return
        await asyncio.to_thread(srv.advance, by)
        await pilot.pause()
    raise AssertionError("the condition did not hold within the org time stepped")


async def select(pilot, screen: SuperviseScreen, cid: str) -> None:
    index = next(i for i, (c, _) in enumerate(screen.rows) if c.conversation_id == cid)
    screen.query_one(VirtualTable).cursor = index
    await idle(pilot)


def text_of(widget: Static) -> str:
    from rich.console import Console

    console = Console(width=120, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(widget.content)
    return console.export_text()


def audit_records(app) -> list[dict]:
    path = app.session.scope.audit_dir / "supervise.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


async def test_the_panel_lists_live_calls_with_identity_and_detail(emulator, tmp_path):
    async with supervising(emulator, tmp_path) as (app, pilot, screen):
        assert isinstance(app.screen, SuperviseScreen)
        ident = text_of(screen.query_one("#identity", Static))
        assert re.search(
            r"Supervisor Sam Supervisor \(user sign-in, 23h 5\dm left\)", ident
        )  # PKCE: no refresh
        assert "supervision_consent" in ident
        assert {c.conversation_id for c, _ in screen.rows} == set(live(emulator))
        await select(pilot, screen, live(emulator)[3])
        detail = text_of(screen.query_one("#call-info", Static))
        c, leg = screen.selected()
        assert c.secure_pause and screen.row_style(screen.query_one(VirtualTable).cursor) == "alert"
        cells = screen.cells(screen.query_one(VirtualTable).cursor)
        assert cells[5] == "SECURE PAUSE" and cells[4] == "not recorded" and cells[1] == leg.name
        assert (
            "SECURE PAUSE" in detail
            and "Participants" in detail
            and leg.name in detail
            and "consent not recorded" in detail
        )
        # the filter narrows by queue or agent; Escape brings everything back
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*leg.name.split()[0].lower())
        await idle(pilot)
        assert 1 <= len(screen.rows) < len(live(emulator)) and all(
            leg.name.split()[0].lower() in (c.text() + (x.name.lower() if x else ""))
            for c, x in screen.rows
        )
        await pilot.press("escape")
        await idle(pilot)
        assert len(screen.rows) == len(live(emulator)) and isinstance(app.focused, VirtualTable)


async def test_without_a_user_sign_in_the_panel_says_how(emulator, tmp_path):
    async with supervising(emulator, tmp_path, user=False) as (app, pilot, screen):
        ident = text_of(screen.query_one("#identity", Static))
        assert "Actions need your own sign-in" in ident and "genesys-tui login --user" in ident
        assert screen.rows  # the list still works on client credentials
        before = emulator.emulator.stats["monitor"]
        await select(pilot, screen, live(emulator)[1])
        await pilot.press("m")
        await idle(pilot)
        assert (
            not isinstance(app.screen, ConfirmDialog)
            and emulator.emulator.stats["monitor"] == before
        )
        assert any("login --user" in n.message for n in notes(app))
        # signing in afterwards and pressing L enables actions without a restart
        sign_in_as_supervisor(emulator)
        await pilot.press("L")
        await wait_for(pilot, lambda: screen.desk is not None)
        assert "Sam Supervisor" in text_of(screen.query_one("#identity", Static))


async def test_a_refusal_shows_its_reasons_and_sends_nothing(emulator, tmp_path):
    async with supervising(emulator, tmp_path) as (app, pilot, screen):
        await select(pilot, screen, live(emulator)[2])  # consent "false"
        before = emulator.emulator.stats["barge"]
        await pilot.press("b")
        await wait_for(pilot, lambda: not screen.busy and audit_records(app))
        assert not isinstance(app.screen, ConfirmDialog)
        assert emulator.emulator.stats["barge"] == before
        note = next(n for n in notes(app) if n.title == "Barge refused")
        assert (
            "has supervision_consent='false', which is not one of the accepted values"
            in note.message
        )
        assert [r["result"] for r in audit_records(app)] == ["refused"]
        checks = {c.name: c for c in screen.last_checks[live(emulator)[2]]}
        assert not checks["agent consent"].ok and checks["call is live"].ok
        assert "✗ agent consent" in text_of(screen.query_one("#call-info", Static))


async def test_confirm_dialog_focuses_cancel_then_monitor_lands(fresh_emulator, tmp_path):
    srv = fresh_emulator
    cid = live(srv)[1]
    async with supervising(srv, tmp_path) as (app, pilot, screen):
        await select(pilot, screen, cid)
        agent = screen.selected()[1]
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        dialog = app.screen
        assert isinstance(app.focused, Button) and app.focused.id == "cancel"
        body = "".join(text_of(w) for w in dialog.query(Static))
        assert (
            "Monitor" in body and cid in body and agent.name in body and "✓ agent consent" in body
        )
        assert "✓ not in secure pause" in body and "✓ supervisor's place on the call" in body
        await pilot.press("enter")  # a stray Enter cancels
        await wait_for(pilot, lambda: not screen.busy)
        assert srv.emulator.stats["monitor"] == 0
        assert [r["result"] for r in audit_records(app)] == ["allowed", "cancelled"]
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.click("#confirm")
        await wait_for(pilot, lambda: not screen.busy and srv.emulator.stats["monitor"] == 1)
        await idle(pilot)
        assert srv.emulator.stats["monitor"] == 1
        call = next(c for c, _ in screen.rows if c.conversation_id == cid)
        assert [(s.name, s.roles) for s in call.supervisors] == [("Sam Supervisor", ["monitor"])]
        note = next(n for n in notes(app) if n.title == "Done")
        assert "Monitor: dispatched (HTTP 201) in" in note.message
        records = audit_records(app)
        assert [r["result"] for r in records] == ["allowed", "cancelled", "allowed", "dispatched"]
        assert records[-1]["latencyMs"] > 0 and records[-1]["participantId"] == agent.participant_id
        assert verify(screen.desk.engine.audit).ok
        assert "you are on it: monitor" in str(screen.query_one("#status", Static).render())
        # on the call now: the same role again is refused for that reason
        await pilot.press("m")
        await wait_for(pilot, lambda: not screen.busy and len(audit_records(app)) == 5)
        assert (
            "already on it" in next(n for n in notes(app) if n.title == "Monitor refused").message
        )
        # another role: a leave and a join, confirmed as one action
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        body = "".join(text_of(w) for w in app.screen.query(Static))
        assert "You are on this call (monitor)" in body and "join again to coach" in body
        await pilot.click("#confirm")
        await wait_for(pilot, lambda: not screen.busy and srv.emulator.stats["coach"] == 1)
        await idle(pilot)
        assert "you are on it: coach" in str(screen.query_one("#status", Static).render())
        await pilot.press("x")  # leave
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.click("#confirm")
        await wait_for(
            pilot, lambda: not screen.busy and audit_records(app)[-1]["action"] == "leave"
        )
        await idle(pilot)
        assert audit_records(app)[-1]["result"] == "dispatched"
        call = next(c for c, _ in screen.rows if c.conversation_id == cid)
        assert call.supervisors == []
        assert "you are on it" not in str(screen.query_one("#status", Static).render())


async def test_notice_chooser_and_demo_sign_in(fresh_emulator, tmp_path):
    from dataclasses import replace

    from genesys_tui.core.config import Config, Notice

    srv = fresh_emulator
    srv.emulator.s.secure_ivr_seconds = 0.2
    cid = live(srv)[4]
    notices = {
        "recording": Notice(
            flow_id="flow-rec", max_duration_seconds=5, description="may be recorded"
        ),
        "hold": Notice(flow_id="flow-hold", max_duration_seconds=5, description="please hold"),
    }
    async with supervising(srv, tmp_path, user=False, demo=True) as (app, pilot, screen):
        app.config = replace(Config(), notices=notices)
        assert screen.desk is not None  # the demo signs in through the emulator's PKCE flow
        screen.desk.engine.notices = notices
        await select(pilot, screen, cid)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoticeChooser))
        await pilot.press("down", "enter")  # "recording" (sorted: hold, recording)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "flow-rec" in "".join(text_of(w) for w in app.screen.query(Static))
        await pilot.click("#confirm")
        await wait_for(
            pilot,
            lambda: not screen.busy and any(n.title == "Done" for n in notes(app)),
            timeout=15,
        )
        assert (
            "the notice flow COMPLETED" in next(n for n in notes(app) if n.title == "Done").message
        )
        (session,) = next(iter(srv.emulator.secure_sessions.values()))
        assert session["flow"]["id"] == "flow-rec"
        assert audit_records(app)[-1]["notice"] == "recording"


async def test_read_only_mode_refuses_every_action(emulator, tmp_path):
    async with supervising(emulator, tmp_path, readonly=True) as (app, pilot, screen):
        assert "READ-ONLY" in text_of(screen.query_one("#identity", Static))
        await select(pilot, screen, live(emulator)[1])
        before = emulator.emulator.stats["monitor"]
        await pilot.press("m")
        await wait_for(pilot, lambda: not screen.busy and audit_records(app))
        assert (
            not isinstance(app.screen, ConfirmDialog)
            and emulator.emulator.stats["monitor"] == before
        )
        assert (
            "read-only mode is on"
            in next(n for n in notes(app) if n.title == "Monitor refused").message
        )


async def test_an_ended_sign_in_refuses_before_sending_and_L_signs_in_again_in_the_browser(
    fresh_emulator, tmp_path, monkeypatch, memory_keyring
):
    import threading
    import webbrowser

    import httpx

    srv = fresh_emulator
    cid = live(srv)[1]
    async with supervising(srv, tmp_path) as (app, pilot, screen):
        auth = screen.desk.client.auth
        auth._expires_at = auth._clock() - 1  # the PKCE token's life is over
        screen.check_sign_in()
        await idle(pilot)
        assert "sign-in ended: press L" in text_of(screen.query_one("#identity", Static))
        from genesys_tui.tui.widgets.header import AppHeader

        assert "supervisor sign-in: expired" in text_of(screen.query_one(AppHeader))
        assert any("sign-in has ended" in n.message for n in notes(app))
        await select(pilot, screen, cid)
        before = dict(srv.emulator.stats)
        await pilot.press("m")
        await wait_for(pilot, lambda: not screen.busy and audit_records(app))
        assert not isinstance(app.screen, ConfirmDialog) and srv.emulator.stats["monitor"] == 0
        assert any("sign in again" in n.message for n in notes(app))
        # Reads may go on (the list refreshes on its own); nothing that changes a call was sent.
        grew = {k for k, v in srv.emulator.stats.items() if v > before.get(k, 0)}
        assert not grew & CHANGES_A_CALL, grew
        # L with no valid stored sign-in: the browser sign-in, right here.
        memory_keyring.store.clear()
        opened: list[str] = []

        def browser(url, new=0):
            opened.append(url)
            threading.Thread(
                target=lambda: httpx.get(url, follow_redirects=True), daemon=True
            ).start()
            return True

        monkeypatch.setenv("DISPLAY", ":99")
        monkeypatch.setattr(webbrowser, "open", browser)
        old = screen.desk
        await pilot.press("L")
        await wait_for(pilot, lambda: screen.desk is not None and screen.desk is not old)
        assert opened and "23h" in text_of(screen.query_one("#identity", Static))
        assert any(
            k[1].startswith("user-token:") for k in memory_keyring.store
        )  # kept for the CLI too


async def test_the_live_list_is_pushed_calls_come_and_go_without_polling(tmp_path):
    from genesys_tui.emulator import EmulatorServer
    from tests.conftest import small_org

    settings = small_org(live_rate=120.0, duration_scale=0.05, stepped_clock=True)
    with EmulatorServer(settings) as srv:
        async with supervising(srv, tmp_path) as (app, pilot, screen):
            await wait_for(pilot, lambda: screen.board is not None and screen.board.mode == "push")
            status = str(screen.query_one("#status", Static).render())
            assert "pushed by Genesys" in status
            first = {c.conversation_id for c in screen.calls}
            stats = srv.emulator.stats
            reads = (stats["analytics.details.query"], stats["conversations.calls.get"])
            await stepping(
                pilot,
                srv,
                lambda: (
                    {c.conversation_id for c in screen.calls} - first
                    and first - {c.conversation_id for c in screen.calls}
                ),
            )  # new calls listed, ended ones gone: nobody pressed r
            # nothing was read to keep the list (topic changes for live words aside)
            assert (stats["analytics.details.query"], stats["conversations.calls.get"]) == reads
            new = next(iter({c.conversation_id for c in screen.calls} - first))
            assert any(c.conversation_id == new for c, _ in screen.rows)


async def test_the_selected_calls_words_come_live_by_role(tmp_path):
    from genesys_tui.emulator import EmulatorServer
    from tests.conftest import small_org

    settings = small_org(
        live_rate=30.0, duration_scale=0.25, stepped_clock=True, transcript_delay_seconds=0.5
    )
    with EmulatorServer(settings) as srv:
        org = srv.emulator.org
        async with supervising(srv, tmp_path) as (app, pilot, screen):
            first = set(live(srv))

            def arrived() -> str | None:  # a call that came after the list was read, answered
                for c, leg in screen.rows:
                    if c.conversation_id not in first and leg and leg.state == "connected":
                        return c.conversation_id
                return None

            await stepping(pilot, srv, lambda: arrived() is not None)
            cid = arrived()
            await select(pilot, screen, cid)
            panel = screen.query_one("#live-words", Static)
            await stepping(  # (in steps of a second: the call has the IVR and a queue to go)
                pilot,
                srv,
                lambda: "agent" in text_of(panel) and "customer" in text_of(panel),
                by=1.0,
            )
            assert "words come about" in text_of(panel)
            words = screen.live_watch.words[cid]
            assert all(u.lag >= 0.5 for u in words.utterances.values())  # never before the delay
            running = srv.emulator.centre.calls.get(org.find(cid))  # or over by now
            plan = running.full if running else org.detail(org.find(cid))
            spoken = {p.text for p in plan.phrases}
            assert all(u.text in spoken for u in words.utterances.values())


async def test_alerts_pop_up_in_supervise_only_are_counted_elsewhere_listed_and_acknowledged(
    tmp_path,
):
    from dataclasses import replace

    from genesys_tui.core.config import AlertRules, Config
    from genesys_tui.emulator import EmulatorServer
    from genesys_tui.flows.supervise import store
    from genesys_tui.tui.screens.alerts import AlertsScreen
    from genesys_tui.tui.widgets.header import AppHeader
    from tests.conftest import small_org

    config = Config()
    rules = AlertRules(hold_seconds=3, queue_wait_seconds=3, silence_seconds=0)
    config.supervise = replace(config.supervise, alerts=rules)
    settings = small_org(live_rate=60.0, duration_scale=0.25, stepped_clock=True)
    with EmulatorServer(settings) as srv:
        async with supervising(srv, tmp_path, config=config) as (app, pilot, screen):

            def toasts() -> int:
                return sum(n.title == "Alert (a lists them)" for n in notes(app))

            await stepping(pilot, srv, lambda: toasts() > 0, by=2.0)  # as it happened, here
            await pilot.press("1")  # Browse: no pop-ups there, a count in the header
            await idle(pilot)
            shown, waiting = toasts(), screen.unacknowledged()
            await stepping(pilot, srv, lambda: screen.unacknowledged() > waiting, by=2.0)
            assert toasts() == shown
            app.screen.query_one(AppHeader).update_text()
            assert f"{screen.unacknowledged()} alert(s)" in str(
                app.screen.query_one(AppHeader).render()
            )
            await pilot.press("4")
            await idle(pilot)
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen))
            alerts = app.screen
            assert alerts.entries and all(e.label for e in alerts.entries)
            first = alerts.entries[0].id
            await pilot.press("a")  # the selected one
            await idle(pilot)
            assert next(e for e in alerts.entries if e.id == first).acknowledged
            await pilot.press("A")
            await idle(pilot)
            assert all(e.acknowledged for e in alerts.entries)
            acked = {e.id for e in alerts.entries}
            await pilot.press("escape")
            await idle(pilot)
            scope = app.session.scope
        log = store.alert_log(scope)  # kept per org, for the next run
        kept = {e.id for e in log.entries(unacknowledged=False) if e.acknowledged}
        assert acked <= kept


async def test_the_floor_view_shows_queues_and_agents_and_goes_to_a_call(tmp_path):
    from genesys_tui.emulator import EmulatorServer
    from genesys_tui.emulator import floor as truth
    from genesys_tui.tui.screens.floor import FloorScreen
    from tests.conftest import small_org

    settings = small_org(live_rate=30.0, duration_scale=0.25, stepped_clock=True)
    with EmulatorServer(settings) as srv:
        async with supervising(srv, tmp_path) as (app, pilot, screen):
            await wait_for(pilot, lambda: screen.board is not None and screen.board.mode == "push")
            await pilot.press("f")
            await wait_for(pilot, lambda: isinstance(app.screen, FloorScreen))
            floor_screen = app.screen
            await wait_for(pilot, lambda: screen.floor.mode == "push")
            import asyncio

            for _ in range(5):  # the floor moves on
                await asyncio.to_thread(srv.advance, 1.0)
                await pilot.pause()
            emu = srv.emulator
            agents = {a.user_id: a.status for a in truth.agent_states(emu, emu.now_ms())}
            await wait_for(
                pilot, lambda: {r.user_id: r.status for r in screen.floor.agent_rows()} == agents
            )
            floor_screen.draw()
            assert len(floor_screen.queues) == len(emu.org.queues)
            status = str(floor_screen.query_one("#floor-status", Static).render())
            assert "pushed by Genesys" in status and "agent(s)" in status
            on_call = next(i for i, r in enumerate(floor_screen.agents) if r.call)
            agents_table = floor_screen.query_one("#agents", VirtualTable)
            agents_table.focus()
            agents_table.cursor = on_call
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen is screen)
            c, leg = screen.selected()
            assert leg is not None and leg.user_id == floor_screen.agents[on_call].user_id
